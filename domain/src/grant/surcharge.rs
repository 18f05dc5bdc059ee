//! 加算金 and 延滞金 on a refund ordered by cancellation (補助金等適正化法 第19条, as this city's
//! 補助金等交付規則 copies it): what the group owes on top of the refund for having held the money.
//!
//! The rule implemented, step by step:
//! - **加算金** (第19条第1項) runs on the refund ordered, from the day the group received the money
//!   to the day it pays the refund back, both days counted. Where the subsidy was paid in several
//!   payments, the refund is taken as the money received last, going back payment by payment until
//!   the refund is covered (適正化法施行令 第9条第1項); so each part of the refund runs from its own
//!   receipt day. Once part of the refund is paid, the base of the days after the payment day is what
//!   remains unpaid (第19条第2項's rule, applied to both charges).
//! - **延滞金** (第19条第2項) runs on the refund still unpaid, from the day after the due date
//!   (納期日) to the day it is paid, both counted.
//! - **Rates and the day count** are the city's settings ([`SurchargeTerms`]): by default 10.95% a
//!   year (`219/2000`, an exact fraction) for each, over a 365-day year, leap years included (施行令:
//!   the yearly rate is a rate per 365 days even for a period that includes 29 February). At the
//!   defaults a day costs exactly 3/10,000 of the base.
//! - **Rounding**: the base of each period is rounded down to 100-yen units (the city's rule, as the
//!   national and local rules on arrears do for their bases); each charge is the exact sum over its
//!   periods of `base × days × rate / days in the year`, rounded down to the yen once
//!   (国等の債権債務等の金額の端数計算に関する法律 第2条: fractions of a yen are dropped); and a charge
//!   under 100 yen is not charged at all (the city's rule). These two 100-yen rules are the city's
//!   choice modelled on those for public arrears; they are named constants here, in one place.
//! - The figures are shown, not collected: the refund order records the terms and what the 加算金
//!   comes to if the refund is paid on its due date; the grant read computes both charges as of
//!   today, or as of the day the refund was paid in full. Recording the receipt of 加算金 and 延滞金
//!   themselves, and staff's waiver for unavoidable reasons (第19条第3項 style), are not built yet.
//! - A cancellation recorded before this rule carries no terms, and no figures are shown for it.

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use crate::money::Yen;
use crate::ratio::Ratio;

use super::{Grant, PaymentEntry, PaymentEntryKind};

/// The base of each period is rounded down to this unit.
pub const SURCHARGE_BASE_UNIT: i64 = 100;
/// A charge below this is not charged.
pub const SURCHARGE_MINIMUM: i64 = 100;

/// The city's settings for 加算金 and 延滞金, recorded with each refund order so that a later
/// change of the settings does not change an order already made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurchargeTerms {
    /// 加算金's yearly rate (default 10.95% = 219/2000).
    pub additional_rate: Ratio,
    /// 延滞金's yearly rate (default 10.95% = 219/2000).
    pub late_rate: Ratio,
    /// The days of the year the yearly rates are divided by, leap years included (default 365).
    pub days_per_year: u32,
}

impl Default for SurchargeTerms {
    fn default() -> Self {
        let rate = Ratio::new(219, 2000).expect("2000 is not zero");
        Self {
            additional_rate: rate,
            late_rate: rate,
            days_per_year: 365,
        }
    }
}

/// A refund ordered by cancellation, with what the surcharges need to be computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundOrder {
    /// The refund ordered, in integer yen.
    pub ordered: Yen,
    /// The refund's due date (納期限, JST); 延滞金 runs from the next day.
    pub due_on: Date,
    /// The 加算金・延滞金 terms in force when the refund was ordered.
    pub terms: SurchargeTerms,
    /// How many payment entries the grant had when the refund was ordered: refunds recorded after
    /// them pay this order.
    pub payments_before: usize,
    /// 加算金 if the refund is paid in full on its due date, as the order states it.
    pub additional_if_paid_on_due_date: Yen,
}

/// 加算金 and 延滞金 as of a day.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = GrantSurcharges))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Surcharges {
    /// The day the figures are computed to: the given day, or the day the refund was paid in full.
    pub as_of: Date,
    /// 加算金 as of `as_of`, in integer yen (zero under 100 yen).
    pub additional: Yen,
    /// 延滞金 as of `as_of`, in integer yen (zero under 100 yen).
    pub late: Yen,
}

/// A change of the base from a day on (inclusive).
type Step = (Date, i128);

/// `floor(Σ base × days × rate / days_per_year)` over the days `from..=until`, the base on a day
/// being the sum of the steps dated on or before it, rounded down to 100 yen; under 100 yen: zero.
fn accrue(steps: &[Step], from: Date, until: Date, rate: Ratio, days_per_year: u32) -> Yen {
    if until < from || days_per_year == 0 {
        return Yen::ZERO;
    }
    let mut steps = steps.to_vec();
    steps.sort_by_key(|(day, _)| *day);
    let unit = i128::from(SURCHARGE_BASE_UNIT);
    let mut balance: i128 = steps
        .iter()
        .filter(|(day, _)| *day <= from)
        .map(|(_, delta)| delta)
        .sum();
    let mut day = from;
    // Σ base × days, in yen-days.
    let mut yen_days: i128 = 0;
    let mut changes = steps
        .iter()
        .filter(|(on, _)| *on > from && *on <= until)
        .peekable();
    loop {
        let next = changes.peek().map(|(on, _)| *on);
        let end = next.map_or(until, |on| on - Duration::days(1));
        let days = i128::from((end - day).whole_days() + 1);
        let base = balance.max(0) / unit * unit;
        yen_days += base * days;
        match next {
            Some(on) => {
                while let Some((_, delta)) = changes.next_if(|(at, _)| *at == on) {
                    balance += delta;
                }
                day = on;
            }
            None => break,
        }
    }
    let numerator = yen_days * i128::from(rate.numerator());
    let denominator = i128::from(rate.denominator()) * i128::from(days_per_year);
    let charge = numerator / denominator;
    if charge < i128::from(SURCHARGE_MINIMUM) {
        return Yen::ZERO;
    }
    Yen::new(i64::try_from(charge).unwrap_or(i64::MAX)).unwrap_or(Yen::ZERO)
}

/// 施行令 第9条第1項: the refund is the money received last, going back payment by payment; the
/// parts of `refund` with the day each was received.
pub fn attribute_to_receipts(payments: &[PaymentEntry], refund: Yen) -> Vec<(Date, Yen)> {
    let mut receipts: Vec<&PaymentEntry> = payments
        .iter()
        .filter(|entry| entry.kind != PaymentEntryKind::Refund)
        .collect();
    // Stable: of two payments on one day, the one recorded later counts as received later.
    receipts.sort_by_key(|entry| entry.date);
    let mut left = refund;
    let mut parts = Vec::new();
    for entry in receipts.iter().rev() {
        if left.is_zero() {
            break;
        }
        let part = entry.amount.min(left);
        parts.push((entry.date, part));
        left = left.saturating_sub(part);
    }
    parts
}

/// 加算金 on `refund`, received as `payments` say, repaid by `repayments`, to `until` (inclusive).
pub fn additional_charge(
    terms: &SurchargeTerms,
    payments: &[PaymentEntry],
    refund: Yen,
    repayments: &[(Date, Yen)],
    until: Date,
) -> Yen {
    let parts = attribute_to_receipts(payments, refund);
    let Some(from) = parts.iter().map(|(day, _)| *day).min() else {
        return Yen::ZERO;
    };
    let mut steps: Vec<Step> = parts
        .iter()
        .map(|(day, part)| (*day, i128::from(part.to_i64())))
        .collect();
    steps.extend(repayment_steps(repayments));
    accrue(
        &steps,
        from,
        until,
        terms.additional_rate,
        terms.days_per_year,
    )
}

/// 延滞金 on `refund` unpaid after `due_on`, repaid by `repayments`, to `until` (inclusive).
pub fn late_charge(
    terms: &SurchargeTerms,
    refund: Yen,
    due_on: Date,
    repayments: &[(Date, Yen)],
    until: Date,
) -> Yen {
    let Some(from) = due_on.next_day() else {
        return Yen::ZERO;
    };
    let mut steps: Vec<Step> = vec![(from, i128::from(refund.to_i64()))];
    steps.extend(repayment_steps(repayments));
    accrue(&steps, from, until, terms.late_rate, terms.days_per_year)
}

/// A repayment still counts on its own day (納付の日) and lowers the base from the next.
fn repayment_steps(repayments: &[(Date, Yen)]) -> impl Iterator<Item = Step> + '_ {
    repayments.iter().map(|(day, amount)| {
        (
            day.next_day().unwrap_or(Date::MAX),
            -i128::from(amount.to_i64()),
        )
    })
}

impl RefundOrder {
    /// The order as made on a grant holding `payments`: 加算金 to the due date included.
    pub fn new(
        terms: SurchargeTerms,
        payments: &[PaymentEntry],
        ordered: Yen,
        due_on: Date,
    ) -> Self {
        Self {
            ordered,
            due_on,
            terms,
            payments_before: payments.len(),
            additional_if_paid_on_due_date: additional_charge(
                &terms,
                payments,
                ordered,
                &[],
                due_on,
            ),
        }
    }
}

impl Grant {
    /// The refunds received on the cancellation's order, with their days.
    fn repayments(&self, order: &RefundOrder) -> Vec<(Date, Yen)> {
        self.payments
            .iter()
            .skip(order.payments_before)
            .filter(|entry| entry.kind == PaymentEntryKind::Refund)
            .map(|entry| (entry.date, entry.amount))
            .collect()
    }

    /// 加算金 and 延滞金 on the cancellation's refund as of `today`, or as of the day it was paid
    /// in full; `None` without a refund order carrying the terms.
    pub fn surcharges(&self, today: Date) -> Option<Surcharges> {
        let order = self.refund_order.as_ref()?;
        let repayments = self.repayments(order);
        let as_of = if self.refund_outstanding.is_zero() {
            repayments
                .iter()
                .map(|(day, _)| *day)
                .max()
                .unwrap_or(today)
        } else {
            today
        };
        let receipts = &self.payments[..order.payments_before.min(self.payments.len())];
        Some(Surcharges {
            as_of,
            additional: additional_charge(
                &order.terms,
                receipts,
                order.ordered,
                &repayments,
                as_of,
            ),
            late: late_charge(
                &order.terms,
                order.ordered,
                order.due_on,
                &repayments,
                as_of,
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn yen(amount: i64) -> Yen {
        Yen::new(amount).unwrap()
    }

    fn paid(amount: i64, date: Date) -> PaymentEntry {
        PaymentEntry {
            kind: PaymentEntryKind::Advance,
            amount: yen(amount),
            date,
        }
    }

    #[test]
    fn the_default_terms_are_ten_point_nine_five_percent_over_365_days() {
        let terms = SurchargeTerms::default();
        assert_eq!(terms.additional_rate.to_string(), "219/2000");
        assert_eq!(terms.days_per_year, 365);
        // 219/2000 / 365 = 3/10,000 a day, exactly.
        assert_eq!(
            Ratio::new(219, 2000 * 365).unwrap(),
            Ratio::new(3, 10_000).unwrap()
        );
    }

    #[test]
    fn additional_charge_runs_from_receipt_to_payment_both_days_counted() {
        // Given 200,000 received on 20 June 2026, all ordered back, paid on 31 October 2026:
        // 20 June to 31 October is 11 + 31 + 31 + 30 + 31 = 134 days; 200,000 x 134 x 3/10,000 = 8,040.
        let terms = SurchargeTerms::default();
        let payments = [paid(200_000, date!(2026 - 06 - 20))];
        assert_eq!(
            additional_charge(&terms, &payments, yen(200_000), &[], date!(2026 - 10 - 31)),
            yen(8_040)
        );
        // The same day received and paid: one day, 200,000 x 3/10,000 = 60 yen, under 100: nothing.
        assert_eq!(
            additional_charge(&terms, &payments, yen(200_000), &[], date!(2026 - 06 - 20)),
            Yen::ZERO
        );
        // Two days: 120 yen.
        assert_eq!(
            additional_charge(&terms, &payments, yen(200_000), &[], date!(2026 - 06 - 21)),
            yen(120)
        );
    }

    #[test]
    fn the_base_is_rounded_down_to_100_yen_and_the_charge_to_the_yen() {
        // 228,850 ordered back -> base 228,800; 10 days: 228,800 x 10 x 3/10,000 = 686.4 -> 686.
        let terms = SurchargeTerms::default();
        let payments = [paid(228_850, date!(2026 - 06 - 20))];
        assert_eq!(
            additional_charge(&terms, &payments, yen(228_850), &[], date!(2026 - 06 - 29)),
            yen(686)
        );
    }

    #[test]
    fn a_refund_is_the_money_received_last_going_back() {
        // Given 100,000 received on 1 June and 150,000 on 1 September; 180,000 ordered back:
        // 150,000 from 1 September and 30,000 from 1 June (施行令 第9条).
        let payments = [
            paid(100_000, date!(2026 - 06 - 01)),
            paid(150_000, date!(2026 - 09 - 01)),
        ];
        assert_eq!(
            attribute_to_receipts(&payments, yen(180_000)),
            vec![
                (date!(2026 - 09 - 01), yen(150_000)),
                (date!(2026 - 06 - 01), yen(30_000)),
            ]
        );
        // To 30 September: 30,000 x 122 days (1 June - 30 September) + 150,000 x 30 days
        // = 3,660,000 + 4,500,000 = 8,160,000 yen-days x 3/10,000 = 2,448.
        let terms = SurchargeTerms::default();
        assert_eq!(
            additional_charge(&terms, &payments, yen(180_000), &[], date!(2026 - 09 - 30)),
            yen(2_448)
        );
    }

    #[test]
    fn a_part_paid_lowers_the_base_from_the_next_day() {
        // Given 200,000 received 20 June, ordered back; 120,000 repaid on 31 October, the rest on
        // 30 November: 200,000 x 134 days + 80,000 x 30 days (1-30 November)
        // = 26,800,000 + 2,400,000 = 29,200,000 x 3/10,000 = 8,760.
        let terms = SurchargeTerms::default();
        let payments = [paid(200_000, date!(2026 - 06 - 20))];
        let repayments = [
            (date!(2026 - 10 - 31), yen(120_000)),
            (date!(2026 - 11 - 30), yen(80_000)),
        ];
        assert_eq!(
            additional_charge(
                &terms,
                &payments,
                yen(200_000),
                &repayments,
                date!(2026 - 11 - 30)
            ),
            yen(8_760)
        );
    }

    #[test]
    fn late_charge_runs_on_what_is_unpaid_after_the_due_date() {
        // Given 200,000 due on 31 October; 120,000 paid on 31 October (in time), 80,000 on
        // 30 November: 80,000 x 30 days (1-30 November) x 3/10,000 = 720.
        let terms = SurchargeTerms::default();
        let repayments = [
            (date!(2026 - 10 - 31), yen(120_000)),
            (date!(2026 - 11 - 30), yen(80_000)),
        ];
        assert_eq!(
            late_charge(
                &terms,
                yen(200_000),
                date!(2026 - 10 - 31),
                &repayments,
                date!(2026 - 11 - 30)
            ),
            yen(720)
        );
        // Nothing before or on the due date.
        assert_eq!(
            late_charge(
                &terms,
                yen(200_000),
                date!(2026 - 10 - 31),
                &[],
                date!(2026 - 10 - 31)
            ),
            Yen::ZERO
        );
        // A leap year counts 365 days too: 29 February 2028 is one more day at 3/10,000.
        // 100,000 unpaid from 1 February to 1 March 2028 = 30 days -> 900.
        assert_eq!(
            late_charge(
                &terms,
                yen(100_000),
                date!(2028 - 01 - 31),
                &[],
                date!(2028 - 03 - 01)
            ),
            yen(900)
        );
    }

    #[test]
    fn a_city_may_set_other_rates_and_day_counts() {
        // 3/100 a year over 366 days: 366,000 x 10 days x 3/100 / 366 = 300.
        let terms = SurchargeTerms {
            additional_rate: Ratio::new(3, 100).unwrap(),
            late_rate: Ratio::new(3, 100).unwrap(),
            days_per_year: 366,
        };
        assert_eq!(
            late_charge(
                &terms,
                yen(366_000),
                date!(2026 - 10 - 31),
                &[],
                date!(2026 - 11 - 10)
            ),
            yen(300)
        );
    }
}
