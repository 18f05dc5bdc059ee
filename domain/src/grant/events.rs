//! The facts of a grant's life. Each event carries who, when and why (rule 11) and every amount and
//! date needed to rebuild the grant without reading anything else.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::attachment::Attachment;
use crate::budget::Budget;
use crate::document::IssuedNotice;
use crate::ids::{AttachmentId, ChangeRequestId, UserId};
use crate::money::Yen;

use super::commands::{PaymentKind, SettlementReport};
use super::decision::GrantDecision;
use super::period::Period;
use super::surcharge::RefundOrder;
use super::GrantStatus;

/// The version of `ReportAttachmentAdded`: 2.0 added `receipt_number` (the expense line a receipt
/// proves) and `public` (a photo the group lets the public see); see [`crate::upcasting`].
pub const REPORT_ATTACHMENT_ADDED_VERSION: &str = "2.0";

/// The version of `ChangeApproved`: 2.0 added `released` (see [`crate::upcasting`]).
pub const CHANGE_APPROVED_VERSION: &str = "2.0";

/// Everything that can happen to a grant.
// The decision carries the whole award once per grant; boxing it would only complicate the shape
// every caller writes, for a value that lives a few microseconds.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum GrantEvent {
    /// Staff recorded the award decision (交付決定): the grant begins.
    GrantDecided {
        /// The decision as recorded: texts trimmed, terms checked.
        decision: GrantDecision,
        /// The JST calendar day of the decision, from which rules 6, 7 and 9 count.
        decided_on: Date,
        /// The staff member who decided the award in the round (the grant records it after them).
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The group withdrew (取下げ) within 10 days of the decision (rule 6).
    GrantWithdrawn {
        /// The group's reason for withdrawing.
        reason: String,
        /// The applicant: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The group asked for an advance (概算払請求, rule 7).
    AdvanceRequested {
        /// The advance asked for, in integer yen.
        amount: Yen,
        /// All advances requested so far, this one included.
        requested_total: Yen,
        /// The applicant: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff recorded money paid to the group (rule 7).
    PaymentRecorded {
        /// The money paid, in integer yen.
        amount: Yen,
        /// The JST day the money was paid.
        paid_on: Date,
        /// Whether it paid an advance or the finalised amount.
        kind: PaymentKind,
        /// All payments so far, this one included.
        paid_total: Yen,
        /// The staff member recording it.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The group asked for approval of a change (変更承認申請, rule 8): it raises the total cost, cuts it
    /// beyond the threshold, or extends the period past the completion deadline.
    ChangeRequested {
        /// The change request's id, chosen by the app.
        change_request_id: ChangeRequestId,
        /// The group's reason for the change.
        reason: String,
        /// The whole budget as the change would have it.
        budget: Budget,
        /// The project period as the change would have it.
        period: Period,
        /// The plan's total cost (事業費総額) before the change, in integer yen.
        total_cost_before: Yen,
        /// The plan's total cost after the change, in integer yen.
        total_cost_after: Yen,
        /// The applicant: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A minor change (軽微な変更): recorded and applied at once, no approval needed.
    ChangeNotified {
        /// The change's id, chosen by the app.
        change_request_id: ChangeRequestId,
        /// The group's reason for the change.
        reason: String,
        /// The whole budget as changed, in force from now on.
        budget: Budget,
        /// The project period as changed, in force from now on.
        period: Period,
        /// The plan's total cost (事業費総額) before the change, in integer yen.
        total_cost_before: Yen,
        /// The plan's total cost after the change, in integer yen.
        total_cost_after: Yen,
        /// The applicant: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff approved a change request: its budget and period apply, with the decided amount below.
    ChangeApproved {
        /// The change request approved.
        change_request_id: ChangeRequestId,
        /// The decided amount before the approval, in integer yen.
        previous_amount: Yen,
        /// The decided amount after it, in integer yen (the same unless staff set a new one).
        decided_amount: Yen,
        /// What a lowered amount gives back to the round (the budget-release process returns it);
        /// zero for a raise, which the round reserved first. Zero in version 1.0 events, whose
        /// round was amended in the same request (see [`crate::upcasting`]).
        #[serde(default)]
        released: Yen,
        /// The budget now in force.
        budget: Budget,
        /// The project period now in force.
        period: Period,
        /// The completion deadline after the approval: moved to the new period's end when that is
        /// later.
        completion_deadline: Date,
        /// Staff's reason for the approval.
        reason: String,
        /// The staff member deciding.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff rejected a change request; the plan stays as it was.
    ChangeRejected {
        /// The change request rejected.
        change_request_id: ChangeRequestId,
        /// Staff's reason for the rejection.
        reason: String,
        /// The staff member deciding.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The group saved a draft of its settlement report (実績報告), replacing the one before.
    SettlementReportSaved {
        /// The whole report as drafted.
        report: SettlementReport,
        /// The applicant: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A file was attached to the settlement report; its bytes were stored durably before.
    ReportAttachmentAdded {
        /// The stored file, with its name, type, size and hash.
        attachment: Attachment,
        /// The receipt number of the expense line this receipt proves, if the group named one
        /// (2.0; `null` before). Defaulted so that readers of the raw log load 1.0 too.
        #[serde(default)]
        receipt_number: Option<String>,
        /// Whether the group lets the public see this activity photo (2.0; `false` before).
        #[serde(default)]
        public: bool,
        /// The applicant: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A file was taken off the settlement report.
    ReportAttachmentRemoved {
        /// The file taken off.
        attachment_id: AttachmentId,
        /// The applicant: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A file was attached to a pending change request; its bytes were stored durably before.
    ChangeAttachmentAdded {
        /// The pending change request the file is for.
        change_request_id: ChangeRequestId,
        /// The stored file.
        attachment: Attachment,
        /// The applicant: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A file was taken off a pending change request.
    ChangeAttachmentRemoved {
        /// The pending change request the file was on.
        change_request_id: ChangeRequestId,
        /// The file taken off.
        attachment_id: AttachmentId,
        /// The applicant: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The group submitted its settlement report (実績報告) for staff's review (rule 9).
    SettlementReportSubmitted {
        /// The report as submitted, so the audit trail shows what staff reviewed.
        report: SettlementReport,
        /// The report's due date as it stood at the submission (JST).
        deadline: Date,
        /// The applicant: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff returned the report to the group for correction (rule 9).
    SettlementReportReturned {
        /// Staff's reason: what to correct.
        reason: String,
        /// The staff member reviewing.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff accepted the report and the amount was finalised (額の確定, rule 9).
    AmountFinalised {
        /// The finalised amount, in integer yen: at most the decided amount.
        finalised: Yen,
        /// The subsidy base of the counted lines: eligible expenses less project income and other subsidies.
        subsidy_base: Yen,
        /// Receipt numbers that did not count (dated before the decision or after the completion deadline).
        uncounted_receipts: Vec<String>,
        /// What the group must pay back, in integer yen: what it holds above the finalised amount.
        refund_due: Yen,
        /// What the city still owes, in integer yen: the finalised amount above what the group
        /// holds.
        payable: Yen,
        /// The refund's due date (納期限, JST: 30 days after the review day); `None` when no refund is
        /// due.
        refund_due_on: Option<Date>,
        /// The staff member reviewing.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff recorded a refund received from the group.
    RefundReceived {
        /// The money received, in integer yen.
        amount: Yen,
        /// The JST day the money was received.
        received_on: Date,
        /// What is still owed after this refund.
        outstanding: Yen,
        /// All refunds received so far, this one included.
        refunded_total: Yen,
        /// The staff member recording it.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The grant is settled: nothing is owed either way. Recorded with the event that settled it (a
    /// finalisation, the last payment or refund), by the same actor.
    GrantClosed {
        /// The actor of the event that settled the grant.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff cancelled the award decision (取消, rule 10) and ordered a refund of what the group
    /// holds, or of part of it.
    GrantCancelled {
        /// Staff's reason for the cancellation.
        reason: String,
        /// The refund ordered, in integer yen (zero when none is).
        refund_amount: Yen,
        /// The refund's due date (納期限, JST: 30 days after the cancellation day); `None` when no
        /// refund is ordered.
        refund_due_on: Option<Date>,
        /// The staff member cancelling.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// 中止・廃止: the group asks to stop the project (see `super::discontinuation`).
    DiscontinuationRequested {
        /// The group's reason for stopping the project.
        reason: String,
        /// The applicant: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff approve: the project ends on `discontinued_on`, the new completion deadline.
    DiscontinuationApproved {
        /// Staff's note (may be empty).
        reason: String,
        /// The JST day the project ended: the approval day, or the completion deadline if that came
        /// first.
        discontinued_on: Date,
        /// The completion deadline before the approval.
        previous_completion_deadline: Date,
        /// The staff member deciding.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff refuse: the grant returns to `resumes` (`decided` or `in_progress`).
    DiscontinuationRefused {
        /// Staff's reason for the refusal.
        reason: String,
        /// Where the grant goes back to.
        resumes: GrantStatus,
        /// The staff member deciding.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff moved the settlement report's due date from `previous` to `deadline`.
    SettlementDeadlineExtended {
        /// The due date before the extension (JST).
        previous: Date,
        /// The new due date (JST).
        deadline: Date,
        /// Staff's reason for the extension.
        reason: String,
        /// The staff member recording it.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A first report came after its due date (`deadline`) with this reason for the delay (遅延理由).
    SettlementDelayExplained {
        /// The group's reason for the delay.
        reason: String,
        /// The due date the report missed (JST).
        deadline: Date,
        /// The applicant: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The cancellation's refund order with its 加算金・延滞金 terms and the 加算金 if paid on the
    /// due date (recorded with `GrantCancelled` when a refund is ordered).
    RefundSurchargeTermsRecorded {
        /// The order: amount, due date, terms, and the 加算金 if paid on the due date.
        order: RefundOrder,
        /// The staff member cancelling.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff accepted the delay reason; the amount may now be finalised.
    SettlementDelayAccepted {
        /// The staff member accepting the reason.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A notice on the grant was issued (`crate::document`): its PDF kept under `notice.sha256`
    /// before this event names it. New in issue 17, version 1.0.
    NoticeIssued {
        /// The notice issued: its kind, document number (文書番号), date and the hash of its PDF.
        notice: IssuedNotice,
        /// The actor of the event that called for the notice.
        by: UserId,
        /// When the app received the command, UTC.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl DomainEvent for GrantEvent {
    fn event_type(&self) -> String {
        match self {
            Self::GrantDecided { .. } => "GrantDecided",
            Self::GrantWithdrawn { .. } => "GrantWithdrawn",
            Self::AdvanceRequested { .. } => "AdvanceRequested",
            Self::PaymentRecorded { .. } => "PaymentRecorded",
            Self::ChangeRequested { .. } => "ChangeRequested",
            Self::ChangeNotified { .. } => "ChangeNotified",
            Self::ChangeApproved { .. } => "ChangeApproved",
            Self::ChangeRejected { .. } => "ChangeRejected",
            Self::SettlementReportSaved { .. } => "SettlementReportSaved",
            Self::ReportAttachmentAdded { .. } => "ReportAttachmentAdded",
            Self::ReportAttachmentRemoved { .. } => "ReportAttachmentRemoved",
            Self::ChangeAttachmentAdded { .. } => "ChangeAttachmentAdded",
            Self::ChangeAttachmentRemoved { .. } => "ChangeAttachmentRemoved",
            Self::SettlementReportSubmitted { .. } => "SettlementReportSubmitted",
            Self::SettlementReportReturned { .. } => "SettlementReportReturned",
            Self::AmountFinalised { .. } => "AmountFinalised",
            Self::RefundReceived { .. } => "RefundReceived",
            Self::GrantClosed { .. } => "GrantClosed",
            Self::GrantCancelled { .. } => "GrantCancelled",
            Self::DiscontinuationRequested { .. } => "DiscontinuationRequested",
            Self::DiscontinuationApproved { .. } => "DiscontinuationApproved",
            Self::DiscontinuationRefused { .. } => "DiscontinuationRefused",
            Self::SettlementDeadlineExtended { .. } => "SettlementDeadlineExtended",
            Self::SettlementDelayExplained { .. } => "SettlementDelayExplained",
            Self::SettlementDelayAccepted { .. } => "SettlementDelayAccepted",
            Self::RefundSurchargeTermsRecorded { .. } => "RefundSurchargeTermsRecorded",
            Self::NoticeIssued { .. } => "NoticeIssued",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        // Bump one variant at a time and add an upcaster.
        match self {
            Self::ChangeApproved { .. } => CHANGE_APPROVED_VERSION,
            Self::ReportAttachmentAdded { .. } => REPORT_ATTACHMENT_ADDED_VERSION,
            Self::GrantDecided { .. }
            | Self::GrantWithdrawn { .. }
            | Self::AdvanceRequested { .. }
            | Self::PaymentRecorded { .. }
            | Self::ChangeRequested { .. }
            | Self::ChangeNotified { .. }
            | Self::ChangeRejected { .. }
            | Self::SettlementReportSaved { .. }
            | Self::ReportAttachmentRemoved { .. }
            | Self::ChangeAttachmentAdded { .. }
            | Self::ChangeAttachmentRemoved { .. }
            | Self::SettlementReportSubmitted { .. }
            | Self::SettlementReportReturned { .. }
            | Self::AmountFinalised { .. }
            | Self::RefundReceived { .. }
            | Self::GrantClosed { .. }
            | Self::GrantCancelled { .. }
            | Self::DiscontinuationRequested { .. }
            | Self::DiscontinuationApproved { .. }
            | Self::DiscontinuationRefused { .. }
            | Self::SettlementDeadlineExtended { .. }
            | Self::SettlementDelayExplained { .. }
            | Self::SettlementDelayAccepted { .. }
            | Self::RefundSurchargeTermsRecorded { .. }
            | Self::NoticeIssued { .. } => "1.0",
        }
        .to_owned()
    }
}
