//! Operations endpoints: liveness, readiness (database reachable, migrations applied, the store of
//! attached files answering, with the reads that found a file missing or corrupt) and metrics.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use grants_projections::lag::Lag;
use serde::Serialize;
use utoipa::ToSchema;

use super::extract::Json;
use super::AppState;

/// The answer of `/healthz`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Liveness {
    #[schema(example = "ok")]
    status: &'static str,
}

/// The answer of `/readyz`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    status: &'static str,
    /// `postgres` or `sqlite`.
    database: &'static str,
    /// `applied`, `pending` or `unknown`.
    migrations: &'static str,
    /// Each read model's lag behind the log.
    projections: Vec<Lag>,
    attachments: AttachmentStoreState,
}

/// The store of attached files as `/readyz` sees it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AttachmentStoreState {
    /// `directory` or `s3`.
    store: &'static str,
    /// `ok` or `unavailable` (then the service is not ready).
    status: &'static str,
    /// Reads that found a file missing or corrupt since the service started.
    failed_reads: u64,
}

/// `GET /healthz`: the process answers (liveness).
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "health_healthz",
    tag = "operations",
    summary = "死活監視 / liveness",
    security(()),
    responses((status = 200, description = "alive", body = Liveness)),
)]
pub async fn healthz() -> impl IntoResponse {
    Json(Liveness { status: "ok" })
}

/// `GET /readyz`: the database is reachable, migrations are applied and the read models' lag is
/// known (readiness).
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "health_readyz",
    tag = "operations",
    summary = "準備状態 / readiness: database reachable, migrations applied, projection lag",
    security(()),
    responses((status = 200, description = "ready", body = Readiness), (status = 503, description = "not ready", body = Readiness)),
)]
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let backend = state.db.backend_name();
    let migrations = match state.db.is_ready().await {
        Ok(true) => "applied",
        Ok(false) => "pending",
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            "unknown"
        }
    };
    // Lag is reported, not gated on: a read model behind the log is stale, not broken.
    let projections = match state.projections.lag(time::OffsetDateTime::now_utc()).await {
        Ok(lags) => lags,
        Err(error) => {
            tracing::warn!(%error, "projection lag unavailable");
            Vec::new()
        }
    };
    // The store of attached files must answer; files found missing or corrupt by reads are
    // reported (each also fails its own read, and `grants audit verify` lists them).
    let attachments_store = match state.blobs.probe().await {
        Ok(()) => "ok",
        Err(error) => {
            tracing::warn!(%error, "the attachment store does not answer");
            "unavailable"
        }
    };
    let ready = migrations == "applied" && attachments_store == "ok";
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Readiness {
            status: if ready { "ready" } else { "not_ready" },
            database: backend,
            migrations,
            projections,
            attachments: AttachmentStoreState {
                store: state.blobs.kind(),
                status: attachments_store,
                failed_reads: state.blobs.failed_reads(),
            },
        }),
    )
}
