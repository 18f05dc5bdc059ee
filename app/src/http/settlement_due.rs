//! The settlement report's due date (rule 9, `grant::due_date`): staff extend it with a reason,
//! before or after it has passed, and accept the delay reason a late report gave, without which
//! the amount cannot be finalised.

use axum::extract::State;
use axum::response::IntoResponse;
use grants_domain::grant::GrantCommand;
use grants_domain::GrantId;
use serde::Deserialize;
use time::Date;
use utoipa::ToSchema;

use super::context::CommandContext;
use super::error::ApiError;
use super::extract::{Json, Path};
use super::grants::answer;
use super::openapi as doc;
use super::AppState;
use crate::policy::{decided_grant, Staff};
use crate::service::grants::run;
use crate::store::ActorRole;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineExtension {
    /// The new due date: later than the current one, and not before today (JST).
    deadline: Date,
    reason: String,
}

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
    Staff(actor): Staff,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(body): Json<DeadlineExtension>,
) -> Result<impl IntoResponse, ApiError> {
    let grant = decided_grant(&state, id).await?;
    let command = GrantCommand::ExtendSettlementDeadline {
        deadline: body.deadline,
        reason: body.reason,
        by: actor.user_id,
        at: context.now,
    };
    let executed = run(&state, &context, &actor, ActorRole::Staff, grant, command).await?;
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
    Staff(actor): Staff,
    context: CommandContext,
    Path(id): Path<GrantId>,
) -> Result<impl IntoResponse, ApiError> {
    let grant = decided_grant(&state, id).await?;
    let command = GrantCommand::AcceptDelayReason {
        by: actor.user_id,
        at: context.now,
    };
    let executed = run(&state, &context, &actor, ActorRole::Staff, grant, command).await?;
    Ok(answer(&state, &executed))
}
