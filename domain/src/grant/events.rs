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
    GrantDecided {
        /// The decision as recorded: texts trimmed, terms checked.
        decision: GrantDecision,
        /// The JST calendar day of the decision, from which rules 6, 7 and 9 count.
        decided_on: Date,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    GrantWithdrawn {
        reason: String,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    AdvanceRequested {
        amount: Yen,
        /// All advances requested so far, this one included.
        requested_total: Yen,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    PaymentRecorded {
        amount: Yen,
        paid_on: Date,
        kind: PaymentKind,
        /// All payments so far, this one included.
        paid_total: Yen,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    ChangeRequested {
        change_request_id: ChangeRequestId,
        reason: String,
        budget: Budget,
        period: Period,
        total_cost_before: Yen,
        total_cost_after: Yen,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A minor change (軽微な変更): recorded and applied at once, no approval needed.
    ChangeNotified {
        change_request_id: ChangeRequestId,
        reason: String,
        budget: Budget,
        period: Period,
        total_cost_before: Yen,
        total_cost_after: Yen,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    ChangeApproved {
        change_request_id: ChangeRequestId,
        previous_amount: Yen,
        decided_amount: Yen,
        /// What a lowered amount gives back to the round (the budget-release process returns it);
        /// zero for a raise, which the round reserved first. Zero in version 1.0 events, whose
        /// round was amended in the same request (see [`crate::upcasting`]).
        #[serde(default)]
        released: Yen,
        budget: Budget,
        period: Period,
        completion_deadline: Date,
        reason: String,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    ChangeRejected {
        change_request_id: ChangeRequestId,
        reason: String,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    SettlementReportSaved {
        report: SettlementReport,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A file was attached to the settlement report; its bytes were stored durably before.
    ReportAttachmentAdded {
        attachment: Attachment,
        /// The receipt number of the expense line this receipt proves, if the group named one
        /// (2.0; `null` before). Defaulted so that readers of the raw log load 1.0 too.
        #[serde(default)]
        receipt_number: Option<String>,
        /// Whether the group lets the public see this activity photo (2.0; `false` before).
        #[serde(default)]
        public: bool,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A file was taken off the settlement report.
    ReportAttachmentRemoved {
        attachment_id: AttachmentId,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A file was attached to a pending change request; its bytes were stored durably before.
    ChangeAttachmentAdded {
        change_request_id: ChangeRequestId,
        attachment: Attachment,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A file was taken off a pending change request.
    ChangeAttachmentRemoved {
        change_request_id: ChangeRequestId,
        attachment_id: AttachmentId,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    SettlementReportSubmitted {
        /// The report as submitted, so the audit trail shows what staff reviewed.
        report: SettlementReport,
        deadline: Date,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    SettlementReportReturned {
        reason: String,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    AmountFinalised {
        finalised: Yen,
        /// The subsidy base of the counted lines: eligible expenses less project income and other subsidies.
        subsidy_base: Yen,
        /// Receipt numbers that did not count (dated before the decision or after the completion deadline).
        uncounted_receipts: Vec<String>,
        refund_due: Yen,
        payable: Yen,
        refund_due_on: Option<Date>,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    RefundReceived {
        amount: Yen,
        received_on: Date,
        /// What is still owed after this refund.
        outstanding: Yen,
        /// All refunds received so far, this one included.
        refunded_total: Yen,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    GrantClosed {
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    GrantCancelled {
        reason: String,
        refund_amount: Yen,
        refund_due_on: Option<Date>,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// 中止・廃止: the group asks to stop the project (see [`super::discontinuation`]).
    DiscontinuationRequested {
        reason: String,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff approve: the project ends on `discontinued_on`, the new completion deadline.
    DiscontinuationApproved {
        /// Staff's note (may be empty).
        reason: String,
        discontinued_on: Date,
        previous_completion_deadline: Date,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff refuse: the grant returns to `resumes` (`decided` or `in_progress`).
    DiscontinuationRefused {
        reason: String,
        resumes: GrantStatus,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff moved the settlement report's due date from `previous` to `deadline`.
    SettlementDeadlineExtended {
        previous: Date,
        deadline: Date,
        reason: String,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A first report came after its due date (`deadline`) with this reason for the delay (遅延理由).
    SettlementDelayExplained {
        reason: String,
        deadline: Date,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The cancellation's refund order with its 加算金・延滞金 terms and the 加算金 if paid on the
    /// due date (recorded with `GrantCancelled` when a refund is ordered).
    RefundSurchargeTermsRecorded {
        order: RefundOrder,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff accepted the delay reason; the amount may now be finalised.
    SettlementDelayAccepted {
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A notice on the grant was issued (`crate::document`): its PDF kept under `notice.sha256`
    /// before this event names it. New in issue 17, version 1.0.
    NoticeIssued {
        notice: IssuedNotice,
        by: UserId,
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
