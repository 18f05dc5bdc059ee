//! Grants after the award: reads, withdrawal, advances and payments, change requests, the settlement
//! report and its review, refunds and cancellation (rules 6 to 10).
//!
//! The `Grant` aggregate decides each rule. Where a grant's amount moves, the round's budget follows
//! through the process managers (`crate::process`), because the budget is where rule 6 holds: a
//! withdrawal, a finalisation below the decided amount or an approved cut releases budget after the
//! grant records it; an approved raise is reserved on the round before the grant records it, and the
//! reservation is cancelled if the grant then refuses.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use grants_domain::grant::{
    AdvanceRequest, ChangeRecord, GrantCommand, PaymentKind, Period, ReviewOutcome,
    SettlementReport,
};
use grants_domain::round::RoundCommand;
use grants_domain::{Budget, ChangeRequestId, Grant, GrantId, Yen};
use serde::Deserialize;
use serde_json::{json, Value};
use time::Date;
use utoipa::ToSchema;

use super::context::CommandContext;
use super::error::ApiError;
use super::extract::{Json, OptionalJson, Path};
use super::openapi as doc;
use super::AppState;
use crate::auth::Actor;
use crate::policy::{decided_grant, own_grant, visible_grant, Applicant, Owned, Staff};
use crate::process;
use crate::store::{ActorRole, Executed, Loaded};

/// The grant read of api.md, with extensions: what remains to pay, the advance requests, the
/// actions the grant's state allows, its payments and change requests. `paid_total` is what was
/// paid net of refunds received.
pub fn grant_json(grant: &Grant) -> Value {
    json!({
        "grant_id": grant.grant_id,
        "application_id": grant.application_id,
        "round_id": grant.round_id,
        "group_id": grant.group_id,
        "status": grant.status,
        "decided_amount": grant.decided_amount(),
        "rate": grant.award.as_ref().map(|award| award.terms.rate),
        "decided_on": grant.decided_on(),
        "notice_number": grant.notice_number(),
        "paid_total": grant.net_paid(),
        "finalised_amount": grant.finalised_amount,
        "refund_due": grant.refund_due(),
        "refund_due_on": grant.refund_due_on(),
        "payable": grant.payable(),
        "completion_deadline": grant.completion_deadline(),
        "remaining_to_pay": grant.remaining_to_pay(),
        "open_advance": grant.open_advance(),
        "advance_requests": grant.advances().iter().map(advance_request_json).collect::<Vec<_>>(),
        "allowed_actions": grant.allowed_actions(),
        "payments": grant.payments,
        "change_requests": grant.changes.iter().map(|change| {
            let mut body = change_request_json(change);
            body["attachments"] =
                super::attachments::change_attachments_json(grant, change.change_request_id);
            body
        }).collect::<Vec<_>>(),
        "discontinuation": super::discontinuation::record_json(grant),
        "settlement_due_on": grant.settlement_due_on(),
        "settlement_extensions": grant.settlement_extensions.iter().map(|extension| json!({
            "previous": extension.previous,
            "deadline": extension.deadline,
            "reason": extension.reason,
            "extended_at": super::jst(extension.extended_at),
        })).collect::<Vec<_>>(),
        "refund_order": grant.refund_order.as_ref().map(|order| json!({
            "ordered": order.ordered,
            "due_on": order.due_on,
            "additional_charge_rate": order.terms.additional_rate,
            "late_charge_rate": order.terms.late_rate,
            "days_per_year": order.terms.days_per_year,
            "additional_charge_if_paid_on_due_date": order.additional_if_paid_on_due_date,
        })),
        "surcharges": grant.surcharges(grants_domain::fiscal_year::jst_date(time::OffsetDateTime::now_utc())),
        "settlement_delay": grant.settlement_delay.as_ref().map(|delay| json!({
            "reason": delay.reason,
            "deadline": delay.deadline,
            "explained_at": super::jst(delay.explained_at),
            "accepted_at": delay.accepted_at.map(super::jst),
        })),
    })
}

/// One advance request of the grant read, its instant in JST as every instant the API answers.
fn advance_request_json(request: &AdvanceRequest) -> Value {
    json!({
        "amount": request.amount,
        "requested_at": super::jst(request.requested_at),
        "requested_on": request.requested_on,
        "status": request.status,
        "unpaid": request.unpaid,
    })
}

/// One change request of the grant read: what was asked (reason, period, the total cost before and
/// after) and what became of it. The whole budget stays out: the totals are what rule 8 weighs.
fn change_request_json(record: &ChangeRecord) -> Value {
    json!({
        "change_request_id": record.change_request_id,
        "reason": record.reason,
        "requested_at": super::jst(record.requested_at),
        "period": record.period,
        "total_cost_before": record.total_cost_before,
        "total_cost_after": record.total_cost_after,
        "status": record.state,
        "decision": record.decision.as_ref().map(|decision| json!({
            "approved": decision.approved,
            "reason": decision.reason,
            "decided_at": super::jst(decision.decided_at),
            "previous_amount": decision.previous_amount,
            "decided_amount": decision.decided_amount,
        })),
    })
}

pub(super) fn answer(executed: &Executed<Grant>) -> Json<Value> {
    let mut body = grant_json(&executed.state);
    body["position"] = json!(executed.position);
    Json(body)
}

/// Runs a grant command, then gives the round back the budget its events free
/// (`Grant::budget_freed_by`: a withdrawal, a finalised amount below the decided one).
pub(super) async fn run(
    state: &AppState,
    grant: Loaded<Grant>,
    command: GrantCommand,
    context: &CommandContext,
    actor: &Actor,
    role: ActorRole,
) -> Result<Executed<Grant>, ApiError> {
    let executed = context
        .run_loaded(&state.stores.grants, grant, command, actor, role)
        .await?;
    // What the grant's events give back to the round, at once; the background run of the same
    // process (`process::release`) repeats it from the log and appends nothing twice.
    for envelope in &executed.events {
        process::release::follow(
            state,
            &executed.state,
            envelope.sequence as i64,
            &envelope.payload,
            actor.user_id,
        )
        .await?;
    }
    Ok(executed)
}

/// [`run`] for a member of the grant's group, on the grant `own_grant` loaded.
async fn run_own(
    state: &AppState,
    own: Owned<Grant>,
    command: GrantCommand,
    context: &CommandContext,
    actor: &Actor,
) -> Result<Executed<Grant>, ApiError> {
    run(
        state,
        own.loaded,
        command,
        context,
        actor,
        ActorRole::Applicant,
    )
    .await
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
    Ok(Json(grant_json(&visible_grant(&state, &actor, id).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = GrantWithdrawal)]
pub struct Reason {
    reason: String,
}

/// The reason recorded when the group withdraws without giving one (api.md's withdrawal has no body).
const WITHDRAWAL_REASON: &str = "申請者の申出による取下げ";

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
    Applicant(actor): Applicant,
    context: CommandContext,
    Path(id): Path<GrantId>,
    OptionalJson(body): OptionalJson<Reason>,
) -> Result<impl IntoResponse, ApiError> {
    let own = own_grant(&state, &actor, id).await?;
    let command = GrantCommand::Withdraw {
        reason: body
            .map(|body| body.reason)
            .unwrap_or_else(|| WITHDRAWAL_REASON.to_owned()),
        by: actor.user_id,
        at: context.now,
    };
    let executed = run_own(&state, own, command, &context, &actor).await?;
    Ok(answer(&executed))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AdvanceRequest)]
pub struct Amount {
    #[schema(value_type = doc::Yen)]
    amount: Yen,
}

/// `POST /api/v1/grants/{id}/advance-requests`.
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/advance-requests",
    operation_id = "grants_request_advance",
    tag = "grants",
    summary = "概算払の請求 / request an advance",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    request_body = Amount,
    responses((status = 201, description = "the grant", body = doc::GrantRead)),
)]
pub async fn request_advance(
    State(state): State<AppState>,
    Applicant(actor): Applicant,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(body): Json<Amount>,
) -> Result<impl IntoResponse, ApiError> {
    let own = own_grant(&state, &actor, id).await?;
    let command = GrantCommand::RequestAdvance {
        amount: body.amount,
        by: actor.user_id,
        at: context.now,
    };
    let executed = run_own(&state, own, command, &context, &actor).await?;
    Ok((StatusCode::CREATED, answer(&executed)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    #[schema(value_type = doc::Yen)]
    amount: Yen,
    paid_on: Date,
    #[schema(value_type = doc::PaymentKind)]
    kind: PaymentKind,
}

/// `POST /api/v1/grants/{id}/payments`: staff record a payment.
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/payments",
    operation_id = "grants_record_payment",
    tag = "grants",
    summary = "支払の記録 / staff record a payment",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    request_body = Payment,
    responses((status = 201, description = "the grant", body = doc::GrantRead)),
)]
pub async fn record_payment(
    State(state): State<AppState>,
    Staff(actor): Staff,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(body): Json<Payment>,
) -> Result<impl IntoResponse, ApiError> {
    let grant = decided_grant(&state, id).await?;
    let command = GrantCommand::RecordPayment {
        amount: body.amount,
        paid_on: body.paid_on,
        kind: body.kind,
        by: actor.user_id,
        at: context.now,
    };
    let executed = run(&state, grant, command, &context, &actor, ActorRole::Staff).await?;
    Ok((StatusCode::CREATED, answer(&executed)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequest {
    reason: String,
    #[schema(value_type = doc::Budget)]
    budget: Budget,
    #[schema(value_type = doc::Period)]
    period: Period,
}

/// `POST /api/v1/grants/{id}/change-requests`.
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/change-requests",
    operation_id = "grants_request_change",
    tag = "grants",
    summary = "変更承認申請 / request a change of plan",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    request_body = ChangeRequest,
    responses((status = 201, description = "the grant and change_request_id", body = doc::GrantRead)),
)]
pub async fn request_change(
    State(state): State<AppState>,
    Applicant(actor): Applicant,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(body): Json<ChangeRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let own = own_grant(&state, &actor, id).await?;
    let change_request_id: ChangeRequestId = context.new_id();
    let command = GrantCommand::RequestChange {
        change_request_id,
        reason: body.reason,
        budget: body.budget,
        period: body.period,
        by: actor.user_id,
        at: context.now,
    };
    let executed = run_own(&state, own, command, &context, &actor).await?;
    let mut body = answer(&executed).0;
    body["change_request_id"] = json!(change_request_id);
    Ok((StatusCode::CREATED, Json(body)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeDecision {
    approved: bool,
    #[schema(value_type = Option<doc::Yen>)]
    new_amount: Option<Yen>,
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/grants/{id}/change-requests/{cid}/decision`: staff approve or refuse a change.
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/change-requests/{cid}/decision",
    operation_id = "grants_decide_change",
    tag = "grants",
    summary = "変更申請の承認・不承認 / staff approve or refuse a change",
    params(("id" = uuid::Uuid, Path, description = "the grant id"), ("cid" = uuid::Uuid, Path, description = "the change request id")),
    request_body = ChangeDecision,
    responses((status = 200, description = "the grant", body = doc::GrantRead)),
)]
pub async fn decide_change(
    State(state): State<AppState>,
    Staff(actor): Staff,
    context: CommandContext,
    Path((id, change_request_id)): Path<(GrantId, ChangeRequestId)>,
    Json(body): Json<ChangeDecision>,
) -> Result<impl IntoResponse, ApiError> {
    let grant = decided_grant(&state, id).await?;
    // A raise is reserved on the round first (`process::change`). The grant checks the decision
    // beforehand, so that a decision it refuses reserves nothing; a resumed request goes straight to
    // its steps, which find what its first execution committed.
    let resuming = context
        .attempt
        .as_ref()
        .is_some_and(|attempt| attempt.is_resuming());
    let raise = if resuming {
        body.new_amount
            .filter(|amount| body.approved && *amount > grant.aggregate().decided_amount())
    } else {
        grant
            .aggregate()
            .increase_to_reserve(
                change_request_id,
                body.approved,
                body.new_amount,
                &body.reason,
            )
            .map_err(|refusal| ApiError::refused(&refusal))?
    };
    if let Some(new_amount) = raise {
        let round_id = grant.aggregate().round_id;
        let command = RoundCommand::ReserveChange {
            application_id: grant.aggregate().application_id,
            change_request_id,
            new_amount,
            reason: body.reason,
            by: actor.user_id,
            at: context.now,
        };
        let executed = context
            .run(
                &state.stores.rounds,
                round_id,
                command,
                &actor,
                ActorRole::Staff,
            )
            .await?;
        let reserved = executed
            .events
            .iter()
            .find_map(|envelope| {
                process::change::Reserved::from_event(
                    round_id,
                    envelope.sequence as i64,
                    &envelope.payload,
                )
            })
            .ok_or_else(|| ApiError::internal("the reservation recorded no ChangeReserved"))?;
        return match process::change::follow(&state, &reserved).await? {
            process::change::Outcome::Approved(executed) => Ok(answer(&executed)),
            process::change::Outcome::Refused(refusal) => Err(ApiError::refused(&refusal)),
        };
    }
    let command = GrantCommand::DecideChange {
        change_request_id,
        approved: body.approved,
        new_amount: body.new_amount,
        reason: body.reason,
        reserved_from: None,
        by: actor.user_id,
        at: context.now,
    };
    let executed = run(&state, grant, command, &context, &actor, ActorRole::Staff).await?;
    Ok(answer(&executed))
}

/// `PUT /api/v1/grants/{id}/settlement-report`: save the report (a draft until submitted).
#[utoipa::path(
    put,
    path = "/api/v1/grants/{id}/settlement-report",
    operation_id = "grants_save_report",
    tag = "grants",
    summary = "実績報告の保存 / save the settlement report (a draft until submitted)",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    request_body = doc::SettlementReport,
    responses((status = 200, description = "the grant", body = doc::GrantRead)),
)]
pub async fn save_report(
    State(state): State<AppState>,
    Applicant(actor): Applicant,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(report): Json<SettlementReport>,
) -> Result<impl IntoResponse, ApiError> {
    let own = own_grant(&state, &actor, id).await?;
    let command = GrantCommand::SaveSettlementReport {
        report,
        by: actor.user_id,
        at: context.now,
    };
    Ok(answer(
        &run_own(&state, own, command, &context, &actor).await?,
    ))
}

/// `GET /api/v1/grants/{id}/settlement-report`: the saved report.
#[utoipa::path(
    get,
    path = "/api/v1/grants/{id}/settlement-report",
    operation_id = "grants_get_report",
    tag = "grants",
    summary = "実績報告の参照 / the saved settlement report",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    responses((status = 200, description = "the report", body = doc::SettlementReportRead)),
)]
pub async fn get_report(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<GrantId>,
) -> Result<impl IntoResponse, ApiError> {
    let grant = visible_grant(&state, &actor, id).await?;
    Ok(Json(json!({
        "report": grant.report,
        "attachments": super::attachments::report_attachments_json(&grant),
    })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportSubmission {
    /// Why the report comes after its due date (遅延理由); needed only then.
    #[serde(default)]
    delay_reason: Option<String>,
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
    request_body(content = Option<ReportSubmission>, description = "optional: {delay_reason}, needed after the due date"),
    responses((status = 200, description = "the grant", body = doc::GrantRead)),
)]
pub async fn submit_report(
    State(state): State<AppState>,
    Applicant(actor): Applicant,
    context: CommandContext,
    Path(id): Path<GrantId>,
    OptionalJson(body): OptionalJson<ReportSubmission>,
) -> Result<impl IntoResponse, ApiError> {
    let own = own_grant(&state, &actor, id).await?;
    let command = GrantCommand::SubmitSettlementReport {
        delay_reason: body.and_then(|body| body.delay_reason),
        by: actor.user_id,
        at: context.now,
    };
    Ok(answer(
        &run_own(&state, own, command, &context, &actor).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ReportReviewOutcome)]
enum ReviewDecision {
    Accepted,
    Returned,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportReview {
    outcome: ReviewDecision,
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/grants/{id}/settlement-report/review`: staff accept (額の確定) or return the report.
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/settlement-report/review",
    operation_id = "grants_review_report",
    tag = "grants",
    summary = "実績報告の審査（額の確定・差戻し） / staff accept (finalise the amount) or return the report",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    request_body = ReportReview,
    responses((status = 200, description = "the grant: finalised amount, refund due or payable", body = doc::GrantRead)),
)]
pub async fn review_report(
    State(state): State<AppState>,
    Staff(actor): Staff,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(body): Json<ReportReview>,
) -> Result<impl IntoResponse, ApiError> {
    let grant = decided_grant(&state, id).await?;
    let outcome = match body.outcome {
        ReviewDecision::Accepted => ReviewOutcome::Accepted,
        ReviewDecision::Returned => ReviewOutcome::Returned {
            reason: body.reason,
        },
    };
    let command = GrantCommand::ReviewSettlement {
        outcome,
        by: actor.user_id,
        at: context.now,
    };
    let executed = run(&state, grant, command, &context, &actor, ActorRole::Staff).await?;
    Ok(answer(&executed))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Refund {
    #[schema(value_type = doc::Yen)]
    amount: Yen,
    received_on: Date,
}

/// `POST /api/v1/grants/{id}/refunds`: staff record a refund received.
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/refunds",
    operation_id = "grants_record_refund",
    tag = "grants",
    summary = "返還金の受領記録 / staff record a refund received",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    request_body = Refund,
    responses((status = 201, description = "the grant", body = doc::GrantRead)),
)]
pub async fn record_refund(
    State(state): State<AppState>,
    Staff(actor): Staff,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(body): Json<Refund>,
) -> Result<impl IntoResponse, ApiError> {
    let grant = decided_grant(&state, id).await?;
    let command = GrantCommand::RecordRefund {
        amount: body.amount,
        received_on: body.received_on,
        by: actor.user_id,
        at: context.now,
    };
    let executed = run(&state, grant, command, &context, &actor, ActorRole::Staff).await?;
    Ok((StatusCode::CREATED, answer(&executed)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cancellation {
    reason: String,
    #[schema(value_type = doc::Yen)]
    refund_amount: Yen,
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
    request_body = Cancellation,
    responses((status = 200, description = "the grant", body = doc::GrantRead)),
)]
pub async fn cancel(
    State(state): State<AppState>,
    Staff(actor): Staff,
    context: CommandContext,
    Path(id): Path<GrantId>,
    Json(body): Json<Cancellation>,
) -> Result<impl IntoResponse, ApiError> {
    let grant = decided_grant(&state, id).await?;
    let command = GrantCommand::Cancel {
        reason: body.reason,
        refund_amount: body.refund_amount,
        surcharge: state.surcharge,
        by: actor.user_id,
        at: context.now,
    };
    Ok(answer(
        &run(&state, grant, command, &context, &actor, ActorRole::Staff).await?,
    ))
}
