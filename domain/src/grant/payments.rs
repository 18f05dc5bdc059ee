//! Rule 7: advances within the advance cap, and payments that never exceed the decided amount nor,
//! after finalisation, the finalised amount. Nothing can be paid before the decision: without a
//! `GrantDecided` event the grant has no status and every command but `Decide` is refused.

use time::{Date, OffsetDateTime};

use crate::budget::BudgetOverflow;
use crate::fiscal_year::jst_date;
use crate::ids::UserId;
use crate::money::Yen;
use crate::ratio::Ratio;

use super::commands::PaymentKind;
use super::errors::{overflow_in, GrantAction, GrantError};
use super::events::GrantEvent;
use super::{Grant, GrantStatus};

/// Rule 7: the most that may be advanced, `floor(advance cap ratio x decided)`.
pub fn advance_cap(advance_cap_ratio: Ratio, decided: Yen) -> Yen {
    advance_cap_ratio.apply_floor(decided)
}

/// `a + b`, or the overflow refusal (about the amount the command adds).
pub(super) fn add(a: Yen, b: Yen) -> Result<Yen, GrantError> {
    a.checked_add(b)
        .ok_or(BudgetOverflow)
        .map_err(overflow_in("amount"))
}

impl Grant {
    /// Rule 7: the applicant asks for an advance within the cap.
    pub(super) fn request_advance(
        &self,
        amount: Yen,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        self.status_in(
            GrantAction::RequestAdvance,
            &[GrantStatus::Decided, GrantStatus::InProgress],
        )?;
        let award = self.award()?;
        if amount.is_zero() {
            return Err(GrantError::ZeroAmount { field: "amount" });
        }
        let total = add(self.advances_requested, amount)?;
        let cap = advance_cap(award.advance_cap_ratio, award.decided_amount);
        if total > cap {
            return Err(GrantError::AdvanceAboveCap { total, cap });
        }
        Ok(vec![GrantEvent::AdvanceRequested {
            amount,
            requested_total: total,
            by,
            at,
        }])
    }

    /// Rule 7: staff record a payment: an advance within the cap before finalisation, or a final
    /// payment of what is payable after it. Paying the last yen closes the grant.
    pub(super) fn record_payment(
        &self,
        amount: Yen,
        paid_on: Date,
        kind: PaymentKind,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        let (action, allowed): (_, &[GrantStatus]) = match kind {
            PaymentKind::Advance => (
                GrantAction::RecordAdvance,
                &[
                    GrantStatus::Decided,
                    GrantStatus::InProgress,
                    GrantStatus::ReportSubmitted,
                    GrantStatus::ReportReturned,
                ],
            ),
            PaymentKind::Final => (GrantAction::RecordFinalPayment, &[GrantStatus::Finalised]),
        };
        self.status_in(action, allowed)?;
        let award = self.award()?;
        if amount.is_zero() {
            return Err(GrantError::ZeroAmount { field: "amount" });
        }
        if paid_on < award.decided_on {
            return Err(GrantError::PaymentBeforeDecision {
                paid_on,
                decided_on: award.decided_on,
            });
        }
        if paid_on > jst_date(at) {
            return Err(GrantError::DateInFuture {
                field: "paid_on",
                date: paid_on,
            });
        }
        let held = add(self.net_paid(), amount)?;
        if held > award.decided_amount {
            return Err(GrantError::PaymentAboveDecided {
                total: held,
                decided: award.decided_amount,
            });
        }
        let mut closes = false;
        match kind {
            PaymentKind::Advance => {
                // Before finalisation no refund exists, so every payment so far was an advance.
                let cap = advance_cap(award.advance_cap_ratio, award.decided_amount);
                if held > cap {
                    return Err(GrantError::AdvanceAboveCap { total: held, cap });
                }
            }
            PaymentKind::Final => {
                let payable = self.payable();
                if amount > payable {
                    return Err(GrantError::PaymentAbovePayable { amount, payable });
                }
                closes = amount == payable;
            }
        }
        let mut events = vec![GrantEvent::PaymentRecorded {
            amount,
            paid_on,
            kind,
            paid_total: add(self.paid_total, amount)?,
            by,
            at,
        }];
        if closes {
            events.push(GrantEvent::GrantClosed { by, at });
        }
        Ok(events)
    }
}
