//! The application form (事業計画書 and 収支予算書): what the group proposes, and the form's limits.
//!
//! Every limit is a `pub const` so the UI shows it next to the field: no hidden character limits. Two
//! checks apply at two moments: [`ApplicationContent::check_limits`] on every save (a draft may be
//! incomplete, never over a limit), and [`ApplicationContent::check_complete`] at submission.
//! Lengths are counted in characters (Unicode scalar values), the way a Japanese form counts 文字.
//! Every text also passes [`crate::text::check_characters`] on every save: no control characters or
//! bidirectional controls; tabs and line breaks only in the summary, purpose, beneficiaries and
//! reasons (the form's multi-line fields).

use serde::{Deserialize, Serialize};
use time::Date;

use super::errors::ApplicationError;
use crate::amount::AmountError;
use crate::budget::Budget;
use crate::money::Yen;
use crate::refusal::{at_once, Refusal};
use crate::text::{check_characters, Lines};

/// Longest project title (事業名), in characters.
pub const TITLE_MAX: usize = 100;
/// Longest summary (事業概要), in characters; the summary is published for awarded projects.
pub const SUMMARY_MAX: usize = 400;
/// Longest statement of purpose (事業の目的・内容), in characters.
pub const PURPOSE_MAX: usize = 2000;
/// Longest description of the beneficiaries (対象者・受益者), in characters.
pub const BENEFICIARIES_MAX: usize = 1000;
/// Most budget lines, income and expense lines together.
pub const BUDGET_LINES_MAX: usize = 100;
/// Longest text of one budget line (an expense item or an income description), in characters.
pub const BUDGET_LINE_TEXT_MAX: usize = 100;

/// The project's period (事業期間), both days included.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ProjectPeriod))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// The project's first day.
    pub start: Date,
    /// The project's last day; not before `start` at submission.
    pub end: Date,
}

/// What the group proposes: the project plan, its budget and the amount requested.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationContent {
    /// The project's title (事業名), at most `TITLE_MAX` characters.
    pub title: String,
    /// The project's summary (事業概要), at most `SUMMARY_MAX` characters; published once awarded.
    pub summary: String,
    /// The project's purpose and content (事業の目的・内容), at most `PURPOSE_MAX` characters.
    pub purpose: String,
    /// Added in ApplicationDraftStarted 2.0; older drafts are upcast with an empty text.
    pub beneficiaries: String,
    /// When the project runs (事業期間).
    pub period: Period,
    /// The planned expenses and income (収支予算書).
    pub budget: Budget,
    /// The amount asked for (交付申請額), integer yen; judged against rule 3 at submission.
    pub requested_amount: Yen,
}

fn characters(text: &str) -> usize {
    text.chars().count()
}

impl ApplicationContent {
    /// The same content with surrounding white space removed from every text, as it is stored.
    pub fn trimmed(mut self) -> Self {
        for text in [
            &mut self.title,
            &mut self.summary,
            &mut self.purpose,
            &mut self.beneficiaries,
        ] {
            *text = text.trim().to_owned();
        }
        for line in &mut self.budget.expenses {
            line.item = line.item.trim().to_owned();
        }
        for line in &mut self.budget.income {
            line.description = line.description.trim().to_owned();
        }
        self
    }

    fn texts(&self) -> [(&'static str, &str, usize, Lines); 4] {
        [
            ("title", &self.title, TITLE_MAX, Lines::One),
            ("summary", &self.summary, SUMMARY_MAX, Lines::Many),
            ("purpose", &self.purpose, PURPOSE_MAX, Lines::Many),
            (
                "beneficiaries",
                &self.beneficiaries,
                BENEFICIARIES_MAX,
                Lines::Many,
            ),
        ]
    }

    /// The form's fields in their order, by their names in the HTTP contract (refusals of several
    /// fields are listed in this order: `crate::refusal::form_position`).
    pub const FORM_FIELDS: [&'static str; 8] = [
        "title",
        "summary",
        "purpose",
        "beneficiaries",
        "period",
        "budget",
        "expense_item",
        "requested_amount",
    ];

    /// Checked on every save: no text over its length or with a character it may not hold, no more
    /// budget lines than allowed, and amounts small enough to add up. A draft may be incomplete.
    /// Every field is judged before the answer: one refusal comes back as itself, several as
    /// [`ApplicationError::Several`] (one per field, in the form's order).
    pub fn check_limits(&self) -> Result<(), ApplicationError> {
        let mut found: Vec<ApplicationError> = Vec::new();
        let mut refuse = |refusal: ApplicationError| {
            let field = refusal.field();
            if !found.iter().any(|other| other.field() == field) {
                found.push(refusal);
            }
        };
        for (field, text, max, lines) in self.texts() {
            if let Err(refusal) = check_length(field, text, max) {
                refuse(refusal);
            } else if let Err(refusal) = check_characters(field, text, lines) {
                refuse(refusal.into());
            }
        }
        let lines = self.budget.expenses.len() + self.budget.income.len();
        if lines > BUDGET_LINES_MAX {
            refuse(ApplicationError::TooManyBudgetLines {
                count: lines,
                max: BUDGET_LINES_MAX,
            });
        }
        let line_texts = self
            .budget
            .expenses
            .iter()
            .map(|line| ("expense_item", line.item.as_str()))
            .chain(
                self.budget
                    .income
                    .iter()
                    .map(|line| ("income_description", line.description.as_str())),
            );
        for (field, text) in line_texts {
            if let Err(refusal) = check_length(field, text, BUDGET_LINE_TEXT_MAX) {
                refuse(refusal);
            } else if let Err(refusal) = check_characters(field, text, Lines::One) {
                refuse(refusal.into());
            }
        }
        if let Err(overflow) = self.budget.totals() {
            refuse(AmountError::from(overflow).into());
        }
        at_once(found, ApplicationError::Several)
    }

    /// Checked at submission: every required text present, the period in order, at least one expense
    /// line, each expense line named, and an amount requested.
    pub fn check_complete(&self) -> Result<(), ApplicationError> {
        for (field, text, _, _) in self.texts() {
            if text.trim().is_empty() {
                return Err(ApplicationError::MissingText { field });
            }
        }
        if self.period.start > self.period.end {
            return Err(ApplicationError::PeriodReversed);
        }
        if self.budget.expenses.is_empty() {
            return Err(ApplicationError::NoExpenseLines);
        }
        if self
            .budget
            .expenses
            .iter()
            .any(|line| line.item.trim().is_empty())
        {
            return Err(ApplicationError::MissingText {
                field: "expense_item",
            });
        }
        if self.requested_amount.is_zero() {
            return Err(ApplicationError::NothingRequested);
        }
        Ok(())
    }
}

fn check_length(field: &'static str, text: &str, max: usize) -> Result<(), ApplicationError> {
    let length = characters(text);
    if length > max {
        return Err(ApplicationError::TextTooLong { field, max, length });
    }
    Ok(())
}

/// Trims a reason (for a return, an ineligibility, a withdrawal, a rejection) and refuses it when empty,
/// longer than [`REASON_MAX`] or holding a character a multi-line text may not hold.
pub fn required_reason(reason: &str) -> Result<String, ApplicationError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ApplicationError::MissingText { field: "reason" });
    }
    check_length("reason", reason, REASON_MAX)?;
    check_characters("reason", reason, Lines::Many)?;
    Ok(reason.to_owned())
}

/// Longest reason given for a return, an ineligibility, a withdrawal or a rejection, in characters.
pub const REASON_MAX: usize = 1000;
