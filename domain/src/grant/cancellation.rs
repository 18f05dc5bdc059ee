//! Refunds received, and rule 10: cancellation (取消) of the decision, possible at any time until the
//! grant is withdrawn or already cancelled, even after finalisation and closing, with a refund order of
//! what was paid, in whole or in part.

use time::{Date, OffsetDateTime};

use crate::fiscal_year::jst_date;
use crate::ids::UserId;
use crate::money::Yen;
use crate::text::Lines;

use super::errors::{GrantAction, GrantError};
use super::events::GrantEvent;
use super::payments::add;
use super::settlement::refund_due_date;
use super::surcharge::{RefundOrder, SurchargeTerms};
use super::text::{self, LONG_TEXT_MAX_CHARS};
use super::{Grant, GrantStatus};

impl Grant {
    /// Staff record a refund received; the last yen of a finalisation refund closes the grant.
    pub(super) fn record_refund(
        &self,
        amount: Yen,
        received_on: Date,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        let status = self.check(GrantAction::RecordRefund)?;
        if amount.is_zero() {
            return Err(GrantError::ZeroAmount { field: "amount" });
        }
        if amount > self.refund_outstanding {
            return Err(GrantError::RefundAboveOutstanding {
                amount,
                outstanding: self.refund_outstanding,
            });
        }
        if received_on > jst_date(at) {
            return Err(GrantError::DateInFuture {
                field: "received_on",
                date: received_on,
            });
        }
        let outstanding = self.refund_outstanding.saturating_sub(amount);
        let refunded_total = add(self.refunds_received, amount)?;
        let mut events = vec![GrantEvent::RefundReceived {
            amount,
            received_on,
            outstanding,
            refunded_total,
            by,
            at,
        }];
        let held = self.paid_total.saturating_sub(refunded_total);
        if status == GrantStatus::RefundDue
            && outstanding.is_zero()
            && Some(held) == self.finalised_amount
        {
            events.push(GrantEvent::GrantClosed { by, at });
        }
        Ok(events)
    }

    /// Rule 10: staff cancel the decision and order a refund of at most what the group holds.
    pub(super) fn cancel(
        &self,
        reason: &str,
        refund_amount: Yen,
        surcharge: SurchargeTerms,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GrantEvent>, GrantError> {
        self.check(GrantAction::Cancel)?;
        let reason = text::required("reason", reason, LONG_TEXT_MAX_CHARS, Lines::Many)?;
        let net_paid = self.net_paid();
        if refund_amount > net_paid {
            return Err(GrantError::CancelRefundAbovePaid {
                refund_amount,
                net_paid,
            });
        }
        let refund_due_on = (!refund_amount.is_zero()).then(|| refund_due_date(at));
        let mut events = vec![GrantEvent::GrantCancelled {
            reason,
            refund_amount,
            refund_due_on,
            by,
            at,
        }];
        // 適正化法 第19条: the order states the 加算金・延滞金 terms (see `surcharge`).
        if let Some(due_on) = refund_due_on {
            events.push(GrantEvent::RefundSurchargeTermsRecorded {
                order: RefundOrder::new(surcharge, &self.payments, refund_amount, due_on),
                by,
                at,
            });
        }
        Ok(events)
    }
}
