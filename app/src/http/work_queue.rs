//! `GET /api/v1/work-queue`: everything waiting on staff, by kind, with a count and the objects
//! (an extension of api.md; the use case is `crate::service::work_queue`).

use axum::extract::State;
use axum::Json;

use super::error::ApiError;
use super::AppState;
use crate::policy::Staff;
use crate::service::work_queue::{self, WorkQueue};

/// `GET /api/v1/work-queue` (staff).
#[utoipa::path(
    get,
    path = "/api/v1/work-queue",
    operation_id = "grants_work_queue",
    tag = "grants",
    summary = "職員の業務一覧 / everything waiting on staff",
    responses(
        (status = 200, description = "every kind of work, with its count and objects", body = WorkQueue),
        (status = 403, description = "staff only", body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn work_queue(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<WorkQueue>, ApiError> {
    Ok(Json(work_queue::work_queue(&state, &staff).await?))
}
