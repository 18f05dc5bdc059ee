//! `GET /metrics`: the Prometheus (OpenMetrics) text exposition of what operators watch: requests by
//! status class and their total duration, the log's head position, each read model's and process
//! manager's lag, and resident memory. The format is written by `prometheus-client`. Counters are
//! filled by a middleware; no request data (paths with ids, bodies) is recorded, so nothing
//! personal can leak here.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use grants_projections::lag::Lag;

use super::error::ApiError;
use super::AppState;

/// A read model's label: `projection="awards"`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProjectionLabel {
    projection: String,
}

/// A process manager's label: `process="mail_outbox"`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProcessLabel {
    process: String,
}

/// Registers `grants_{kind}_behind_events` and `grants_{kind}_behind_seconds` for the followers of
/// the log in `lags` (`who` they are, for the help text), one series each, labelled by `label`.
fn register_lags<L>(
    registry: &mut Registry,
    (kind, who): (&str, &str),
    lags: &[Lag],
    label: impl Fn(&Lag) -> L,
) where
    L: EncodeLabelSet + Clone + std::fmt::Debug + std::hash::Hash + Eq + Send + Sync + 'static,
{
    let events = Family::<L, Gauge>::default();
    let seconds = Family::<L, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
    for lag in lags {
        events.get_or_create(&label(lag)).set(lag.behind_events);
        seconds.get_or_create(&label(lag)).set(lag.behind_seconds);
    }
    registry.register(
        format!("grants_{kind}_behind_events"),
        format!("Events not yet applied by {who}."),
        events,
    );
    registry.register(
        format!("grants_{kind}_behind_seconds"),
        format!("Age of the oldest event {who} has not applied."),
        seconds,
    );
}

/// The middleware that counts every answer.
pub async fn count(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .record(response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}

/// Resident memory of this process, from /proc (Linux); 0 elsewhere.
fn resident_bytes() -> i64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|statm| statm.split_whitespace().nth(1)?.parse::<i64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// A gauge set to `value`, registered in `registry`.
fn gauge(registry: &mut Registry, name: &str, help: &str, value: i64) {
    let gauge = Gauge::<i64>::default();
    gauge.set(value);
    registry.register(name, help, gauge);
}

/// `GET /metrics`: the service's counters in the OpenMetrics text format.
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "health_metrics",
    tag = "operations",
    summary = "Prometheus メトリクス / Prometheus metrics",
    security(()),
    responses((status = 200, description = "OpenMetrics text format", content_type = "application/openmetrics-text", body = String)),
)]
pub async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let mut registry = Registry::default();
    // The counters are shared with the middleware (clones of one atomic); registering a clone
    // exposes their current value. `prometheus-client` adds the counters' `_total` suffix.
    registry.register(
        "grants_http_requests",
        "Answered requests by status class.",
        state.metrics.requests(),
    );
    registry.register(
        "grants_http_request_seconds",
        "Time spent answering requests.",
        state.metrics.seconds(),
    );
    let db = &state.db;
    let head: Option<i64> = crate::with_pool!(db, pool => sqlx::query_scalar("SELECT max(position) FROM events")
        .fetch_one(pool)
        .await
        .unwrap_or(None));
    gauge(
        &mut registry,
        "grants_log_head_position",
        "The global position of the newest event.",
        head.unwrap_or(0),
    );
    let now = time::OffsetDateTime::now_utc();
    if let Ok(lags) = state.projections.lag(now).await {
        register_lags(
            &mut registry,
            ("projection", "a read model"),
            &lags,
            |lag| ProjectionLabel {
                projection: lag.name.to_owned(),
            },
        );
    }
    if let Ok(lags) =
        grants_projections::lag::lag_of(state.projections.pool(), &crate::FOLLOWERS, now).await
    {
        register_lags(
            &mut registry,
            ("process", "a process manager"),
            &lags,
            |lag| ProcessLabel {
                process: lag.name.to_owned(),
            },
        );
    }
    gauge(
        &mut registry,
        "process_resident_memory_bytes",
        "Resident memory size in bytes.",
        resident_bytes(),
    );
    let mut text = String::new();
    encode(&mut text, &registry).map_err(|error| ApiError::internal(error.to_string()))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    ))
}
