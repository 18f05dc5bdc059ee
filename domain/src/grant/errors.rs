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
    Withdraw,
    RequestAdvance,
    RecordAdvance,
    RecordFinalPayment,
    RequestChange,
    DecideChange,
    SaveReport,
    SubmitReport,
    ReviewSettlement,
    RecordRefund,
    Cancel,
    RequestDiscontinuation,
    DecideDiscontinuation,
    ExtendSettlementDeadline,
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
    #[error("the grant has not been decided")]
    NotDecided,
    #[error("the grant has already been decided")]
    AlreadyDecided,
    #[error("{action:?} is not possible while the grant is {status:?}")]
    StatusForbids {
        action: GrantAction,
        status: GrantStatus,
    },
    #[error("{field} is required")]
    TextRequired { field: &'static str },
    #[error("{field} may not be longer than {max} characters")]
    TextTooLong { field: &'static str, max: usize },
    #[error("{0}")]
    Text(#[from] ForbiddenCharacter),
    #[error("{0}")]
    Attachment(#[from] AttachmentError),
    #[error("{field} may not exceed 1/1")]
    RatioAboveOne { field: &'static str },
    #[error("{field} may not be zero yen")]
    ZeroAmount { field: &'static str },
    #[error("the period ends ({end}) before it starts ({start})")]
    PeriodReversed { start: Date, end: Date },
    #[error("the date {date} lies outside the decision day {decided_on} to the end of the fiscal year {last_day}")]
    OutsideGrantYear {
        field: &'static str,
        date: Date,
        decided_on: Date,
        last_day: Date,
    },
    #[error("the project period must end by the completion deadline {completion_deadline}")]
    PeriodAfterCompletion { completion_deadline: Date },
    #[error("the date {date} lies in the future")]
    DateInFuture { field: &'static str, date: Date },
    #[error("a settlement report may hold at most {max} lines of each kind")]
    TooManyLines { field: &'static str, max: usize },
    #[error("the quantity of a receipt line must be at least 1")]
    ZeroQuantity,
    /// `field` names the input whose amounts overflowed, where one does.
    #[error("the amounts are too large to add up")]
    Overflow { field: Option<&'static str> },

    // Rule 6.
    #[error("the withdrawal period ended on {last_day} (10 days after the decision)")]
    WithdrawalPeriodOver { last_day: Date },
    #[error("a grant cannot be withdrawn once money has been paid")]
    WithdrawalAfterPayment,

    // Rule 7.
    #[error("advances would total {total}, above the advance cap {cap}")]
    AdvanceAboveCap { total: Yen, cap: Yen },
    #[error("payments would total {total}, above the decided amount {decided}")]
    PaymentAboveDecided { total: Yen, decided: Yen },
    #[error("a payment dated {paid_on} precedes the decision of {decided_on}")]
    PaymentBeforeDecision { paid_on: Date, decided_on: Date },
    #[error("the final payment {amount} exceeds the payable remainder {payable}")]
    PaymentAbovePayable { amount: Yen, payable: Yen },

    // Rule 8.
    #[error("a change request with this id already exists")]
    ChangeRequestExists,
    #[error("there is no such change request")]
    ChangeRequestUnknown,
    #[error("the change request has already been decided")]
    ChangeAlreadyDecided,
    #[error("a new amount can only be set when a change is approved")]
    NewAmountOnRejection,
    #[error("the amount {amount} exceeds the maximum subsidy {max} of the changed budget")]
    ChangeAboveMaximum { amount: Yen, max: Yen },
    #[error("the amount {amount} is below the {paid} already paid")]
    ChangeBelowPaid { amount: Yen, paid: Yen },
    #[error("the amount {amount} is not a multiple of the rounding unit {unit}: {rounded_down} would be")]
    ChangeOffRoundingUnit {
        amount: Yen,
        unit: Yen,
        rounded_down: Yen,
    },
    #[error(
        "an approval that raises the amount by {increase} needs the round to reserve it first"
    )]
    IncreaseNotReserved { increase: Yen },
    #[error("the round reserved the increase from {reserved_from}, but the grant now holds {decided}: decide the change again")]
    ReservationOutdated { reserved_from: Yen, decided: Yen },
    #[error("a change request awaits its decision")]
    ChangePending,

    // Rule 9.
    #[error("no settlement report has been saved")]
    NoReportSaved,
    #[error("the settlement report was due on {deadline}; a late report needs a delay reason")]
    ReportLate { deadline: Date },
    #[error("the new due date {deadline} must be later than the current one {previous}")]
    ExtensionNotLater { deadline: Date, previous: Date },
    #[error("the new due date {deadline} lies before today {today}")]
    ExtensionInPast { deadline: Date, today: Date },
    #[error("the report was due on {deadline}: staff must accept its delay reason before the amount is finalised")]
    DelayNotAccepted { deadline: Date },

    // Refunds and rule 10.
    #[error("the refund {amount} exceeds the {outstanding} outstanding")]
    RefundAboveOutstanding { amount: Yen, outstanding: Yen },
    #[error("the refund ordered {refund_amount} exceeds the {net_paid} paid and not yet refunded")]
    CancelRefundAbovePaid { refund_amount: Yen, net_paid: Yen },
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
