//! `GET /metrics`: Prometheus text exposition of what operators watch: requests by status class and
//! their total duration, the log's head position, each read model's lag, and resident memory.
//! Counters are plain atomics filled by a middleware; no request data (paths with ids, bodies) is
//! recorded, so nothing personal can leak here.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;

/// Request counters by status class (1xx..5xx) and the total time spent answering.
#[derive(Debug, Default)]
pub struct Metrics {
    by_class: [AtomicU64; 5],
    duration_micros: AtomicU64,
}

impl Metrics {
    fn record(&self, status: u16, micros: u64) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        self.duration_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

/// The middleware that counts every answer.
pub async fn count(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    state.metrics.record(response.status().as_u16(), micros);
    response
}

/// Resident memory of this process, from /proc (Linux); 0 elsewhere.
fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|statm| statm.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "health_metrics",
    tag = "operations",
    summary = "Prometheus メトリクス / Prometheus metrics",
    security(()),
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String)),
)]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "# HELP grants_http_requests_total Answered requests by status class."
    );
    let _ = writeln!(text, "# TYPE grants_http_requests_total counter");
    for (class, counter) in state.metrics.by_class.iter().enumerate() {
        let _ = writeln!(
            text,
            "grants_http_requests_total{{class=\"{}xx\"}} {}",
            class + 1,
            counter.load(Ordering::Relaxed)
        );
    }
    let seconds = state.metrics.duration_micros.load(Ordering::Relaxed) as f64 / 1e6;
    let _ = writeln!(
        text,
        "# HELP grants_http_request_seconds_total Time spent answering requests."
    );
    let _ = writeln!(text, "# TYPE grants_http_request_seconds_total counter");
    let _ = writeln!(text, "grants_http_request_seconds_total {seconds}");
    let db = &state.db;
    let head: Option<i64> = crate::with_pool!(db, pool => sqlx::query_scalar("SELECT max(position) FROM events")
        .fetch_one(pool)
        .await
        .unwrap_or(None));
    let _ = writeln!(
        text,
        "# HELP grants_log_head_position The global position of the newest event."
    );
    let _ = writeln!(text, "# TYPE grants_log_head_position gauge");
    let _ = writeln!(text, "grants_log_head_position {}", head.unwrap_or(0));
    if let Ok(lags) = state.projections.lag(time::OffsetDateTime::now_utc()).await {
        let _ = writeln!(
            text,
            "# HELP grants_projection_behind_events Events not yet applied by a read model."
        );
        let _ = writeln!(text, "# TYPE grants_projection_behind_events gauge");
        for lag in &lags {
            let _ = writeln!(
                text,
                "grants_projection_behind_events{{projection=\"{}\"}} {}",
                lag.name, lag.behind_events
            );
        }
        let _ = writeln!(text, "# HELP grants_projection_behind_seconds Age of the oldest event a read model has not applied.");
        let _ = writeln!(text, "# TYPE grants_projection_behind_seconds gauge");
        for lag in &lags {
            let _ = writeln!(
                text,
                "grants_projection_behind_seconds{{projection=\"{}\"}} {}",
                lag.name, lag.behind_seconds
            );
        }
    }
    let _ = writeln!(
        text,
        "# HELP process_resident_memory_bytes Resident memory size in bytes."
    );
    let _ = writeln!(text, "# TYPE process_resident_memory_bytes gauge");
    let _ = writeln!(text, "process_resident_memory_bytes {}", resident_bytes());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}
