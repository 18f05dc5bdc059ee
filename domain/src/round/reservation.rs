//! Reservations: an approved change that raises a grant's amount takes the increase from the round's
//! budget first, and only then does the grant record the approval (rule 8).
//!
//! The change-approval flow spans two aggregates, so it runs as a saga driven from the log
//! (`app/src/process/change.rs`):
//! 1. `ReserveChange` on the round: the increase must fit the budget, the course's cap and the
//!    rounding unit, and the award must hold what the grant holds (`held_by_grant`): while another
//!    change of the grant is reserved but not yet recorded on it (or a cut on it not yet released),
//!    a raise is refused (`round.change_in_flight`) and staff decide it again a moment later. Without
//!    this rule, a second raise reserved from the first one's new amount could be refused by the
//!    grant in one follower and approved in another, depending on which saw the first one's grant
//!    step. The award's amount becomes the new amount at once, so no other decision can spend the
//!    same money meanwhile (`ChangeReserved`).
//! 2. `DecideChange` on the grant, with the reservation behind it (`GrantCommand::DecideChange`'s
//!    `reserved_from`, the award's amount the round raised from).
//! 3. Should the grant refuse after all (someone decided the change meanwhile, or another change
//!    moved the grant's amount away from `reserved_from`), `CancelReservation` gives the increase back
//!    (`ChangeReservationCancelled`). Giving back can never break the budget.
//!
//! A change that lowers the amount needs no reservation: the grant records it and the budget-release
//! process gives the difference back to the round (`Grant::budget_freed_by`), as for a withdrawal.
//!
//! Decisions where the rules are silent:
//! - The cancellation gives back the increase itself (new amount less previous), not "the previous
//!   amount": a release may have reached the award in between (a withdrawal releases what the grant
//!   held, which did not yet include the increase), and the award's amount must stay what the grant
//!   holds.
//! - A reservation is cancelled at most once; an unknown one is refused.
//!
//! Worked example (the round of `tests.rs`: budget ¥1,000,000, cap ¥500,000, unit ¥1,000; awards
//! ¥500,000 + ¥250,000 + ¥200,000 = ¥950,000): raising the second award to ¥300,000 reserves ¥50,000
//! and leaves ¥0; ¥300,001 is refused (¥50,001 more than the ¥50,000 left). If the grant then refuses,
//! the cancellation gives the ¥50,000 back and the award holds ¥250,000 again.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Round, RoundError, RoundEvent};
use crate::ids::{ApplicationId, ChangeRequestId, UserId};
use crate::money::Yen;
use crate::round::decision::check_on_unit;

/// A change's increase held on the round's budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reservation {
    /// The awarded application whose change is reserved.
    pub application_id: ApplicationId,
    /// The new amount less the amount held before.
    pub increase: Yen,
    /// Whether the grant refused and the increase went back to the budget.
    pub cancelled: bool,
}

impl Round {
    pub(super) fn reserve_change(
        &self,
        application_id: ApplicationId,
        change_request_id: ChangeRequestId,
        (held_by_grant, new_amount): (Yen, Yen),
        reason: String,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<RoundEvent>, RoundError> {
        let settings = self.opened()?;
        let award = self
            .awards
            .get(&application_id)
            .ok_or(RoundError::NotAwarded(application_id))?;
        if self.reservations.contains_key(&change_request_id) {
            return Err(RoundError::ReservationExists);
        }
        // Another change of this grant is reserved here but not yet recorded on the grant (or a
        // cut on the grant not yet released here): a raise reserved now would start from an
        // amount the grant does not hold, and its grant step would be refused. Decide it again
        // once the other change has gone through.
        if award.amount != held_by_grant {
            return Err(RoundError::ChangeInFlight {
                held_by_round: award.amount,
                held_by_grant,
            });
        }
        let increase = new_amount
            .checked_sub(award.amount)
            .filter(|increase| !increase.is_zero())
            .ok_or(RoundError::NotAnIncrease {
                current: award.amount,
                new_amount,
            })?;
        if new_amount > settings.cap {
            return Err(RoundError::AboveMaximum {
                field: "new_amount",
                amount: new_amount,
                max: settings.cap,
            });
        }
        self.check_budget(increase)?;
        check_on_unit("new_amount", new_amount, settings.rounding_unit)?;
        Ok(vec![RoundEvent::ChangeReserved {
            application_id,
            grant_id: award.grant_id,
            change_request_id,
            previous_amount: award.amount,
            new_amount,
            reason,
            by,
            at,
        }])
    }

    pub(super) fn cancel_reservation(
        &self,
        change_request_id: ChangeRequestId,
        reason: String,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<RoundEvent>, RoundError> {
        self.opened()?;
        let reservation = self
            .reservations
            .get(&change_request_id)
            .ok_or(RoundError::ReservationUnknown)?;
        if reservation.cancelled {
            return Err(RoundError::ReservationCancelled);
        }
        let application_id = reservation.application_id;
        let award = self
            .awards
            .get(&application_id)
            .ok_or(RoundError::NotAwarded(application_id))?;
        let remaining_amount = award.amount.checked_sub(reservation.increase).ok_or(
            RoundError::ReleaseAboveAward {
                amount: reservation.increase,
                award: award.amount,
            },
        )?;
        Ok(vec![RoundEvent::ChangeReservationCancelled {
            application_id,
            grant_id: award.grant_id,
            change_request_id,
            released: reservation.increase,
            remaining_amount,
            reason,
            by,
            at,
        }])
    }

    /// The reservation of change request `change_request_id`, if the round holds one.
    pub fn reservation(&self, change_request_id: ChangeRequestId) -> Option<&Reservation> {
        self.reservations.get(&change_request_id)
    }
}
