//! The grant's rules as given/when/then, with the worked examples of the rule book to the yen.

use cqrs_es::test::TestFramework;
use cqrs_es::{Aggregate, DomainEvent};
use proptest::prelude::*;
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::*;
use crate::budget::{ExpenseCategory, ExpenseLine, IncomeKind, IncomeLine};
use crate::fiscal_year::JST;
use crate::ids::UserId;
use crate::refusal::{Refusal, RefusalKind};

pub(super) type Framework = TestFramework<Grant>;

pub(super) fn yen(amount: i64) -> Yen {
    Yen::new(amount).unwrap()
}

pub(super) fn staff() -> UserId {
    UserId::from_uuid(Uuid::from_u128(1))
}

pub(super) fn applicant() -> UserId {
    UserId::from_uuid(Uuid::from_u128(2))
}

fn grant_id() -> GrantId {
    GrantId::from_uuid(Uuid::from_u128(10))
}

pub(super) fn change_id(n: u128) -> ChangeRequestId {
    ChangeRequestId::from_uuid(Uuid::from_u128(100 + n))
}

/// Noon on a Japanese calendar day.
pub(super) fn noon(day: Date) -> OffsetDateTime {
    day.with_hms(12, 0, 0).unwrap().assume_offset(JST)
}

/// 1 June 2026, 10:00 JST (01:00 UTC).
const DECIDED_AT: OffsetDateTime = datetime!(2026-06-01 01:00 UTC);
const DECIDED_ON: Date = date!(2026 - 06 - 01);
const COMPLETION: Date = date!(2027 - 02 - 28);

/// The round's step-up terms for a second grant: cap 500,000, rate 3/4, unit 1,000.
fn terms() -> AmountTerms {
    AmountTerms {
        cap: yen(500_000),
        floor: Yen::ZERO,
        rate: "3/4".parse().unwrap(),
        rounding_unit: yen(1_000),
    }
}

fn budget(total_cost: i64, project_income: i64) -> Budget {
    Budget {
        income: vec![IncomeLine {
            kind: IncomeKind::ProjectIncome,
            description: "参加費".into(),
            amount: yen(project_income),
        }],
        expenses: vec![ExpenseLine {
            category: ExpenseCategory::Rentals,
            item: "会場使用料".into(),
            quantity: 1,
            unit_price: yen(total_cost),
        }],
    }
}

fn period(end: Date) -> Period {
    Period {
        start: DECIDED_ON,
        end,
    }
}

/// The decision as recorded: 286,000 yen on the step-up course, texts already trimmed.
pub(super) fn decision() -> GrantDecision {
    GrantDecision {
        grant_id: grant_id(),
        application_id: ApplicationId::from_uuid(Uuid::from_u128(11)),
        round_id: RoundId::from_uuid(Uuid::from_u128(12)),
        group_id: GroupId::from_uuid(Uuid::from_u128(13)),
        fiscal_year: FiscalYear::new(2026).unwrap(),
        course: "ステップアップ".into(),
        title: "子ども食堂の運営".into(),
        summary: "地域の子どもに食事と居場所を".into(),
        group_name: "みなみ町子ども応援団".into(),
        amount: yen(286_000),
        notice_number: "岡市協第123号".into(),
        conditions: String::new(),
        completion_deadline: COMPLETION,
        terms: terms(),
        advance_cap_ratio: "4/5".parse().unwrap(),
        change_threshold_ratio: "1/5".parse().unwrap(),
        settlement_days: 30,
        settlement_grace_date: None,
        planned: budget(412_345, 30_000),
        planned_period: period(COMPLETION),
    }
}

fn decide(decision: GrantDecision, at: OffsetDateTime) -> GrantCommand {
    GrantCommand::Decide {
        decision,
        by: staff(),
        at,
    }
}

/// The decision as staff send it: the course padded with spaces, which the grant trims.
fn decide_command(at: OffsetDateTime) -> GrantCommand {
    decide(
        GrantDecision {
            course: " ステップアップ ".into(),
            ..decision()
        },
        at,
    )
}

pub(super) fn decided() -> GrantEvent {
    GrantEvent::GrantDecided {
        decision: decision(),
        decided_on: DECIDED_ON,
        by: staff(),
        at: DECIDED_AT,
    }
}

fn advance_requested(amount: i64, total: i64) -> GrantEvent {
    GrantEvent::AdvanceRequested {
        amount: yen(amount),
        requested_total: yen(total),
        by: applicant(),
        at: noon(date!(2026 - 06 - 15)),
    }
}

fn paid(amount: i64, total: i64, kind: PaymentKind, day: Date) -> GrantEvent {
    GrantEvent::PaymentRecorded {
        amount: yen(amount),
        paid_on: day,
        kind,
        paid_total: yen(total),
        by: staff(),
        at: noon(day),
    }
}

/// Decided 286,000 and the advance of 228,800 (the 4/5 cap) requested and paid.
pub(super) fn advanced() -> Vec<GrantEvent> {
    vec![
        decided(),
        advance_requested(228_800, 228_800),
        paid(
            228_800,
            228_800,
            PaymentKind::Advance,
            date!(2026 - 06 - 20),
        ),
    ]
}

fn receipt(category: ExpenseCategory, amount: i64, day: Date, number: &str) -> ReceiptLine {
    ReceiptLine {
        category,
        item: "会場使用料".into(),
        quantity: 1,
        unit_price: yen(amount),
        receipt_date: day,
        receipt_number: number.into(),
    }
}

/// A report with `eligible` yen of eligible receipts, a meal that never counts, and project income.
pub(super) fn report(eligible: i64, project_income: i64) -> SettlementReport {
    SettlementReport {
        income: vec![IncomeLine {
            kind: IncomeKind::ProjectIncome,
            description: "参加費".into(),
            amount: yen(project_income),
        }],
        expenses: vec![
            receipt(
                ExpenseCategory::Rentals,
                eligible,
                date!(2026 - 09 - 01),
                "R-1",
            ),
            receipt(ExpenseCategory::Food, 12_000, date!(2026 - 09 - 01), "R-2"),
        ],
        outcomes: "延べ300人の子どもが参加".into(),
        participants: 300,
    }
}

pub(super) fn submitted(report: SettlementReport) -> Vec<GrantEvent> {
    vec![
        GrantEvent::SettlementReportSaved {
            report: report.clone(),
            by: applicant(),
            at: noon(date!(2027 - 03 - 01)),
        },
        GrantEvent::SettlementReportSubmitted {
            report,
            deadline: date!(2027 - 03 - 30),
            by: applicant(),
            at: noon(date!(2027 - 03 - 02)),
        },
    ]
}

pub(super) fn history(parts: &[Vec<GrantEvent>]) -> Vec<GrantEvent> {
    parts.concat()
}

pub(super) fn run(
    given: Vec<GrantEvent>,
    command: GrantCommand,
) -> Result<Vec<GrantEvent>, GrantError> {
    Framework::with(())
        .given(given)
        .when(command)
        .inspect_result()
}

pub(super) fn state(events: &[GrantEvent]) -> Grant {
    let mut grant = Grant::default();
    for event in events {
        grant.apply(event.clone());
    }
    grant
}

pub(super) const REVIEW_DAY: Date = date!(2027 - 03 - 10);

pub(super) fn accept() -> GrantCommand {
    GrantCommand::ReviewSettlement {
        outcome: ReviewOutcome::Accepted,
        by: staff(),
        at: noon(REVIEW_DAY),
    }
}

// ---- Rule 6: the decision and withdrawal ----

#[test]
fn a_decision_records_the_terms_on_the_japanese_calendar_day() {
    // 31 May 2026, 16:00 UTC is already 1 June in Japan.
    let at = datetime!(2026-05-31 16:00 UTC);
    let events = run(vec![], decide_command(at)).unwrap();
    let GrantEvent::GrantDecided { decided_on, .. } = &events[0] else {
        panic!("expected GrantDecided");
    };
    assert_eq!(*decided_on, DECIDED_ON);
    Framework::with(())
        .given_no_previous_events()
        .when(decide_command(DECIDED_AT))
        .then_expect_events(vec![decided()]);
}

#[test]
fn the_grant_answers_what_the_app_shows() {
    let grant = state(&[decided()]);
    assert_eq!(grant.grant_id, grant_id());
    assert_eq!(grant.status, Some(GrantStatus::Decided));
    assert_eq!(grant.decided_amount(), yen(286_000));
    assert_eq!(grant.decided_on(), Some(DECIDED_ON));
    assert_eq!(grant.notice_number(), Some("岡市協第123号"));
    assert_eq!(grant.completion_deadline(), Some(COMPLETION));
    assert_eq!(grant.paid_total, Yen::ZERO);
    assert_eq!(grant.finalised_amount, None);
    assert_eq!(grant.refund_due(), Yen::ZERO);
    assert_eq!(grant.payable(), Yen::ZERO);
}

#[test]
fn a_second_decision_is_refused() {
    Framework::with(())
        .given(vec![decided()])
        .when(decide_command(DECIDED_AT))
        .then_expect_error(GrantError::AlreadyDecided);
}

#[test]
fn nothing_happens_to_a_grant_before_its_decision() {
    Framework::with(())
        .given_no_previous_events()
        .when(GrantCommand::RecordPayment {
            amount: yen(1_000),
            paid_on: DECIDED_ON,
            kind: PaymentKind::Advance,
            by: staff(),
            at: DECIDED_AT,
        })
        .then_expect_error(GrantError::NotDecided);
}

#[test]
fn a_completion_deadline_past_the_fiscal_year_is_refused() {
    let command = decide(
        GrantDecision {
            completion_deadline: date!(2027 - 04 - 01),
            planned_period: period(date!(2027 - 04 - 01)),
            ..decision()
        },
        DECIDED_AT,
    );
    Framework::with(())
        .given_no_previous_events()
        .when(command)
        .then_expect_error(GrantError::OutsideGrantYear {
            field: "completion_deadline",
            date: date!(2027 - 04 - 01),
            decided_on: DECIDED_ON,
            last_day: date!(2027 - 03 - 31),
        });
}

#[test]
fn a_decision_without_a_title_is_refused() {
    let command = decide(
        GrantDecision {
            title: "   ".into(),
            ..decision()
        },
        DECIDED_AT,
    );
    Framework::with(())
        .given_no_previous_events()
        .when(command)
        .then_expect_error(GrantError::TextRequired { field: "title" });
}

#[test]
fn a_withdrawal_on_the_tenth_day_after_the_decision_is_accepted() {
    // 11 June 23:59 JST is still the tenth day.
    let at = datetime!(2026-06-11 23:59 +9);
    Framework::with(())
        .given(vec![decided(), advance_requested(100_000, 100_000)])
        .when(GrantCommand::Withdraw {
            reason: " 代表者の転居 ".into(),
            by: applicant(),
            at,
        })
        .then_expect_events(vec![GrantEvent::GrantWithdrawn {
            reason: "代表者の転居".into(),
            by: applicant(),
            at,
        }]);
}

#[test]
fn a_withdrawal_frees_the_whole_decided_amount_for_the_round() {
    let given = vec![decided(), advance_requested(100_000, 100_000)];
    let withdraw = GrantCommand::Withdraw {
        reason: "代表者の転居".into(),
        by: applicant(),
        at: datetime!(2026-06-05 10:00 +9),
    };
    let events = run(given.clone(), withdraw).unwrap();
    let after = state(&history(&[given, events.clone()]));
    assert_eq!(after.budget_freed_by(&events), yen(286_000));
    // Events that free nothing: the decision itself, an advance.
    assert_eq!(after.budget_freed_by(&[decided()]), Yen::ZERO);
}

#[test]
fn a_withdrawal_on_the_eleventh_day_is_refused() {
    // 11 June 15:00 UTC is 12 June 00:00 in Japan.
    Framework::with(())
        .given(vec![decided()])
        .when(GrantCommand::Withdraw {
            reason: "代表者の転居".into(),
            by: applicant(),
            at: datetime!(2026-06-11 15:00 UTC),
        })
        .then_expect_error(GrantError::WithdrawalPeriodOver {
            last_day: date!(2026 - 06 - 11),
        });
}

#[test]
fn a_withdrawal_after_a_payment_is_refused() {
    Framework::with(())
        .given(advanced())
        .when(GrantCommand::Withdraw {
            reason: "代表者の転居".into(),
            by: applicant(),
            at: noon(date!(2026 - 06 - 05)),
        })
        .then_expect_error(GrantError::WithdrawalAfterPayment);
}

#[test]
fn a_withdrawal_without_a_reason_is_refused() {
    Framework::with(())
        .given(vec![decided()])
        .when(GrantCommand::Withdraw {
            reason: "".into(),
            by: applicant(),
            at: noon(date!(2026 - 06 - 05)),
        })
        .then_expect_error(GrantError::TextRequired { field: "reason" });
}

// ---- Rule 7: advances and payments ----

#[test]
fn an_advance_at_the_cap_of_four_fifths_is_accepted_and_starts_the_work() {
    let at = noon(date!(2026 - 06 - 15));
    Framework::with(())
        .given(vec![decided()])
        .when(GrantCommand::RequestAdvance {
            amount: yen(228_800),
            by: applicant(),
            at,
        })
        .then_expect_events(vec![advance_requested(228_800, 228_800)]);
    let grant = state(&[decided(), advance_requested(228_800, 228_800)]);
    assert_eq!(grant.status, Some(GrantStatus::InProgress));
}

#[test]
fn an_advance_one_yen_above_the_cap_is_refused() {
    Framework::with(())
        .given(vec![decided()])
        .when(GrantCommand::RequestAdvance {
            amount: yen(228_801),
            by: applicant(),
            at: noon(date!(2026 - 06 - 15)),
        })
        .then_expect_error(GrantError::AdvanceAboveCap {
            total: yen(228_801),
            cap: yen(228_800),
        });
}

#[test]
fn advances_add_up_against_the_cap() {
    Framework::with(())
        .given(vec![decided(), advance_requested(100_000, 100_000)])
        .when(GrantCommand::RequestAdvance {
            amount: yen(128_801),
            by: applicant(),
            at: noon(date!(2026 - 06 - 16)),
        })
        .then_expect_error(GrantError::AdvanceAboveCap {
            total: yen(228_801),
            cap: yen(228_800),
        });
}

#[test]
fn an_advance_payment_at_the_cap_is_recorded_and_one_yen_more_is_refused() {
    let day = date!(2026 - 06 - 20);
    Framework::with(())
        .given(vec![decided(), advance_requested(228_800, 228_800)])
        .when(GrantCommand::RecordPayment {
            amount: yen(228_800),
            paid_on: day,
            kind: PaymentKind::Advance,
            by: staff(),
            at: noon(day),
        })
        .then_expect_events(vec![paid(228_800, 228_800, PaymentKind::Advance, day)]);
    Framework::with(())
        .given(advanced())
        .when(GrantCommand::RecordPayment {
            amount: yen(1),
            paid_on: day,
            kind: PaymentKind::Advance,
            by: staff(),
            at: noon(day),
        })
        .then_expect_error(GrantError::AdvanceAboveCap {
            total: yen(228_801),
            cap: yen(228_800),
        });
}

#[test]
fn a_final_payment_before_finalisation_is_refused() {
    Framework::with(())
        .given(advanced())
        .when(GrantCommand::RecordPayment {
            amount: yen(10_000),
            paid_on: date!(2026 - 07 - 01),
            kind: PaymentKind::Final,
            by: staff(),
            at: noon(date!(2026 - 07 - 01)),
        })
        .then_expect_error(GrantError::StatusForbids {
            action: GrantAction::RecordFinalPayment,
            status: GrantStatus::InProgress,
        });
}

#[test]
fn a_payment_dated_before_the_decision_is_refused() {
    Framework::with(())
        .given(vec![decided()])
        .when(GrantCommand::RecordPayment {
            amount: yen(10_000),
            paid_on: date!(2026 - 05 - 31),
            kind: PaymentKind::Advance,
            by: staff(),
            at: noon(date!(2026 - 06 - 02)),
        })
        .then_expect_error(GrantError::PaymentBeforeDecision {
            paid_on: date!(2026 - 05 - 31),
            decided_on: DECIDED_ON,
        });
}

#[test]
fn an_advance_request_is_open_until_paid_in_full_in_the_order_requested() {
    let first = advance_requested(100_000, 100_000);
    let second = GrantEvent::AdvanceRequested {
        amount: yen(50_000),
        requested_total: yen(150_000),
        by: applicant(),
        at: datetime!(2026-06-30 16:00 UTC),
    };
    let grant = state(&[decided(), first.clone(), second.clone()]);
    let open = AdvanceRequestStatus::Open;
    let requests = grant.advances();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        (requests[0].amount, requests[0].status, requests[0].unpaid),
        (yen(100_000), open, yen(100_000))
    );
    assert_eq!(requests[0].requested_on, date!(2026 - 06 - 15));
    assert_eq!(
        requests[1].requested_on,
        date!(2026 - 07 - 01),
        "the JST calendar day"
    );
    assert_eq!(grant.open_advance(), yen(150_000));

    // 120,000 paid: the first request is paid, the second open for 30,000 of its 50,000.
    let part = paid(
        120_000,
        120_000,
        PaymentKind::Advance,
        date!(2026 - 07 - 02),
    );
    let grant = state(&[decided(), first.clone(), second.clone(), part.clone()]);
    let requests = grant.advances();
    assert_eq!(requests[0].status, AdvanceRequestStatus::Paid);
    assert_eq!(requests[0].unpaid, Yen::ZERO);
    assert_eq!(
        (requests[1].status, requests[1].unpaid),
        (open, yen(30_000))
    );
    assert_eq!(grant.open_advance(), yen(30_000));

    // Still open (and payable as an advance) while the report waits for review.
    let given = history(&[
        vec![decided(), first, second, part],
        submitted(report(350_000, 30_000)),
    ]);
    let grant = state(&given);
    assert_eq!(grant.advances()[1].status, open);
    assert!(grant.allows(GrantAction::RecordAdvance));

    // Finalisation ends advances: what is unpaid lapses, the final payment settles it.
    let finalised = run(given.clone(), accept()).unwrap();
    let grant = state(&history(&[given, finalised]));
    assert_eq!(grant.status, Some(GrantStatus::Finalised));
    assert_eq!(grant.advances()[1].status, AdvanceRequestStatus::Lapsed);
    assert_eq!(grant.open_advance(), Yen::ZERO);
}

#[test]
fn open_advance_is_what_was_requested_and_not_paid_while_advances_may_be_paid() {
    let in_progress = Some(GrantStatus::InProgress);
    assert_eq!(
        open_advance(yen(100_000), Yen::ZERO, in_progress),
        yen(100_000)
    );
    assert_eq!(
        open_advance(yen(100_000), yen(160_000), in_progress),
        Yen::ZERO,
        "paid beyond the requests (staff may pay an advance nobody requested)"
    );
    for status in [
        GrantStatus::Decided,
        GrantStatus::ReportSubmitted,
        GrantStatus::ReportReturned,
    ] {
        assert_eq!(open_advance(yen(10), Yen::ZERO, Some(status)), yen(10));
    }
    for status in [
        GrantStatus::Withdrawn,
        GrantStatus::Finalised,
        GrantStatus::RefundDue,
        GrantStatus::Closed,
        GrantStatus::Cancelled,
    ] {
        assert_eq!(open_advance(yen(10), Yen::ZERO, Some(status)), Yen::ZERO);
    }
    assert_eq!(open_advance(yen(10), Yen::ZERO, None), Yen::ZERO);
}

#[test]
fn what_remains_to_pay_counts_from_the_decided_then_the_finalised_amount() {
    // Worked example: decided 286,000, nothing paid: all of it remains; the advance of 228,800
    // leaves 57,200; finalised at 240,000, 11,200 remains (the payable amount).
    assert_eq!(state(&[decided()]).remaining_to_pay(), yen(286_000));
    assert_eq!(state(&advanced()).remaining_to_pay(), yen(57_200));
    let given = history(&[advanced(), submitted(report(350_000, 30_000))]);
    let finalised = run(given.clone(), accept()).unwrap();
    let grant = state(&history(&[given, finalised]));
    assert_eq!(grant.remaining_to_pay(), yen(11_200));
    assert_eq!(grant.remaining_to_pay(), grant.payable());
    // Finalised below what was paid: nothing remains (a refund is due instead).
    assert_eq!(
        remaining_to_pay(
            Some(GrantStatus::RefundDue),
            yen(286_000),
            Some(yen(165_000)),
            yen(228_800)
        ),
        Yen::ZERO
    );
    for status in [GrantStatus::Withdrawn, GrantStatus::Cancelled] {
        assert_eq!(
            remaining_to_pay(Some(status), yen(286_000), None, Yen::ZERO),
            Yen::ZERO
        );
    }
}

#[test]
fn the_allowed_actions_follow_the_status_the_commands_check() {
    use GrantAction::*;
    assert_eq!(
        state(&[decided()]).allowed_actions(),
        vec![
            Withdraw,
            RequestAdvance,
            RecordAdvance,
            RequestChange,
            DecideChange,
            ExtendSettlementDeadline,
            SaveReport,
            SubmitReport,
            Cancel,
            RequestDiscontinuation
        ]
    );
    // No review before a report is submitted; then review (and a late advance) only.
    assert!(!state(&advanced()).allows(ReviewSettlement));
    let given = history(&[advanced(), submitted(report(350_000, 30_000))]);
    assert_eq!(
        state(&given).allowed_actions(),
        vec![RecordAdvance, ReviewSettlement, Cancel]
    );
    // A refund can be recorded only while one is owed.
    assert!(!state(&given).allows(RecordRefund));
    let refund = history(&[advanced(), submitted(report(250_000, 30_000))]);
    let finalised = run(refund.clone(), accept()).unwrap();
    let grant = state(&history(&[refund, finalised]));
    assert_eq!(grant.status, Some(GrantStatus::RefundDue));
    assert_eq!(grant.allowed_actions(), vec![RecordRefund, Cancel]);
    assert!(Grant::default().allowed_actions().is_empty());
}

// ---- Rule 8: changes ----

fn request_change(id: u128, total_cost: i64, end: Date) -> GrantCommand {
    GrantCommand::RequestChange {
        change_request_id: change_id(id),
        reason: "会場の変更".into(),
        budget: budget(total_cost, 30_000),
        period: period(end),
        by: applicant(),
        at: noon(date!(2026 - 08 - 01)),
    }
}

pub(super) fn change_requested(id: u128, total_cost: i64, end: Date) -> GrantEvent {
    GrantEvent::ChangeRequested {
        change_request_id: change_id(id),
        reason: "会場の変更".into(),
        budget: budget(total_cost, 30_000),
        period: period(end),
        total_cost_before: yen(412_345),
        total_cost_after: yen(total_cost),
        by: applicant(),
        at: noon(date!(2026 - 08 - 01)),
    }
}

/// A decision on a change, with the round's reservation behind a raise (`round::reservation`), made
/// from the amount decided at first (¥286,000).
fn decide_change(id: u128, approved: bool, new_amount: Option<i64>) -> GrantCommand {
    GrantCommand::DecideChange {
        change_request_id: change_id(id),
        approved,
        new_amount: new_amount.map(yen),
        reason: "事業の拡充を認める".into(),
        reserved_from: Some(yen(286_000)),
        by: staff(),
        at: noon(date!(2026 - 08 - 10)),
    }
}

/// The same decision with no reservation on the round.
fn decide_change_unreserved(id: u128, approved: bool, new_amount: Option<i64>) -> GrantCommand {
    match decide_change(id, approved, new_amount) {
        GrantCommand::DecideChange {
            change_request_id,
            approved,
            new_amount,
            reason,
            by,
            at,
            ..
        } => GrantCommand::DecideChange {
            change_request_id,
            approved,
            new_amount,
            reason,
            reserved_from: None,
            by,
            at,
        },
        _ => unreachable!(),
    }
}

#[test]
fn a_cut_of_at_most_the_threshold_is_a_minor_change_applied_at_once() {
    // 412,345 x 1/5 = 82,469: a cut to 329,876 is exactly 82,469.
    let events = run(vec![decided()], request_change(1, 329_876, COMPLETION)).unwrap();
    assert_eq!(
        events,
        vec![GrantEvent::ChangeNotified {
            change_request_id: change_id(1),
            reason: "会場の変更".into(),
            budget: budget(329_876, 30_000),
            period: period(COMPLETION),
            total_cost_before: yen(412_345),
            total_cost_after: yen(329_876),
            by: applicant(),
            at: noon(date!(2026 - 08 - 01)),
        }]
    );
    let grant = state(&history(&[vec![decided()], events]));
    assert_eq!(
        grant.award.as_ref().unwrap().planned,
        budget(329_876, 30_000)
    );
    assert_eq!(grant.decided_amount(), yen(286_000));
}

#[test]
fn a_cut_beyond_the_threshold_needs_approval() {
    Framework::with(())
        .given(vec![decided()])
        .when(request_change(1, 329_875, COMPLETION))
        .then_expect_events(vec![change_requested(1, 329_875, COMPLETION)]);
}

#[test]
fn a_rise_of_the_total_cost_or_a_longer_period_needs_approval() {
    Framework::with(())
        .given(vec![decided()])
        .when(request_change(1, 412_346, COMPLETION))
        .then_expect_events(vec![change_requested(1, 412_346, COMPLETION)]);
    Framework::with(())
        .given(vec![decided()])
        .when(request_change(2, 412_345, date!(2027 - 03 - 20)))
        .then_expect_events(vec![change_requested(2, 412_345, date!(2027 - 03 - 20))]);
}

#[test]
fn an_approved_change_may_raise_the_amount_up_to_the_new_maximum() {
    // 3/4 x (452,345 - 30,000) = 316,758.75 -> 316,000.
    let given = vec![
        decided(),
        change_requested(1, 452_345, date!(2027 - 03 - 20)),
    ];
    let events = run(given.clone(), decide_change(1, true, Some(316_000))).unwrap();
    assert_eq!(
        events,
        vec![GrantEvent::ChangeApproved {
            change_request_id: change_id(1),
            previous_amount: yen(286_000),
            decided_amount: yen(316_000),
            released: Yen::ZERO,
            budget: budget(452_345, 30_000),
            period: period(date!(2027 - 03 - 20)),
            completion_deadline: date!(2027 - 03 - 20),
            reason: "事業の拡充を認める".into(),
            by: staff(),
            at: noon(date!(2026 - 08 - 10)),
        }]
    );
    let grant = state(&history(&[given, events]));
    assert_eq!(grant.decided_amount(), yen(316_000));
    assert_eq!(grant.completion_deadline(), Some(date!(2027 - 03 - 20)));
}

#[test]
fn a_raise_reserved_from_an_amount_the_grant_no_longer_holds_is_refused() {
    // Given two pending changes on a grant decided at ¥286,000: the round reserves a raise of the
    // first from ¥286,000 to ¥316,000, but staff cut the grant to ¥200,000 through the second
    // before the grant records the raise. When the reserved raise reaches the grant, then it is
    // refused (the round's award moved by the cut's release, and the reservation's increase no
    // longer matches what the grant would hold): the process cancels the reservation, giving the
    // ¥30,000 back, and the round holds ¥200,000 like the grant.
    let given = history(&[
        vec![decided()],
        vec![change_requested(1, 452_345, date!(2027 - 03 - 20))],
        run(vec![decided()], request_change(2, 300_000, COMPLETION)).unwrap(),
    ]);
    let cut = run(
        given.clone(),
        decide_change_unreserved(2, true, Some(200_000)),
    )
    .unwrap();
    let given = history(&[given, cut]);
    assert_eq!(state(&given).decided_amount(), yen(200_000));
    Framework::with(())
        .given(given)
        .when(decide_change(1, true, Some(316_000)))
        .then_expect_error(GrantError::ReservationOutdated {
            reserved_from: yen(286_000),
            decided: yen(200_000),
        });
}

#[test]
fn a_raise_is_approved_only_with_the_rounds_reservation_behind_it() {
    // Given a pending change whose new maximum is 316,000, when staff approve 316,000 without the
    // round holding the 30,000 more, then the grant refuses, and tells the app what to reserve.
    let given = vec![
        decided(),
        change_requested(1, 452_345, date!(2027 - 03 - 20)),
    ];
    Framework::with(())
        .given(given.clone())
        .when(decide_change_unreserved(1, true, Some(316_000)))
        .then_expect_error(GrantError::IncreaseNotReserved {
            increase: yen(30_000),
        });
    let grant = state(&given);
    let reason = "事業の拡充を認める";
    assert_eq!(
        grant.increase_to_reserve(change_id(1), true, Some(yen(316_000)), reason),
        Ok(Some(yen(316_000)))
    );
    // Nothing to reserve for a rejection, an unchanged amount or a cut; a refused decision
    // reserves nothing either.
    assert_eq!(
        grant.increase_to_reserve(change_id(1), false, None, reason),
        Ok(None)
    );
    assert_eq!(
        grant.increase_to_reserve(change_id(1), true, None, reason),
        Ok(None)
    );
    assert_eq!(
        grant.increase_to_reserve(change_id(1), true, Some(yen(250_000)), reason),
        Ok(None)
    );
    assert_eq!(
        grant.increase_to_reserve(change_id(1), true, Some(yen(317_000)), reason),
        Err(GrantError::ChangeAboveMaximum {
            amount: yen(317_000),
            max: yen(316_000),
        })
    );
}

#[test]
fn an_approved_cut_releases_the_difference_to_the_round() {
    // Decided 286,000; approved at 250,000: 36,000 goes back to the round, with no reservation.
    let given = vec![
        decided(),
        change_requested(1, 452_345, date!(2027 - 03 - 20)),
    ];
    let events = run(
        given.clone(),
        decide_change_unreserved(1, true, Some(250_000)),
    )
    .unwrap();
    let GrantEvent::ChangeApproved {
        decided_amount,
        released,
        ..
    } = &events[0]
    else {
        panic!("expected an approval, got {events:?}");
    };
    assert_eq!((*decided_amount, *released), (yen(250_000), yen(36_000)));
    let after = state(&history(&[given, events.clone()]));
    assert_eq!(after.budget_freed_by(&events), yen(36_000));
}

#[test]
fn an_approved_amount_off_the_rounding_unit_is_refused_naming_it_rounded_down() {
    Framework::with(())
        .given(vec![decided(), change_requested(1, 452_345, COMPLETION)])
        .when(decide_change(1, true, Some(250_500)))
        .then_expect_error(GrantError::ChangeOffRoundingUnit {
            amount: yen(250_500),
            unit: yen(1_000),
            rounded_down: yen(250_000),
        });
}

#[test]
fn an_approved_amount_above_the_new_maximum_is_refused() {
    Framework::with(())
        .given(vec![decided(), change_requested(1, 452_345, COMPLETION)])
        .when(decide_change(1, true, Some(317_000)))
        .then_expect_error(GrantError::ChangeAboveMaximum {
            amount: yen(317_000),
            max: yen(316_000),
        });
}

#[test]
fn an_approved_cut_keeping_an_amount_above_the_new_maximum_is_refused() {
    // 3/4 x (300,000 - 30,000) = 202,500 -> 202,000, below the decided 286,000.
    Framework::with(())
        .given(vec![decided(), change_requested(1, 300_000, COMPLETION)])
        .when(decide_change(1, true, None))
        .then_expect_error(GrantError::ChangeAboveMaximum {
            amount: yen(286_000),
            max: yen(202_000),
        });
}

#[test]
fn an_approved_amount_below_what_was_paid_is_refused() {
    let given = history(&[advanced(), vec![change_requested(1, 300_000, COMPLETION)]]);
    Framework::with(())
        .given(given)
        .when(decide_change(1, true, Some(200_000)))
        .then_expect_error(GrantError::ChangeBelowPaid {
            amount: yen(200_000),
            paid: yen(228_800),
        });
}

#[test]
fn a_rejected_change_leaves_the_amount_and_may_not_set_one() {
    let given = vec![decided(), change_requested(1, 452_345, COMPLETION)];
    Framework::with(())
        .given(given.clone())
        .when(decide_change(1, false, Some(316_000)))
        .then_expect_error(GrantError::NewAmountOnRejection);
    let events = run(given.clone(), decide_change(1, false, None)).unwrap();
    assert!(matches!(events[..], [GrantEvent::ChangeRejected { .. }]));
    let given = history(&[given, events]);
    assert_eq!(state(&given).decided_amount(), yen(286_000));
    Framework::with(())
        .given(given)
        .when(decide_change(1, true, None))
        .then_expect_error(GrantError::ChangeAlreadyDecided);
}

#[test]
fn a_change_request_id_cannot_be_reused_nor_an_unknown_one_decided() {
    Framework::with(())
        .given(vec![decided(), change_requested(1, 452_345, COMPLETION)])
        .when(request_change(1, 400_000, COMPLETION))
        .then_expect_error(GrantError::ChangeRequestExists);
    Framework::with(())
        .given(vec![decided()])
        .when(decide_change(9, true, None))
        .then_expect_error(GrantError::ChangeRequestUnknown);
}

// ---- Rule 9: the settlement report and finalisation ----

pub(super) fn save(report: SettlementReport, day: Date) -> GrantCommand {
    GrantCommand::SaveSettlementReport {
        report,
        by: applicant(),
        at: noon(day),
    }
}

fn submit(at: OffsetDateTime) -> GrantCommand {
    GrantCommand::SubmitSettlementReport {
        delay_reason: None,
        by: applicant(),
        at,
    }
}

#[test]
fn a_report_is_saved_and_submitted_by_its_deadline() {
    let saved = run(
        advanced(),
        save(report(350_000, 30_000), date!(2027 - 03 - 01)),
    )
    .unwrap();
    assert_eq!(saved, submitted(report(350_000, 30_000))[..1].to_vec());
    // Completion 28 February + 30 days = 30 March, 23:59 JST is still in time.
    let at = datetime!(2027-03-30 23:59 +9);
    Framework::with(())
        .given(history(&[advanced(), saved.clone()]))
        .when(submit(at))
        .then_expect_events(vec![GrantEvent::SettlementReportSubmitted {
            report: report(350_000, 30_000),
            deadline: date!(2027 - 03 - 30),
            by: applicant(),
            at,
        }]);
    Framework::with(())
        .given(history(&[advanced(), saved]))
        .when(submit(datetime!(2027-03-31 00:00 +9)))
        .then_expect_error(GrantError::ReportLate {
            deadline: date!(2027 - 03 - 30),
        });
}

#[test]
fn the_deadline_never_passes_the_tenth_of_april_after_the_fiscal_year() {
    let year = FiscalYear::new(2026).unwrap();
    assert_eq!(grace_date(year), date!(2027 - 04 - 10));
    assert_eq!(
        settlement_deadline(date!(2027 - 03 - 31), 30, year),
        date!(2027 - 04 - 10)
    );
    assert_eq!(
        settlement_deadline(date!(2027 - 02 - 28), 30, year),
        date!(2027 - 03 - 30)
    );
}

#[test]
fn a_report_cannot_be_submitted_unsaved_or_while_a_change_is_pending() {
    Framework::with(())
        .given(advanced())
        .when(submit(noon(date!(2027 - 03 - 02))))
        .then_expect_error(GrantError::NoReportSaved);
    let given = history(&[
        advanced(),
        vec![change_requested(1, 452_345, COMPLETION)],
        submitted(report(350_000, 30_000))[..1].to_vec(),
    ]);
    Framework::with(())
        .given(given)
        .when(submit(noon(date!(2027 - 03 - 02))))
        .then_expect_error(GrantError::ChangePending);
}

#[test]
fn a_returned_report_can_be_corrected_and_resubmitted_after_the_deadline() {
    let returned = GrantEvent::SettlementReportReturned {
        reason: "領収書R-1の写しがありません".into(),
        by: staff(),
        at: noon(REVIEW_DAY),
    };
    Framework::with(())
        .given(history(&[advanced(), submitted(report(350_000, 30_000))]))
        .when(GrantCommand::ReviewSettlement {
            outcome: ReviewOutcome::Returned {
                reason: " 領収書R-1の写しがありません ".into(),
            },
            by: staff(),
            at: noon(REVIEW_DAY),
        })
        .then_expect_events(vec![returned.clone()]);
    let given = history(&[
        advanced(),
        submitted(report(350_000, 30_000)),
        vec![returned],
    ]);
    assert_eq!(state(&given).status, Some(GrantStatus::ReportReturned));
    let events = run(given, submit(noon(date!(2027 - 04 - 05)))).unwrap();
    assert!(matches!(
        events[..],
        [GrantEvent::SettlementReportSubmitted { .. }]
    ));
}

#[test]
fn worked_example_finalised_240_000_leaves_11_200_payable_and_its_payment_closes_the_grant() {
    // 3/4 x (350,000 - 30,000) = 240,000; paid 228,800; 11,200 remains payable. The meal never counts.
    let given = history(&[advanced(), submitted(report(350_000, 30_000))]);
    let finalised = GrantEvent::AmountFinalised {
        finalised: yen(240_000),
        subsidy_base: yen(320_000),
        uncounted_receipts: vec![],
        refund_due: Yen::ZERO,
        payable: yen(11_200),
        refund_due_on: None,
        by: staff(),
        at: noon(REVIEW_DAY),
    };
    Framework::with(())
        .given(given.clone())
        .when(accept())
        .then_expect_events(vec![finalised.clone()]);
    let given = history(&[given, vec![finalised]]);
    let grant = state(&given);
    assert_eq!(grant.status, Some(GrantStatus::Finalised));
    assert_eq!(grant.finalised_amount, Some(yen(240_000)));
    assert_eq!(grant.payable(), yen(11_200));
    assert_eq!(grant.refund_due(), Yen::ZERO);

    let day = date!(2027 - 03 - 25);
    Framework::with(())
        .given(given.clone())
        .when(GrantCommand::RecordPayment {
            amount: yen(11_201),
            paid_on: day,
            kind: PaymentKind::Final,
            by: staff(),
            at: noon(day),
        })
        .then_expect_error(GrantError::PaymentAbovePayable {
            amount: yen(11_201),
            payable: yen(11_200),
        });
    let closing = vec![
        paid(11_200, 240_000, PaymentKind::Final, day),
        GrantEvent::GrantClosed {
            by: staff(),
            at: noon(day),
        },
    ];
    Framework::with(())
        .given(given.clone())
        .when(GrantCommand::RecordPayment {
            amount: yen(11_200),
            paid_on: day,
            kind: PaymentKind::Final,
            by: staff(),
            at: noon(day),
        })
        .then_expect_events(closing.clone());
    let grant = state(&history(&[given, closing]));
    assert_eq!(grant.status, Some(GrantStatus::Closed));
    assert_eq!(grant.paid_total, yen(240_000));
    assert_eq!(grant.payable(), Yen::ZERO);
}

#[test]
fn worked_example_finalised_165_000_orders_a_refund_of_63_800_and_its_receipt_closes_the_grant() {
    // 3/4 x (250,000 - 30,000) = 165,000; paid 228,800; refund 63,800 due 30 days after the review.
    let given = history(&[advanced(), submitted(report(250_000, 30_000))]);
    let finalised = GrantEvent::AmountFinalised {
        finalised: yen(165_000),
        subsidy_base: yen(220_000),
        uncounted_receipts: vec![],
        refund_due: yen(63_800),
        payable: Yen::ZERO,
        refund_due_on: Some(date!(2027 - 04 - 09)),
        by: staff(),
        at: noon(REVIEW_DAY),
    };
    Framework::with(())
        .given(given.clone())
        .when(accept())
        .then_expect_events(vec![finalised.clone()]);
    let given = history(&[given, vec![finalised]]);
    let grant = state(&given);
    assert_eq!(grant.status, Some(GrantStatus::RefundDue));
    assert_eq!(grant.refund_due(), yen(63_800));
    assert_eq!(grant.refund_due_on(), Some(date!(2027 - 04 - 09)));
    assert_eq!(grant.payable(), Yen::ZERO);
    // Due on 9 April: on time that day, overdue from the 10th.
    assert!(!grant.refund_overdue(date!(2027 - 04 - 09)));
    assert!(grant.refund_overdue(date!(2027 - 04 - 10)));

    let day = date!(2027 - 04 - 01);
    let refund = |amount: i64| GrantCommand::RecordRefund {
        amount: yen(amount),
        received_on: day,
        by: staff(),
        at: noon(day),
    };
    Framework::with(())
        .given(given.clone())
        .when(refund(63_801))
        .then_expect_error(GrantError::RefundAboveOutstanding {
            amount: yen(63_801),
            outstanding: yen(63_800),
        });
    let closing = vec![
        GrantEvent::RefundReceived {
            amount: yen(63_800),
            received_on: day,
            outstanding: Yen::ZERO,
            refunded_total: yen(63_800),
            by: staff(),
            at: noon(day),
        },
        GrantEvent::GrantClosed {
            by: staff(),
            at: noon(day),
        },
    ];
    Framework::with(())
        .given(given.clone())
        .when(refund(63_800))
        .then_expect_events(closing.clone());
    let grant = state(&history(&[given, closing]));
    assert_eq!(grant.status, Some(GrantStatus::Closed));
    assert_eq!(grant.net_paid(), yen(165_000));
    assert_eq!(grant.refund_due(), Yen::ZERO);
    assert!(
        !grant.refund_overdue(date!(2027 - 05 - 01)),
        "received in full: nothing is overdue"
    );
    assert_eq!(
        grant.refund_due_on(),
        None,
        "nothing is due once it is received"
    );
}

#[test]
fn a_refund_in_parts_keeps_the_grant_open_until_the_last_yen() {
    let given = history(&[advanced(), submitted(report(250_000, 30_000))]);
    let given = history(&[given.clone(), run(given, accept()).unwrap()]);
    let events = run(
        given,
        GrantCommand::RecordRefund {
            amount: yen(30_000),
            received_on: date!(2027 - 04 - 01),
            by: staff(),
            at: noon(date!(2027 - 04 - 01)),
        },
    )
    .unwrap();
    assert_eq!(events.len(), 1);
}

#[test]
fn a_receipt_dated_the_day_before_the_decision_is_not_counted() {
    let mut early = report(350_000, 30_000);
    early.expenses.push(receipt(
        ExpenseCategory::Printing,
        40_000,
        date!(2026 - 05 - 31),
        "R-0",
    ));
    early.expenses.push(receipt(
        ExpenseCategory::Printing,
        40_000,
        date!(2027 - 03 - 01),
        "R-9",
    ));
    let counted = counted_receipts(&early, DECIDED_ON, COMPLETION);
    let numbers: Vec<&str> = counted
        .iter()
        .map(|line| line.receipt_number.as_str())
        .collect();
    assert_eq!(numbers, ["R-1", "R-2"]);

    let given = history(&[advanced(), submitted(early)]);
    let events = run(given.clone(), accept()).unwrap();
    let GrantEvent::AmountFinalised {
        finalised,
        uncounted_receipts,
        ..
    } = &events[0]
    else {
        panic!("expected AmountFinalised");
    };
    assert_eq!(*finalised, yen(240_000));
    assert_eq!(uncounted_receipts, &["R-0", "R-9"]);
    // The round gets back what the finalised amount leaves of the decided ¥286,000.
    let after = state(&history(&[given, events.clone()]));
    assert_eq!(after.budget_freed_by(&events), yen(46_000));
}

#[test]
fn when_paid_equals_finalised_the_grant_closes_at_once() {
    // 3/4 x (335,067 - 30,000) = 228,800.25 -> 228,000 with unit 1,000; paid 228,000.
    let given = history(&[
        vec![decided(), advance_requested(228_000, 228_000)],
        vec![paid(
            228_000,
            228_000,
            PaymentKind::Advance,
            date!(2026 - 06 - 20),
        )],
        submitted(report(335_067, 30_000)),
    ]);
    let events = run(given, accept()).unwrap();
    assert!(matches!(
        &events[..],
        [
            GrantEvent::AmountFinalised { finalised, .. },
            GrantEvent::GrantClosed { .. }
        ] if *finalised == yen(228_000)
    ));
}

#[test]
fn a_report_line_without_a_receipt_number_is_refused() {
    let mut bad = report(350_000, 30_000);
    bad.expenses[0].receipt_number = " ".into();
    Framework::with(())
        .given(advanced())
        .when(save(bad, date!(2027 - 03 - 01)))
        .then_expect_error(GrantError::TextRequired {
            field: "receipt_number",
        });
}

#[test]
fn only_a_submitted_report_can_be_reviewed() {
    Framework::with(())
        .given(advanced())
        .when(accept())
        .then_expect_error(GrantError::StatusForbids {
            action: GrantAction::ReviewSettlement,
            status: GrantStatus::InProgress,
        });
}

// ---- Rule 10: cancellation ----

pub(super) fn cancel(refund: i64, day: Date) -> GrantCommand {
    GrantCommand::Cancel {
        reason: "補助金の目的外使用".into(),
        refund_amount: yen(refund),
        surcharge: SurchargeTerms::default(),
        by: staff(),
        at: noon(day),
    }
}

/// The first worked example, finalised, paid in full and closed.
pub(super) fn closed() -> Vec<GrantEvent> {
    let given = history(&[advanced(), submitted(report(350_000, 30_000))]);
    let given = history(&[given.clone(), run(given, accept()).unwrap()]);
    let day = date!(2027 - 03 - 25);
    let payment = GrantCommand::RecordPayment {
        amount: yen(11_200),
        paid_on: day,
        kind: PaymentKind::Final,
        by: staff(),
        at: noon(day),
    };
    history(&[given.clone(), run(given, payment).unwrap()])
}

#[test]
fn a_closed_grant_can_still_be_cancelled_with_a_refund_of_everything_paid() {
    let day = date!(2027 - 05 - 10);
    let events = vec![
        GrantEvent::GrantCancelled {
            reason: "補助金の目的外使用".into(),
            refund_amount: yen(240_000),
            refund_due_on: Some(date!(2027 - 06 - 09)),
            by: staff(),
            at: noon(day),
        },
        // The order states the 加算金 if paid on the due date (see `surcharge_tests`): 24,625.
        GrantEvent::RefundSurchargeTermsRecorded {
            order: RefundOrder {
                ordered: yen(240_000),
                due_on: date!(2027 - 06 - 09),
                terms: SurchargeTerms::default(),
                payments_before: 2,
                additional_if_paid_on_due_date: yen(24_625),
            },
            by: staff(),
            at: noon(day),
        },
    ];
    Framework::with(())
        .given(closed())
        .when(cancel(240_000, day))
        .then_expect_events(events.clone());
    let given = history(&[closed(), events]);
    let grant = state(&given);
    assert_eq!(grant.status, Some(GrantStatus::Cancelled));
    assert_eq!(grant.refund_due(), yen(240_000));
    // The refund is recorded, and the grant stays cancelled.
    let received = run(
        given,
        GrantCommand::RecordRefund {
            amount: yen(240_000),
            received_on: date!(2027 - 06 - 01),
            by: staff(),
            at: noon(date!(2027 - 06 - 01)),
        },
    )
    .unwrap();
    assert!(matches!(received[..], [GrantEvent::RefundReceived { .. }]));
}

#[test]
fn a_cancellation_may_not_order_more_than_was_paid() {
    Framework::with(())
        .given(closed())
        .when(cancel(240_001, date!(2027 - 05 - 10)))
        .then_expect_error(GrantError::CancelRefundAbovePaid {
            refund_amount: yen(240_001),
            net_paid: yen(240_000),
        });
}

#[test]
fn a_cancellation_before_any_payment_orders_nothing() {
    let day = date!(2026 - 07 - 01);
    Framework::with(())
        .given(vec![decided()])
        .when(cancel(0, day))
        .then_expect_events(vec![GrantEvent::GrantCancelled {
            reason: "補助金の目的外使用".into(),
            refund_amount: Yen::ZERO,
            refund_due_on: None,
            by: staff(),
            at: noon(day),
        }]);
}

#[test]
fn a_withdrawn_or_cancelled_grant_cannot_be_cancelled_and_a_reason_is_required() {
    let withdrawn = GrantEvent::GrantWithdrawn {
        reason: "代表者の転居".into(),
        by: applicant(),
        at: noon(date!(2026 - 06 - 05)),
    };
    Framework::with(())
        .given(vec![decided(), withdrawn])
        .when(cancel(0, date!(2026 - 07 - 01)))
        .then_expect_error(GrantError::StatusForbids {
            action: GrantAction::Cancel,
            status: GrantStatus::Withdrawn,
        });
    Framework::with(())
        .given(vec![decided()])
        .when(GrantCommand::Cancel {
            reason: " ".into(),
            refund_amount: Yen::ZERO,
            surcharge: SurchargeTerms::default(),
            by: staff(),
            at: noon(date!(2026 - 07 - 01)),
        })
        .then_expect_error(GrantError::TextRequired { field: "reason" });
}

// ---- Events, statuses and refusals as the other layers see them ----

#[test]
fn events_name_themselves_and_carry_version_one() {
    let event = decided();
    assert_eq!(event.event_type(), "GrantDecided");
    assert_eq!(event.event_version(), "1.0");
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["GrantDecided"]["decided_on"], "2026-06-01");
    assert_eq!(json["GrantDecided"]["by"], staff().to_string());
    assert_eq!(json["GrantDecided"]["at"], "2026-06-01T01:00:00Z");
    let decision = &json["GrantDecided"]["decision"];
    assert_eq!(decision["amount"], 286_000);
    assert_eq!(decision["course"], "ステップアップ");
    assert_eq!(decision["grant_id"], grant_id().to_string());
    assert_eq!(decision["completion_deadline"], "2027-02-28");
    // Nothing of the decision leaks to the event's top level.
    assert!(json["GrantDecided"].get("amount").is_none());
    let back: GrantEvent = serde_json::from_value(json).unwrap();
    assert_eq!(back, event);
}

#[test]
fn statuses_serialise_in_snake_case() {
    assert_eq!(
        serde_json::to_string(&GrantStatus::ReportSubmitted).unwrap(),
        "\"report_submitted\""
    );
    assert_eq!(
        serde_json::to_string(&GrantStatus::RefundDue).unwrap(),
        "\"refund_due\""
    );
}

#[test]
fn refusals_carry_a_code_a_japanese_message_naming_the_rule_and_a_kind() {
    let late = GrantError::WithdrawalPeriodOver {
        last_day: date!(2026 - 06 - 11),
    };
    assert_eq!(late.code(), "grant.withdrawal_period_over");
    assert!(
        !late.message_ja().contains("規則"),
        "no internal rule numbers"
    );
    assert_eq!(late.kind(), RefusalKind::Rule);
    let state = GrantError::AlreadyDecided;
    assert_eq!(state.kind(), RefusalKind::State);
}

// ---- What the grant read shows: its payments and change requests ----

#[test]
fn the_grant_lists_each_payment_and_refund_as_recorded() {
    // Worked example 3: 228,800 advanced, 165,000 finalised, 63,800 refunded in two parts.
    let given = history(&[advanced(), submitted(report(250_000, 30_000))]);
    let mut given = history(&[given.clone(), run(given, accept()).unwrap()]);
    for (amount, day) in [
        (30_000, date!(2027 - 03 - 20)),
        (33_800, date!(2027 - 04 - 01)),
    ] {
        let refund = GrantCommand::RecordRefund {
            amount: yen(amount),
            received_on: day,
            by: staff(),
            at: noon(day),
        };
        given = history(&[given.clone(), run(given, refund).unwrap()]);
    }
    let entry = |kind, amount, date| PaymentEntry {
        kind,
        amount: yen(amount),
        date,
    };
    let grant = state(&given);
    assert_eq!(
        grant.payments,
        vec![
            entry(PaymentEntryKind::Advance, 228_800, date!(2026 - 06 - 20)),
            entry(PaymentEntryKind::Refund, 30_000, date!(2027 - 03 - 20)),
            entry(PaymentEntryKind::Refund, 33_800, date!(2027 - 04 - 01)),
        ]
    );
    assert_eq!(grant.status, Some(GrantStatus::Closed));

    // Worked example 2: the final payment of 11,200 follows the advance.
    let grant = state(&closed());
    assert_eq!(
        grant.payments,
        vec![
            entry(PaymentEntryKind::Advance, 228_800, date!(2026 - 06 - 20)),
            entry(PaymentEntryKind::Final, 11_200, date!(2027 - 03 - 25)),
        ]
    );
    assert_eq!(state(&[decided()]).payments, vec![]);
}

#[test]
fn the_grant_lists_each_change_request_with_its_totals_and_decision() {
    // A minor change (applied at once), then one approved with a new amount, then one rejected.
    let mut given = vec![decided()];
    for command in [
        request_change(1, 400_000, COMPLETION),
        request_change(2, 452_345, date!(2027 - 03 - 20)),
        decide_change(2, true, Some(316_000)),
        request_change(3, 600_000, date!(2027 - 03 - 20)),
        decide_change(3, false, None),
    ] {
        given = history(&[given.clone(), run(given, command).unwrap()]);
    }
    let grant = state(&given);
    let [minor, approved, rejected] = &grant.changes[..] else {
        panic!("three change requests: {:?}", grant.changes);
    };

    assert_eq!(minor.change_request_id, change_id(1));
    assert_eq!(minor.state, ChangeState::Notified);
    assert_eq!(minor.reason, "会場の変更");
    assert_eq!(minor.requested_at, noon(date!(2026 - 08 - 01)));
    assert_eq!(minor.total_cost_before, yen(412_345));
    assert_eq!(minor.total_cost_after, yen(400_000));
    assert_eq!(minor.decision, None);

    assert_eq!(approved.state, ChangeState::Approved);
    assert_eq!(approved.total_cost_before, yen(400_000));
    assert_eq!(approved.total_cost_after, yen(452_345));
    assert_eq!(approved.period, period(date!(2027 - 03 - 20)));
    assert_eq!(
        approved.decision,
        Some(ChangeDecisionRecord {
            approved: true,
            reason: "事業の拡充を認める".into(),
            decided_at: noon(date!(2026 - 08 - 10)),
            previous_amount: Some(yen(286_000)),
            decided_amount: Some(yen(316_000)),
        })
    );

    assert_eq!(rejected.state, ChangeState::Rejected);
    let decision = rejected.decision.as_ref().expect("decided");
    assert!(!decision.approved);
    assert_eq!(decision.decided_amount, None);
    assert_eq!(grant.decided_amount(), yen(316_000));
}

#[test]
fn a_snapshot_from_before_the_payment_list_is_not_trusted() {
    // The state of an older release had no `payments` and leaner change records: such a snapshot
    // must fail to load (and the grant be replayed from its events), never load with an empty list.
    let grant = state(&closed());
    let mut older = serde_json::to_value(&grant).unwrap();
    older.as_object_mut().unwrap().remove("payments");
    assert!(serde_json::from_value::<Grant>(older).is_err());
    let restored: Grant = serde_json::from_value(serde_json::to_value(&grant).unwrap()).unwrap();
    assert_eq!(restored, grant);
}

/// The field a command's refusal names, by the field names of the HTTP contract.
fn refused_field(given: Vec<GrantEvent>, command: GrantCommand) -> Option<&'static str> {
    run(given, command)
        .expect_err("the command is refused")
        .field()
}

#[test]
fn refusals_about_one_input_name_its_field_in_the_http_contract() {
    let advance = |amount| GrantCommand::RequestAdvance {
        amount: yen(amount),
        by: applicant(),
        at: noon(date!(2026 - 06 - 15)),
    };
    assert_eq!(
        refused_field(vec![decided()], advance(228_801)),
        Some("amount")
    );
    assert_eq!(refused_field(vec![decided()], advance(0)), Some("amount"));

    let day = date!(2026 - 06 - 20);
    let payment = |paid_on: Date| GrantCommand::RecordPayment {
        amount: yen(1_000),
        paid_on,
        kind: PaymentKind::Advance,
        by: staff(),
        at: noon(day),
    };
    assert_eq!(
        refused_field(vec![decided()], payment(date!(2026 - 05 - 31))),
        Some("paid_on")
    );
    assert_eq!(
        refused_field(vec![decided()], payment(date!(2026 - 06 - 21))),
        Some("paid_on")
    );

    // A change: its reason, its period (reversed, or past the fiscal year), its budget.
    let mut change = request_change(1, 400_000, COMPLETION);
    if let GrantCommand::RequestChange { reason, .. } = &mut change {
        *reason = " ".into();
    }
    assert_eq!(refused_field(vec![decided()], change), Some("reason"));
    let mut change = request_change(1, 400_000, COMPLETION);
    if let GrantCommand::RequestChange { period, .. } = &mut change {
        *period = Period {
            start: COMPLETION,
            end: DECIDED_ON,
        };
    }
    assert_eq!(refused_field(vec![decided()], change), Some("period"));
    assert_eq!(
        refused_field(
            vec![decided()],
            request_change(1, 400_000, date!(2027 - 04 - 01))
        ),
        Some("period")
    );
    let mut change = request_change(1, 400_000, COMPLETION);
    if let GrantCommand::RequestChange { budget, .. } = &mut change {
        budget.expenses[0].quantity = u32::MAX;
        budget.expenses[0].unit_price = yen(999_999_999_999);
        budget.expenses.push(budget.expenses[0].clone());
    }
    assert_eq!(refused_field(vec![decided()], change), Some("budget"));

    // Staff's decision on a change: the new amount.
    let pending = vec![decided(), change_requested(1, 500_000, COMPLETION)];
    assert_eq!(
        refused_field(pending.clone(), decide_change(1, false, Some(300_000))),
        Some("new_amount")
    );
    assert_eq!(
        refused_field(pending, decide_change(1, true, Some(999_000))),
        Some("new_amount")
    );

    // The report: a receipt line, an income line, the outcomes at submission.
    let mut bad = report(350_000, 30_000);
    bad.expenses[0].quantity = 0;
    assert_eq!(
        refused_field(advanced(), save(bad, date!(2027 - 03 - 01))),
        Some("expenses")
    );
    let mut bad = report(350_000, 30_000);
    bad.expenses[0].receipt_number = String::new();
    assert_eq!(
        refused_field(advanced(), save(bad, date!(2027 - 03 - 01))),
        Some("expenses")
    );
    let mut bad = report(350_000, 30_000);
    bad.income[0].description = String::new();
    assert_eq!(
        refused_field(advanced(), save(bad, date!(2027 - 03 - 01))),
        Some("income")
    );
    let mut no_outcomes = report(350_000, 30_000);
    no_outcomes.outcomes = String::new();
    let saved = history(&[
        advanced(),
        run(advanced(), save(no_outcomes, date!(2027 - 03 - 01))).unwrap(),
    ]);
    assert_eq!(
        refused_field(saved, submit(noon(date!(2027 - 03 - 02)))),
        Some("outcomes")
    );

    // Cancellation: the refund ordered.
    assert_eq!(
        refused_field(advanced(), cancel(228_801, date!(2026 - 07 - 01))),
        Some("refund_amount")
    );
}

#[test]
fn refusals_about_the_grant_s_state_or_timing_name_no_field() {
    assert_eq!(
        refused_field(vec![decided()], decide_command(DECIDED_AT)),
        None
    );
    let withdraw = GrantCommand::Withdraw {
        reason: "辞退".into(),
        by: applicant(),
        at: noon(date!(2026 - 06 - 12)),
    };
    assert_eq!(refused_field(vec![decided()], withdraw), None);
    assert_eq!(refused_field(vec![decided()], accept()), None);
}

#[test]
fn text_refusals_name_the_field_in_japanese() {
    let missing = GrantError::TextRequired { field: "outcomes" };
    assert_eq!(missing.message_ja(), "事業の成果を入力してください");
    assert_eq!(missing.field(), Some("outcomes"));
    let long = GrantError::TextTooLong {
        field: "item",
        max: 200,
    };
    assert_eq!(
        long.message_ja(),
        "支出の内容は200文字以内で入力してください"
    );
    assert_eq!(long.field(), Some("expenses"));
}

// ---- Properties ----

prop_compose! {
    fn any_receipt()(category in 0usize..ExpenseCategory::ALL.len(), quantity in 1u32..5,
                     unit_price in 0i64..300_000, offset in -60i64..330, n in 0u32..10_000)
                     -> ReceiptLine {
        ReceiptLine {
            category: ExpenseCategory::ALL[category],
            item: "品目".into(),
            quantity,
            unit_price: yen(unit_price),
            receipt_date: DECIDED_ON + time::Duration::days(offset),
            receipt_number: format!("R-{n}"),
        }
    }
}

prop_compose! {
    fn any_income()(kind in 0usize..3, amount in 0i64..200_000) -> IncomeLine {
        IncomeLine {
            kind: [IncomeKind::OwnFunds, IncomeKind::ProjectIncome, IncomeKind::OtherSubsidy][kind],
            description: "収入".into(),
            amount: yen(amount),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn finalised_and_paid_never_exceed_decided_whatever_the_settlement_lines(
        expenses in prop::collection::vec(any_receipt(), 0..8),
        income in prop::collection::vec(any_income(), 0..3),
        advance in 0i64..=300_000,
    ) {
        let mut events = vec![decided()];
        let day = date!(2026 - 06 - 20);
        let pay = GrantCommand::RecordPayment {
            amount: yen(advance), paid_on: day, kind: PaymentKind::Advance, by: staff(), at: noon(day),
        };
        if let Ok(more) = run(events.clone(), pay) {
            events.extend(more);
        }
        let report = SettlementReport { income, expenses, outcomes: "成果".into(), participants: 1 };
        for command in [save(report, date!(2027 - 03 - 01)), submit(noon(date!(2027 - 03 - 02))), accept()] {
            let more = run(events.clone(), command).expect("the report is valid and on time");
            events.extend(more);
        }
        let grant = state(&events);
        let decided_amount = grant.decided_amount();
        let finalised = grant.finalised_amount.expect("finalised");
        prop_assert!(finalised <= decided_amount);
        prop_assert!(grant.net_paid() <= decided_amount);
        // Paying whatever is payable, and then one yen more, never takes payments past either amount.
        let day = date!(2027 - 03 - 25);
        for amount in [grant.payable(), yen(1)] {
            let pay = GrantCommand::RecordPayment {
                amount, paid_on: day, kind: PaymentKind::Final, by: staff(), at: noon(day),
            };
            if let Ok(more) = run(events.clone(), pay) {
                events.extend(more);
            }
        }
        let grant = state(&events);
        prop_assert!(grant.net_paid() <= decided_amount);
        prop_assert!(grant.paid_total <= decided_amount);
        prop_assert!(grant.net_paid() <= finalised || grant.refund_due() == grant.net_paid().saturating_sub(finalised));
        prop_assert!(grant.payable().is_zero());
    }
}

/// Rule 7's remainder: the finalised amount less what the group holds, once finalised, and nothing
/// otherwise (the grant ledger read model computes it with the same function).
#[test]
fn what_is_payable_follows_the_finalised_amount_and_the_status() {
    let finalised = Some(yen(240_000));
    assert_eq!(
        payable(Some(GrantStatus::Finalised), finalised, yen(100_000)),
        yen(140_000)
    );
    assert_eq!(
        payable(Some(GrantStatus::Finalised), finalised, yen(300_000)),
        Yen::ZERO
    );
    for status in [
        None,
        Some(GrantStatus::InProgress),
        Some(GrantStatus::RefundDue),
        Some(GrantStatus::Closed),
        Some(GrantStatus::Cancelled),
    ] {
        assert_eq!(payable(status, finalised, yen(100_000)), Yen::ZERO);
    }
    assert_eq!(
        payable(Some(GrantStatus::Finalised), None, Yen::ZERO),
        Yen::ZERO
    );
}

#[test]
fn every_status_is_written_as_its_serde_name() {
    let every = GrantStatus::ALL.into_iter().chain([
        GrantStatus::DiscontinuationRequested,
        GrantStatus::Discontinued,
    ]);
    for status in every {
        assert_eq!(
            serde_json::to_value(status).unwrap(),
            serde_json::Value::from(status.as_str())
        );
    }
}

#[test]
fn the_status_follows_the_grants_life_one_rule_for_the_aggregate_and_the_read_models() {
    // Decided, then the first advance request starts the work; a finalisation with a refund due
    // waits for it; a return and a resubmission move the report.
    let history = history(&[advanced(), submitted(report(250_000, 30_000))]);
    let mut status = None;
    for event in &history {
        status = GrantStatus::after(status, event);
    }
    assert_eq!(status, state(&history).status);
    assert_eq!(status, Some(GrantStatus::ReportSubmitted));
}

#[test]
fn the_public_sees_an_approved_discontinuation_and_never_the_request() {
    // Given a grant in progress, when its group asks to discontinue and staff refuse, the public
    // status stays in progress throughout; the grant's own status shows the request meanwhile.
    let at = datetime!(2026-09-01 10:00 +09:00);
    let asked = GrantEvent::DiscontinuationRequested {
        reason: "会場が使えなくなった".into(),
        by: UserId::new(),
        at,
    };
    let refused = GrantEvent::DiscontinuationRefused {
        reason: "代替会場で続けられる".into(),
        resumes: GrantStatus::InProgress,
        by: UserId::new(),
        at,
    };
    let in_progress = Some(GrantStatus::InProgress);
    assert_eq!(
        GrantStatus::after(in_progress, &asked),
        Some(GrantStatus::DiscontinuationRequested)
    );
    assert_eq!(GrantStatus::public_after(in_progress, &asked), in_progress);
    assert_eq!(
        GrantStatus::public_after(in_progress, &refused),
        in_progress
    );
    // Everywhere else in a grant's life the public status is the grant's own.
    let history = history(&[advanced(), submitted(report(250_000, 30_000))]);
    let mut public = None;
    for event in &history {
        public = GrantStatus::public_after(public, event);
    }
    assert_eq!(public, state(&history).status);
}
