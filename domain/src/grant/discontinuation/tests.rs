//! 中止・廃止 as given/when/then, with the module doc's worked example to the yen: decided 300,000 at
//! rate 1/1 (unit 1,000), advance of 200,000 paid, discontinued on 10 September 2026.

use cqrs_es::test::TestFramework;
use cqrs_es::Aggregate;
use time::macros::date;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::super::*;
use crate::budget::{ExpenseCategory, ExpenseLine};
use crate::fiscal_year::JST;
use crate::ids::{ChangeRequestId, UserId};

fn given(events: Vec<GrantEvent>) -> cqrs_es::test::AggregateTestExecutor<Grant> {
    TestFramework::<Grant>::with(()).given(events)
}

fn yen(amount: i64) -> Yen {
    Yen::new(amount).unwrap()
}

fn staff() -> UserId {
    UserId::from_uuid(Uuid::from_u128(1))
}

fn applicant() -> UserId {
    UserId::from_uuid(Uuid::from_u128(2))
}

fn noon(day: Date) -> OffsetDateTime {
    day.with_hms(12, 0, 0).unwrap().assume_offset(JST)
}

const DECIDED_ON: Date = date!(2026 - 06 - 01);
const COMPLETION: Date = date!(2027 - 02 - 28);
const APPROVED_ON: Date = date!(2026 - 09 - 10);

fn budget(total: i64) -> Budget {
    Budget {
        income: vec![],
        expenses: vec![ExpenseLine {
            category: ExpenseCategory::Rentals,
            item: "会場使用料".into(),
            quantity: 1,
            unit_price: yen(total),
        }],
    }
}

fn decided() -> GrantEvent {
    GrantEvent::GrantDecided {
        decision: GrantDecision {
            grant_id: GrantId::from_uuid(Uuid::from_u128(10)),
            application_id: ApplicationId::from_uuid(Uuid::from_u128(11)),
            round_id: RoundId::from_uuid(Uuid::from_u128(12)),
            group_id: GroupId::from_uuid(Uuid::from_u128(13)),
            fiscal_year: FiscalYear::new(2026).unwrap(),
            course: "ステップアップ".into(),
            title: "子ども食堂の運営".into(),
            summary: "地域の子どもに食事と居場所を".into(),
            group_name: "みなみ町子ども応援団".into(),
            amount: yen(300_000),
            notice_number: "岡市協第123号".into(),
            conditions: String::new(),
            completion_deadline: COMPLETION,
            settlement_grace_date: None,
            terms: AmountTerms {
                cap: yen(500_000),
                floor: Yen::ZERO,
                rate: Ratio::ONE,
                rounding_unit: yen(1_000),
            },
            advance_cap_ratio: "4/5".parse().unwrap(),
            change_threshold_ratio: "1/5".parse().unwrap(),
            settlement_days: 30,
            planned: budget(300_000),
            planned_period: Period {
                start: DECIDED_ON,
                end: COMPLETION,
            },
        },
        decided_on: DECIDED_ON,
        by: staff(),
        at: noon(DECIDED_ON),
    }
}

/// Decided 300,000; an advance of 200,000 requested and paid.
fn advanced() -> Vec<GrantEvent> {
    let day = date!(2026 - 06 - 20);
    vec![
        decided(),
        GrantEvent::AdvanceRequested {
            amount: yen(200_000),
            requested_total: yen(200_000),
            by: applicant(),
            at: noon(date!(2026 - 06 - 15)),
        },
        GrantEvent::PaymentRecorded {
            amount: yen(200_000),
            paid_on: day,
            kind: PaymentKind::Advance,
            paid_total: yen(200_000),
            by: staff(),
            at: noon(day),
        },
    ]
}

fn with(
    mut events: Vec<GrantEvent>,
    more: impl IntoIterator<Item = GrantEvent>,
) -> Vec<GrantEvent> {
    events.extend(more);
    events
}

fn request(reason: &str) -> GrantCommand {
    GrantCommand::RequestDiscontinuation {
        reason: reason.into(),
        by: applicant(),
        at: noon(date!(2026 - 09 - 01)),
    }
}

fn requested() -> GrantEvent {
    GrantEvent::DiscontinuationRequested {
        reason: "会場が閉鎖され事業を続けられなくなりました".into(),
        by: applicant(),
        at: noon(date!(2026 - 09 - 01)),
    }
}

fn decide(approved: bool, reason: &str) -> GrantCommand {
    GrantCommand::DecideDiscontinuation {
        approved,
        reason: reason.into(),
        by: staff(),
        at: noon(APPROVED_ON),
    }
}

fn approved() -> GrantEvent {
    GrantEvent::DiscontinuationApproved {
        reason: "やむを得ない事情と認めます".into(),
        discontinued_on: APPROVED_ON,
        previous_completion_deadline: COMPLETION,
        by: staff(),
        at: noon(APPROVED_ON),
    }
}

fn state(events: Vec<GrantEvent>) -> Grant {
    let mut grant = Grant::default();
    for event in events {
        grant.apply(event);
    }
    grant
}

fn receipt(amount: i64, day: Date, number: &str) -> ReceiptLine {
    ReceiptLine {
        category: ExpenseCategory::Rentals,
        item: "会場使用料".into(),
        quantity: 1,
        unit_price: yen(amount),
        receipt_date: day,
        receipt_number: number.into(),
    }
}

/// What was spent: 120,400 up to 10 September, and 15,000 on 12 September, after the project ended.
fn spent() -> SettlementReport {
    SettlementReport {
        income: vec![],
        expenses: vec![
            receipt(120_400, date!(2026 - 09 - 05), "R-1"),
            receipt(15_000, date!(2026 - 09 - 12), "R-2"),
        ],
        outcomes: "9月10日までに3回開催しました".into(),
        participants: 45,
    }
}

fn reported(at: OffsetDateTime) -> Vec<GrantEvent> {
    vec![
        GrantEvent::SettlementReportSaved {
            report: spent(),
            by: applicant(),
            at,
        },
        GrantEvent::SettlementReportSubmitted {
            report: spent(),
            deadline: date!(2026 - 10 - 10),
            by: applicant(),
            at,
        },
    ]
}

// ---------------------------------------------------------------- asking

#[test]
fn the_group_asks_to_discontinue_with_a_reason() {
    given(advanced())
        .when(request(" 会場が閉鎖され事業を続けられなくなりました "))
        .then_expect_events(vec![requested()]);
    given(advanced())
        .when(request("  "))
        .then_expect_error(GrantError::TextRequired { field: "reason" });
    let grant = state(with(advanced(), [requested()]));
    assert_eq!(grant.status, Some(GrantStatus::DiscontinuationRequested));
    assert_eq!(
        grant.allowed_actions(),
        vec![
            GrantAction::RecordAdvance,
            GrantAction::Cancel,
            GrantAction::DecideDiscontinuation
        ]
    );
}

#[test]
fn no_discontinuation_once_the_work_is_reported_or_while_a_change_waits() {
    let submitted = with(advanced(), reported(noon(date!(2026 - 09 - 20))));
    given(submitted)
        .when(request("理由"))
        .then_expect_error(GrantError::StatusForbids {
            action: GrantAction::RequestDiscontinuation,
            status: GrantStatus::ReportSubmitted,
        });
    let change = GrantEvent::ChangeRequested {
        change_request_id: ChangeRequestId::from_uuid(Uuid::from_u128(100)),
        reason: "会場変更".into(),
        budget: budget(200_000),
        period: Period {
            start: DECIDED_ON,
            end: COMPLETION,
        },
        total_cost_before: yen(300_000),
        total_cost_after: yen(200_000),
        by: applicant(),
        at: noon(date!(2026 - 08 - 01)),
    };
    given(with(advanced(), [change]))
        .when(request("理由"))
        .then_expect_error(GrantError::ChangePending);
    given(with(advanced(), [requested()]))
        .when(request("理由"))
        .then_expect_error(GrantError::StatusForbids {
            action: GrantAction::RequestDiscontinuation,
            status: GrantStatus::DiscontinuationRequested,
        });
}

// ---------------------------------------------------------------- staff's decision

#[test]
fn staff_refuse_with_a_reason_and_the_grant_goes_on_where_it_was() {
    given(with(advanced(), [requested()]))
        .when(decide(false, ""))
        .then_expect_error(GrantError::TextRequired { field: "reason" });
    let refused = |resumes| GrantEvent::DiscontinuationRefused {
        reason: "代替会場で継続できます".into(),
        resumes,
        by: staff(),
        at: noon(APPROVED_ON),
    };
    given(with(advanced(), [requested()]))
        .when(decide(false, "代替会場で継続できます"))
        .then_expect_events(vec![refused(GrantStatus::InProgress)]);
    given(vec![decided(), requested()])
        .when(decide(false, "代替会場で継続できます"))
        .then_expect_events(vec![refused(GrantStatus::Decided)]);
    let grant = state(with(
        advanced(),
        [requested(), refused(GrantStatus::InProgress)],
    ));
    assert_eq!(grant.status, Some(GrantStatus::InProgress));
    assert_eq!(
        grant.discontinuation.map(|record| record.state),
        Some(DiscontinuationState::Refused)
    );
    given(advanced())
        .when(decide(true, ""))
        .then_expect_error(GrantError::StatusForbids {
            action: GrantAction::DecideDiscontinuation,
            status: GrantStatus::InProgress,
        });
}

#[test]
fn approval_ends_the_project_on_the_day_and_asks_for_the_report_of_what_was_spent() {
    given(with(advanced(), [requested()]))
        .when(decide(true, " やむを得ない事情と認めます "))
        .then_expect_events(vec![approved()]);
    let grant = state(with(advanced(), [requested(), approved()]));
    assert_eq!(grant.status, Some(GrantStatus::Discontinued));
    assert_eq!(grant.completion_deadline(), Some(APPROVED_ON));
    assert_eq!(
        grant.allowed_actions(),
        vec![
            GrantAction::RecordAdvance,
            // The report of what was spent may need more time, as any report.
            GrantAction::ExtendSettlementDeadline,
            GrantAction::SaveReport,
            GrantAction::SubmitReport,
            GrantAction::Cancel
        ]
    );
    // Due 10 September + 30 days = 10 October: a first report on 11 October is late.
    let saved = GrantEvent::SettlementReportSaved {
        report: spent(),
        by: applicant(),
        at: noon(date!(2026 - 09 - 20)),
    };
    given(with(advanced(), [requested(), approved(), saved.clone()]))
        .when(GrantCommand::SubmitSettlementReport {
            delay_reason: None,
            by: applicant(),
            at: noon(date!(2026 - 10 - 11)),
        })
        .then_expect_error(GrantError::ReportLate {
            deadline: date!(2026 - 10 - 10),
        });
    given(with(advanced(), [requested(), approved(), saved]))
        .when(GrantCommand::SubmitSettlementReport {
            delay_reason: None,
            by: applicant(),
            at: noon(date!(2026 - 10 - 10)),
        })
        .then_expect_events(vec![GrantEvent::SettlementReportSubmitted {
            report: spent(),
            deadline: date!(2026 - 10 - 10),
            by: applicant(),
            at: noon(date!(2026 - 10 - 10)),
        }]);
}

// ---------------------------------------------------------------- settling on what was spent

#[test]
fn the_discontinued_grant_settles_on_what_was_spent_with_a_refund_of_the_rest_of_the_advance() {
    // Counted 120,400 (R-2 of 12 September is after the end) -> 120,000 on the unit; 200,000 paid,
    // so 80,000 is refunded by 25 September + 30 = 25 October; 300,000 - 120,000 = 180,000 freed.
    let events = with(
        with(advanced(), [requested(), approved()]),
        reported(noon(date!(2026 - 09 - 20))),
    );
    let at = noon(date!(2026 - 09 - 25));
    let finalised = GrantEvent::AmountFinalised {
        finalised: yen(120_000),
        subsidy_base: yen(120_400),
        uncounted_receipts: vec!["R-2".into()],
        refund_due: yen(80_000),
        payable: Yen::ZERO,
        refund_due_on: Some(date!(2026 - 10 - 25)),
        by: staff(),
        at,
    };
    given(events.clone())
        .when(GrantCommand::ReviewSettlement {
            outcome: ReviewOutcome::Accepted,
            by: staff(),
            at,
        })
        .then_expect_events(vec![finalised.clone()]);
    let grant = state(with(events, [finalised.clone()]));
    assert_eq!(grant.status, Some(GrantStatus::RefundDue));
    assert_eq!(grant.refund_due(), yen(80_000));
    assert_eq!(grant.budget_freed_by(&[finalised]), yen(180_000));
}

#[test]
fn a_discontinued_grant_without_an_advance_is_paid_what_was_spent() {
    // Nothing paid: 120,000 is payable, and 180,000 goes back to the round.
    let events = with(
        vec![decided(), requested(), approved()],
        reported(noon(date!(2026 - 09 - 20))),
    );
    let at = noon(date!(2026 - 09 - 25));
    let finalised = GrantEvent::AmountFinalised {
        finalised: yen(120_000),
        subsidy_base: yen(120_400),
        uncounted_receipts: vec!["R-2".into()],
        refund_due: Yen::ZERO,
        payable: yen(120_000),
        refund_due_on: None,
        by: staff(),
        at,
    };
    given(events.clone())
        .when(GrantCommand::ReviewSettlement {
            outcome: ReviewOutcome::Accepted,
            by: staff(),
            at,
        })
        .then_expect_events(vec![finalised.clone()]);
    let grant = state(with(events, [finalised.clone()]));
    assert_eq!(grant.payable(), yen(120_000));
    assert!(grant.allows(GrantAction::RecordFinalPayment));
    assert_eq!(grant.budget_freed_by(&[finalised]), yen(180_000));
}

#[test]
fn a_grant_snapshot_from_before_discontinuation_loads_without_one() {
    let grant = state(advanced());
    let mut json = serde_json::to_value(&grant).unwrap();
    json.as_object_mut().unwrap().remove("discontinuation");
    let loaded: Grant = serde_json::from_value(json).unwrap();
    assert_eq!(loaded, grant);
}
