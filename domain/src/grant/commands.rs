//! What can be asked of a grant after the award decision. Commands carry every outside fact a rule
//! needs: the instant from the app's clock (`at`), the actor (`by`) and, for `Decide`, the round's terms
//! as they stood at the decision ([`GrantDecision`]).

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::attachment::Attachment;
use crate::budget::{Budget, ExpenseCategory, ExpenseLine, IncomeLine};
use crate::ids::{AttachmentId, ChangeRequestId, UserId};
use crate::money::Yen;

use super::decision::GrantDecision;
use super::period::Period;
use super::surcharge::SurchargeTerms;

/// Whether a payment is an advance (概算払) or the payment after finalisation (精算払).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    Advance,
    Final,
}

/// Staff's verdict on a submitted settlement report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    /// The report is accepted and the amount is finalised (額の確定).
    Accepted,
    /// The report goes back to the group for correction.
    Returned { reason: String },
}

/// One actual expense with its receipt (領収書).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptLine {
    pub category: ExpenseCategory,
    pub item: String,
    pub quantity: u32,
    pub unit_price: Yen,
    pub receipt_date: Date,
    pub receipt_number: String,
}

impl ReceiptLine {
    /// The expense line this receipt stands for, for the shared budget arithmetic.
    pub fn expense_line(&self) -> ExpenseLine {
        ExpenseLine {
            category: self.category,
            item: self.item.clone(),
            quantity: self.quantity,
            unit_price: self.unit_price,
        }
    }
}

/// The settlement report (実績報告書 with its 収支決算書).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettlementReport {
    #[serde(default)]
    pub income: Vec<IncomeLine>,
    #[serde(default)]
    pub expenses: Vec<ReceiptLine>,
    #[serde(default)]
    pub outcomes: String,
    #[serde(default)]
    pub participants: u32,
}

/// Every command the grant aggregate accepts.
// The decision carries the whole award once per grant; boxing it would only complicate the shape
// every caller writes, for a value that lives a few microseconds.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum GrantCommand {
    /// Record the award decision (交付決定); the round has already checked its budget.
    Decide {
        decision: GrantDecision,
        by: UserId,
        at: OffsetDateTime,
    },
    /// The group withdraws (取下げ) within 10 days of the decision (rule 6).
    Withdraw {
        reason: String,
        by: UserId,
        at: OffsetDateTime,
    },
    /// The group asks for an advance (概算払請求) (rule 7).
    RequestAdvance {
        amount: Yen,
        by: UserId,
        at: OffsetDateTime,
    },
    /// Staff record money paid to the group (rule 7).
    RecordPayment {
        amount: Yen,
        paid_on: Date,
        kind: PaymentKind,
        by: UserId,
        at: OffsetDateTime,
    },
    /// The group asks to change the plan (変更承認申請) or notifies a minor change (rule 8).
    RequestChange {
        change_request_id: ChangeRequestId,
        reason: String,
        budget: Budget,
        period: Period,
        by: UserId,
        at: OffsetDateTime,
    },
    /// Staff approve or reject a change request (rule 8).
    DecideChange {
        change_request_id: ChangeRequestId,
        approved: bool,
        new_amount: Option<Yen>,
        reason: String,
        /// The decided amount the round's reservation raised from, when the round already holds
        /// the increase of this approval (`round::reservation`). A raise without a reservation is
        /// refused, and so is a reservation made from an amount the grant no longer holds.
        reserved_from: Option<Yen>,
        by: UserId,
        at: OffsetDateTime,
    },
    /// The group saves a draft of its settlement report; may be repeated.
    SaveSettlementReport {
        report: SettlementReport,
        by: UserId,
        at: OffsetDateTime,
    },
    /// The group attaches a file to its settlement report (a receipt, an activity photo), stored
    /// durably before (`crate::attachment`).
    AddReportAttachment {
        attachment: Attachment,
        /// The receipt number of the saved expense line a receipt proves, if any.
        receipt_number: Option<String>,
        /// Whether the group lets the public see this activity photo.
        public: bool,
        by: UserId,
        at: OffsetDateTime,
    },
    /// The group takes a file off its settlement report.
    RemoveReportAttachment {
        attachment_id: AttachmentId,
        by: UserId,
        at: OffsetDateTime,
    },
    /// The group attaches a file (a quote for the new plan) to a pending change request.
    AddChangeAttachment {
        change_request_id: ChangeRequestId,
        attachment: Attachment,
        by: UserId,
        at: OffsetDateTime,
    },
    /// The group takes a file off a pending change request.
    RemoveChangeAttachment {
        change_request_id: ChangeRequestId,
        attachment_id: AttachmentId,
        by: UserId,
        at: OffsetDateTime,
    },
    /// The group submits the saved report (rule 9's deadline); a late first report gives the
    /// reason for its delay (遅延理由).
    SubmitSettlementReport {
        delay_reason: Option<String>,
        by: UserId,
        at: OffsetDateTime,
    },
    /// Staff extend the due date of the settlement report, with a reason.
    ExtendSettlementDeadline {
        deadline: Date,
        reason: String,
        by: UserId,
        at: OffsetDateTime,
    },
    /// Staff accept the reason a late report gave for its delay.
    AcceptDelayReason { by: UserId, at: OffsetDateTime },
    /// Staff accept the report (and finalise the amount) or return it (rule 9).
    ReviewSettlement {
        outcome: ReviewOutcome,
        by: UserId,
        at: OffsetDateTime,
    },
    /// Staff record a refund received from the group.
    RecordRefund {
        amount: Yen,
        received_on: Date,
        by: UserId,
        at: OffsetDateTime,
    },
    /// The group asks to discontinue the project (中止・廃止), with a reason.
    RequestDiscontinuation {
        reason: String,
        by: UserId,
        at: OffsetDateTime,
    },
    /// Staff approve (with an optional note) or refuse (with a reason) a discontinuation.
    DecideDiscontinuation {
        approved: bool,
        reason: String,
        by: UserId,
        at: OffsetDateTime,
    },
    /// Staff cancel the decision (取消) and order a refund of what was paid (rule 10).
    Cancel {
        reason: String,
        refund_amount: Yen,
        /// The city's 加算金・延滞金 terms, recorded with the refund order.
        surcharge: SurchargeTerms,
        by: UserId,
        at: OffsetDateTime,
    },
    /// Record the notices one event called for, issued on the grant (the documents process;
    /// `crate::document`): appended together, so a crash never leaves half of them.
    RecordNotices {
        notices: Vec<crate::document::IssuedNotice>,
        by: UserId,
        at: OffsetDateTime,
    },
}
