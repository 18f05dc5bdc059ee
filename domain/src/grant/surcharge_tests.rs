//! 加算金 and 延滞金 on a cancelled grant, as given/when/then with domain.md's first worked example:
//! 228,800 advanced on 20 June 2026 and 11,200 paid on 25 March 2027 (240,000 finalised), then the
//! decision cancelled on 10 May 2027 with all 240,000 ordered back by 9 June 2027.

use time::macros::date;

use super::tests::{cancel, closed, history, noon, run, staff, state, yen};
use super::*;

fn cancelled() -> Vec<GrantEvent> {
    let given = closed();
    history(&[
        given.clone(),
        run(given, cancel(240_000, date!(2027 - 05 - 10))).unwrap(),
    ])
}

fn refund(amount: i64, day: Date) -> GrantCommand {
    GrantCommand::RecordRefund {
        amount: yen(amount),
        received_on: day,
        by: staff(),
        at: noon(day),
    }
}

#[test]
fn the_refund_order_states_the_additional_charge_to_its_due_date() {
    // 施行令 第9条: the 240,000 is the 11,200 received last (25 March 2027) and 228,800 of the
    // advance (20 June 2026). To 9 June 2027: 228,800 x 355 days + 11,200 x 77 days
    // = 81,224,000 + 862,400 = 82,086,400 yen-days x 10.95% / 365 (= 3/10,000) = 24,625.92 -> 24,625.
    let grant = state(&cancelled());
    let order = grant.refund_order.as_ref().unwrap();
    assert_eq!(order.due_on, date!(2027 - 06 - 09));
    assert_eq!(order.additional_if_paid_on_due_date, yen(24_625));
    // As of the order day (10 May 2027): 228,800 x 325 + 11,200 x 47 = 74,360,000 + 526,400
    // = 74,886,400 x 3/10,000 = 22,465.92 -> 22,465; no 延滞金 before the due date.
    assert_eq!(
        grant.surcharges(date!(2027 - 05 - 10)),
        Some(Surcharges {
            as_of: date!(2027 - 05 - 10),
            additional: yen(22_465),
            late: Yen::ZERO,
        })
    );
}

#[test]
fn a_refund_paid_late_in_two_parts_carries_both_charges() {
    // Given 140,000 repaid on 9 June 2027 (the due date) and 100,000 on 9 July 2027:
    let given = cancelled();
    let given = history(&[
        given.clone(),
        run(given, refund(140_000, date!(2027 - 06 - 09))).unwrap(),
    ]);
    let given = history(&[
        given.clone(),
        run(given, refund(100_000, date!(2027 - 07 - 09))).unwrap(),
    ]);
    let grant = state(&given);
    assert_eq!(grant.refund_due(), Yen::ZERO);
    // 加算金: 82,086,400 yen-days to 9 June, then 100,000 x 30 days (10 June - 9 July)
    // = 3,000,000; 85,086,400 x 3/10,000 = 25,525.92 -> 25,525.
    // 延滞金: 100,000 unpaid from 10 June to 9 July = 30 days x 3/10,000 = 900.
    // The figures stop on the day the refund was paid in full, whatever day it is asked.
    assert_eq!(
        grant.surcharges(date!(2027 - 12 - 01)),
        Some(Surcharges {
            as_of: date!(2027 - 07 - 09),
            additional: yen(25_525),
            late: yen(900),
        })
    );
}

#[test]
fn a_cancellation_without_a_refund_orders_no_surcharge() {
    let given = closed();
    let events = run(given.clone(), cancel(0, date!(2027 - 05 - 10))).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        state(&history(&[given, events])).surcharges(date!(2027 - 06 - 01)),
        None
    );
}

#[test]
fn a_cancellation_recorded_before_the_rule_loads_without_terms() {
    // Given only the GrantCancelled of an older log (no terms recorded): no figures.
    let events: Vec<GrantEvent> = cancelled()
        .into_iter()
        .filter(|event| !matches!(event, GrantEvent::RefundSurchargeTermsRecorded { .. }))
        .collect();
    let grant = state(&events);
    assert_eq!(grant.refund_due(), yen(240_000));
    assert_eq!(grant.surcharges(date!(2027 - 07 - 01)), None);
    // And a snapshot from before the field loads.
    let mut snapshot = serde_json::to_value(&grant).unwrap();
    snapshot.as_object_mut().unwrap().remove("refund_order");
    assert_eq!(serde_json::from_value::<Grant>(snapshot).unwrap(), grant);
}
