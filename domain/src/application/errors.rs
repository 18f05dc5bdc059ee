//! Why the application aggregate refuses a command.

use time::OffsetDateTime;

use super::status::ApplicationStatus;
use crate::amount::AmountError;
use crate::attachment::AttachmentError;
use crate::fiscal_year::JST;
use crate::group::GroupError;
use crate::refusal::{joined_en, joined_ja, FieldRefusal, Refusal, RefusalKind};
use crate::text::ForbiddenCharacter;

/// A refused application command.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApplicationError {
    /// `StartDraft` on an application that already has a draft.
    #[error("this application has already been started")]
    AlreadyStarted,
    /// The command needs a started application and there is none.
    #[error("there is no such application")]
    NotStarted,
    /// The form or its files may only change while a draft or returned for correction.
    #[error("an application can only be edited as a draft or when returned for correction (it is {status:?})")]
    NotEditable {
        /// The application's status now.
        status: ApplicationStatus,
    },
    /// Only a draft or a returned application can be submitted.
    #[error("an application can only be submitted as a draft or when returned for correction (it is {status:?})")]
    NotSubmittable {
        /// The application's status now.
        status: ApplicationStatus,
    },
    /// Staff may screen only a submitted application.
    #[error("only a submitted application can be screened (it is {status:?})")]
    NotScreenable {
        /// The application's status now.
        status: ApplicationStatus,
    },
    /// The decision was made, or the application is already closed: too late to withdraw here.
    #[error("an application can only be withdrawn before the decision (it is {status:?})")]
    NotWithdrawable {
        /// The application's status now.
        status: ApplicationStatus,
    },
    /// The round's outcome does not fit the application's status: outcomes are for eligible
    /// applications, and a runner-up can only be awarded or not adopted.
    #[error("this outcome cannot be recorded for an application that is {status:?}")]
    OutcomeNotAllowed {
        /// The application's status now.
        status: ApplicationStatus,
    },
    /// Rule 2: drafting or submitting after the window closed.
    #[error("the application window has closed (at {closes_at})")]
    WindowClosed {
        /// When the window closed (UTC; shown in JST).
        closes_at: OffsetDateTime,
    },
    /// Rule 2: submitting before the window opened.
    #[error("the application window has not opened yet (it opens at {opens_at})")]
    WindowNotOpen {
        /// When the window opens (UTC; shown in JST).
        opens_at: OffsetDateTime,
    },
    /// The window a draft was started with does not open before it closes.
    #[error("the application window must open before it closes")]
    WindowReversed,
    /// A text of the form or a reason is over its limit.
    #[error("the {field} may be at most {max} characters long (it has {length})")]
    TextTooLong {
        /// The field's API name (`title`, `summary`, `note`, ...).
        field: &'static str,
        /// The field's limit, in characters.
        max: usize,
        /// The text's length, in characters.
        length: usize,
    },
    /// The budget has more than `BUDGET_LINES_MAX` lines, income and expenses together.
    #[error("a budget may have at most {max} lines (it has {count})")]
    TooManyBudgetLines {
        /// The budget's lines.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A required text is empty (at submission, or a reason at any time).
    #[error("the {field} is required")]
    MissingText {
        /// The field's API name.
        field: &'static str,
    },
    /// At submission: the project's period ends before it starts.
    #[error("the project period must start on or before its end")]
    PeriodReversed,
    /// At submission: the budget has no expense line.
    #[error("the budget needs at least one expense line")]
    NoExpenseLines,
    /// At submission: the requested amount is zero.
    #[error("the requested amount must be more than zero")]
    NothingRequested,
    /// A text holds a character the service does not accept.
    #[error("{0}")]
    Text(#[from] ForbiddenCharacter),
    /// Rule 1: the group is not eligible, or already holds the round's most grants.
    #[error("{0}")]
    Group(#[from] GroupError),
    /// Rule 3: the requested amount is above the maximum or below the floor, or the budget cannot
    /// be added up.
    #[error("{0}")]
    Amount(#[from] AmountError),
    /// A file cannot be attached or taken off (its type, size or name, the limits, or it is not
    /// attached).
    #[error("{0}")]
    Attachment(#[from] AttachmentError),
    /// Staff accepted the application while a screening check was not done.
    #[error("an application is accepted only once every check is done; not checked: {}", .unchecked.join(", "))]
    ChecksIncomplete {
        /// The checks not done, by their API names (`members`, `residents`, `rules`).
        unchecked: Vec<&'static str>,
    },
    /// The refusals of several fields of the form, found at once (never fewer than two).
    #[error("{}", joined_en(.0))]
    Several(Vec<ApplicationError>),
}

/// The Japanese name of an application field, for messages.
fn field_ja(field: &str) -> &'static str {
    match field {
        "title" => "事業名",
        "summary" => "事業概要",
        "purpose" => "事業の目的・内容",
        "beneficiaries" => "対象者・受益者",
        "expense_item" => "支出の内容",
        "income_description" => "収入の内容",
        "reason" => "理由",
        _ => "入力項目",
    }
}

/// An instant as a Japanese reader expects it: JST, to the minute.
fn jst(instant: &OffsetDateTime) -> String {
    let local = instant.to_offset(JST);
    format!(
        "{}年{}月{}日 {:02}:{:02}",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute()
    )
}

impl Refusal for ApplicationError {
    fn code(&self) -> &'static str {
        match self {
            Self::AlreadyStarted => "application.already_started",
            Self::NotStarted => "application.not_started",
            Self::NotEditable { .. } => "application.not_editable",
            Self::NotSubmittable { .. } => "application.not_submittable",
            Self::NotScreenable { .. } => "application.not_screenable",
            Self::NotWithdrawable { .. } => "application.not_withdrawable",
            Self::OutcomeNotAllowed { .. } => "application.outcome_not_allowed",
            Self::WindowClosed { .. } => "application.window_closed",
            Self::WindowNotOpen { .. } => "application.window_not_open",
            Self::WindowReversed => "application.window_reversed",
            Self::TextTooLong { .. } => "application.text_too_long",
            Self::TooManyBudgetLines { .. } => "application.too_many_budget_lines",
            Self::MissingText { .. } => "application.missing_text",
            Self::PeriodReversed => "application.period_reversed",
            Self::NoExpenseLines => "application.no_expense_lines",
            Self::NothingRequested => "application.nothing_requested",
            Self::Text(error) => error.code(),
            Self::Group(error) => error.code(),
            Self::Amount(error) => error.code(),
            Self::Attachment(error) => error.code(),
            Self::ChecksIncomplete { .. } => "application.checks_incomplete",
            Self::Several(all) => all.first().map_or("application.invalid", Refusal::code),
        }
    }

    fn message_ja(&self) -> String {
        match self {
            Self::AlreadyStarted => "この申請はすでに作成されています".into(),
            Self::NotStarted => "この申請は存在しません".into(),
            Self::NotEditable { status } => format!(
                "下書きまたは差戻し中の申請のみ編集できます（現在：{}）",
                status.label_ja()
            ),
            Self::NotSubmittable { status } => format!(
                "下書きまたは差戻し中の申請のみ提出できます（現在：{}）",
                status.label_ja()
            ),
            Self::NotScreenable { status } => format!(
                "提出済みの申請のみ受付審査できます（現在：{}）",
                status.label_ja()
            ),
            Self::NotWithdrawable { status } => format!(
                "交付決定前の申請のみ取り下げられます（現在：{}）",
                status.label_ja()
            ),
            Self::OutcomeNotAllowed { status } => format!(
                "この状態の申請にはこの審査結果を記録できません（現在：{}）",
                status.label_ja()
            ),
            Self::WindowClosed { closes_at } => {
                format!("募集期間は{}に終了しました", jst(closes_at))
            }
            Self::WindowNotOpen { opens_at } => format!(
                "募集期間は{}に始まります。提出はそれ以降にしてください",
                jst(opens_at)
            ),
            Self::WindowReversed => "募集期間の開始は終了より前にしてください".into(),
            Self::TextTooLong { field, max, length } => format!(
                "{}は{max}文字以内で入力してください（現在{length}文字）",
                field_ja(field)
            ),
            Self::TooManyBudgetLines { count, max } => {
                format!("収支予算の行は{max}行までです（現在{count}行）")
            }
            Self::MissingText { field } => format!("{}を入力してください", field_ja(field)),
            Self::PeriodReversed => "事業期間の開始日は終了日以前にしてください".into(),
            Self::NoExpenseLines => "支出を1行以上入力してください".into(),
            Self::NothingRequested => "補助金申請額を入力してください".into(),
            Self::Text(error) => error.message_ja_as(field_ja(error.field)),
            Self::Group(error) => error.message_ja(),
            Self::Amount(error) => error.message_ja(),
            Self::Attachment(error) => error.message_ja(),
            Self::ChecksIncomplete { unchecked } => format!(
                "受理するには、{}の確認が必要です（規則1の要件）",
                unchecked
                    .iter()
                    .map(|check| match *check {
                        "members" => "構成員数（5人以上）",
                        "residents" => "市内在住の構成員",
                        _ => "団体の規約",
                    })
                    .collect::<Vec<_>>()
                    .join("・")
            ),
            Self::Several(all) => joined_ja(all),
        }
    }

    fn kind(&self) -> RefusalKind {
        match self {
            Self::AlreadyStarted
            | Self::NotStarted
            | Self::NotEditable { .. }
            | Self::NotSubmittable { .. }
            | Self::NotScreenable { .. }
            | Self::NotWithdrawable { .. }
            | Self::OutcomeNotAllowed { .. } => RefusalKind::State,
            Self::WindowClosed { .. }
            | Self::WindowNotOpen { .. }
            | Self::ChecksIncomplete { .. } => RefusalKind::Rule,
            Self::WindowReversed
            | Self::TextTooLong { .. }
            | Self::TooManyBudgetLines { .. }
            | Self::MissingText { .. }
            | Self::PeriodReversed
            | Self::NoExpenseLines
            | Self::NothingRequested => RefusalKind::Invalid,
            Self::Text(error) => error.kind(),
            Self::Group(error) => error.kind(),
            Self::Amount(error) => error.kind(),
            Self::Attachment(error) => error.kind(),
            Self::Several(all) => all.first().map_or(RefusalKind::Invalid, Refusal::kind),
        }
    }

    fn field(&self) -> Option<&'static str> {
        match self {
            Self::TextTooLong { field, .. } | Self::MissingText { field } => Some(field),
            Self::PeriodReversed => Some("period"),
            Self::NoExpenseLines | Self::TooManyBudgetLines { .. } => Some("budget"),
            Self::NothingRequested => Some("requested_amount"),
            Self::ChecksIncomplete { .. } => Some("checks"),
            // Every group refusal of an application command is about the group it names (its
            // standing, its grant count), not about a field of the group's own form.
            Self::Group(_) => Some("group_id"),
            Self::Amount(error) => error.field(),
            Self::Attachment(error) => error.field(),
            Self::Text(error) => error.field(),
            Self::Several(all) => all.first().and_then(Refusal::field),
            _ => None,
        }
    }

    fn each(&self) -> Vec<FieldRefusal> {
        match self {
            Self::Several(all) => all.iter().flat_map(Refusal::each).collect(),
            one => vec![FieldRefusal::of(one)],
        }
    }
}
