//! Rule 8: changes to the plan. A change that raises the total cost, or cuts it by more than the
//! threshold, needs an approved change request (変更承認申請); smaller changes are minor (軽微な変更),
//! recorded and applied at once. The decided amount never rises without an approved request.
//!
//! The round budget check for a rise of the decided amount belongs to the `Round` aggregate: an
//! approval that raises the amount is refused here unless the round has reserved the increase first
//! (`reserved_from`, see `round::reservation`); [`Grant::increase_to_reserve`] tells the app
//! whether a decision needs that, with every other rule checked. An approval that lowers the amount
//! records the difference it gives back (`released`), which the budget-release process returns to
//! the round.
//!
//! Worked example (`tests.rs`, decided ¥286,000 at 3/4 with a ¥1,000 unit): approving ¥300,000 needs
//! the round to hold ¥14,000 more first; approving ¥250,000 releases ¥36,000; ¥250,500 is refused as
//! off the unit, naming ¥250,000.

use time::OffsetDateTime;

use crate::ids::{ChangeRequestId, UserId};
use crate::money::Yen;
use crate::ratio::Ratio;
use crate::text::{check_characters, Lines};

use super::decision::check_within_grant_year;
use super::errors::{overflow_in, GrantAction, GrantError};
use super::events::GrantEvent;
use super::period::Period;
use super::text::{self, LONG_TEXT_MAX_CHARS};
use super::{ChangeState, Grant};
use crate::budget::Budget;

/// Rule 8: whether a change of the total cost from `before` to `after` needs approval: it rises, or it
/// falls by more than `threshold x before` (compared exactly, without rounding).
pub fn needs_approval(before: Yen, after: Yen, threshold: Ratio) -> bool {
    if after > before {
        return true;
    }
    let cut = i128::from(before.to_i64() - after.to_i64());
    cut * i128::from(threshold.denominator())
        > i128::from(before.to_i64()) * i128::from(threshold.numerator())
}

impl Grant {
    /// Rule 8: a change request, applied at once when minor.
    pub(super) fn request_change(
        &self,
        change_request_id: ChangeRequestId,
        reason: &str,
        budget: Budget,
        period: Period,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        self.check(GrantAction::RequestChange)?;
        let award = self.award()?;
        if self
            .changes
            .iter()
            .any(|record| record.change_request_id == change_request_id)
        {
            return Err(GrantError::ChangeRequestExists);
        }
        let reason = text::required("reason", reason, LONG_TEXT_MAX_CHARS, Lines::Many)?;
        let line_texts = (budget.expenses.iter().map(|line| &line.item))
            .chain(budget.income.iter().map(|line| &line.description));
        for line_text in line_texts {
            check_characters("budget", line_text, Lines::One)?;
        }
        let period = period.check()?;
        check_within_grant_year("period", award.fiscal_year, award.decided_on, period.end)?;
        let total_cost_before = award.planned.totals()?.total_cost;
        let total_cost_after = budget.totals().map_err(overflow_in("budget"))?.total_cost;
        let extends = period.end > award.completion_deadline;
        if extends
            || needs_approval(
                total_cost_before,
                total_cost_after,
                award.change_threshold_ratio,
            )
        {
            Ok(vec![GrantEvent::ChangeRequested {
                change_request_id,
                reason,
                budget,
                period,
                total_cost_before,
                total_cost_after,
                by,
                at,
            }])
        } else {
            Ok(vec![GrantEvent::ChangeNotified {
                change_request_id,
                reason,
                budget,
                period,
                total_cost_before,
                total_cost_after,
                by,
                at,
            }])
        }
    }

    /// Rule 8: the amount an approval of `change_request_id` would raise the grant to, when it
    /// raises it: the round must reserve that first. Every rule of the decision is checked, so a
    /// decision the grant would refuse reserves nothing.
    pub fn increase_to_reserve(
        &self,
        change_request_id: ChangeRequestId,
        approved: bool,
        new_amount: Option<Yen>,
        reason: &str,
    ) -> Result<Option<Yen>, GrantError> {
        let outcome = self.check_decision(change_request_id, approved, new_amount, reason)?;
        Ok(outcome
            .amount
            .filter(|amount| *amount > self.decided_amount()))
    }

    /// Rule 8: the checks of a decision on a pending change, and its outcome.
    fn check_decision(
        &self,
        change_request_id: ChangeRequestId,
        approved: bool,
        new_amount: Option<Yen>,
        reason: &str,
    ) -> Result<CheckedDecision, GrantError> {
        self.check(GrantAction::DecideChange)?;
        let record = self
            .changes
            .iter()
            .find(|record| record.change_request_id == change_request_id)
            .ok_or(GrantError::ChangeRequestUnknown)?;
        if record.state != ChangeState::Pending {
            return Err(GrantError::ChangeAlreadyDecided);
        }
        let reason = text::required("reason", reason, LONG_TEXT_MAX_CHARS, Lines::Many)?;
        if !approved {
            if new_amount.is_some() {
                return Err(GrantError::NewAmountOnRejection);
            }
            return Ok(CheckedDecision {
                reason,
                amount: None,
            });
        }
        let amount = self.check_changed_amount(new_amount, &record.budget)?;
        Ok(CheckedDecision {
            reason,
            amount: Some(amount),
        })
    }

    /// Rule 8: staff approve a pending change (optionally with a new amount) or reject it. A raise
    /// needs the round's reservation behind it (`reserved_from`), made from the amount the grant
    /// holds now: a reservation from another amount (a cut or another raise was decided after the
    /// round reserved) is refused, and the change-approval process then cancels it, so the round
    /// never holds more or less than the grant.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn decide_change(
        &self,
        change_request_id: ChangeRequestId,
        approved: bool,
        new_amount: Option<Yen>,
        reason: &str,
        reserved_from: Option<Yen>,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        let CheckedDecision { reason, amount } =
            self.check_decision(change_request_id, approved, new_amount, reason)?;
        let award = self.award()?;
        let Some(amount) = amount else {
            return Ok(vec![GrantEvent::ChangeRejected {
                change_request_id,
                reason,
                by,
                at,
            }]);
        };
        if let Some(reserved_from) = reserved_from {
            if reserved_from != award.decided_amount {
                return Err(GrantError::ReservationOutdated {
                    reserved_from,
                    decided: award.decided_amount,
                });
            }
        } else if amount > award.decided_amount {
            return Err(GrantError::IncreaseNotReserved {
                increase: amount.saturating_sub(award.decided_amount),
            });
        }
        let record = self
            .changes
            .iter()
            .find(|record| record.change_request_id == change_request_id)
            .ok_or(GrantError::ChangeRequestUnknown)?;
        Ok(vec![GrantEvent::ChangeApproved {
            change_request_id,
            previous_amount: award.decided_amount,
            decided_amount: amount,
            released: award.decided_amount.saturating_sub(amount),
            budget: record.budget.clone(),
            period: record.period,
            completion_deadline: award.completion_deadline.max(record.period.end),
            reason,
            by,
            at,
        }])
    }

    /// Rule 8: the amount after an approved change stays within the new budget's max subsidy under the
    /// grant's terms, and never below what has been paid.
    fn check_changed_amount(
        &self,
        new_amount: Option<Yen>,
        budget: &Budget,
    ) -> Result<Yen, GrantError> {
        let award = self.award()?;
        let amount = new_amount.unwrap_or(award.decided_amount);
        if amount.is_zero() {
            return Err(GrantError::ZeroAmount {
                field: "new_amount",
            });
        }
        let max = award.terms.max_subsidy(budget)?;
        if amount > max {
            return Err(GrantError::ChangeAboveMaximum { amount, max });
        }
        let paid = self.net_paid();
        if amount < paid {
            return Err(GrantError::ChangeBelowPaid { amount, paid });
        }
        let rounded_down = amount.truncate_to(award.terms.rounding_unit);
        if rounded_down != amount {
            return Err(GrantError::ChangeOffRoundingUnit {
                amount,
                unit: award.terms.rounding_unit,
                rounded_down,
            });
        }
        Ok(amount)
    }
}

/// A decision on a change with its rules checked: the trimmed reason, and the amount if approved.
struct CheckedDecision {
    reason: String,
    amount: Option<Yen>,
}

impl Grant {
    /// The files attached to the change request `id`, in the order added.
    pub fn change_files(&self, id: ChangeRequestId) -> Vec<crate::attachment::Attached> {
        self.change_attachments
            .iter()
            .filter(|one| one.change_request_id == id)
            .map(|one| one.attached.clone())
            .collect()
    }

    /// Whether the group may still change the request's files: it exists, awaits staff, and the
    /// grant's state still lets staff decide it.
    pub fn check_change_open(&self, id: ChangeRequestId) -> Result<(), GrantError> {
        self.check(GrantAction::DecideChange)?;
        let change = self
            .changes
            .iter()
            .find(|change| change.change_request_id == id)
            .ok_or(GrantError::ChangeRequestUnknown)?;
        if change.state == ChangeState::Pending {
            Ok(())
        } else {
            Err(GrantError::ChangeAlreadyDecided)
        }
    }

    pub(super) fn add_change_attachment(
        &self,
        change_request_id: ChangeRequestId,
        attachment: crate::attachment::Attachment,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        self.check_change_open(change_request_id)?;
        crate::attachment::check_room(
            crate::attachment::AttachedTo::ChangeRequest,
            &self.change_files(change_request_id),
            &attachment,
        )?;
        Ok(vec![GrantEvent::ChangeAttachmentAdded {
            change_request_id,
            attachment,
            by,
            at,
        }])
    }

    pub(super) fn remove_change_attachment(
        &self,
        change_request_id: ChangeRequestId,
        attachment_id: crate::ids::AttachmentId,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        self.check_change_open(change_request_id)?;
        crate::attachment::check_held(&self.change_files(change_request_id), attachment_id)?;
        Ok(vec![GrantEvent::ChangeAttachmentRemoved {
            change_request_id,
            attachment_id,
            by,
            at,
        }])
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    fn yen(amount: i64) -> Yen {
        Yen::new(amount).unwrap()
    }

    #[test]
    fn a_cut_of_exactly_the_threshold_is_minor_and_one_yen_more_is_not() {
        let fifth: Ratio = "1/5".parse().unwrap();
        assert!(!needs_approval(yen(500_000), yen(400_000), fifth));
        assert!(needs_approval(yen(500_000), yen(399_999), fifth));
        assert!(needs_approval(yen(500_000), yen(500_001), fifth));
        assert!(!needs_approval(yen(500_000), yen(500_000), fifth));
    }
}
