//! 中止・廃止 (`grants_domain::grant` discontinuation): the group asks to stop its project with a
//! reason; staff approve (the project ends that day, JST) or refuse with a reason. An approved grant
//! then files its settlement report of what was spent through the ordinary report routes, and the
//! review finalises it; the budget it frees goes back to the round through the release process
//! (`process::release`), as for any finalisation below the decided amount.

use axum::extract::State;
use axum::response::IntoResponse;
use grants_domain::grant::GrantCommand;
use grants_domain::GrantId;
use serde::Deserialize;
use utoipa::ToSchema;

use super::context::CommandContext;
use super::error::ApiError;
use super::extract::{Json, Path};
use super::grants::answer;
use super::openapi as doc;
use super::AppState;
use crate::policy::{decided_grant, own_grant, Applicant, Staff};
use crate::service::grants::run;
use crate::store::ActorRole;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscontinuationRequest {
    /// Why the project cannot go on (required).
    reason: String,
}

/// `POST /api/v1/grants/{id}/discontinuation`: the group asks to discontinue (an extension of
/// api.md).
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/discontinuation",
    operation_id = "grants_request_discontinuation",
    tag = "grants",
    summary = "事業の中止・廃止の承認申請 / the group asks to discontinue the project",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    request_body = DiscontinuationRequest,
    responses((status = 200, description = "the grant", body = doc::GrantRead)),
)]
pub async fn request(
    State(state): State<AppState>,
    Applicant(actor): Applicant,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(body): Json<DiscontinuationRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let own = own_grant(&state, &actor, id).await?;
    let command = GrantCommand::RequestDiscontinuation {
        reason: body.reason,
        by: actor.user_id,
        at: context.now,
    };
    let executed = run(
        &state,
        &context,
        &actor,
        ActorRole::Applicant,
        own.loaded,
        command,
    )
    .await?;
    Ok(answer(&state, &executed))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscontinuationDecision {
    approved: bool,
    /// Required to refuse; a note on an approval.
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/grants/{id}/discontinuation/decision`: staff approve or refuse (an extension of
/// api.md). An approval moves the completion deadline to today (JST): the report of what was spent
/// is due `settlement_days` after it.
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/discontinuation/decision",
    operation_id = "grants_decide_discontinuation",
    tag = "grants",
    summary = "中止・廃止の承認・不承認 / staff approve or refuse the discontinuation",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    request_body = DiscontinuationDecision,
    responses((status = 200, description = "the grant", body = doc::GrantRead)),
)]
pub async fn decide(
    State(state): State<AppState>,
    Staff(actor): Staff,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(body): Json<DiscontinuationDecision>,
) -> Result<impl IntoResponse, ApiError> {
    let grant = decided_grant(&state, id).await?;
    let command = GrantCommand::DecideDiscontinuation {
        approved: body.approved,
        reason: body.reason,
        by: actor.user_id,
        at: context.now,
    };
    let executed = run(&state, &context, &actor, ActorRole::Staff, grant, command).await?;
    Ok(answer(&state, &executed))
}
