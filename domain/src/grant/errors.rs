//! Why the grant aggregate refuses a command. The English `Display` text states the rule; [`Refusal`]
//! adds a stable code, the Japanese message naming the rule, and the kind (409 or 422).

use crate::fiscal_year::JaDate;
use time::Date;

use crate::attachment::AttachmentError;
use crate::budget::BudgetOverflow;
use crate::money::Yen;
use crate::refusal::{Refusal, RefusalKind};
use crate::text::ForbiddenCharacter;

use super::GrantStatus;

/// What can be asked of a grant: for the message when the grant's status forbids it, and for the
/// grant read's `allowed_actions` ([`super::Grant::allowed_actions`]).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantAction {
    /// The group withdraws (取下げ, rule 6).
    Withdraw,
    /// The group asks for an advance (概算払).
    RequestAdvance,
    /// Staff record an advance paid.
    RecordAdvance,
    /// Staff record the payment after finalisation (精算払).
    RecordFinalPayment,
    /// The group asks for a change or notifies a minor one (rule 8).
    RequestChange,
    /// Staff approve or reject a change request.
    DecideChange,
    /// The group saves a draft of its settlement report.
    SaveReport,
    /// The group submits its settlement report.
    SubmitReport,
    /// Staff accept or return the settlement report (rule 9).
    ReviewSettlement,
    /// Staff record a refund received.
    RecordRefund,
    /// Staff cancel the decision (取消, rule 10).
    Cancel,
    /// The group asks to discontinue the project (中止・廃止).
    RequestDiscontinuation,
    /// Staff approve or refuse a discontinuation.
    DecideDiscontinuation,
    /// Staff extend the settlement report's due date.
    ExtendSettlementDeadline,
    /// Staff accept a late report's delay reason.
    AcceptDelayReason,
}

impl GrantAction {
    fn label_ja(self) -> &'static str {
        match self {
            Self::Withdraw => "取下げ",
            Self::RequestAdvance => "概算払の請求",
            Self::RecordAdvance => "概算払の記録",
            Self::RecordFinalPayment => "精算払の記録",
            Self::RequestChange => "変更の申請",
            Self::DecideChange => "変更申請の審査",
            Self::SaveReport => "実績報告の保存",
            Self::SubmitReport => "実績報告の提出",
            Self::ReviewSettlement => "実績報告の審査",
            Self::RecordRefund => "返還金の記録",
            Self::Cancel => "交付決定の取消",
            Self::RequestDiscontinuation => "中止・廃止の承認申請",
            Self::DecideDiscontinuation => "中止・廃止の承認審査",
            Self::ExtendSettlementDeadline => "実績報告の期限の延長",
            Self::AcceptDelayReason => "遅延理由の承認",
        }
    }
}

/// A text's name inside a line of the settlement report, as the line list the report's body holds.
fn contract_field(field: &'static str) -> &'static str {
    match field {
        "item" | "receipt_number" => "expenses",
        "description" => "income",
        other => other,
    }
}

/// The Japanese name of a text field, for messages.
fn field_ja(field: &str) -> &'static str {
    match field {
        "reason" => "理由",
        "delay_reason" => "遅延理由",
        "outcomes" => "事業の成果",
        "item" => "支出の内容",
        "receipt_number" => "領収書番号",
        "description" => "収入の内容",
        "course" => "コース名",
        "title" => "事業名",
        "summary" => "事業概要",
        "group_name" => "団体名",
        "notice_number" => "文書番号",
        "conditions" => "交付の条件",
        "budget" => "収支予算",
        _ => "入力項目",
    }
}

/// The overflow refusal naming the input whose amounts overflowed.
pub(super) fn overflow_in(field: &'static str) -> impl Fn(BudgetOverflow) -> GrantError {
    move |BudgetOverflow| GrantError::Overflow { field: Some(field) }
}

impl From<BudgetOverflow> for GrantError {
    fn from(BudgetOverflow: BudgetOverflow) -> Self {
        GrantError::Overflow { field: None }
    }
}

/// A refused grant command.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GrantError {
    /// A command other than the decision came for a grant whose decision is not recorded.
    #[error("the grant has not been decided")]
    NotDecided,
    /// The decision came for a grant already decided.
    #[error("the grant has already been decided")]
    AlreadyDecided,
    /// The grant's status does not allow the action (e.g. a payment on a withdrawn grant).
    #[error("{action:?} is not possible while the grant is {status:?}")]
    StatusForbids {
        /// The action asked for.
        action: GrantAction,
        /// Where the grant stands.
        status: GrantStatus,
    },
    /// A required text is empty (after trimming).
    #[error("{field} is required")]
    TextRequired {
        /// The input's name.
        field: &'static str,
    },
    /// A text is longer than its limit.
    #[error("{field} may not be longer than {max} characters")]
    TextTooLong {
        /// The input's name.
        field: &'static str,
        /// The limit, in characters.
        max: usize,
    },
    /// A text holds a character its field may not hold (e.g. a line break in a one-line text).
    #[error("{0}")]
    Text(#[from] ForbiddenCharacter),
    /// A file is refused (too large, empty, of an unsupported type, or badly named).
    #[error("{0}")]
    Attachment(#[from] AttachmentError),
    /// A ratio of the decision's terms is above 1/1.
    #[error("{field} may not exceed 1/1")]
    RatioAboveOne {
        /// The ratio's name (e.g. `advance_cap_ratio`).
        field: &'static str,
    },
    /// An amount that must be positive is zero yen.
    #[error("{field} may not be zero yen")]
    ZeroAmount {
        /// The input's name.
        field: &'static str,
    },
    /// A period ends before it starts.
    #[error("the period ends ({end}) before it starts ({start})")]
    PeriodReversed {
        /// The first day given.
        start: Date,
        /// The last day given.
        end: Date,
    },
    /// A date of a single-year grant (単年度) lies before the decision day or after the fiscal year's
    /// last day.
    #[error("the date {date} lies outside the decision day {decided_on} to the end of the fiscal year {last_day}")]
    OutsideGrantYear {
        /// The input's name (e.g. `completion_deadline`, `period`).
        field: &'static str,
        /// The date given.
        date: Date,
        /// The JST day of the decision.
        decided_on: Date,
        /// The fiscal year's last day (31 March).
        last_day: Date,
    },
    /// The planned project period ends after the completion deadline (at the decision).
    #[error("the project period must end by the completion deadline {completion_deadline}")]
    PeriodAfterCompletion {
        /// The completion deadline (JST).
        completion_deadline: Date,
    },
    /// A day of money moving (a payment, a refund) lies after today (JST).
    #[error("the date {date} lies in the future")]
    DateInFuture {
        /// The input's name (e.g. `paid_on`, `received_on`).
        field: &'static str,
        /// The date given.
        date: Date,
    },
    /// A settlement report has too many income or expense lines.
    #[error("a settlement report may hold at most {max} lines of each kind")]
    TooManyLines {
        /// The list's name (`income` or `expenses`).
        field: &'static str,
        /// The most lines of each kind.
        max: usize,
    },
    /// A receipt line's quantity is zero.
    #[error("the quantity of a receipt line must be at least 1")]
    ZeroQuantity,
    /// `field` names the input whose amounts overflowed, where one does.
    #[error("the amounts are too large to add up")]
    Overflow {
        /// The input whose amounts overflowed, where one does.
        field: Option<&'static str>,
    },

    // Rule 6.
    /// The withdrawal came after the 10 days (rule 6).
    #[error("the withdrawal period ended on {last_day} (10 days after the decision)")]
    WithdrawalPeriodOver {
        /// The last day of the withdrawal period (JST): the decision day + 10.
        last_day: Date,
    },
    /// The withdrawal came after money was paid (rule 6).
    #[error("a grant cannot be withdrawn once money has been paid")]
    WithdrawalAfterPayment,

    // Rule 7.
    /// Advances requested or paid would exceed the advance cap (rule 7).
    #[error("advances would total {total}, above the advance cap {cap}")]
    AdvanceAboveCap {
        /// What advances would total, in integer yen.
        total: Yen,
        /// The cap: `floor(advance cap ratio x decided amount)`, in integer yen.
        cap: Yen,
    },
    /// Payments would exceed the decided amount (rule 7).
    #[error("payments would total {total}, above the decided amount {decided}")]
    PaymentAboveDecided {
        /// What the group would hold with this payment (payments less refunds), in integer yen.
        total: Yen,
        /// The decided amount, in integer yen.
        decided: Yen,
    },
    /// A payment is dated before the decision day (rule 7).
    #[error("a payment dated {paid_on} precedes the decision of {decided_on}")]
    PaymentBeforeDecision {
        /// The payment's date.
        paid_on: Date,
        /// The decision's JST day.
        decided_on: Date,
    },
    /// A final payment exceeds what is still payable after finalisation (rule 7).
    #[error("the final payment {amount} exceeds the payable remainder {payable}")]
    PaymentAbovePayable {
        /// The payment, in integer yen.
        amount: Yen,
        /// What is payable: the finalised amount less what the group holds.
        payable: Yen,
    },

    // Rule 8.
    /// The grant already has a change request with this id.
    #[error("a change request with this id already exists")]
    ChangeRequestExists,
    /// No change request of the grant has this id.
    #[error("there is no such change request")]
    ChangeRequestUnknown,
    /// The change request was already approved or rejected.
    #[error("the change request has already been decided")]
    ChangeAlreadyDecided,
    /// A new amount came with a rejection.
    #[error("a new amount can only be set when a change is approved")]
    NewAmountOnRejection,
    /// An approval's amount exceeds the max subsidy of the changed budget (rule 8).
    #[error("the amount {amount} exceeds the maximum subsidy {max} of the changed budget")]
    ChangeAboveMaximum {
        /// The amount asked for, in integer yen.
        amount: Yen,
        /// The changed budget's max subsidy (rule 3), in integer yen.
        max: Yen,
    },
    /// An approval's amount falls below what the group holds (rule 8).
    #[error("the amount {amount} is below the {paid} already paid")]
    ChangeBelowPaid {
        /// The amount asked for, in integer yen.
        amount: Yen,
        /// What the group holds: payments less refunds received.
        paid: Yen,
    },
    /// An approval's amount is not a multiple of the round's rounding unit.
    #[error("the amount {amount} is not a multiple of the rounding unit {unit}: {rounded_down} would be")]
    ChangeOffRoundingUnit {
        /// The amount asked for, in integer yen.
        amount: Yen,
        /// The round's rounding unit, in integer yen.
        unit: Yen,
        /// The amount rounded down to the unit, which staff may give instead.
        rounded_down: Yen,
    },
    #[error(
        "an approval that raises the amount by {increase} needs the round to reserve it first"
    )]
    /// An approval raises the decided amount without the round having reserved the increase.
    IncreaseNotReserved {
        /// The increase, in integer yen.
        increase: Yen,
    },
    /// The round reserved an increase from an amount the grant no longer holds (another change came
    /// between).
    #[error("the round reserved the increase from {reserved_from}, but the grant now holds {decided}: decide the change again")]
    ReservationOutdated {
        /// The decided amount the round's reservation raised from.
        reserved_from: Yen,
        /// The decided amount the grant holds now.
        decided: Yen,
    },
    /// The report was submitted, or a discontinuation asked for, while a change request waits for
    /// its decision.
    #[error("a change request awaits its decision")]
    ChangePending,

    // Rule 9.
    /// The report was submitted before any draft was saved.
    #[error("no settlement report has been saved")]
    NoReportSaved,
    /// A first report came after its due date without a delay reason (遅延理由).
    #[error("the settlement report was due on {deadline}; a late report needs a delay reason")]
    ReportLate {
        /// The due date (JST).
        deadline: Date,
    },
    /// An extension does not move the due date later.
    #[error("the new due date {deadline} must be later than the current one {previous}")]
    ExtensionNotLater {
        /// The new due date asked for.
        deadline: Date,
        /// The current due date.
        previous: Date,
    },
    /// An extension's new due date lies before today (JST).
    #[error("the new due date {deadline} lies before today {today}")]
    ExtensionInPast {
        /// The new due date asked for.
        deadline: Date,
        /// Today, JST.
        today: Date,
    },
    /// Staff tried to finalise a late report whose delay reason they have not accepted.
    #[error("the report was due on {deadline}: staff must accept its delay reason before the amount is finalised")]
    DelayNotAccepted {
        /// The due date the report missed (JST).
        deadline: Date,
    },

    // Refunds and rule 10.
    /// A refund received exceeds the refund outstanding.
    #[error("the refund {amount} exceeds the {outstanding} outstanding")]
    RefundAboveOutstanding {
        /// The refund recorded, in integer yen.
        amount: Yen,
        /// The refund still owed.
        outstanding: Yen,
    },
    /// A cancellation orders a refund above what the group holds.
    #[error("the refund ordered {refund_amount} exceeds the {net_paid} paid and not yet refunded")]
    CancelRefundAbovePaid {
        /// The refund ordered, in integer yen.
        refund_amount: Yen,
        /// What the group holds: payments less refunds received.
        net_paid: Yen,
    },
}

impl Refusal for GrantError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotDecided => "grant.not_decided",
            Self::AlreadyDecided => "grant.already_decided",
            Self::StatusForbids { .. } => "grant.status_forbids",
            Self::TextRequired { .. } => "grant.text_required",
            Self::TextTooLong { .. } => "grant.text_too_long",
            Self::Text(error) => error.code(),
            Self::Attachment(error) => error.code(),
            Self::RatioAboveOne { .. } => "grant.ratio_above_one",
            Self::ZeroAmount { .. } => "grant.zero_amount",
            Self::PeriodReversed { .. } => "grant.period_reversed",
            Self::OutsideGrantYear { .. } => "grant.outside_grant_year",
            Self::PeriodAfterCompletion { .. } => "grant.period_after_completion",
            Self::DateInFuture { .. } => "grant.date_in_future",
            Self::TooManyLines { .. } => "grant.too_many_lines",
            Self::ZeroQuantity => "grant.zero_quantity",
            Self::Overflow { .. } => "grant.overflow",
            Self::WithdrawalPeriodOver { .. } => "grant.withdrawal_period_over",
            Self::WithdrawalAfterPayment => "grant.withdrawal_after_payment",
            Self::AdvanceAboveCap { .. } => "grant.advance_above_cap",
            Self::PaymentAboveDecided { .. } => "grant.payment_above_decided",
            Self::PaymentAbovePayable { .. } => "grant.payment_above_payable",
            Self::PaymentBeforeDecision { .. } => "grant.payment_before_decision",
            Self::ChangeRequestExists => "grant.change_request_exists",
            Self::ChangeRequestUnknown => "grant.change_request_unknown",
            Self::ChangeAlreadyDecided => "grant.change_already_decided",
            Self::NewAmountOnRejection => "grant.new_amount_on_rejection",
            Self::ChangeAboveMaximum { .. } => "grant.change_above_maximum",
            Self::ChangeBelowPaid { .. } => "grant.change_below_paid",
            Self::ChangeOffRoundingUnit { .. } => "grant.change_off_rounding_unit",
            Self::IncreaseNotReserved { .. } => "grant.increase_not_reserved",
            Self::ReservationOutdated { .. } => "grant.reservation_outdated",
            Self::ChangePending => "grant.change_pending",
            Self::NoReportSaved => "grant.no_report_saved",
            Self::ReportLate { .. } => "grant.report_late",
            Self::ExtensionNotLater { .. } => "grant.extension_not_later",
            Self::ExtensionInPast { .. } => "grant.extension_in_past",
            Self::DelayNotAccepted { .. } => "grant.delay_not_accepted",
            Self::RefundAboveOutstanding { .. } => "grant.refund_above_outstanding",
            Self::CancelRefundAbovePaid { .. } => "grant.cancel_refund_above_paid",
        }
    }

    fn message_ja(&self) -> String {
        match self {
            Self::NotDecided => "交付決定がされていません".into(),
            Self::AlreadyDecided => "この補助金はすでに交付決定されています".into(),
            Self::StatusForbids { action, status } => format!(
                "現在の状態（{}）では{}はできません",
                status.label_ja(),
                action.label_ja()
            ),
            Self::TextRequired { field } => format!("{}を入力してください", field_ja(field)),
            Self::Text(error) => error.message_ja_as(field_ja(error.field)),
            Self::Attachment(error) => error.message_ja(),
            Self::TextTooLong { field, max } => {
                format!("{}は{max}文字以内で入力してください", field_ja(field))
            }
            Self::RatioAboveOne { field } => format!("{field}は1/1以下でなければなりません"),
            Self::ZeroAmount { .. } => "0円は指定できません".into(),
            Self::PeriodReversed { start, end } => {
                format!(
                    "事業期間の終了日{}が開始日{}より前です",
                    JaDate(*end),
                    JaDate(*start)
                )
            }
            Self::OutsideGrantYear {
                date,
                decided_on,
                last_day,
                ..
            } => format!(
                "日付{}が交付決定日{}から年度末{}までの範囲外です（単年度）",
                JaDate(*date),
                JaDate(*decided_on),
                JaDate(*last_day)
            ),
            Self::PeriodAfterCompletion {
                completion_deadline,
            } => format!(
                "事業期間は完了期限{}までに終わらなければなりません",
                JaDate(*completion_deadline)
            ),
            Self::DateInFuture { date, .. } => format!("日付{}は未来の日付です", JaDate(*date)),
            Self::TooManyLines { max, .. } => format!("実績報告の明細は各{max}行までです"),
            Self::ZeroQuantity => "数量は1以上で入力してください".into(),
            Self::Overflow { .. } => "金額が大きすぎて計算できません".into(),
            Self::WithdrawalPeriodOver { last_day } => {
                format!(
                    "取下げ期間（交付決定から10日、{}まで）を過ぎています",
                    JaDate(*last_day)
                )
            }
            Self::WithdrawalAfterPayment => "支払い後は交付申請を取り下げることはできません".into(),
            Self::AdvanceAboveCap { total, cap } => {
                format!("概算払の合計{total}が上限{cap}を超えます")
            }
            Self::PaymentAboveDecided { total, decided } => {
                format!("支払額の合計{total}が交付決定額{decided}を超えます")
            }
            Self::PaymentBeforeDecision {
                paid_on,
                decided_on,
            } => format!(
                "支払日{}が交付決定日{}より前です",
                JaDate(*paid_on),
                JaDate(*decided_on)
            ),
            Self::PaymentAbovePayable { amount, payable } => {
                format!("精算払{amount}が支払残額{payable}を超えます")
            }
            Self::ChangeRequestExists => "この変更申請はすでに存在します".into(),
            Self::ChangeRequestUnknown => "該当する変更申請がありません".into(),
            Self::ChangeAlreadyDecided => "この変更申請はすでに審査済みです".into(),
            Self::NewAmountOnRejection => {
                "変更を承認しない場合は新しい交付額を指定できません".into()
            }
            Self::ChangeAboveMaximum { amount, max } => {
                format!("交付額{amount}が変更後の補助上限額{max}を超えます")
            }
            Self::ChangeBelowPaid { amount, paid } => {
                format!("交付額{amount}が支払済額{paid}を下回ります")
            }
            Self::ChangeOffRoundingUnit {
                amount,
                unit,
                rounded_down,
            } => format!(
                "交付額{amount}は{unit}単位ではありません（{unit}未満を切り捨てると{rounded_down}です）"
            ),
            Self::IncreaseNotReserved { increase } => {
                format!("増額{increase}の承認には、先に募集回の予算の確保が必要です")
            }
            Self::ReservationOutdated {
                reserved_from,
                decided,
            } => format!(
                "予算の確保（{reserved_from}からの増額）の後に交付決定額が{decided}に変わりました。変更申請をもう一度審査してください"
            ),
            Self::ChangePending => "審査中の変更申請があります".into(),
            Self::NoReportSaved => "実績報告が保存されていません".into(),
            Self::ReportLate { deadline } => format!(
                "実績報告の提出期限{}を過ぎています。遅延理由を記入して提出してください",
                JaDate(*deadline)
            ),
            Self::ExtensionNotLater { deadline, previous } => format!(
                "延長後の期限{}は現在の期限{}より後の日にしてください",
                JaDate(*deadline),
                JaDate(*previous)
            ),
            Self::ExtensionInPast { deadline, today } => format!(
                "延長後の期限{}が本日{}より前です",
                JaDate(*deadline),
                JaDate(*today)
            ),
            Self::DelayNotAccepted { deadline } => format!(
                "提出期限{}を過ぎた実績報告です。遅延理由を承認してから額を確定してください",
                JaDate(*deadline)
            ),
            Self::RefundAboveOutstanding {
                amount,
                outstanding,
            } => format!("返還額{amount}が未返還額{outstanding}を超えます"),
            Self::CancelRefundAbovePaid {
                refund_amount,
                net_paid,
            } => format!("返還命令額{refund_amount}が支払済額{net_paid}を超えます"),
        }
    }

    fn kind(&self) -> RefusalKind {
        match self {
            Self::NotDecided
            | Self::AlreadyDecided
            | Self::StatusForbids { .. }
            | Self::ChangeRequestExists
            | Self::ChangeAlreadyDecided
            | Self::ChangePending
            | Self::ReservationOutdated { .. }
            | Self::NoReportSaved
            | Self::DelayNotAccepted { .. } => RefusalKind::State,
            Self::TextRequired { .. }
            | Self::TextTooLong { .. }
            | Self::Text(_)
            | Self::RatioAboveOne { .. }
            | Self::ZeroAmount { .. }
            | Self::PeriodReversed { .. }
            | Self::DateInFuture { .. }
            | Self::TooManyLines { .. }
            | Self::ZeroQuantity
            | Self::Overflow { .. }
            | Self::ChangeRequestUnknown
            | Self::NewAmountOnRejection => RefusalKind::Invalid,
            Self::OutsideGrantYear { .. }
            | Self::PeriodAfterCompletion { .. }
            | Self::WithdrawalPeriodOver { .. }
            | Self::WithdrawalAfterPayment
            | Self::AdvanceAboveCap { .. }
            | Self::PaymentAboveDecided { .. }
            | Self::PaymentAbovePayable { .. }
            | Self::PaymentBeforeDecision { .. }
            | Self::ChangeAboveMaximum { .. }
            | Self::ChangeBelowPaid { .. }
            | Self::ChangeOffRoundingUnit { .. }
            | Self::IncreaseNotReserved { .. }
            | Self::ReportLate { .. }
            | Self::ExtensionNotLater { .. }
            | Self::ExtensionInPast { .. }
            | Self::RefundAboveOutstanding { .. }
            | Self::CancelRefundAbovePaid { .. } => RefusalKind::Rule,
            Self::Attachment(error) => error.kind(),
        }
    }
    /// The input field of the HTTP contract the refusal concerns (the command's body as api.md
    /// names it), so that a form shows the message beside that field. Refusals about the grant's
    /// state or timing (a deadline passed, already decided) name none.
    fn field(&self) -> Option<&'static str> {
        match self {
            Self::TextRequired { field } | Self::TextTooLong { field, .. } => {
                Some(contract_field(field))
            }
            Self::Text(error) => Some(contract_field(error.field)),
            Self::Attachment(error) => error.field(),
            Self::ZeroAmount { field }
            | Self::OutsideGrantYear { field, .. }
            | Self::DateInFuture { field, .. }
            | Self::TooManyLines { field, .. } => Some(field),
            Self::Overflow { field } => *field,
            Self::PeriodReversed { .. } => Some("period"),
            Self::PeriodAfterCompletion { .. } => Some("completion_deadline"),
            Self::AdvanceAboveCap { .. }
            | Self::PaymentAboveDecided { .. }
            | Self::PaymentAbovePayable { .. }
            | Self::RefundAboveOutstanding { .. } => Some("amount"),
            Self::PaymentBeforeDecision { .. } => Some("paid_on"),
            Self::ZeroQuantity => Some("expenses"),
            Self::NewAmountOnRejection
            | Self::ChangeAboveMaximum { .. }
            | Self::ChangeBelowPaid { .. }
            | Self::ChangeOffRoundingUnit { .. } => Some("new_amount"),
            Self::CancelRefundAbovePaid { .. } => Some("refund_amount"),
            Self::ExtensionNotLater { .. } | Self::ExtensionInPast { .. } => Some("deadline"),
            Self::ReportLate { .. } => Some("delay_reason"),
            Self::RatioAboveOne { .. }
            | Self::IncreaseNotReserved { .. }
            | Self::NotDecided
            | Self::AlreadyDecided
            | Self::StatusForbids { .. }
            | Self::WithdrawalPeriodOver { .. }
            | Self::WithdrawalAfterPayment
            | Self::ChangeRequestExists
            | Self::ChangeRequestUnknown
            | Self::ChangeAlreadyDecided
            | Self::ChangePending
            | Self::ReservationOutdated { .. }
            | Self::NoReportSaved
            | Self::DelayNotAccepted { .. } => None,
        }
    }
}
