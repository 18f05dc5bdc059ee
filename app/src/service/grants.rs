//! A grant's use cases after its award: withdrawal, advances and payments, change requests, the
//! settlement report and its review, refunds and cancellation (rules 6 to 10).
//!
//! Each input derives `Deserialize` so that the JSON API reads bodies straight into it (its
//! documentation is `crate::http::openapi`'s). Each use case takes the caller as its guard (`Applicant` for the group's member, `Staff`), typed input and
//! the request's [`CommandContext`]; it checks that the caller may act on this grant, runs the
//! command and answers what the grant became. The `Grant` aggregate decides every rule.
//!
//! Where a grant's amount moves, the round's budget follows through the process managers
//! (`crate::process`), because the budget is where rule 6 holds: a withdrawal, a finalisation below
//! the decided amount or an approved cut releases budget after the grant records it; an approved
//! raise is reserved on the round before the grant records it, and the reservation is cancelled if
//! the grant then refuses. A use case runs the first step at once, so that its answer already shows
//! what followed; the processes repeat it from the log and append nothing twice.

use grants_domain::grant::{GrantCommand, PaymentKind, Period, ReviewOutcome, SettlementReport};
use grants_domain::round::RoundCommand;
use grants_domain::{Budget, ChangeRequestId, Grant, GrantId, Yen};
use serde::Deserialize;
use time::Date;

use super::grant_read::{GrantRead, SettlementReportRead};
use super::{CommandContext, ServiceError};
use crate::auth::Actor;
use crate::policy::{decided_grant, own_grant, visible_grant, Applicant, GroupHelper, Staff};
use crate::process;
use crate::state::AppState;
use crate::store::{ActorRole, Executed, Loaded};

/// The reason recorded when the group withdraws without giving one (api.md's withdrawal has no body).
pub const WITHDRAWAL_REASON: &str = "申請者の申出による取下げ";

/// A grant its group's members, staff and auditors may read (not found for anyone else).
pub async fn read(state: &AppState, actor: &Actor, id: GrantId) -> Result<Grant, ServiceError> {
    visible_grant(state, actor, id).await
}

/// The grant read of a grant the caller may [`read`], as the API answers it and the pages show it.
pub async fn view(state: &AppState, actor: &Actor, id: GrantId) -> Result<GrantRead, ServiceError> {
    Ok(read_of(state, &read(state, actor, id).await?))
}

/// The settlement report of a grant the caller may [`read`], as saved, with its files.
pub async fn settlement_report(
    state: &AppState,
    actor: &Actor,
    id: GrantId,
) -> Result<SettlementReportRead, ServiceError> {
    Ok(SettlementReportRead::of(&read(state, actor, id).await?))
}

/// The grant read of `grant`, its 加算金・延滞金 as of today in JST on the service's clock.
pub fn read_of(state: &AppState, grant: &Grant) -> GrantRead {
    GrantRead::of(grant, state.clock.today_jst())
}

/// The group withdraws within 10 days of the decision (a reason is optional).
pub async fn withdraw(
    state: &AppState,
    context: &CommandContext,
    Applicant(actor): &Applicant,
    id: GrantId,
    reason: Option<String>,
) -> Result<Executed<Grant>, ServiceError> {
    let command = GrantCommand::Withdraw {
        reason: reason.unwrap_or_else(|| WITHDRAWAL_REASON.to_owned()),
        by: actor.user_id,
        at: context.now,
    };
    run_own(state, context, actor, id, command).await
}

/// An advance request: what the group asks to be paid before the report.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AdvanceRequest)]
pub struct AdvanceAsked {
    /// The amount asked for, in integer yen (within the advance cap, rule 7).
    pub amount: Yen,
}

/// The group requests an advance (概算払).
pub async fn request_advance(
    state: &AppState,
    context: &CommandContext,
    Applicant(actor): &Applicant,
    id: GrantId,
    input: AdvanceAsked,
) -> Result<Executed<Grant>, ServiceError> {
    let command = GrantCommand::RequestAdvance {
        amount: input.amount,
        by: actor.user_id,
        at: context.now,
    };
    run_own(state, context, actor, id, command).await
}

/// A payment staff record.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    /// The amount paid, in integer yen.
    pub amount: Yen,
    /// The day the city paid it (JST).
    pub paid_on: Date,
    /// An advance (概算払) or the final payment (精算払).
    pub kind: PaymentKind,
}

/// Staff record a payment.
pub async fn record_payment(
    state: &AppState,
    context: &CommandContext,
    Staff(actor): &Staff,
    id: GrantId,
    input: Payment,
) -> Result<Executed<Grant>, ServiceError> {
    let command = GrantCommand::RecordPayment {
        amount: input.amount,
        paid_on: input.paid_on,
        kind: input.kind,
        by: actor.user_id,
        at: context.now,
    };
    run_as_staff(state, context, actor, id, command).await
}

/// A change of plan the group asks for (変更承認申請): the whole new budget and period.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequest {
    /// Why the group asks for the change.
    pub reason: String,
    /// The whole new budget (収支予算).
    pub budget: Budget,
    /// The new project period.
    pub period: Period,
}

/// The group requests a change of plan; answers the grant and the new request's id.
pub async fn request_change(
    state: &AppState,
    context: &CommandContext,
    Applicant(actor): &Applicant,
    id: GrantId,
    input: ChangeRequest,
) -> Result<(Executed<Grant>, ChangeRequestId), ServiceError> {
    let change_request_id: ChangeRequestId = context.new_id();
    let command = GrantCommand::RequestChange {
        change_request_id,
        reason: input.reason,
        budget: input.budget,
        period: input.period,
        by: actor.user_id,
        at: context.now,
    };
    let executed = run_own(state, context, actor, id, command).await?;
    Ok((executed, change_request_id))
}

/// Staff's decision on a change request: approved (with a new amount, if it moves) or refused.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeDecision {
    /// True to approve, false to refuse.
    pub approved: bool,
    /// The new decided amount in integer yen if the approval moves it; null to keep it.
    pub new_amount: Option<Yen>,
    /// Staff's reason (required to refuse).
    #[serde(default)]
    pub reason: String,
}

/// Staff approve or refuse a change. A raise is reserved on the round first (`process::change`);
/// the grant checks the decision beforehand, so that a decision it refuses reserves nothing, and a
/// resumed request goes straight to its steps, which find what its first execution committed.
pub async fn decide_change(
    state: &AppState,
    context: &CommandContext,
    Staff(actor): &Staff,
    id: GrantId,
    change_request_id: ChangeRequestId,
    input: ChangeDecision,
) -> Result<Executed<Grant>, ServiceError> {
    let grant = decided_grant(state, id).await?;
    let resuming = context
        .attempt
        .as_ref()
        .is_some_and(|attempt| attempt.is_resuming());
    let raise = if resuming {
        input
            .new_amount
            .filter(|amount| input.approved && *amount > grant.aggregate().decided_amount())
    } else {
        grant
            .aggregate()
            .increase_to_reserve(
                change_request_id,
                input.approved,
                input.new_amount,
                &input.reason,
            )
            .map_err(|refusal| ServiceError::refused(&refusal))?
    };
    let Some(new_amount) = raise else {
        let command = GrantCommand::DecideChange {
            change_request_id,
            approved: input.approved,
            new_amount: input.new_amount,
            reason: input.reason,
            reserved_from: None,
            by: actor.user_id,
            at: context.now,
        };
        return run(state, context, actor, ActorRole::Staff, grant, command).await;
    };
    let round_id = grant.aggregate().round_id;
    let command = RoundCommand::ReserveChange {
        application_id: grant.aggregate().application_id,
        change_request_id,
        new_amount,
        held_by_grant: grant.aggregate().decided_amount(),
        reason: input.reason,
        by: actor.user_id,
        at: context.now,
    };
    let executed = context
        .run(
            &state.stores.rounds,
            round_id,
            command,
            actor,
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
        .ok_or_else(|| ServiceError::internal("the reservation recorded no ChangeReserved"))?;
    match process::change::follow(state, &reserved).await? {
        process::change::Outcome::Approved(executed) => Ok(*executed),
        process::change::Outcome::Refused(refusal) => Err(ServiceError::refused(&refusal)),
    }
}

/// The group saves its settlement report (a draft until submitted); a coordinator it consented to
/// may too.
pub async fn save_report(
    state: &AppState,
    context: &CommandContext,
    GroupHelper(actor): &GroupHelper,
    id: GrantId,
    report: SettlementReport,
) -> Result<Executed<Grant>, ServiceError> {
    let command = GrantCommand::SaveSettlementReport {
        report,
        by: actor.user_id,
        at: context.now,
    };
    run_own(state, context, actor, id, command).await
}

/// The submission of a settlement report.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportSubmission {
    /// Why the report comes after its due date (遅延理由); needed only then.
    #[serde(default)]
    pub delay_reason: Option<String>,
}

/// The group submits its report; one after its due date gives the delay's reason, which staff
/// accept before the amount is finalised.
pub async fn submit_report(
    state: &AppState,
    context: &CommandContext,
    GroupHelper(actor): &GroupHelper,
    id: GrantId,
    input: ReportSubmission,
) -> Result<Executed<Grant>, ServiceError> {
    let own = own_grant(state, actor, id).await?;
    own.group
        .check_submission(actor.user_id)
        .map_err(|refusal| ServiceError::refused(&refusal))?;
    let command = GrantCommand::SubmitSettlementReport {
        delay_reason: input.delay_reason,
        by: actor.user_id,
        at: context.now,
    };
    let metadata = context.metadata_acting(actor, own.acting, own.group.id());
    run_with(state, context, &metadata, own.loaded, command).await
}

/// What staff decide on a submitted report.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ReportReviewOutcome)]
pub enum ReviewDecision {
    /// The report is accepted and the amount finalised (額の確定).
    Accepted,
    /// The report goes back to the group to be corrected.
    Returned,
}

/// Staff's review of a settlement report: accepted (額の確定) or returned with a reason.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportReview {
    /// Accepted or returned.
    pub outcome: ReviewDecision,
    /// Why staff return it (required to return).
    #[serde(default)]
    pub reason: String,
}

/// Staff accept (finalising the amount) or return the report.
pub async fn review_report(
    state: &AppState,
    context: &CommandContext,
    Staff(actor): &Staff,
    id: GrantId,
    input: ReportReview,
) -> Result<Executed<Grant>, ServiceError> {
    let outcome = match input.outcome {
        ReviewDecision::Accepted => ReviewOutcome::Accepted,
        ReviewDecision::Returned => ReviewOutcome::Returned {
            reason: input.reason,
        },
    };
    let command = GrantCommand::ReviewSettlement {
        outcome,
        by: actor.user_id,
        at: context.now,
    };
    run_as_staff(state, context, actor, id, command).await
}

/// A refund received.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Refund {
    /// The refund received, in integer yen.
    pub amount: Yen,
    /// The day the city received it (JST).
    pub received_on: Date,
}

/// Staff record a refund received.
pub async fn record_refund(
    state: &AppState,
    context: &CommandContext,
    Staff(actor): &Staff,
    id: GrantId,
    input: Refund,
) -> Result<Executed<Grant>, ServiceError> {
    let command = GrantCommand::RecordRefund {
        amount: input.amount,
        received_on: input.received_on,
        by: actor.user_id,
        at: context.now,
    };
    run_as_staff(state, context, actor, id, command).await
}

/// A cancellation (取消) and the refund it orders.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cancellation {
    /// Why staff cancel the grant (取消の理由).
    pub reason: String,
    /// The refund the cancellation orders, in integer yen.
    pub refund_amount: Yen,
}

/// Staff cancel the award and order a refund. The budget is not released: money already spent
/// stays spent, and a cancelled award is not re-offered.
pub async fn cancel(
    state: &AppState,
    context: &CommandContext,
    Staff(actor): &Staff,
    id: GrantId,
    input: Cancellation,
) -> Result<Executed<Grant>, ServiceError> {
    let command = GrantCommand::Cancel {
        reason: input.reason,
        refund_amount: input.refund_amount,
        surcharge: state.surcharge,
        by: actor.user_id,
        at: context.now,
    };
    run_as_staff(state, context, actor, id, command).await
}

/// The group's request to discontinue its project (中止・廃止).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscontinuationRequest {
    /// Why the project cannot go on (required).
    pub reason: String,
}

/// The group asks to discontinue its project.
pub async fn request_discontinuation(
    state: &AppState,
    context: &CommandContext,
    Applicant(actor): &Applicant,
    id: GrantId,
    input: DiscontinuationRequest,
) -> Result<Executed<Grant>, ServiceError> {
    let command = GrantCommand::RequestDiscontinuation {
        reason: input.reason,
        by: actor.user_id,
        at: context.now,
    };
    run_own(state, context, actor, id, command).await
}

/// Staff's decision on a request to discontinue.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscontinuationDecision {
    /// True to approve the discontinuation, false to refuse it.
    pub approved: bool,
    /// Required to refuse; a note on an approval.
    #[serde(default)]
    pub reason: String,
}

/// Staff approve or refuse a request to discontinue. An approval moves the completion deadline to
/// today (JST): the report of what was spent is due `settlement_days` after it.
pub async fn decide_discontinuation(
    state: &AppState,
    context: &CommandContext,
    Staff(actor): &Staff,
    id: GrantId,
    input: DiscontinuationDecision,
) -> Result<Executed<Grant>, ServiceError> {
    let command = GrantCommand::DecideDiscontinuation {
        approved: input.approved,
        reason: input.reason,
        by: actor.user_id,
        at: context.now,
    };
    run_as_staff(state, context, actor, id, command).await
}

/// A new due date for the settlement report, and why (期限の延長).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineExtension {
    /// The new due date: later than the current one, and not before today (JST).
    pub deadline: Date,
    /// Staff's reason for the extension.
    pub reason: String,
}

/// Staff extend the settlement report's due date (rule 9), before or after it has passed.
pub async fn extend_settlement_deadline(
    state: &AppState,
    context: &CommandContext,
    Staff(actor): &Staff,
    id: GrantId,
    input: DeadlineExtension,
) -> Result<Executed<Grant>, ServiceError> {
    let command = GrantCommand::ExtendSettlementDeadline {
        deadline: input.deadline,
        reason: input.reason,
        by: actor.user_id,
        at: context.now,
    };
    run_as_staff(state, context, actor, id, command).await
}

/// Staff accept a late report's delay reason (遅延理由の承認), without which the amount cannot be
/// finalised.
pub async fn accept_delay_reason(
    state: &AppState,
    context: &CommandContext,
    Staff(actor): &Staff,
    id: GrantId,
) -> Result<Executed<Grant>, ServiceError> {
    let command = GrantCommand::AcceptDelayReason {
        by: actor.user_id,
        at: context.now,
    };
    run_as_staff(state, context, actor, id, command).await
}

/// Runs a grant command, then gives the round back the budget its events free
/// (`Grant::budget_freed_by`: a withdrawal, a finalised amount below the decided one).
pub async fn run(
    state: &AppState,
    context: &CommandContext,
    actor: &Actor,
    role: ActorRole,
    grant: Loaded<Grant>,
    command: GrantCommand,
) -> Result<Executed<Grant>, ServiceError> {
    let metadata = context.metadata_for(actor, role);
    run_with(state, context, &metadata, grant, command).await
}

/// [`run`] with metadata already made (a coordinator's names the group it acts for).
async fn run_with(
    state: &AppState,
    context: &CommandContext,
    metadata: &crate::store::CommandMetadata,
    grant: Loaded<Grant>,
    command: GrantCommand,
) -> Result<Executed<Grant>, ServiceError> {
    let executed = context
        .run_loaded_with(&state.stores.grants, grant, command, metadata)
        .await?;
    // What the grant's events give back to the round, at once; the background run of the same
    // process (`process::release`) repeats it from the log and appends nothing twice.
    for envelope in &executed.events {
        process::release::follow(
            state,
            &executed.state,
            envelope.sequence as i64,
            &envelope.payload,
            metadata.actor_id,
        )
        .await?;
    }
    Ok(executed)
}

/// [`run`] for a member of the grant's group (staff and auditors are refused, others do not learn
/// that the grant exists).
async fn run_own(
    state: &AppState,
    context: &CommandContext,
    actor: &Actor,
    id: GrantId,
    command: GrantCommand,
) -> Result<Executed<Grant>, ServiceError> {
    let own = own_grant(state, actor, id).await?;
    let metadata = context.metadata_acting(actor, own.acting, own.group.id());
    run_with(state, context, &metadata, own.loaded, command).await
}

/// [`run`] for staff, on any decided grant.
async fn run_as_staff(
    state: &AppState,
    context: &CommandContext,
    actor: &Actor,
    id: GrantId,
    command: GrantCommand,
) -> Result<Executed<Grant>, ServiceError> {
    let grant = decided_grant(state, id).await?;
    run(state, context, actor, ActorRole::Staff, grant, command).await
}
