//! The settlement report's due date (rule 9, `grant::due_date`): staff extend it with a reason,
//! before or after it has passed, and accept the delay reason a late report gave, without which
//! the amount cannot be finalised.

use axum::extract::State;
use axum::response::IntoResponse;
use grants_domain::GrantId;

use super::context::CommandContext;
use super::error::ApiError;
use super::extract::{Json, Path};
use super::grants::answer;
use super::openapi as doc;
use super::AppState;
use crate::policy::Staff;
use crate::service::grants::{self, DeadlineExtension};

/// `POST /api/v1/grants/{id}/settlement-deadline`: staff extend the report's due date.
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/settlement-deadline",
    operation_id = "grants_extend_settlement_deadline",
    tag = "grants",
    summary = "実績報告の期限の延長 / staff extend the settlement report's due date",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    request_body = DeadlineExtension,
    responses((status = 200, description = "the grant, with its new settlement_due_on", body = doc::GrantRead)),
)]
pub async fn extend(
    State(state): State<AppState>,
    staff: Staff,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(body): Json<DeadlineExtension>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = grants::extend_settlement_deadline(&state, &context, &staff, id, body).await?;
    Ok(answer(&state, &executed))
}

/// `POST /api/v1/grants/{id}/settlement-report/delay-acceptance`: staff accept a late report's
/// delay reason (遅延理由の承認).
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/settlement-report/delay-acceptance",
    operation_id = "grants_accept_delay_reason",
    tag = "grants",
    summary = "遅延理由の承認 / staff accept a late report's delay reason",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    responses((status = 200, description = "the grant", body = doc::GrantRead)),
)]
pub async fn accept_delay(
    State(state): State<AppState>,
    staff: Staff,
    context: CommandContext,
    Path(id): Path<GrantId>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = grants::accept_delay_reason(&state, &context, &staff, id).await?;
    Ok(answer(&state, &executed))
}
