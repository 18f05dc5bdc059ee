//! 中止・廃止: the group asks to stop its project (事業中止（廃止）承認申請, 適正化法 第7条 style), staff
//! approve or refuse with a reason, and an approved grant settles on what was spent.
//!
//! The rules, where the city's rules are silent:
//! - The group asks while the work may still change (`decided` or `in_progress`), with a reason, and
//!   not while a change request waits for staff (the change would have nobody to decide it).
//!   Asking puts the grant in `discontinuation_requested`: no advance, change, withdrawal or report
//!   can be asked for until staff decide (a requested advance may still be recorded as paid).
//! - Staff refuse with a reason (required): the grant goes back to where it was (`decided`, or
//!   `in_progress` once an advance was requested or money paid). Staff approve with an optional note.
//! - Approval ends the project on the approval's JST day: the completion deadline moves to that day
//!   (never later than it was). So the settlement report of what was spent counts the receipts from
//!   the decision day to the approval day, and is due `settlement_days` after it (rule 9's deadline
//!   on the new completion deadline). The grant is then `discontinued`: the group saves and submits
//!   the report, and staff finalise it as any report (`finalise`: `min(decided, rate x base)`,
//!   rounded down to the unit), with the payment of the rest or the refund order that follows.
//! - The budget freed (decided less finalised) goes back to the round through the release process
//!   manager when the amount is finalised, as for any finalisation below the decided amount
//!   ([`Grant::budget_freed_by`]); nothing is released at the approval itself, since what was spent
//!   is not known until the report is finalised.
//!
//! Worked example: decided 300,000 at rate 1/1, advance of 200,000 paid; approved on 10 September
//! 2026; the report shows 120,400 of eligible receipts up to 10 September (a receipt of 15,000
//! dated 12 September does not count); the report is due by 10 October; reviewed on 25 September
//! with unit 1,000: finalised 120,000, a refund of 80,000 due 25 October, and 180,000 goes back to
//! the round. Without the advance, 120,000 is payable instead.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::fiscal_year::jst_date;
use crate::ids::UserId;
use crate::text::Lines;

use super::errors::{GrantAction, GrantError};
use super::events::GrantEvent;
use super::text::{self, LONG_TEXT_MAX_CHARS};
use super::{ChangeState, Grant, GrantStatus};

/// Where a request to discontinue stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = DiscontinuationStatus))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscontinuationState {
    /// The group has asked; staff have not decided.
    Pending,
    /// Staff approved: the project ended early and settles on what was spent.
    Approved,
    /// Staff refused: the grant went back to where it stood.
    Refused,
}

impl DiscontinuationState {
    /// Where staff's review of the request stands, as the pages name it.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Pending => "審査待ち",
            Self::Approved => "承認",
            Self::Refused => "不承認",
        }
    }
}

/// The group's request to discontinue and staff's decision on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscontinuationRecord {
    /// The group's reason for stopping the project.
    pub reason: String,
    /// When the group asked, UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// Where staff's review of the request stands.
    pub state: DiscontinuationState,
    /// Staff's reason (refusal) or note (approval), once decided.
    pub decision_reason: Option<String>,
    /// The JST day the project ended, on approval.
    pub discontinued_on: Option<Date>,
}

impl Grant {
    /// The status a refused request returns the grant to: `in_progress` once the work started.
    fn resumed_status(&self) -> GrantStatus {
        if self.advance_requests.is_empty() && self.payments.is_empty() {
            GrantStatus::Decided
        } else {
            GrantStatus::InProgress
        }
    }

    /// The group asks to discontinue the project.
    pub(super) fn request_discontinuation(
        &self,
        reason: &str,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        self.check(GrantAction::RequestDiscontinuation)?;
        let reason = text::required("reason", reason, LONG_TEXT_MAX_CHARS, Lines::Many)?;
        if self
            .changes
            .iter()
            .any(|record| record.state == ChangeState::Pending)
        {
            return Err(GrantError::ChangePending);
        }
        Ok(vec![GrantEvent::DiscontinuationRequested {
            reason,
            by,
            at,
        }])
    }

    /// Staff approve (the project ends today, JST) or refuse (with a reason) the request.
    pub(super) fn decide_discontinuation(
        &self,
        approved: bool,
        reason: &str,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        self.check(GrantAction::DecideDiscontinuation)?;
        let award = self.award()?;
        if !approved {
            return Ok(vec![GrantEvent::DiscontinuationRefused {
                reason: text::required("reason", reason, LONG_TEXT_MAX_CHARS, Lines::Many)?,
                resumes: self.resumed_status(),
                by,
                at,
            }]);
        }
        let note = text::optional("reason", reason, LONG_TEXT_MAX_CHARS, Lines::Many)?;
        let discontinued_on = jst_date(at).min(award.completion_deadline);
        Ok(vec![GrantEvent::DiscontinuationApproved {
            reason: note,
            discontinued_on,
            previous_completion_deadline: award.completion_deadline,
            by,
            at,
        }])
    }

    pub(super) fn apply_discontinuation(&mut self, event: GrantEvent) {
        match event {
            GrantEvent::DiscontinuationRequested { reason, at, .. } => {
                self.discontinuation = Some(DiscontinuationRecord {
                    reason,
                    requested_at: at,
                    state: DiscontinuationState::Pending,
                    decision_reason: None,
                    discontinued_on: None,
                });
            }
            GrantEvent::DiscontinuationApproved {
                reason,
                discontinued_on,
                ..
            } => {
                if let Some(award) = self.award.as_mut() {
                    award.completion_deadline = discontinued_on;
                }
                if let Some(record) = self.discontinuation.as_mut() {
                    record.state = DiscontinuationState::Approved;
                    record.decision_reason = Some(reason);
                    record.discontinued_on = Some(discontinued_on);
                }
            }
            GrantEvent::DiscontinuationRefused { reason, .. } => {
                if let Some(record) = self.discontinuation.as_mut() {
                    record.state = DiscontinuationState::Refused;
                    record.decision_reason = Some(reason);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
