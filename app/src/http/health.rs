//! Operations endpoints: liveness, readiness (database reachable, migrations applied) and metrics.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::json;

use super::extract::Json;
use super::openapi as doc;
use super::AppState;

#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "health_healthz",
    tag = "operations",
    summary = "死活監視 / liveness",
    security(()),
    responses((status = 200, description = "alive", body = doc::Liveness)),
)]
pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "health_readyz",
    tag = "operations",
    summary = "準備状態 / readiness: database reachable, migrations applied",
    security(()),
    responses((status = 200, description = "ready", body = doc::Readiness), (status = 503, description = "not ready", body = doc::Readiness)),
)]
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let backend = state.db.backend_name();
    match state.db.is_ready().await {
        Ok(true) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "database": backend, "migrations": "applied" })),
        ),
        Ok(false) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "not_ready", "database": backend, "migrations": "pending" })),
        ),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(
                    json!({ "status": "not_ready", "database": backend, "migrations": "unknown" }),
                ),
            )
        }
    }
}
