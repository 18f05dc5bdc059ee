//! Rule 7: advances within the advance cap, and payments that never exceed the decided amount nor,
//! after finalisation, the finalised amount. Nothing can be paid before the decision: without a
//! `GrantDecided` event the grant has no status and every command but `Decide` is refused.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::budget::BudgetOverflow;
use crate::fiscal_year::jst_date;
use crate::ids::UserId;
use crate::money::Yen;
use crate::ratio::Ratio;

use super::commands::PaymentKind;
use super::errors::{overflow_in, GrantAction, GrantError};
use super::events::GrantEvent;
use super::{Grant, GrantStatus, PaymentEntryKind};

/// Rule 7: the most that may be advanced, `floor(advance cap ratio x decided)`.
pub fn advance_cap(advance_cap_ratio: Ratio, decided: Yen) -> Yen {
    advance_cap_ratio.apply_floor(decided)
}

/// Rule 7: what of the advances requested up to `requested_total` (a running total of the
/// requests, in the order made) is open, that is waits for staff to pay it. Advances are paid in
/// the order requested, so the advances paid (`advances_paid`) cover the earliest requests first.
/// A request stays open while staff may still record an advance; once the amount is finalised (or
/// the grant withdrawn or cancelled) nothing is open any more: what the city still owes is then
/// paid as the final payment (精算払), if anything. The grant ledger read model uses this too.
pub fn open_advance(requested_total: Yen, advances_paid: Yen, status: Option<GrantStatus>) -> Yen {
    match status {
        Some(status) if GrantAction::RecordAdvance.permits(status, Yen::ZERO) => {
            requested_total.saturating_sub(advances_paid)
        }
        _ => Yen::ZERO,
    }
}

/// Where an advance request stands: `open` waits for staff to pay it (`open_advance`); `lapsed`
/// was not paid in full before the amount was finalised (or the grant withdrawn or cancelled).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdvanceRequestStatus {
    /// Not (wholly) paid yet, and staff may still pay it: it waits for staff.
    Open,
    /// Paid in full by the advances recorded.
    Paid,
    /// Not paid in full when advances ended (finalisation, withdrawal or cancellation).
    Lapsed,
}

/// One advance request as its event recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvanceRequestRecord {
    /// The advance asked for, in integer yen.
    pub amount: Yen,
    /// All advances requested up to this one, this one included.
    pub requested_total: Yen,
    /// When the group asked, UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
}

/// One advance request as it stands now ([`Grant::advances`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvanceRequest {
    /// The advance asked for, in integer yen.
    pub amount: Yen,
    /// When the group asked, UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// The JST calendar day of the request.
    pub requested_on: Date,
    /// Whether it waits for staff, is paid, or lapsed.
    pub status: AdvanceRequestStatus,
    /// What of this request has not been paid (zero once paid).
    pub unpaid: Yen,
}

impl Grant {
    /// Every advance paid (概算払), gross of refunds (refunds come only after advances end).
    pub fn advances_paid(&self) -> Yen {
        Yen::checked_sum(
            self.payments
                .iter()
                .filter(|entry| entry.kind == PaymentEntryKind::Advance)
                .map(|entry| entry.amount),
        )
        // Never reached: the advances are part of `paid_total`, which is a sum that fitted.
        .unwrap_or(self.paid_total)
    }

    /// Every advance request, in the order made, with where it stands ([`open_advance`]).
    pub fn advances(&self) -> Vec<AdvanceRequest> {
        let paid = self.advances_paid();
        self.advance_requests
            .iter()
            .map(|record| {
                let unpaid = record
                    .requested_total
                    .saturating_sub(paid)
                    .min(record.amount);
                let open = open_advance(record.requested_total, paid, self.status);
                let status = if unpaid.is_zero() {
                    AdvanceRequestStatus::Paid
                } else if open.is_zero() {
                    AdvanceRequestStatus::Lapsed
                } else {
                    AdvanceRequestStatus::Open
                };
                AdvanceRequest {
                    amount: record.amount,
                    requested_at: record.requested_at,
                    requested_on: jst_date(record.requested_at),
                    status,
                    unpaid,
                }
            })
            .collect()
    }

    /// What of the advances requested waits for staff to pay it ([`open_advance`]).
    pub fn open_advance(&self) -> Yen {
        open_advance(self.advances_requested, self.advances_paid(), self.status)
    }
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
        self.check(GrantAction::RequestAdvance)?;
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
        self.check(match kind {
            PaymentKind::Advance => GrantAction::RecordAdvance,
            PaymentKind::Final => GrantAction::RecordFinalPayment,
        })?;
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
