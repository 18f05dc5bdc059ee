//! 中止・廃止 (`grants_domain::grant` discontinuation): the group asks to stop its project with a
//! reason; staff approve (the project ends that day, JST) or refuse with a reason. An approved grant
//! then files its settlement report of what was spent through the ordinary report routes, and the
//! review finalises it; the budget it frees goes back to the round through the release process
//! (`process::release`), as for any finalisation below the decided amount.

use axum::extract::State;
use axum::response::IntoResponse;
use grants_domain::GrantId;

use super::context::CommandContext;
use super::error::ApiError;
use super::extract::{Json, Path};
use super::grants::answer;
use super::openapi as doc;
use super::AppState;
use crate::policy::{Applicant, Staff};
use crate::service::grants::{self, DiscontinuationDecision, DiscontinuationRequest};

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
    applicant: Applicant,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(body): Json<DiscontinuationRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = grants::request_discontinuation(&state, &context, &applicant, id, body).await?;
    Ok(answer(&state, &executed))
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
    staff: Staff,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(body): Json<DiscontinuationDecision>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = grants::decide_discontinuation(&state, &context, &staff, id, body).await?;
    Ok(answer(&state, &executed))
}
