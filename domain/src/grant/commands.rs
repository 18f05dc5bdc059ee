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
    /// An advance (概算払), before the amount is finalised.
    Advance,
    /// The payment after finalisation (精算払) of what is payable.
    Final,
}

/// Staff's verdict on a submitted settlement report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    /// The report is accepted and the amount is finalised (額の確定).
    Accepted,
    /// The report goes back to the group for correction.
    Returned {
        /// Staff's reason for returning it: what to correct.
        reason: String,
    },
}

/// One actual expense with its receipt (領収書).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptLine {
    /// The expense category, which says whether the line is eligible (補助対象経費).
    pub category: ExpenseCategory,
    /// What was bought or paid for.
    pub item: String,
    /// How many, at least 1.
    pub quantity: u32,
    /// The price of one, in integer yen.
    pub unit_price: Yen,
    /// The receipt's date (JST); only receipts from the decision day to the completion deadline
    /// count.
    pub receipt_date: Date,
    /// The receipt's number (領収書番号), by which attachments name the line.
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
    /// The actual income (project income, other subsidies, own funds).
    #[serde(default)]
    pub income: Vec<IncomeLine>,
    /// The actual expenses, one per receipt.
    #[serde(default)]
    pub expenses: Vec<ReceiptLine>,
    /// What the project achieved (事業の成果); required at submission, not while drafting.
    #[serde(default)]
    pub outcomes: String,
    /// How many people took part.
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
        /// The award and the round's terms as they stood at the decision.
        decision: GrantDecision,
        /// The staff member who decided the award in the round (the grant records it after them).
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
    /// The group withdraws (取下げ) within 10 days of the decision (rule 6).
    Withdraw {
        /// The group's reason for withdrawing.
        reason: String,
        /// The applicant asking: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
    /// The group asks for an advance (概算払請求) (rule 7).
    RequestAdvance {
        /// The advance asked for, in integer yen.
        amount: Yen,
        /// The applicant asking: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
    /// Staff record money paid to the group (rule 7).
    RecordPayment {
        /// The money paid, in integer yen.
        amount: Yen,
        /// The JST day the money was paid: not before the decision day, not in the future.
        paid_on: Date,
        /// Whether it pays an advance or the finalised amount.
        kind: PaymentKind,
        /// The staff member recording it.
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
    /// The group asks to change the plan (変更承認申請) or notifies a minor change (rule 8).
    RequestChange {
        /// The new change request's id, chosen by the app.
        change_request_id: ChangeRequestId,
        /// The group's reason for the change.
        reason: String,
        /// The whole budget as changed.
        budget: Budget,
        /// The project period as changed.
        period: Period,
        /// The applicant asking: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
    /// Staff approve or reject a change request (rule 8).
    DecideChange {
        /// The pending change request decided.
        change_request_id: ChangeRequestId,
        /// Whether staff approve it.
        approved: bool,
        /// On an approval, the new decided amount in integer yen; `None` keeps the amount. Refused
        /// on a rejection.
        new_amount: Option<Yen>,
        /// Staff's reason for the decision (required either way).
        reason: String,
        /// The decided amount the round's reservation raised from, when the round already holds
        /// the increase of this approval (`round::reservation`). A raise without a reservation is
        /// refused, and so is a reservation made from an amount the grant no longer holds.
        reserved_from: Option<Yen>,
        /// The staff member deciding.
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
    /// The group saves a draft of its settlement report; may be repeated.
    SaveSettlementReport {
        /// The whole report as drafted; it replaces the one saved before.
        report: SettlementReport,
        /// The applicant asking: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
    /// The group attaches a file to its settlement report (a receipt, an activity photo), stored
    /// durably before (`crate::attachment`).
    AddReportAttachment {
        /// The stored file.
        attachment: Attachment,
        /// The receipt number of the saved expense line a receipt proves, if any.
        receipt_number: Option<String>,
        /// Whether the group lets the public see this activity photo.
        public: bool,
        /// The applicant asking: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
    /// The group takes a file off its settlement report.
    RemoveReportAttachment {
        /// The file to take off.
        attachment_id: AttachmentId,
        /// The applicant asking: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
    /// The group attaches a file (a quote for the new plan) to a pending change request.
    AddChangeAttachment {
        /// The pending change request the file is for.
        change_request_id: ChangeRequestId,
        /// The stored file.
        attachment: Attachment,
        /// The applicant asking: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
    /// The group takes a file off a pending change request.
    RemoveChangeAttachment {
        /// The pending change request the file is on.
        change_request_id: ChangeRequestId,
        /// The file to take off.
        attachment_id: AttachmentId,
        /// The applicant asking: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
    /// The group submits the saved report (rule 9's deadline); a late first report gives the
    /// reason for its delay (遅延理由).
    SubmitSettlementReport {
        /// The reason for the delay (遅延理由), needed when a first report comes after its due date;
        /// ignored otherwise.
        delay_reason: Option<String>,
        /// The applicant asking: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
    /// Staff extend the due date of the settlement report, with a reason.
    ExtendSettlementDeadline {
        /// The new due date (JST): later than the current one and not before today.
        deadline: Date,
        /// Staff's reason for the extension.
        reason: String,
        /// The staff member recording it.
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
    /// Staff accept the reason a late report gave for its delay.
    AcceptDelayReason {
        /// The staff member accepting the reason.
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
    /// Staff accept the report (and finalise the amount) or return it (rule 9).
    ReviewSettlement {
        /// Accepted (and finalised) or returned with a reason.
        outcome: ReviewOutcome,
        /// The staff member reviewing.
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
    /// Staff record a refund received from the group.
    RecordRefund {
        /// The money received, in integer yen: at most the refund outstanding.
        amount: Yen,
        /// The JST day the money was received: not in the future.
        received_on: Date,
        /// The staff member recording it.
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
    /// The group asks to discontinue the project (中止・廃止), with a reason.
    RequestDiscontinuation {
        /// The group's reason for stopping the project.
        reason: String,
        /// The applicant asking: a member of the group, or a coordinator for it.
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
    /// Staff approve (with an optional note) or refuse (with a reason) a discontinuation.
    DecideDiscontinuation {
        /// Whether staff approve the discontinuation.
        approved: bool,
        /// Staff's reason: required on a refusal, an optional note on an approval.
        reason: String,
        /// The staff member deciding.
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
    /// Staff cancel the decision (取消) and order a refund of what was paid (rule 10).
    Cancel {
        /// Staff's reason for the cancellation.
        reason: String,
        /// The refund ordered, in integer yen: at most what the group holds (payments less
        /// refunds).
        refund_amount: Yen,
        /// The city's 加算金・延滞金 terms, recorded with the refund order.
        surcharge: SurchargeTerms,
        /// The staff member cancelling.
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
    /// Record the notices one event called for, issued on the grant (the documents process;
    /// `crate::document`): appended together, so a crash never leaves half of them.
    RecordNotices {
        /// The notices issued, each kept as a PDF before this command names it.
        notices: Vec<crate::document::IssuedNotice>,
        /// The actor of the event that called for the notices.
        by: UserId,
        /// When the app received the command, UTC (its clock, not the caller's).
        at: OffsetDateTime,
    },
}
