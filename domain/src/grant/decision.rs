//! Rule 6 as far as the grant holds it: recording the decision's terms, and the applicant's
//! withdrawal within 10 days of the decision.

use time::{Date, Duration, OffsetDateTime};

use crate::fiscal_year::{jst_date, FiscalYear};
use crate::ids::UserId;
use crate::ratio::Ratio;

use super::commands::GrantCommand;
use super::errors::{GrantAction, GrantError};
use super::events::GrantEvent;
use super::text::{self, LONG_TEXT_MAX_CHARS, SHORT_TEXT_MAX_CHARS};
use super::{Grant, GrantStatus};

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

/// Single-year grant: `date` lies between the decision day and the fiscal year's last day.
pub(super) fn check_within_grant_year(
    fiscal_year: FiscalYear,
    decided_on: Date,
    date: Date,
) -> Result<Date, GrantError> {
    let last_day = fiscal_year.last_day();
    if date < decided_on || date > last_day {
        return Err(GrantError::OutsideGrantYear {
            date,
            decided_on,
            last_day,
        });
    }
    Ok(date)
}

impl Grant {
    /// Records the award decision; the round has already checked the amount and its budget.
    pub(super) fn decide(&self, command: GrantCommand) -> Result<Vec<GrantEvent>, GrantError> {
        let GrantCommand::Decide {
            grant_id,
            application_id,
            round_id,
            group_id,
            fiscal_year,
            course,
            title,
            summary,
            group_name,
            amount,
            notice_number,
            conditions,
            completion_deadline,
            terms,
            advance_cap_ratio,
            change_threshold_ratio,
            settlement_days,
            planned,
            planned_period,
            by,
            at,
        } = command
        else {
            unreachable!("events_for routes only Decide here");
        };
        if self.status.is_some() {
            return Err(GrantError::AlreadyDecided);
        }
        if amount.is_zero() {
            return Err(GrantError::ZeroAmount("decided"));
        }
        check_ratio("rate", terms.rate)?;
        let advance_cap_ratio = check_ratio("advance_cap_ratio", advance_cap_ratio)?;
        let change_threshold_ratio = check_ratio("change_threshold_ratio", change_threshold_ratio)?;
        let decided_on = jst_date(at);
        check_within_grant_year(fiscal_year, decided_on, completion_deadline)?;
        let planned_period = planned_period.check()?;
        if planned_period.end > completion_deadline {
            return Err(GrantError::PeriodAfterCompletion {
                completion_deadline,
            });
        }
        planned.totals()?;
        Ok(vec![GrantEvent::GrantDecided {
            grant_id,
            application_id,
            round_id,
            group_id,
            fiscal_year,
            course: text::required("course", &course, SHORT_TEXT_MAX_CHARS)?,
            title: text::required("title", &title, SHORT_TEXT_MAX_CHARS)?,
            summary: text::optional("summary", &summary, LONG_TEXT_MAX_CHARS)?,
            group_name: text::required("group_name", &group_name, SHORT_TEXT_MAX_CHARS)?,
            amount,
            notice_number: text::required("notice_number", &notice_number, SHORT_TEXT_MAX_CHARS)?,
            conditions: text::optional("conditions", &conditions, LONG_TEXT_MAX_CHARS)?,
            decided_on,
            completion_deadline,
            terms,
            advance_cap_ratio,
            change_threshold_ratio,
            settlement_days,
            planned,
            planned_period,
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
        self.status_in(
            GrantAction::Withdraw,
            &[GrantStatus::Decided, GrantStatus::InProgress],
        )?;
        let award = self.award()?;
        if !self.paid_total.is_zero() {
            return Err(GrantError::WithdrawalAfterPayment);
        }
        let last_day = last_withdrawal_day(award.decided_on);
        if jst_date(at) > last_day {
            return Err(GrantError::WithdrawalPeriodOver { last_day });
        }
        Ok(vec![GrantEvent::GrantWithdrawn {
            reason: text::required("reason", reason, LONG_TEXT_MAX_CHARS)?,
            by,
            at,
        }])
    }
}
