//! Rule 6 as far as the grant holds it: recording the decision's terms, and the applicant's
//! withdrawal within 10 days of the decision.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use crate::amount::AmountTerms;
use crate::budget::Budget;
use crate::fiscal_year::{jst_date, FiscalYear};
use crate::ids::{ApplicationId, GrantId, GroupId, RoundId, UserId};
use crate::money::Yen;
use crate::ratio::Ratio;
use crate::text::Lines;

use super::errors::{GrantAction, GrantError};
use super::events::GrantEvent;
use super::period::Period;
use super::text::{self, LONG_TEXT_MAX_CHARS, SHORT_TEXT_MAX_CHARS};
use super::Grant;

/// The award decision (交付決定) as the app sends it and as `GrantDecided` records it: which grant, and
/// the round's terms as they stood at the decision. Recorded with its texts trimmed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GrantDecision {
    /// The grant to create (its id was chosen when the round decided the award).
    pub grant_id: GrantId,
    /// The application the award was decided on.
    pub application_id: ApplicationId,
    /// The round that awarded it.
    pub round_id: RoundId,
    /// The grantee group.
    pub group_id: GroupId,
    /// The round's fiscal year (年度), which the grant's dates must stay within (単年度).
    pub fiscal_year: FiscalYear,
    /// The round's course (e.g. ステップアップ).
    pub course: String,
    /// The project's title (事業名).
    pub title: String,
    /// The project's summary (事業概要), public in the awards list.
    pub summary: String,
    /// The group's name as registered.
    pub group_name: String,
    /// The decided amount (交付決定額).
    pub amount: Yen,
    /// The decision notice's document number (文書番号).
    pub notice_number: String,
    /// The award's conditions (交付の条件), as the notice states them.
    pub conditions: String,
    /// The JST day by which the project must be complete (完了期限); at most the fiscal year's last
    /// day.
    pub completion_deadline: Date,
    /// The round's amount formula (cap, floor, rate, rounding unit), which a change and the
    /// finalisation apply again.
    pub terms: AmountTerms,
    /// The share of the decided amount that advances may total (rule 7).
    pub advance_cap_ratio: Ratio,
    /// The cut of the planned total cost beyond which a change needs approval (rule 8).
    pub change_threshold_ratio: Ratio,
    /// Days after the completion deadline within which the settlement report is due (rule 9).
    pub settlement_days: u32,
    /// The round's last day for settlement reports; absent in decisions recorded before it was a
    /// setting, which keep 10 April after the fiscal year (see `due_date`).
    #[serde(default)]
    pub settlement_grace_date: Option<Date>,
    /// The planned budget (収支予算) the award was computed on.
    pub planned: Budget,
    /// The planned project period (事業期間).
    pub planned_period: Period,
}

/// Days after the decision within which the applicant may withdraw (rule 6).
pub const WITHDRAWAL_DAYS: i64 = 10;

/// Rule 6: the last JST day on which the applicant may withdraw.
pub fn last_withdrawal_day(decided_on: Date) -> Date {
    decided_on
        .checked_add(Duration::days(WITHDRAWAL_DAYS))
        .unwrap_or(Date::MAX)
}

/// A rate, cap or threshold must lie within 0..=1.
fn check_ratio(field: &'static str, ratio: Ratio) -> Result<Ratio, GrantError> {
    if ratio.is_at_most_one() {
        Ok(ratio)
    } else {
        Err(GrantError::RatioAboveOne { field })
    }
}

/// Single-year grant: `date` (of the input `field`) lies between the decision day and the fiscal year's last day.
pub(super) fn check_within_grant_year(
    field: &'static str,
    fiscal_year: FiscalYear,
    decided_on: Date,
    date: Date,
) -> Result<Date, GrantError> {
    let last_day = fiscal_year.last_day();
    if date < decided_on || date > last_day {
        return Err(GrantError::OutsideGrantYear {
            field,
            date,
            decided_on,
            last_day,
        });
    }
    Ok(date)
}

impl GrantDecision {
    /// Rule 6's terms checked against the decision day, with texts trimmed; refuses what does not hold.
    fn checked(self, decided_on: Date) -> Result<Self, GrantError> {
        if self.amount.is_zero() {
            return Err(GrantError::ZeroAmount { field: "amount" });
        }
        check_ratio("rate", self.terms.rate)?;
        check_ratio("advance_cap_ratio", self.advance_cap_ratio)?;
        check_ratio("change_threshold_ratio", self.change_threshold_ratio)?;
        check_within_grant_year(
            "completion_deadline",
            self.fiscal_year,
            decided_on,
            self.completion_deadline,
        )?;
        if self.planned_period.check()?.end > self.completion_deadline {
            return Err(GrantError::PeriodAfterCompletion {
                completion_deadline: self.completion_deadline,
            });
        }
        self.planned.totals()?;
        Ok(Self {
            course: text::copied_required("course", &self.course, SHORT_TEXT_MAX_CHARS)?,
            title: text::copied_required("title", &self.title, SHORT_TEXT_MAX_CHARS)?,
            summary: text::copied("summary", &self.summary, LONG_TEXT_MAX_CHARS)?,
            group_name: text::copied_required(
                "group_name",
                &self.group_name,
                SHORT_TEXT_MAX_CHARS,
            )?,
            notice_number: text::copied_required(
                "notice_number",
                &self.notice_number,
                SHORT_TEXT_MAX_CHARS,
            )?,
            conditions: text::copied("conditions", &self.conditions, LONG_TEXT_MAX_CHARS)?,
            ..self
        })
    }
}

impl Grant {
    /// Records the award decision; the round has already checked the amount and its budget.
    pub(super) fn decide(
        &self,
        decision: GrantDecision,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        if self.status.is_some() {
            return Err(GrantError::AlreadyDecided);
        }
        let decided_on = jst_date(at);
        Ok(vec![GrantEvent::GrantDecided {
            decision: decision.checked(decided_on)?,
            decided_on,
            by,
            at,
        }])
    }

    /// Rule 6: the applicant may withdraw within 10 days of the decision, and not once paid.
    pub(super) fn withdraw(
        &self,
        reason: &str,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        self.check(GrantAction::Withdraw)?;
        let award = self.award()?;
        if !self.paid_total.is_zero() {
            return Err(GrantError::WithdrawalAfterPayment);
        }
        let last_day = last_withdrawal_day(award.decided_on);
        if jst_date(at) > last_day {
            return Err(GrantError::WithdrawalPeriodOver { last_day });
        }
        Ok(vec![GrantEvent::GrantWithdrawn {
            reason: text::required("reason", reason, LONG_TEXT_MAX_CHARS, Lines::Many)?,
            by,
            at,
        }])
    }
}
