//! Grants after the award over HTTP: reads, withdrawal, advances and payments, change requests, the
//! settlement report and its review, refunds and cancellation (rules 6 to 10). Each handler reads
//! the request and answers the grant read; the use cases are `crate::service::grants`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use grants_domain::grant::SettlementReport;
use grants_domain::{ChangeRequestId, Grant, GrantId};
use serde::Deserialize;

use super::context::CommandContext;
use super::error::ApiError;
use super::extract::{Json, OptionalJson, Path};
use super::openapi as doc;
use super::AppState;
use crate::auth::Actor;
use crate::policy::{Applicant, GroupHelper, Staff};
use crate::service::grant_read::{GrantRead, SettlementReportRead};
use crate::service::grants;
use crate::store::Executed;

/// The answer to a command on a grant: its read (`crate::service::grant_read`), with the position
/// of the command's last event.
pub(super) fn answer(state: &AppState, executed: &Executed<Grant>) -> Json<GrantRead> {
    let mut read = grants::read_of(state, &executed.state);
    read.position = Some(executed.position);
    Json(read)
}

/// `GET /api/v1/grants/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/grants/{id}",
    operation_id = "grants_get",
    tag = "grants",
    summary = "交付の参照 / a grant (its group, staff, auditors)",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    responses((status = 200, description = "the grant", body = doc::GrantRead)),
)]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<GrantId>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(grants::view(&state, &actor, id).await?))
}

/// `POST /api/v1/grants/{id}/withdraw`: the group withdraws within 10 days of the decision.
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/withdraw",
    operation_id = "grants_withdraw",
    tag = "grants",
    summary = "交付申請の取下げ（決定から10日以内） / withdraw within 10 days of the decision",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    request_body(content = Option<Reason>, description = "optional: {reason}"),
    responses((status = 200, description = "the grant", body = doc::GrantRead)),
)]
pub async fn withdraw(
    State(state): State<AppState>,
    applicant: Applicant,
    context: CommandContext,
    Path(id): Path<GrantId>,
    OptionalJson(body): OptionalJson<Reason>,
) -> Result<impl IntoResponse, ApiError> {
    let reason = body.map(|body| body.reason);
    let executed = grants::withdraw(&state, &context, &applicant, id, reason).await?;
    Ok(answer(&state, &executed))
}

/// The withdrawal's optional body.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = GrantWithdrawal)]
pub struct Reason {
    reason: String,
}

/// `POST /api/v1/grants/{id}/advance-requests`.
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/advance-requests",
    operation_id = "grants_request_advance",
    tag = "grants",
    summary = "概算払の請求 / request an advance",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    request_body = grants::AdvanceAsked,
    responses((status = 201, description = "the grant", body = doc::GrantRead)),
)]
pub async fn request_advance(
    State(state): State<AppState>,
    applicant: Applicant,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(body): Json<grants::AdvanceAsked>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = grants::request_advance(&state, &context, &applicant, id, body).await?;
    Ok((StatusCode::CREATED, answer(&state, &executed)))
}

/// `POST /api/v1/grants/{id}/payments`: staff record a payment.
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/payments",
    operation_id = "grants_record_payment",
    tag = "grants",
    summary = "支払の記録 / staff record a payment",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    request_body = grants::Payment,
    responses((status = 201, description = "the grant", body = doc::GrantRead)),
)]
pub async fn record_payment(
    State(state): State<AppState>,
    staff: Staff,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(body): Json<grants::Payment>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = grants::record_payment(&state, &context, &staff, id, body).await?;
    Ok((StatusCode::CREATED, answer(&state, &executed)))
}

/// `POST /api/v1/grants/{id}/change-requests`.
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/change-requests",
    operation_id = "grants_request_change",
    tag = "grants",
    summary = "変更承認申請 / request a change of plan",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    request_body = grants::ChangeRequest,
    responses((status = 201, description = "the grant and change_request_id", body = doc::GrantRead)),
)]
pub async fn request_change(
    State(state): State<AppState>,
    applicant: Applicant,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(body): Json<grants::ChangeRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let (executed, change_request_id) =
        grants::request_change(&state, &context, &applicant, id, body).await?;
    let mut body = answer(&state, &executed);
    body.0.change_request_id = Some(change_request_id);
    Ok((StatusCode::CREATED, body))
}

/// `POST /api/v1/grants/{id}/change-requests/{cid}/decision`: staff approve or refuse a change.
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/change-requests/{cid}/decision",
    operation_id = "grants_decide_change",
    tag = "grants",
    summary = "変更申請の承認・不承認 / staff approve or refuse a change",
    params(("id" = uuid::Uuid, Path, description = "the grant id"), ("cid" = uuid::Uuid, Path, description = "the change request id")),
    request_body = grants::ChangeDecision,
    responses((status = 200, description = "the grant", body = doc::GrantRead)),
)]
pub async fn decide_change(
    State(state): State<AppState>,
    staff: Staff,
    context: CommandContext,
    Path((id, change_request_id)): Path<(GrantId, ChangeRequestId)>,
    Json(body): Json<grants::ChangeDecision>,
) -> Result<impl IntoResponse, ApiError> {
    let executed =
        grants::decide_change(&state, &context, &staff, id, change_request_id, body).await?;
    Ok(answer(&state, &executed))
}

/// `PUT /api/v1/grants/{id}/settlement-report`: save the report (a draft until submitted).
#[utoipa::path(
    put,
    path = "/api/v1/grants/{id}/settlement-report",
    operation_id = "grants_save_report",
    tag = "grants",
    summary = "実績報告の保存 / save the settlement report (a draft until submitted)",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    request_body = grants_domain::grant::SettlementReport,
    responses((status = 200, description = "the grant", body = doc::GrantRead)),
)]
pub async fn save_report(
    State(state): State<AppState>,
    applicant: GroupHelper,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(report): Json<SettlementReport>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = grants::save_report(&state, &context, &applicant, id, report).await?;
    Ok(answer(&state, &executed))
}

/// `GET /api/v1/grants/{id}/settlement-report`: the saved report.
#[utoipa::path(
    get,
    path = "/api/v1/grants/{id}/settlement-report",
    operation_id = "grants_get_report",
    tag = "grants",
    summary = "実績報告の参照 / the saved settlement report",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    responses((status = 200, description = "the report", body = SettlementReportRead)),
)]
pub async fn get_report(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<GrantId>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(grants::settlement_report(&state, &actor, id).await?))
}

/// `POST /api/v1/grants/{id}/settlement-report/submit`: a report after its due date gives
/// `delay_reason`, which staff accept before the amount is finalised.
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/settlement-report/submit",
    operation_id = "grants_submit_report",
    tag = "grants",
    summary = "実績報告の提出 / submit the settlement report",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    request_body(content = Option<grants::ReportSubmission>, description = "optional: {delay_reason}, needed after the due date"),
    responses((status = 200, description = "the grant", body = doc::GrantRead)),
)]
pub async fn submit_report(
    State(state): State<AppState>,
    applicant: GroupHelper,
    context: CommandContext,
    Path(id): Path<GrantId>,
    OptionalJson(body): OptionalJson<grants::ReportSubmission>,
) -> Result<impl IntoResponse, ApiError> {
    let input = body.unwrap_or(grants::ReportSubmission { delay_reason: None });
    let executed = grants::submit_report(&state, &context, &applicant, id, input).await?;
    Ok(answer(&state, &executed))
}

/// `POST /api/v1/grants/{id}/settlement-report/review`: staff accept (額の確定) or return the report.
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/settlement-report/review",
    operation_id = "grants_review_report",
    tag = "grants",
    summary = "実績報告の審査（額の確定・差戻し） / staff accept (finalise the amount) or return the report",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    request_body = grants::ReportReview,
    responses((status = 200, description = "the grant: finalised amount, refund due or payable", body = doc::GrantRead)),
)]
pub async fn review_report(
    State(state): State<AppState>,
    staff: Staff,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(body): Json<grants::ReportReview>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = grants::review_report(&state, &context, &staff, id, body).await?;
    Ok(answer(&state, &executed))
}

/// `POST /api/v1/grants/{id}/refunds`: staff record a refund received.
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/refunds",
    operation_id = "grants_record_refund",
    tag = "grants",
    summary = "返還金の受領記録 / staff record a refund received",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    request_body = grants::Refund,
    responses((status = 201, description = "the grant", body = doc::GrantRead)),
)]
pub async fn record_refund(
    State(state): State<AppState>,
    staff: Staff,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(body): Json<grants::Refund>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = grants::record_refund(&state, &context, &staff, id, body).await?;
    Ok((StatusCode::CREATED, answer(&state, &executed)))
}

/// `POST /api/v1/grants/{id}/cancellation`: staff cancel (取消) and order a refund. The budget is not
/// released: money already spent stays spent, and a cancelled award is not re-offered.
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/cancellation",
    operation_id = "grants_cancel",
    tag = "grants",
    summary = "交付決定の取消 / staff cancel and order a refund",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    request_body = grants::Cancellation,
    responses((status = 200, description = "the grant", body = doc::GrantRead)),
)]
pub async fn cancel(
    State(state): State<AppState>,
    staff: Staff,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(body): Json<grants::Cancellation>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = grants::cancel(&state, &context, &staff, id, body).await?;
    Ok(answer(&state, &executed))
}
