//! The `grant` aggregate: one grant's life after the award decision (交付決定) — the award terms,
//! withdrawal (rule 6), advances and payments (rule 7), changes (rule 8), the settlement report and the
//! amount finalisation (額の確定) with payment or refund (rule 9), closing, and cancellation (rule 10).
//!
//! It guards, for one grant: money paid never exceeds the decided amount nor, once known, the finalised
//! amount; advances stay within the advance cap; the decided amount never rises without an approved
//! change request; the finalised amount never exceeds the decided amount.
//!
//! It does not guard the round budget: the sum of decisions (rule 6) and the budget check for a rise of
//! the decided amount (rule 8) belong to the `Round` aggregate, which the app asks first.
//!
//! Decisions taken where the rules are silent:
//! - Single-year grant (単年度): the completion deadline and a changed project period must end between
//!   the decision day and the last day of the fiscal year; the project period must end by the completion
//!   deadline. A change whose period ends after the completion deadline needs approval, and approving it
//!   moves the completion deadline to that end.
//! - Rule 6: "within 10 days" means the JST calendar day of the request is at most the decision day + 10.
//!   Withdrawal is refused once any money has been paid; a requested but unpaid advance does not block it.
//! - Rule 7: advances requested and advances paid are each capped at `floor(advance cap x decided)`.
//!   Advances may be recorded as paid until the amount is finalised (a late payment of a requested
//!   advance); a payment date may not precede the decision day nor lie in the future. A final payment
//!   is only possible after finalisation and only of what is payable (it may be paid in parts).
//! - Rule 8: the total cost compared is the total of every expense line (事業費総額). A change is minor
//!   (軽微な変更, applied at once, `ChangeNotified`) when it neither raises the total cost, nor cuts it by
//!   more than `threshold x planned total cost` (compared exactly), nor extends the period past the
//!   completion deadline. An approval keeps the decided amount unless `new_amount` is given; either way
//!   the resulting amount may neither exceed the max subsidy of the new budget nor fall below what has been
//!   paid, nor be zero. The settlement report cannot be submitted while a change request is pending.
//! - Rule 9: the report is due on `min(completion deadline + settlement days, grace date)`, the grace date
//!   being the round's setting, by default 10 April after the fiscal year's end (this city's choice: the
//!   accounts of the fiscal year close in spring, so reports after 10 April could not be finalised in
//!   time). Staff may extend it; a late first report needs a delay reason staff accept (`due_date`).
//!   A report returned for correction may be resubmitted afterwards, as the return is staff's doing. The outcomes text is required at submission, not while drafting. A refund ordered on
//!   finalisation is due 30 days after the review day (JST); so is a refund ordered by cancellation.
//! - "Paid" in the rules is the money the group holds: payments less refunds received ([`Grant::net_paid`]).
//!   `paid_total` stays the gross sum of payments made.
//! - 中止・廃止 (discontinuation): see `discontinuation`; an approved discontinuation moves the
//!   completion deadline to the approval day and the grant settles on its report as in rule 9.
//! - Rule 10: a cancellation's refund order replaces any refund outstanding; refunds after a cancellation
//!   are recorded, and the grant stays cancelled.

mod actions;
mod cancellation;
mod changes;
mod commands;
mod decision;
mod discontinuation;
mod documents;
mod due_date;
mod errors;
mod events;
mod payments;
mod period;
mod settlement;
mod surcharge;
mod text;

#[cfg(test)]
mod document_tests;
#[cfg(test)]
mod due_date_tests;
#[cfg(test)]
mod report_attachment_tests;
#[cfg(test)]
mod surcharge_tests;
#[cfg(test)]
mod tests;

use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::amount::AmountTerms;
use crate::budget::Budget;
use crate::fiscal_year::FiscalYear;
use crate::ids::{ApplicationId, ChangeRequestId, GrantId, GroupId, RoundId};
use crate::money::Yen;
use crate::ratio::Ratio;

pub use changes::needs_approval;
pub use commands::{GrantCommand, PaymentKind, ReceiptLine, ReviewOutcome, SettlementReport};
pub use decision::{last_withdrawal_day, GrantDecision};
pub use discontinuation::{DiscontinuationRecord, DiscontinuationState};
pub use due_date::{due_date, SettlementDelay, SettlementExtension};
pub use errors::{GrantAction, GrantError};
pub use events::{GrantEvent, CHANGE_APPROVED_VERSION, REPORT_ATTACHMENT_ADDED_VERSION};
pub use payments::{
    advance_cap, open_advance, AdvanceRequest, AdvanceRequestRecord, AdvanceRequestStatus,
};
pub use period::Period;
pub use settlement::{counted_receipts, finalise, grace_date, settlement_deadline, Finalisation};
pub use surcharge::{
    additional_charge, attribute_to_receipts, late_charge, RefundOrder, SurchargeTerms, Surcharges,
    SURCHARGE_BASE_UNIT, SURCHARGE_MINIMUM,
};
pub use text::{LONG_TEXT_MAX_CHARS, MAX_REPORT_LINES, SHORT_TEXT_MAX_CHARS};

/// What the city still owes on a grant (rule 7): once its amount is finalised, the finalised amount
/// less what the group holds (payments less refunds received), never below zero; nothing before
/// finalisation nor in any status after it. The grant ledger read model computes it with this too.
pub fn payable(status: Option<GrantStatus>, finalised: Option<Yen>, net_paid: Yen) -> Yen {
    match (status, finalised) {
        (Some(GrantStatus::Finalised), Some(finalised)) => finalised.saturating_sub(net_paid),
        _ => Yen::ZERO,
    }
}

/// What remains to be paid to the group on its grant: the finalised amount once known, else the
/// decided amount, less what the group holds (payments less refunds received), never below zero;
/// nothing on a grant withdrawn or cancelled. Unlike [`payable`] (what is owed now, after
/// finalisation), this counts from the decision on: it is what staff still expect to pay out.
pub fn remaining_to_pay(
    status: Option<GrantStatus>,
    decided: Yen,
    finalised: Option<Yen>,
    net_paid: Yen,
) -> Yen {
    match status {
        None | Some(GrantStatus::Withdrawn | GrantStatus::Cancelled) => Yen::ZERO,
        Some(_) => finalised.unwrap_or(decided).saturating_sub(net_paid),
    }
}

/// Where a grant stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantStatus {
    /// The award is decided (交付決定); no advance requested nor payment made yet.
    Decided,
    /// The group withdrew within 10 days of the decision (取下げ, rule 6); final.
    Withdrawn,
    /// The work has started: an advance was requested or a payment made.
    InProgress,
    /// The settlement report (実績報告) is submitted and waits for staff's review.
    ReportSubmitted,
    /// Staff returned the report for correction; the group may resubmit it.
    ReportReturned,
    /// The amount is finalised (額の確定) and no refund is due; a final payment may be owed.
    Finalised,
    /// The amount is finalised below what the group holds: a refund is owed.
    RefundDue,
    /// Settled: nothing is owed either way.
    Closed,
    /// Staff cancelled the decision (取消, rule 10); refunds received are still recorded and it stays
    /// cancelled.
    Cancelled,
    /// 中止・廃止承認申請中: the group asked to discontinue; staff have not decided.
    DiscontinuationRequested,
    /// 中止・廃止承認済: the project ended early and settles on what was spent.
    Discontinued,
}

impl GrantStatus {
    /// Every status, in the order of a grant's life (for lists' filters).
    pub const ALL: [GrantStatus; 9] = [
        Self::Decided,
        Self::InProgress,
        Self::ReportSubmitted,
        Self::ReportReturned,
        Self::Finalised,
        Self::RefundDue,
        Self::Closed,
        Self::Withdrawn,
        Self::Cancelled,
    ];

    /// The status as the API and the read models write it (its serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Decided => "decided",
            Self::Withdrawn => "withdrawn",
            Self::InProgress => "in_progress",
            Self::ReportSubmitted => "report_submitted",
            Self::ReportReturned => "report_returned",
            Self::Finalised => "finalised",
            Self::RefundDue => "refund_due",
            Self::Closed => "closed",
            Self::Cancelled => "cancelled",
            Self::DiscontinuationRequested => "discontinuation_requested",
            Self::Discontinued => "discontinued",
        }
    }

    /// The status as the city's staff name it.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Decided => "交付決定",
            Self::Withdrawn => "取下げ",
            Self::InProgress => "事業実施中",
            Self::ReportSubmitted => "実績報告提出済",
            Self::ReportReturned => "実績報告差戻し",
            Self::Finalised => "額の確定済",
            Self::RefundDue => "返還待ち",
            Self::Closed => "完了",
            Self::Cancelled => "取消",
            Self::DiscontinuationRequested => "中止・廃止申請中",
            Self::Discontinued => "中止・廃止承認済",
        }
    }

    /// Where a grant in `current` (`None` before its decision) stands after `event`: the grant's
    /// one rule of transitions, which [`Grant`] applies and the read models fold with. The first
    /// advance request or payment starts the work; a finalisation leaves the grant waiting for a
    /// refund when one is due; a refused discontinuation resumes where the event says.
    pub fn after(current: Option<GrantStatus>, event: &GrantEvent) -> Option<GrantStatus> {
        Some(match event {
            GrantEvent::GrantDecided { .. } => Self::Decided,
            GrantEvent::GrantWithdrawn { .. } => Self::Withdrawn,
            GrantEvent::AdvanceRequested { .. } | GrantEvent::PaymentRecorded { .. } => {
                match current? {
                    Self::Decided => Self::InProgress,
                    other => other,
                }
            }
            GrantEvent::SettlementReportSubmitted { .. } => Self::ReportSubmitted,
            GrantEvent::SettlementReportReturned { .. } => Self::ReportReturned,
            GrantEvent::AmountFinalised { refund_due, .. } if refund_due.is_zero() => {
                Self::Finalised
            }
            GrantEvent::AmountFinalised { .. } => Self::RefundDue,
            GrantEvent::GrantClosed { .. } => Self::Closed,
            GrantEvent::GrantCancelled { .. } => Self::Cancelled,
            GrantEvent::DiscontinuationRequested { .. } => Self::DiscontinuationRequested,
            GrantEvent::DiscontinuationApproved { .. } => Self::Discontinued,
            GrantEvent::DiscontinuationRefused { resumes, .. } => *resumes,
            GrantEvent::ChangeRequested { .. }
            | GrantEvent::ChangeNotified { .. }
            | GrantEvent::ChangeApproved { .. }
            | GrantEvent::ChangeRejected { .. }
            | GrantEvent::SettlementReportSaved { .. }
            | GrantEvent::RefundReceived { .. }
            | GrantEvent::SettlementDeadlineExtended { .. }
            | GrantEvent::SettlementDelayExplained { .. }
            | GrantEvent::SettlementDelayAccepted { .. }
            | GrantEvent::RefundSurchargeTermsRecorded { .. }
            | GrantEvent::ReportAttachmentAdded { .. }
            | GrantEvent::ReportAttachmentRemoved { .. }
            | GrantEvent::ChangeAttachmentAdded { .. }
            | GrantEvent::ChangeAttachmentRemoved { .. }
            | GrantEvent::NoticeIssued { .. } => return current,
        })
    }

    /// Where a grant stands as the public list shows it (rule 12): like [`GrantStatus::after`], except
    /// that the public sees an approved 中止・廃止 and never the request, which may still be refused,
    /// so a request and its refusal leave the public status as it was.
    pub fn public_after(current: Option<GrantStatus>, event: &GrantEvent) -> Option<GrantStatus> {
        match event {
            GrantEvent::DiscontinuationRequested { .. }
            | GrantEvent::DiscontinuationRefused { .. } => current,
            _ => Self::after(current, event),
        }
    }
}

/// The award as decided, with the amendments approved or notified since.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Award {
    /// The round's fiscal year (年度).
    pub fiscal_year: FiscalYear,
    /// The round's course.
    pub course: String,
    /// The project's title (事業名).
    pub title: String,
    /// The project's public summary (事業概要).
    pub summary: String,
    /// The group's name at the decision.
    pub group_name: String,
    /// The decision notice's document number (文書番号).
    pub notice_number: String,
    /// The award's conditions (交付の条件).
    pub conditions: String,
    /// The JST day of the decision, from which rules 6, 7 and 9 count.
    pub decided_on: Date,
    /// The decided amount, as amended by approved change requests.
    pub decided_amount: Yen,
    /// The JST day by which the project must be complete (完了期限), as moved by an approved change or
    /// discontinuation.
    pub completion_deadline: Date,
    /// The round's amount formula, applied again by a change and by the finalisation.
    pub terms: AmountTerms,
    /// The share of the decided amount that advances may total (rule 7).
    pub advance_cap_ratio: Ratio,
    /// The cut of the planned total cost beyond which a change needs approval (rule 8).
    pub change_threshold_ratio: Ratio,
    /// Days after the completion deadline within which the settlement report is due (rule 9).
    pub settlement_days: u32,
    /// The round's grace date for reports, if it set one (see `due_date`).
    #[serde(default)]
    pub settlement_grace_date: Option<Date>,
    /// The planned budget, as amended by minor and approved changes.
    pub planned: Budget,
    /// The planned project period (事業期間), as amended by minor and approved changes.
    pub planned_period: Period,
}

impl Award {
    /// The award as the decision made it, before any change; the ids stay on the grant itself.
    fn decided(decision: GrantDecision, decided_on: Date) -> Self {
        Self {
            fiscal_year: decision.fiscal_year,
            course: decision.course,
            title: decision.title,
            summary: decision.summary,
            group_name: decision.group_name,
            notice_number: decision.notice_number,
            conditions: decision.conditions,
            decided_on,
            decided_amount: decision.amount,
            completion_deadline: decision.completion_deadline,
            terms: decision.terms,
            advance_cap_ratio: decision.advance_cap_ratio,
            change_threshold_ratio: decision.change_threshold_ratio,
            settlement_days: decision.settlement_days,
            settlement_grace_date: decision.settlement_grace_date,
            planned: decision.planned,
            planned_period: decision.planned_period,
        }
    }
}

/// Where a change request stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ChangeRequestStatus))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeState {
    /// Waiting for staff's decision (変更承認申請).
    Pending,
    /// A minor change (軽微な変更), applied when notified; no decision needed.
    Notified,
    /// Staff approved it; the new plan (and any new amount) applies.
    Approved,
    /// Staff rejected it; the plan stays as it was.
    Rejected,
}

impl ChangeState {
    /// The state as the grant's pages name it.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Pending => "審査中",
            Self::Notified => "軽微な変更（届出）",
            Self::Approved => "承認",
            Self::Rejected => "不承認",
        }
    }
}

/// A file attached to a change request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeAttached {
    /// The change request the file belongs to.
    pub change_request_id: ChangeRequestId,
    /// The file, who attached it and when.
    pub attached: crate::attachment::Attached,
}

/// A change request and what became of it, as its events recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeRecord {
    /// The change request's id, chosen by the app.
    pub change_request_id: ChangeRequestId,
    /// The group's reason for the change.
    pub reason: String,
    /// When the group asked, UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// The budget as the change would have it.
    pub budget: Budget,
    /// The project period as the change would have it.
    pub period: Period,
    /// The plan's total cost (事業費総額) before and after the change, which rule 8 compares.
    pub total_cost_before: Yen,
    /// The plan's total cost after the change.
    pub total_cost_after: Yen,
    /// Where the request stands.
    pub state: ChangeState,
    /// Staff's decision, once taken (a minor change needs none).
    pub decision: Option<ChangeDecisionRecord>,
}

/// Staff's decision on a change request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeDecisionRecord {
    /// Whether staff approved the change.
    pub approved: bool,
    /// Staff's reason for the decision (required either way).
    pub reason: String,
    /// When staff decided, UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub decided_at: OffsetDateTime,
    /// The decided amount before and after an approval (none on a rejection).
    pub previous_amount: Option<Yen>,
    /// The decided amount after the approval (none on a rejection).
    pub decided_amount: Option<Yen>,
}

/// What a payment entry is: money paid to the group, or a refund received from it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentEntryKind {
    /// An advance (概算払).
    Advance,
    /// A payment after finalisation (精算払).
    Final,
    /// A refund received (返還金).
    Refund,
}

impl PaymentEntryKind {
    /// The entry as the grant's record of payments names it.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Advance => "概算払",
            Self::Final => "精算払",
            Self::Refund => "返還（受領）",
        }
    }
}

impl From<PaymentKind> for PaymentEntryKind {
    fn from(kind: PaymentKind) -> Self {
        match kind {
            PaymentKind::Advance => Self::Advance,
            PaymentKind::Final => Self::Final,
        }
    }
}

/// One payment to the group or refund from it, in the order recorded.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = GrantPayment))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentEntry {
    /// Whether it is an advance, a final payment or a refund.
    pub kind: PaymentEntryKind,
    /// The money that moved, in integer yen (a refund's amount too is positive).
    pub amount: Yen,
    /// The day the money moved (`paid_on`, `received_on`).
    pub date: Date,
}

/// One grant after the award decision.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Grant {
    /// The grant's id.
    pub grant_id: GrantId,
    /// The application the award was decided on.
    pub application_id: ApplicationId,
    /// The round that awarded it.
    pub round_id: RoundId,
    /// The grantee group.
    pub group_id: GroupId,
    /// `None` until the decision is recorded.
    pub status: Option<GrantStatus>,
    /// The award's terms; `None` until the decision is recorded.
    pub award: Option<Award>,
    /// Every advance requested.
    pub advances_requested: Yen,
    /// Each advance request, in the order made ([`Grant::advances`] says where each stands). No
    /// `serde(default)`: see `payments` (migration 0014 deletes the grants' snapshots).
    pub advance_requests: Vec<AdvanceRequestRecord>,
    /// Every payment made, advances and final (gross of refunds).
    pub paid_total: Yen,
    /// Every refund received.
    pub refunds_received: Yen,
    /// The refund ordered and not yet received.
    pub refund_outstanding: Yen,
    /// The due date (JST) of the refund last ordered, by finalisation or cancellation; kept after
    /// the refund is received (see `Grant::refund_due_on`).
    pub refund_due_on: Option<Date>,
    /// The amount fixed after the settlement report (額の確定); `None` until finalised.
    pub finalised_amount: Option<Yen>,
    /// Every payment and refund received, in the order recorded. No `serde(default)` here nor in
    /// `ChangeRecord`: a snapshot from before these fields must fail to load and be replayed from
    /// the events (migration 0008 also deletes such snapshots).
    pub payments: Vec<PaymentEntry>,
    /// Every change request and minor change, in the order made.
    pub changes: Vec<ChangeRecord>,
    /// The latest saved (or submitted) settlement report.
    pub report: Option<SettlementReport>,
    /// The request to discontinue (中止・廃止), if any. Defaulted: a snapshot from before it had
    /// none, which is what its events say.
    #[serde(default)]
    pub discontinuation: Option<DiscontinuationRecord>,
    /// Every extension of the report's due date, in the order granted (`due_date`).
    #[serde(default)]
    pub settlement_extensions: Vec<SettlementExtension>,
    /// The delay reason of a late first report, and whether staff accepted it.
    #[serde(default)]
    pub settlement_delay: Option<SettlementDelay>,
    /// The cancellation's refund order with its 加算金・延滞金 terms (`surcharge`).
    #[serde(default)]
    pub refund_order: Option<RefundOrder>,
    /// The files attached to the settlement report (receipts, activity photos), in the order
    /// added. Defaulted: a snapshot from before them had none, as its events say.
    #[serde(default)]
    pub report_attachments: Vec<crate::attachment::Attached>,
    /// The files attached to change requests, each with its request. Defaulted, as above.
    #[serde(default)]
    pub change_attachments: Vec<ChangeAttached>,
    /// The notices issued on the grant, in the order issued (`crate::document`).
    #[serde(default)]
    pub notices: Vec<crate::document::IssuedNotice>,
}

impl Grant {
    /// What `events`, just applied to this grant, give back to its round's budget: a withdrawal
    /// frees the whole decided amount, a finalised amount below the decided one frees the
    /// difference, and an approved change that lowers the amount frees what it `released`. Nothing
    /// else frees budget: a cancellation keeps it (money spent stays spent, and a cancelled award is
    /// not re-offered), and a raise was reserved on the round before the grant recorded it. (A
    /// command appends one event that frees anything, at most.)
    pub fn budget_freed_by(&self, events: &[GrantEvent]) -> Yen {
        events
            .iter()
            .find_map(|event| match event {
                GrantEvent::GrantWithdrawn { .. } => Some(self.decided_amount()),
                GrantEvent::AmountFinalised { finalised, .. } => {
                    Some(self.decided_amount().saturating_sub(*finalised))
                }
                GrantEvent::ChangeApproved { released, .. } => Some(*released),
                _ => None,
            })
            .unwrap_or(Yen::ZERO)
    }

    /// Whether the grant was decided: a grant's stream starts with its decision, so this is whether
    /// it exists at all.
    pub fn is_decided(&self) -> bool {
        self.status.is_some()
    }

    /// The decided amount (zero before the decision).
    pub fn decided_amount(&self) -> Yen {
        self.award
            .as_ref()
            .map_or(Yen::ZERO, |award| award.decided_amount)
    }

    /// The decision day (JST).
    pub fn decided_on(&self) -> Option<Date> {
        self.award.as_ref().map(|award| award.decided_on)
    }

    /// The decision notice's document number (文書番号).
    pub fn notice_number(&self) -> Option<&str> {
        self.award
            .as_ref()
            .map(|award| award.notice_number.as_str())
    }

    /// The completion deadline, as amended.
    pub fn completion_deadline(&self) -> Option<Date> {
        self.award.as_ref().map(|award| award.completion_deadline)
    }

    /// Money the group holds: payments less refunds received.
    pub fn net_paid(&self) -> Yen {
        self.paid_total.saturating_sub(self.refunds_received)
    }

    /// The refund ordered and not yet received.
    pub fn refund_due(&self) -> Yen {
        self.refund_outstanding
    }

    /// Whether a refund is still owed after its 納期限 on `today` (JST): 延滞金 runs from the next
    /// day (`surcharge`). A refund ordered without a due date is never overdue.
    pub fn refund_overdue(&self, today: Date) -> bool {
        !self.refund_outstanding.is_zero() && self.refund_due_on.is_some_and(|due| today > due)
    }

    /// The refund's due date (納期限: after finalisation, or the cancellation's order), while a
    /// refund is outstanding; `None` once it is received in full, or when none was asked.
    pub fn refund_due_on(&self) -> Option<Date> {
        if self.refund_outstanding.is_zero() {
            None
        } else {
            self.refund_due_on
        }
    }

    /// What the city still owes after finalisation (zero before it, and after a cancellation).
    pub fn payable(&self) -> Yen {
        payable(self.status, self.finalised_amount, self.net_paid())
    }

    /// What remains to be paid from the decided (or finalised) amount ([`remaining_to_pay`]).
    pub fn remaining_to_pay(&self) -> Yen {
        remaining_to_pay(
            self.status,
            self.decided_amount(),
            self.finalised_amount,
            self.net_paid(),
        )
    }

    /// The award, or a refusal when there is none yet.
    fn award(&self) -> Result<&Award, GrantError> {
        self.award.as_ref().ok_or(GrantError::NotDecided)
    }

    /// Decide which events a command yields; every rule lives in the method it calls.
    fn events_for(&self, command: GrantCommand) -> Result<Vec<GrantEvent>, GrantError> {
        match command {
            GrantCommand::Decide { decision, by, at } => self.decide(decision, by, at),
            GrantCommand::Withdraw { reason, by, at } => self.withdraw(&reason, by, at),
            GrantCommand::RequestAdvance { amount, by, at } => self.request_advance(amount, by, at),
            GrantCommand::RecordPayment {
                amount,
                paid_on,
                kind,
                by,
                at,
            } => self.record_payment(amount, paid_on, kind, by, at),
            GrantCommand::RequestChange {
                change_request_id,
                reason,
                budget,
                period,
                by,
                at,
            } => self.request_change(change_request_id, &reason, budget, period, by, at),
            GrantCommand::DecideChange {
                change_request_id,
                approved,
                new_amount,
                reason,
                reserved_from,
                by,
                at,
            } => self.decide_change(
                change_request_id,
                approved,
                new_amount,
                &reason,
                reserved_from,
                by,
                at,
            ),
            GrantCommand::SaveSettlementReport { report, by, at } => {
                self.save_report(report, by, at)
            }
            GrantCommand::AddChangeAttachment {
                change_request_id,
                attachment,
                by,
                at,
            } => self.add_change_attachment(change_request_id, attachment, by, at),
            GrantCommand::RemoveChangeAttachment {
                change_request_id,
                attachment_id,
                by,
                at,
            } => self.remove_change_attachment(change_request_id, attachment_id, by, at),
            GrantCommand::AddReportAttachment {
                attachment,
                receipt_number,
                public,
                by,
                at,
            } => self.add_report_attachment(attachment, receipt_number, public, by, at),
            GrantCommand::RemoveReportAttachment {
                attachment_id,
                by,
                at,
            } => self.remove_report_attachment(attachment_id, by, at),
            GrantCommand::SubmitSettlementReport {
                delay_reason,
                by,
                at,
            } => self.submit_report(delay_reason.as_deref(), by, at),
            GrantCommand::ExtendSettlementDeadline {
                deadline,
                reason,
                by,
                at,
            } => self.extend_settlement_deadline(deadline, &reason, by, at),
            GrantCommand::AcceptDelayReason { by, at } => self.accept_delay_reason(by, at),
            GrantCommand::ReviewSettlement { outcome, by, at } => {
                self.review_settlement(outcome, by, at)
            }
            GrantCommand::RecordRefund {
                amount,
                received_on,
                by,
                at,
            } => self.record_refund(amount, received_on, by, at),
            GrantCommand::Cancel {
                reason,
                refund_amount,
                surcharge,
                by,
                at,
            } => self.cancel(&reason, refund_amount, surcharge, by, at),
            GrantCommand::RequestDiscontinuation { reason, by, at } => {
                self.request_discontinuation(&reason, by, at)
            }
            GrantCommand::DecideDiscontinuation {
                approved,
                reason,
                by,
                at,
            } => self.decide_discontinuation(approved, &reason, by, at),
            GrantCommand::RecordNotices { notices, by, at } => self.record_notices(notices, by, at),
        }
    }

    fn decide_change_record(
        &mut self,
        id: ChangeRequestId,
        state: ChangeState,
        decision: ChangeDecisionRecord,
    ) {
        if let Some(record) = self
            .changes
            .iter_mut()
            .find(|record| record.change_request_id == id)
        {
            record.state = state;
            record.decision = Some(decision);
        }
    }
}

impl Aggregate for Grant {
    const TYPE: &'static str = "grant";
    type Command = GrantCommand;
    type Event = GrantEvent;
    type Error = GrantError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.events_for(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        self.status = GrantStatus::after(self.status, &event);
        match event {
            GrantEvent::GrantDecided {
                decision,
                decided_on,
                ..
            } => {
                self.grant_id = decision.grant_id;
                self.application_id = decision.application_id;
                self.round_id = decision.round_id;
                self.group_id = decision.group_id;
                self.award = Some(Award::decided(decision, decided_on));
            }
            GrantEvent::GrantWithdrawn { .. } | GrantEvent::GrantClosed { .. } => {}
            GrantEvent::AdvanceRequested {
                amount,
                requested_total,
                at,
                ..
            } => {
                self.advances_requested = requested_total;
                self.advance_requests.push(AdvanceRequestRecord {
                    amount,
                    requested_total,
                    requested_at: at,
                });
            }
            GrantEvent::PaymentRecorded {
                amount,
                paid_on,
                kind,
                paid_total,
                ..
            } => {
                self.payments.push(PaymentEntry {
                    kind: kind.into(),
                    amount,
                    date: paid_on,
                });
                self.paid_total = paid_total;
            }
            GrantEvent::ChangeRequested {
                change_request_id,
                reason,
                budget,
                period,
                total_cost_before,
                total_cost_after,
                at,
                ..
            } => self.changes.push(ChangeRecord {
                change_request_id,
                reason,
                requested_at: at,
                budget,
                period,
                total_cost_before,
                total_cost_after,
                state: ChangeState::Pending,
                decision: None,
            }),
            GrantEvent::ChangeNotified {
                change_request_id,
                reason,
                budget,
                period,
                total_cost_before,
                total_cost_after,
                at,
                ..
            } => {
                if let Some(award) = self.award.as_mut() {
                    award.planned = budget.clone();
                    award.planned_period = period;
                }
                self.changes.push(ChangeRecord {
                    change_request_id,
                    reason,
                    requested_at: at,
                    budget,
                    period,
                    total_cost_before,
                    total_cost_after,
                    state: ChangeState::Notified,
                    decision: None,
                });
            }
            GrantEvent::ChangeApproved {
                change_request_id,
                previous_amount,
                decided_amount,
                budget,
                period,
                completion_deadline,
                reason,
                at,
                ..
            } => {
                if let Some(award) = self.award.as_mut() {
                    award.decided_amount = decided_amount;
                    award.planned = budget;
                    award.planned_period = period;
                    award.completion_deadline = completion_deadline;
                }
                self.decide_change_record(
                    change_request_id,
                    ChangeState::Approved,
                    ChangeDecisionRecord {
                        approved: true,
                        reason,
                        decided_at: at,
                        previous_amount: Some(previous_amount),
                        decided_amount: Some(decided_amount),
                    },
                );
            }
            GrantEvent::ChangeRejected {
                change_request_id,
                reason,
                at,
                ..
            } => self.decide_change_record(
                change_request_id,
                ChangeState::Rejected,
                ChangeDecisionRecord {
                    approved: false,
                    reason,
                    decided_at: at,
                    previous_amount: None,
                    decided_amount: None,
                },
            ),
            GrantEvent::SettlementReportSaved { report, .. } => self.report = Some(report),
            GrantEvent::SettlementReportSubmitted { report, .. } => self.report = Some(report),
            GrantEvent::SettlementReportReturned { .. } => {}
            GrantEvent::ReportAttachmentAdded {
                attachment,
                receipt_number,
                public,
                by,
                at,
            } => {
                self.report_attachments.push(crate::attachment::Attached {
                    attachment,
                    by,
                    at,
                    receipt_number,
                    public,
                });
            }
            GrantEvent::ChangeAttachmentAdded {
                change_request_id,
                attachment,
                by,
                at,
            } => self.change_attachments.push(ChangeAttached {
                change_request_id,
                attached: crate::attachment::Attached::new(attachment, by, at),
            }),
            GrantEvent::ChangeAttachmentRemoved {
                change_request_id,
                attachment_id,
                ..
            } => self.change_attachments.retain(|one| {
                one.change_request_id != change_request_id
                    || one.attached.attachment.id != attachment_id
            }),
            GrantEvent::ReportAttachmentRemoved { attachment_id, .. } => {
                self.report_attachments
                    .retain(|one| one.attachment.id != attachment_id);
            }
            GrantEvent::AmountFinalised {
                finalised,
                refund_due,
                refund_due_on,
                ..
            } => {
                self.finalised_amount = Some(finalised);
                self.refund_outstanding = refund_due;
                self.refund_due_on = refund_due_on;
            }
            GrantEvent::RefundReceived {
                amount,
                received_on,
                outstanding,
                refunded_total,
                ..
            } => {
                self.payments.push(PaymentEntry {
                    kind: PaymentEntryKind::Refund,
                    amount,
                    date: received_on,
                });
                self.refund_outstanding = outstanding;
                self.refunds_received = refunded_total;
            }
            GrantEvent::GrantCancelled {
                refund_amount,
                refund_due_on,
                ..
            } => {
                self.refund_outstanding = refund_amount;
                self.refund_due_on = refund_due_on;
            }
            event @ (GrantEvent::DiscontinuationRequested { .. }
            | GrantEvent::DiscontinuationApproved { .. }
            | GrantEvent::DiscontinuationRefused { .. }) => self.apply_discontinuation(event),
            GrantEvent::SettlementDeadlineExtended { .. }
            | GrantEvent::SettlementDelayExplained { .. }
            | GrantEvent::SettlementDelayAccepted { .. } => self.apply_due_date(&event),
            GrantEvent::RefundSurchargeTermsRecorded { order, .. } => {
                self.refund_order = Some(order)
            }
            GrantEvent::NoticeIssued { notice, .. } => self.notices.push(notice),
        }
    }
}
