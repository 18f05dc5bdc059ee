//! Rule 9's due date for the settlement report (実績報告の提出期限), its extension by staff
//! (期限の延長), and the reason a late report must give (遅延理由書).
//!
//! - The report is due on `min(completion deadline + settlement days, grace date)`. The grace date is
//!   the round's setting `settlement_grace_date`, copied into the decision; a round opened before the
//!   setting existed (or that leaves it out) keeps 10 April after the fiscal year's end
//!   ([`super::grace_date`]), so old grants keep the due date they always had.
//! - Staff may extend the due date, with a reason, before or after it has passed, as long as the
//!   first report has not been submitted. The new date must be later than the current due date and
//!   not before today (JST): an extension into the past would help nobody. Each extension is
//!   recorded (`SettlementDeadlineExtended`) and the latest one is the due date.
//! - A first report submitted after its due date needs a reason for the delay (遅延理由). This city
//!   takes the late report with its reason (a city does not refuse to receive the documents it asked
//!   for, and the group cannot do the work again), but staff may not finalise the amount until they
//!   have accepted the reason (`SettlementDelayAccepted`). Until then they may still return the report
//!   for correction; if they cannot accept the reason at all, what follows is a cancellation
//!   (取消, rule 10) for breach of the conditions, not a silent refusal here. A report submitted
//!   without a reason after its due date is refused, the refusal saying a reason is needed.
//! - A report returned for correction may be resubmitted after the due date without a reason, as
//!   before: the return is staff's doing.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use crate::fiscal_year::jst_date;
use crate::ids::UserId;
use crate::text::Lines;

use super::errors::{GrantAction, GrantError};
use super::events::GrantEvent;
use super::settlement::grace_date;
use super::text::{self, LONG_TEXT_MAX_CHARS};
use super::{Award, Grant, GrantStatus};

/// Rule 9: the report is due `settlement_days` after completion, and never after `grace`.
pub fn due_date(completion_deadline: Date, settlement_days: u32, grace: Date) -> Date {
    completion_deadline
        .checked_add(Duration::days(i64::from(settlement_days)))
        .map_or(grace, |deadline| deadline.min(grace))
}

/// One extension of the due date, as staff granted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementExtension {
    /// The due date before this extension.
    pub previous: Date,
    /// The new due date (JST), later than the previous one.
    pub deadline: Date,
    /// Staff's reason for the extension.
    pub reason: String,
    /// When staff extended it, UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub extended_at: OffsetDateTime,
}

/// The reason a late report gave for its delay, and whether staff accepted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementDelay {
    /// The group's reason for the delay (遅延理由).
    pub reason: String,
    /// The due date the report missed.
    pub deadline: Date,
    /// When the late report gave it, UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub explained_at: OffsetDateTime,
    /// When staff accepted the reason, UTC; `None` while they have not (the amount cannot be
    /// finalised until then).
    #[serde(with = "time::serde::rfc3339::option")]
    pub accepted_at: Option<OffsetDateTime>,
}

impl SettlementDelay {
    /// Whether staff have accepted the reason.
    pub fn is_accepted(&self) -> bool {
        self.accepted_at.is_some()
    }
}

impl Award {
    /// The last day any report of the round is due: the round's setting, or 10 April after the
    /// fiscal year's end when the round had none.
    pub fn grace_date(&self) -> Date {
        self.settlement_grace_date
            .unwrap_or_else(|| grace_date(self.fiscal_year))
    }

    /// The due date the decision gave, before any extension.
    pub fn settlement_due_date(&self) -> Date {
        due_date(
            self.completion_deadline,
            self.settlement_days,
            self.grace_date(),
        )
    }
}

impl Grant {
    /// The day the first settlement report is due: the latest extension, else the decision's.
    pub fn settlement_due_on(&self) -> Option<Date> {
        self.settlement_extensions
            .last()
            .map(|extension| extension.deadline)
            .or_else(|| self.award.as_ref().map(Award::settlement_due_date))
    }

    /// Whether a late report's delay reason waits for staff's acceptance.
    pub fn delay_pending(&self) -> bool {
        self.settlement_delay
            .as_ref()
            .is_some_and(|delay| !delay.is_accepted())
    }

    /// The conditions beyond the status that the due date's actions need: staff accept a delay
    /// reason only while one waits.
    pub(super) fn due_date_permits(&self, action: GrantAction) -> bool {
        match action {
            GrantAction::AcceptDelayReason => self.delay_pending(),
            _ => true,
        }
    }

    /// Staff extend the due date of the first report, with a reason.
    pub(super) fn extend_settlement_deadline(
        &self,
        deadline: Date,
        reason: &str,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        self.check(GrantAction::ExtendSettlementDeadline)?;
        let previous = self.settlement_due_on().ok_or(GrantError::NotDecided)?;
        let reason = text::required("reason", reason, LONG_TEXT_MAX_CHARS, Lines::Many)?;
        if deadline <= previous {
            return Err(GrantError::ExtensionNotLater { deadline, previous });
        }
        let today = jst_date(at);
        if deadline < today {
            return Err(GrantError::ExtensionInPast { deadline, today });
        }
        Ok(vec![GrantEvent::SettlementDeadlineExtended {
            previous,
            deadline,
            reason,
            by,
            at,
        }])
    }

    /// Rule 9's deadline at submission: the due date, and the event recording the delay reason when
    /// a first report comes late (refused without a reason).
    pub(super) fn check_due_date(
        &self,
        status: GrantStatus,
        delay_reason: Option<&str>,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<(Date, Option<GrantEvent>), GrantError> {
        let deadline = self.settlement_due_on().ok_or(GrantError::NotDecided)?;
        let late = status != GrantStatus::ReportReturned && jst_date(at) > deadline;
        if !late {
            return Ok((deadline, None));
        }
        let reason = delay_reason.map(str::trim).unwrap_or_default();
        if reason.is_empty() {
            return Err(GrantError::ReportLate { deadline });
        }
        let reason = text::required("delay_reason", reason, LONG_TEXT_MAX_CHARS, Lines::Many)?;
        Ok((
            deadline,
            Some(GrantEvent::SettlementDelayExplained {
                reason,
                deadline,
                by,
                at,
            }),
        ))
    }

    /// Staff accept the reason a late report gave, which lets the amount be finalised.
    pub(super) fn accept_delay_reason(
        &self,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        self.check(GrantAction::AcceptDelayReason)?;
        Ok(vec![GrantEvent::SettlementDelayAccepted { by, at }])
    }

    /// The amount of a late report is finalised only once its delay reason is accepted.
    pub(super) fn check_delay_accepted(&self) -> Result<(), GrantError> {
        match &self.settlement_delay {
            Some(delay) if !delay.is_accepted() => Err(GrantError::DelayNotAccepted {
                deadline: delay.deadline,
            }),
            _ => Ok(()),
        }
    }

    /// Folds the due date's events into the grant.
    pub(super) fn apply_due_date(&mut self, event: &GrantEvent) {
        match event {
            GrantEvent::SettlementDeadlineExtended {
                previous,
                deadline,
                reason,
                at,
                ..
            } => self.settlement_extensions.push(SettlementExtension {
                previous: *previous,
                deadline: *deadline,
                reason: reason.clone(),
                extended_at: *at,
            }),
            GrantEvent::SettlementDelayExplained {
                reason,
                deadline,
                at,
                ..
            } => {
                self.settlement_delay = Some(SettlementDelay {
                    reason: reason.clone(),
                    deadline: *deadline,
                    explained_at: *at,
                    accepted_at: None,
                })
            }
            GrantEvent::SettlementDelayAccepted { at, .. } => {
                if let Some(delay) = self.settlement_delay.as_mut() {
                    delay.accepted_at = Some(*at);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn the_due_date_is_the_completion_plus_the_days_capped_by_the_grace_date() {
        // Completion 28 February 2027 + 30 days = 30 March; the grace date 10 April does not bind.
        assert_eq!(
            due_date(date!(2027 - 02 - 28), 30, date!(2027 - 04 - 10)),
            date!(2027 - 03 - 30)
        );
        // A round that closes its reports on 20 March binds it.
        assert_eq!(
            due_date(date!(2027 - 02 - 28), 30, date!(2027 - 03 - 20)),
            date!(2027 - 03 - 20)
        );
        // Completion 31 March + 30 days = 30 April, capped at a grace date of 31 May: 30 April.
        assert_eq!(
            due_date(date!(2027 - 03 - 31), 30, date!(2027 - 05 - 31)),
            date!(2027 - 04 - 30)
        );
    }
}
