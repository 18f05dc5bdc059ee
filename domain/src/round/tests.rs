//! Given/when/then tests of the round, read like the rule book, and the budget invariant under random
//! sequences of decisions, amendments and releases.

use cqrs_es::test::TestFramework;
use proptest::prelude::*;
use time::macros::{date, datetime};
use uuid::Uuid;

use super::settings::tests::{step_up, yen};
use super::*;
use crate::budget::{Budget, ExpenseCategory, ExpenseLine, IncomeKind, IncomeLine};
use crate::ratio::Ratio;
use SheetOutcome::{Conflicted, Missing, Scored};

type RoundTest = TestFramework<Round>;

fn given(events: Vec<RoundEvent>) -> cqrs_es::test::AggregateTestExecutor<Round> {
    RoundTest::with(()).given(events)
}

fn staff() -> UserId {
    UserId::from_uuid(Uuid::from_u128(0x5_7AFF))
}

fn applicant() -> UserId {
    UserId::from_uuid(Uuid::from_u128(0xA_9911))
}

fn reviewer(n: u128) -> UserId {
    UserId::from_uuid(Uuid::from_u128(0x1000 + n))
}

fn app(n: u128) -> ApplicationId {
    ApplicationId::from_uuid(Uuid::from_u128(n))
}

fn grant(n: u128) -> GrantId {
    GrantId::from_uuid(Uuid::from_u128(0x6000 + n))
}

fn group(n: u128) -> GroupId {
    GroupId::from_uuid(Uuid::from_u128(0x9000 + n))
}

fn the_round() -> RoundId {
    RoundId::from_uuid(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_3f9a_1c2b))
}

const OPENED_AT: OffsetDateTime = datetime!(2026-03-15 09:00 +09:00);
const CLOSED_AT: OffsetDateTime = datetime!(2026-05-10 10:00 +09:00);
const FIXED_AT: OffsetDateTime = datetime!(2026-05-20 10:00 +09:00);
const DECIDED_AT: OffsetDateTime = datetime!(2026-06-01 10:00 +09:00);

fn opened() -> RoundEvent {
    RoundEvent::RoundOpened {
        round_id: the_round(),
        settings: step_up(),
        by: staff(),
        at: OPENED_AT,
    }
}

fn appointed(n: u128) -> RoundEvent {
    RoundEvent::ReviewerAppointed {
        reviewer_id: reviewer(n),
        by: staff(),
        at: OPENED_AT,
    }
}

fn scoring_closed() -> RoundEvent {
    RoundEvent::ScoringClosed {
        by: staff(),
        at: CLOSED_AT,
    }
}

/// An opened round with two reviewers and scoring closed.
fn scored_round() -> Vec<RoundEvent> {
    vec![opened(), appointed(1), appointed(2), scoring_closed()]
}

fn entry(n: u128, requested: i64, sheets: Vec<SheetOutcome>) -> RankingEntry {
    RankingEntry {
        application_id: app(n),
        requested: yen(requested),
        sheets,
    }
}

/// Budget 1,000,000, floor 50,000, pass line 7/10 of 100: app 1 (500,000) and app 2 (300,000) are
/// adopted, app 3 (400,000) is the runner-up offered 200,000, app 4 fails the pass line.
fn standard_entries() -> Vec<RankingEntry> {
    vec![
        entry(3, 400_000, vec![Scored(44), Scored(44)]),
        entry(1, 500_000, vec![Scored(48), Scored(48)]),
        entry(4, 100_000, vec![Scored(20), Scored(20)]),
        entry(2, 300_000, vec![Scored(46), Scored(46)]),
    ]
}

fn row(
    n: u128,
    rank: u32,
    total: u32,
    passed: bool,
    outcome: RankOutcome,
    offer: Option<i64>,
) -> RankRow {
    RankRow {
        application_id: app(n),
        rank,
        total,
        passed,
        outcome,
        remainder_offer: offer.map(yen),
    }
}

fn standard_rows() -> Vec<RankRow> {
    vec![
        row(1, 1, 96, true, RankOutcome::Adopted, None),
        row(2, 2, 92, true, RankOutcome::Adopted, None),
        row(3, 3, 88, true, RankOutcome::RunnerUp, Some(200_000)),
        row(4, 4, 40, false, RankOutcome::NotAdopted, None),
    ]
}

fn ranking_fixed() -> RoundEvent {
    RoundEvent::RankingFixed {
        rows: standard_rows(),
        fixed_on: date!(2026 - 05 - 20),
        offer_expires_on: Some(date!(2026 - 05 - 27)),
        by: staff(),
        at: FIXED_AT,
    }
}

fn ranked_round() -> Vec<RoundEvent> {
    let mut events = scored_round();
    events.push(ranking_fixed());
    events
}

fn offer_accepted() -> RoundEvent {
    RoundEvent::RunnerUpOfferAccepted {
        application_id: app(3),
        remainder: yen(200_000),
        by: applicant(),
        at: datetime!(2026-05-22 10:00 +09:00),
    }
}

fn with(
    mut events: Vec<RoundEvent>,
    more: impl IntoIterator<Item = RoundEvent>,
) -> Vec<RoundEvent> {
    events.extend(more);
    events
}

/// A budget whose subsidy base is `eligible` expenses less `project_income`.
fn budget_of(eligible: i64, project_income: i64) -> Budget {
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
            unit_price: yen(eligible),
        }],
    }
}

/// Application `n` of group `n`, its first grant in the course (rate 1/1), with a budget whose
/// maximum is the requested amount.
fn award(n: u128, amount: i64, requested: i64) -> AwardRequest {
    AwardRequest {
        application_id: app(n),
        grant_id: grant(n),
        group_id: group(n),
        amount: yen(amount),
        requested: yen(requested),
        budget: budget_of(requested, 0),
        grants_in_other_rounds: 0,
        conditions: " 事業完了後30日以内に実績報告書を提出すること ".into(),
        completion_deadline: date!(2027 - 02 - 28),
    }
}

fn decide(awards: Vec<AwardRequest>, rejections: Vec<Rejection>) -> RoundCommand {
    RoundCommand::Decide {
        awards,
        rejections,
        by: staff(),
        at: DECIDED_AT,
    }
}

/// The number an award event carries: none since the fiscal year numbers the decisions.
fn legacy_number(_sequence: u32) -> String {
    String::new()
}

fn decided(n: u128, amount: i64, sequence: u32) -> RoundEvent {
    decided_as(n, group(n), amount, sequence, 0, Ratio::ONE)
}

/// Application `n` awarded to `group_id`, which had `prior_grants` grants before, at `rate`.
fn decided_as(
    n: u128,
    group_id: GroupId,
    amount: i64,
    sequence: u32,
    prior_grants: u32,
    rate: Ratio,
) -> RoundEvent {
    RoundEvent::AwardDecided {
        application_id: app(n),
        grant_id: grant(n),
        group_id,
        amount: yen(amount),
        prior_grants: Some(prior_grants),
        rate: Some(rate),
        // The round leaves the number to the decision's follow-up (the fiscal year's sequence);
        // `sequence` is the order of the award, which only events stored before numbered.
        notice_number: legacy_number(sequence),
        conditions: "事業完了後30日以内に実績報告書を提出すること".into(),
        completion_deadline: date!(2027 - 02 - 28),
        decided_on: date!(2026 - 06 - 01),
        by: staff(),
        decided_at: DECIDED_AT,
    }
}

fn rejection(n: u128, reason: &str) -> Rejection {
    Rejection {
        application_id: app(n),
        reason: reason.into(),
    }
}

fn rejected(n: u128, reason: &str) -> RoundEvent {
    RoundEvent::ApplicationRejected {
        application_id: app(n),
        reason: reason.into(),
        by: staff(),
        at: DECIDED_AT,
    }
}

// ---------------------------------------------------------------- opening

#[test]
fn a_round_opens_with_coherent_settings_and_trimmed_text() {
    let mut settings = step_up();
    settings.course = "  ステップアップ ".into();
    given(vec![])
        .when(RoundCommand::Open {
            round_id: the_round(),
            settings,
            by: staff(),
            at: OPENED_AT,
        })
        .then_expect_events(vec![opened()]);
}

#[test]
fn a_round_with_incoherent_settings_does_not_open() {
    let mut settings = step_up();
    settings.floor = yen(600_000);
    given(vec![])
        .when(RoundCommand::Open {
            round_id: the_round(),
            settings,
            by: staff(),
            at: OPENED_AT,
        })
        .then_expect_error(RoundError::FloorAboveCap {
            floor: yen(600_000),
            cap: yen(500_000),
        });
}

#[test]
fn a_round_opens_only_once() {
    given(vec![opened()])
        .when(RoundCommand::Open {
            round_id: the_round(),
            settings: step_up(),
            by: staff(),
            at: OPENED_AT,
        })
        .then_expect_error(RoundError::AlreadyOpened);
}

#[test]
fn nothing_happens_to_a_round_that_was_never_opened() {
    given(vec![])
        .when(RoundCommand::AppointReviewer {
            is_reviewer_account: true,
            reviewer_id: reviewer(1),
            by: staff(),
            at: OPENED_AT,
        })
        .then_expect_error(RoundError::NotOpened);
    given(vec![])
        .when(decide(vec![], vec![rejection(1, "予算不足")]))
        .then_expect_error(RoundError::NotOpened);
}

// ---------------------------------------------------------------- committee and scoring

#[test]
fn staff_appoint_a_reviewer_to_the_committee() {
    given(vec![opened()])
        .when(RoundCommand::AppointReviewer {
            is_reviewer_account: true,
            reviewer_id: reviewer(1),
            by: staff(),
            at: OPENED_AT,
        })
        .then_expect_events(vec![appointed(1)]);
}

#[test]
fn only_a_reviewer_account_is_appointed() {
    given(vec![opened()])
        .when(RoundCommand::AppointReviewer {
            is_reviewer_account: false,
            reviewer_id: reviewer(1),
            by: staff(),
            at: OPENED_AT,
        })
        .then_expect_error(RoundError::NotAReviewer);
}

#[test]
fn appointing_the_same_reviewer_twice_is_refused() {
    given(vec![opened(), appointed(1)])
        .when(RoundCommand::AppointReviewer {
            is_reviewer_account: true,
            reviewer_id: reviewer(1),
            by: staff(),
            at: OPENED_AT,
        })
        .then_expect_error(RoundError::ReviewerAlreadyAppointed);
}

#[test]
fn appointing_a_reviewer_after_scoring_closed_is_refused() {
    given(scored_round())
        .when(RoundCommand::AppointReviewer {
            is_reviewer_account: true,
            reviewer_id: reviewer(3),
            by: staff(),
            at: CLOSED_AT,
        })
        .then_expect_error(RoundError::ScoringAlreadyClosed);
}

#[test]
fn scoring_closes_from_the_instant_the_application_window_closes() {
    given(vec![opened(), appointed(1)])
        .when(RoundCommand::CloseScoring {
            by: staff(),
            at: step_up().closes_at,
        })
        .then_expect_events(vec![RoundEvent::ScoringClosed {
            by: staff(),
            at: step_up().closes_at,
        }]);
}

#[test]
fn closing_scoring_while_the_application_window_is_open_is_refused() {
    given(vec![opened(), appointed(1)])
        .when(RoundCommand::CloseScoring {
            by: staff(),
            at: datetime!(2026-04-30 23:59:59 +09:00),
        })
        .then_expect_error(RoundError::WindowStillOpen);
}

#[test]
fn closing_scoring_twice_is_refused() {
    given(scored_round())
        .when(RoundCommand::CloseScoring {
            by: staff(),
            at: CLOSED_AT,
        })
        .then_expect_error(RoundError::ScoringAlreadyClosed);
}

#[test]
fn closing_scoring_without_a_committee_is_refused() {
    given(vec![opened()])
        .when(RoundCommand::CloseScoring {
            by: staff(),
            at: CLOSED_AT,
        })
        .then_expect_error(RoundError::NoCommittee);
}

// ---------------------------------------------------------------- ranking (rule 5)

fn fix(entries: Vec<RankingEntry>, at: OffsetDateTime) -> RoundCommand {
    RoundCommand::FixRanking {
        entries,
        by: staff(),
        at,
    }
}

#[test]
fn the_ranking_adopts_in_rank_order_and_offers_the_runner_up_the_remainder_for_seven_days() {
    given(scored_round())
        .when(fix(standard_entries(), FIXED_AT))
        .then_expect_events(vec![ranking_fixed()]);
}

#[test]
fn the_offer_expiry_is_counted_in_japanese_calendar_days() {
    // 19 May 16:00 UTC is already 20 May 01:00 in Japan.
    let at = datetime!(2026-05-19 16:00 UTC);
    given(scored_round())
        .when(fix(standard_entries(), at))
        .then_expect_events(vec![RoundEvent::RankingFixed {
            rows: standard_rows(),
            fixed_on: date!(2026 - 05 - 20),
            offer_expires_on: Some(date!(2026 - 05 - 27)),
            by: staff(),
            at,
        }]);
}

#[test]
fn worked_example_five_reviewers_one_conflicted_total_196() {
    let events = with(
        vec![opened()],
        (1..=5)
            .map(appointed)
            .chain([scoring_closed()])
            .collect::<Vec<_>>(),
    );
    let sheets = vec![Scored(40), Scored(37), Conflicted, Scored(42), Scored(38)];
    given(events)
        .when(fix(vec![entry(1, 100_000, sheets)], FIXED_AT))
        .then_expect_events(vec![RoundEvent::RankingFixed {
            rows: vec![row(1, 1, 196, true, RankOutcome::Adopted, None)],
            fixed_on: date!(2026 - 05 - 20),
            offer_expires_on: None,
            by: staff(),
            at: FIXED_AT,
        }]);
}

#[test]
fn a_ranking_without_a_runner_up_has_no_offer_to_expire() {
    given(scored_round())
        .when(fix(
            vec![entry(1, 100_000, vec![Scored(40), Scored(40)])],
            FIXED_AT,
        ))
        .then_expect_events(vec![RoundEvent::RankingFixed {
            rows: vec![row(1, 1, 80, true, RankOutcome::Adopted, None)],
            fixed_on: date!(2026 - 05 - 20),
            offer_expires_on: None,
            by: staff(),
            at: FIXED_AT,
        }]);
}

#[test]
fn the_ranking_cannot_be_fixed_before_scoring_closes() {
    given(vec![opened(), appointed(1), appointed(2)])
        .when(fix(standard_entries(), FIXED_AT))
        .then_expect_error(RoundError::ScoringNotClosed);
}

#[test]
fn a_missing_scoresheet_means_scoring_is_incomplete_and_the_ranking_is_refused() {
    given(scored_round())
        .when(fix(
            vec![entry(1, 100_000, vec![Scored(40), Missing])],
            FIXED_AT,
        ))
        .then_expect_error(RoundError::IncompleteScoring(app(1)));
}

#[test]
fn an_entry_needs_one_sheet_per_committee_member() {
    given(scored_round())
        .when(fix(vec![entry(1, 100_000, vec![Scored(40)])], FIXED_AT))
        .then_expect_error(RoundError::SheetCountMismatch {
            application_id: app(1),
            expected: 2,
            found: 1,
        });
}

#[test]
fn the_ranking_is_fixed_only_once() {
    given(ranked_round())
        .when(fix(standard_entries(), FIXED_AT))
        .then_expect_error(RoundError::RankingAlreadyFixed);
}

// ---------------------------------------------------------------- runner-up offer

fn respond(n: u128, accept: bool, at: OffsetDateTime) -> RoundCommand {
    RoundCommand::RespondToOffer {
        application_id: app(n),
        accept,
        by: applicant(),
        at,
    }
}

#[test]
fn the_runner_up_may_accept_on_the_seventh_day() {
    let at = datetime!(2026-05-27 23:59 +09:00);
    given(ranked_round())
        .when(respond(3, true, at))
        .then_expect_events(vec![RoundEvent::RunnerUpOfferAccepted {
            application_id: app(3),
            remainder: yen(200_000),
            by: applicant(),
            at,
        }]);
}

#[test]
fn the_runner_up_may_decline() {
    let at = datetime!(2026-05-21 09:00 +09:00);
    given(ranked_round())
        .when(respond(3, false, at))
        .then_expect_events(vec![RoundEvent::RunnerUpOfferDeclined {
            application_id: app(3),
            by: applicant(),
            at,
        }]);
}

#[test]
fn an_answer_on_the_eighth_day_is_refused_as_expired() {
    // 27 May 15:00 UTC is 28 May 00:00 in Japan: day eight.
    given(ranked_round())
        .when(respond(3, true, datetime!(2026-05-27 15:00 UTC)))
        .then_expect_error(RoundError::OfferExpired(date!(2026 - 05 - 27)));
}

#[test]
fn only_the_runner_up_answers_the_offer() {
    given(ranked_round())
        .when(respond(4, true, FIXED_AT))
        .then_expect_error(RoundError::NotTheRunnerUp(app(4)));
}

#[test]
fn the_offer_is_answered_once() {
    given(with(ranked_round(), [offer_accepted()]))
        .when(respond(3, false, FIXED_AT))
        .then_expect_error(RoundError::OfferAlreadyAnswered);
}

#[test]
fn there_is_no_offer_to_answer_before_the_ranking() {
    given(scored_round())
        .when(respond(3, true, FIXED_AT))
        .then_expect_error(RoundError::RankingNotFixed);
}

// ---------------------------------------------------------------- decision (rule 6)

#[test]
fn adopted_applications_are_awarded_and_others_rejected_leaving_the_number_to_the_follow_up() {
    given(ranked_round())
        .when(decide(
            vec![award(1, 500_000, 500_000), award(2, 280_000, 300_000)],
            vec![rejection(4, " 合格点に達しませんでした ")],
        ))
        .then_expect_events(vec![
            decided(1, 500_000, 1),
            decided(2, 280_000, 2),
            rejected(4, "合格点に達しませんでした"),
        ]);
}

#[test]
fn a_later_decision_awards_the_next_application() {
    given(with(ranked_round(), [decided(1, 500_000, 1)]))
        .when(decide(vec![award(2, 300_000, 300_000)], vec![]))
        .then_expect_events(vec![decided(2, 300_000, 2)]);
}

#[test]
fn an_award_above_the_requested_amount_is_refused() {
    given(ranked_round())
        .when(decide(vec![award(2, 300_001, 300_000)], vec![]))
        .then_expect_error(RoundError::AboveRequested {
            amount: yen(300_001),
            requested: yen(300_000),
        });
}

#[test]
fn an_award_above_the_maximum_subsidy_is_refused() {
    // The worked example: the group's second grant (rate 3/4), eligible expenses 412,345, project
    // income 30,000 -> 3/4 x 382,345 = 286,758.75 -> 286,000.
    let mut request = award(2, 300_000, 300_000);
    request.budget = budget_of(412_345, 30_000);
    request.grants_in_other_rounds = 1;
    given(ranked_round())
        .when(decide(vec![request], vec![]))
        .then_expect_error(RoundError::AboveMaximum {
            field: "amount",
            amount: yen(300_000),
            max: yen(286_000),
        });
}

#[test]
fn an_award_below_the_floor_or_of_nothing_is_refused() {
    given(ranked_round())
        .when(decide(vec![award(2, 49_000, 300_000)], vec![]))
        .then_expect_error(RoundError::BelowFloor {
            amount: yen(49_000),
            floor: yen(50_000),
        });
    given(ranked_round())
        .when(decide(vec![award(2, 0, 300_000)], vec![]))
        .then_expect_error(RoundError::ZeroAmount { field: "amount" });
}

#[test]
fn worked_example_a_decided_amount_off_the_rounding_unit_is_refused_naming_it_rounded_down() {
    // Unit 1,000 yen: staff type 286,500 for a request of 300,000; refused, 286,000 named.
    given(ranked_round())
        .when(decide(vec![award(2, 286_500, 300_000)], vec![]))
        .then_expect_error(RoundError::OffRoundingUnit {
            field: "amount",
            amount: yen(286_500),
            unit: yen(1_000),
            rounded_down: yen(286_000),
        });
    // The same award at 286,000 is decided.
    given(ranked_round())
        .when(decide(vec![award(2, 286_000, 300_000)], vec![]))
        .then_expect_events(vec![decided(2, 286_000, 1)]);
}

/// The standard ranked round, with at most `max` grants per group.
fn ranked_round_allowing(max: u32) -> Vec<RoundEvent> {
    let mut events = ranked_round();
    if let RoundEvent::RoundOpened { settings, .. } = &mut events[0] {
        settings.max_grants_per_group = max;
    }
    events
}

/// Application `n` filed by `group_id`, which had `elsewhere` grants in other rounds of the course.
fn award_of(n: u128, group_id: GroupId, elsewhere: u32, amount: i64) -> AwardRequest {
    AwardRequest {
        group_id,
        grants_in_other_rounds: elsewhere,
        ..award(n, amount, amount)
    }
}

#[test]
fn worked_example_one_grant_per_group_and_two_adopted_applications_of_one_group() {
    // Max 1 grant per group; apps 1 and 2 (both adopted) are group 7's first applications in the
    // course. Awarding both in one decision: app 1 is its first grant, app 2 would be its second.
    given(ranked_round_allowing(1))
        .when(decide(
            vec![
                award_of(1, group(7), 0, 500_000),
                award_of(2, group(7), 0, 300_000),
            ],
            vec![],
        ))
        .then_expect_error(RoundError::GrantLimitReached {
            application_id: app(2),
            prior_grants: 1,
            max: 1,
        });
    // Decided one after the other: the second decision counts the round's first award.
    given(ranked_round_allowing(1))
        .when(decide(vec![award_of(1, group(7), 0, 500_000)], vec![]))
        .then_expect_events(vec![decided_as(1, group(7), 500_000, 1, 0, Ratio::ONE)]);
    given(with(
        ranked_round_allowing(1),
        [decided_as(1, group(7), 500_000, 1, 0, Ratio::ONE)],
    ))
    .when(decide(vec![award_of(2, group(7), 0, 300_000)], vec![]))
    .then_expect_error(RoundError::GrantLimitReached {
        application_id: app(2),
        prior_grants: 1,
        max: 1,
    });
}

#[test]
fn a_group_at_the_limit_through_other_rounds_is_refused_and_one_below_it_is_awarded() {
    // Max 3: a group with 3 grants in other rounds of the course is refused; with 2 it gets its
    // third grant, at the schedule's third rate 1/2.
    given(ranked_round())
        .when(decide(vec![award_of(2, group(7), 3, 300_000)], vec![]))
        .then_expect_error(RoundError::GrantLimitReached {
            application_id: app(2),
            prior_grants: 3,
            max: 3,
        });
    let mut third = award_of(2, group(7), 2, 150_000);
    third.requested = yen(300_000);
    third.budget = budget_of(300_000, 0);
    given(ranked_round())
        .when(decide(vec![third], vec![]))
        .then_expect_events(vec![decided_as(
            2,
            group(7),
            150_000,
            1,
            2,
            "1/2".parse().unwrap(),
        )]);
}

#[test]
fn worked_example_the_rate_is_taken_from_the_grants_counted_at_the_decision() {
    // Group 7 started both drafts with no grant (rate 1/1 assumed). Decided together (max 3):
    // app 1 is its first grant at 1/1; app 2 its second, at 3/4. App 2's budget: eligible
    // expenses 412,345, project income 30,000 -> 3/4 x 382,345 = 286,758.75 -> 286,000 maximum.
    let mut second = award_of(2, group(7), 0, 286_000);
    second.requested = yen(300_000);
    second.budget = budget_of(412_345, 30_000);
    given(ranked_round())
        .when(decide(
            vec![award_of(1, group(7), 0, 500_000), second.clone()],
            vec![],
        ))
        .then_expect_events(vec![
            decided_as(1, group(7), 500_000, 1, 0, Ratio::ONE),
            decided_as(2, group(7), 286_000, 2, 1, "3/4".parse().unwrap()),
        ]);
    // At 1/1 the maximum would have been 300,000 (the request); at 3/4 more than 286,000 is refused.
    second.amount = yen(300_000);
    given(with(
        ranked_round(),
        [decided_as(1, group(7), 500_000, 1, 0, Ratio::ONE)],
    ))
    .when(decide(vec![second], vec![]))
    .then_expect_error(RoundError::AboveMaximum {
        field: "amount",
        amount: yen(300_000),
        max: yen(286_000),
    });
}

#[test]
fn a_released_award_still_counts_towards_the_limit() {
    // As in `group::prior_grant_count`: the group received a grant decision.
    let released_first = RoundEvent::AwardReleased {
        application_id: app(1),
        grant_id: grant(1),
        amount: yen(500_000),
        remaining_amount: Yen::ZERO,
        by: staff(),
        at: DECIDED_AT,
    };
    given(with(
        ranked_round_allowing(1),
        [
            decided_as(1, group(7), 500_000, 1, 0, Ratio::ONE),
            released_first,
        ],
    ))
    .when(decide(vec![award_of(2, group(7), 0, 300_000)], vec![]))
    .then_expect_error(RoundError::GrantLimitReached {
        application_id: app(2),
        prior_grants: 1,
        max: 1,
    });
}

#[test]
fn an_application_already_awarded_or_rejected_cannot_be_decided_again() {
    given(with(ranked_round(), [decided(1, 500_000, 1)]))
        .when(decide(vec![], vec![rejection(1, "重複")]))
        .then_expect_error(RoundError::AlreadyDecided(app(1)));
    given(with(ranked_round(), [rejected(2, "辞退")]))
        .when(decide(vec![award(2, 300_000, 300_000)], vec![]))
        .then_expect_error(RoundError::AlreadyDecided(app(2)));
}

#[test]
fn an_application_twice_in_one_decision_is_refused() {
    given(ranked_round())
        .when(decide(
            vec![award(2, 300_000, 300_000)],
            vec![rejection(2, "重複")],
        ))
        .then_expect_error(RoundError::DuplicateApplication(app(2)));
}

#[test]
fn a_grant_id_is_used_once() {
    let mut second = award(2, 300_000, 300_000);
    second.grant_id = grant(1);
    given(with(ranked_round(), [decided(1, 500_000, 1)]))
        .when(decide(vec![second], vec![]))
        .then_expect_error(RoundError::DuplicateGrant(grant(1)));
}

#[test]
fn the_completion_deadline_may_fall_on_the_decision_day_or_the_last_day_of_the_fiscal_year() {
    let mut on_the_day = award(1, 500_000, 500_000);
    on_the_day.completion_deadline = date!(2026 - 06 - 01);
    let mut last_day = award(2, 300_000, 300_000);
    last_day.completion_deadline = date!(2027 - 03 - 31);
    let result = given(ranked_round())
        .when(decide(vec![on_the_day, last_day], vec![]))
        .inspect_result();
    assert_eq!(result.map(|events| events.len()), Ok(2));
}

#[test]
fn a_completion_deadline_before_the_decision_day_is_refused() {
    let mut request = award(1, 500_000, 500_000);
    request.completion_deadline = date!(2026 - 05 - 31);
    given(ranked_round())
        .when(decide(vec![request], vec![]))
        .then_expect_error(RoundError::DeadlineBeforeDecision {
            deadline: date!(2026 - 05 - 31),
            decided_on: date!(2026 - 06 - 01),
        });
}

#[test]
fn a_completion_deadline_after_the_fiscal_year_is_refused() {
    let mut request = award(1, 500_000, 500_000);
    request.completion_deadline = date!(2027 - 04 - 01);
    given(ranked_round())
        .when(decide(vec![request], vec![]))
        .then_expect_error(RoundError::DeadlineAfterFiscalYear {
            deadline: date!(2027 - 04 - 01),
            last_day: date!(2027 - 03 - 31),
        });
}

#[test]
fn the_decision_day_is_the_japanese_calendar_day() {
    // 31 May 15:30 UTC is 1 June 00:30 in Japan, so a deadline of 1 June is on the decision day.
    let mut request = award(1, 500_000, 500_000);
    request.completion_deadline = date!(2026 - 06 - 01);
    let result = given(ranked_round())
        .when(RoundCommand::Decide {
            awards: vec![request],
            rejections: vec![],
            by: staff(),
            at: datetime!(2026-05-31 15:30 UTC),
        })
        .inspect_result()
        .unwrap();
    assert!(matches!(
        &result[0],
        RoundEvent::AwardDecided { decided_on, .. } if *decided_on == date!(2026 - 06 - 01)
    ));
}

#[test]
fn a_decision_is_all_or_nothing() {
    given(ranked_round())
        .when(decide(
            vec![award(1, 500_000, 500_000), award(2, 300_001, 300_000)],
            vec![rejection(4, "合格点未満")],
        ))
        .then_expect_error(RoundError::AboveRequested {
            amount: yen(300_001),
            requested: yen(300_000),
        });
}

#[test]
fn an_application_the_ranking_did_not_adopt_cannot_be_awarded() {
    given(ranked_round())
        .when(decide(vec![award(4, 100_000, 100_000)], vec![]))
        .then_expect_error(RoundError::NotAdopted(app(4)));
    given(ranked_round())
        .when(decide(vec![award(9, 100_000, 100_000)], vec![]))
        .then_expect_error(RoundError::NotAdopted(app(9)));
}

#[test]
fn the_runner_up_is_awarded_only_after_accepting() {
    given(ranked_round())
        .when(decide(vec![award(3, 200_000, 400_000)], vec![]))
        .then_expect_error(RoundError::OfferNotAccepted(app(3)));
    let declined = RoundEvent::RunnerUpOfferDeclined {
        application_id: app(3),
        by: applicant(),
        at: FIXED_AT,
    };
    given(with(ranked_round(), [declined]))
        .when(decide(vec![award(3, 200_000, 400_000)], vec![]))
        .then_expect_error(RoundError::OfferNotAccepted(app(3)));
}

#[test]
fn the_runner_up_who_accepted_is_awarded_at_most_the_remainder() {
    given(with(ranked_round(), [offer_accepted()]))
        .when(decide(vec![award(3, 200_001, 400_000)], vec![]))
        .then_expect_error(RoundError::AboveRemainder {
            amount: yen(200_001),
            remainder: yen(200_000),
        });
    given(with(
        ranked_round(),
        [
            offer_accepted(),
            decided(1, 500_000, 1),
            decided(2, 300_000, 2),
        ],
    ))
    .when(decide(vec![award(3, 200_000, 400_000)], vec![]))
    .then_expect_events(vec![decided(3, 200_000, 3)]);
}

#[test]
fn awards_never_take_the_decided_total_past_the_budget() {
    // An approved change raised the runner-up's award to 400,000: 900,000 is decided, and the
    // adopted application 2's 300,000 no longer fits the 1,000,000 budget.
    let raised = RoundEvent::AwardAmended {
        application_id: app(3),
        grant_id: grant(3),
        previous_amount: yen(200_000),
        new_amount: yen(400_000),
        by: staff(),
        at: DECIDED_AT,
    };
    given(with(
        ranked_round(),
        [
            offer_accepted(),
            decided(1, 500_000, 1),
            decided(3, 200_000, 2),
            raised,
        ],
    ))
    .when(decide(vec![award(2, 300_000, 300_000)], vec![]))
    .then_expect_error(RoundError::BudgetExceeded {
        decided: yen(900_000),
        adding: yen(300_000),
        budget: yen(1_000_000),
    });
}

#[test]
fn any_application_may_be_rejected_with_a_reason() {
    given(ranked_round())
        .when(decide(vec![], vec![rejection(9, "対象外の団体でした")]))
        .then_expect_events(vec![rejected(9, "対象外の団体でした")]);
}

#[test]
fn a_rejection_needs_a_reason() {
    given(ranked_round())
        .when(decide(vec![], vec![rejection(4, "  ")]))
        .then_expect_error(RoundError::MissingText("reason"));
}

#[test]
fn an_empty_decision_is_refused() {
    given(ranked_round())
        .when(decide(vec![], vec![]))
        .then_expect_error(RoundError::EmptyDecision);
}

#[test]
fn nothing_is_decided_before_the_ranking_is_fixed() {
    given(scored_round())
        .when(decide(vec![award(1, 500_000, 500_000)], vec![]))
        .then_expect_error(RoundError::RankingNotFixed);
}

// ---------------------------------------------------------------- amendments and releases

fn fully_decided() -> Vec<RoundEvent> {
    with(
        ranked_round(),
        [
            offer_accepted(),
            decided(1, 500_000, 1),
            decided(2, 250_000, 2),
            decided(3, 200_000, 3),
        ],
    )
}

fn state_of(events: Vec<RoundEvent>) -> Round {
    let mut round = Round::default();
    for event in events {
        round.apply(event);
    }
    round
}

fn change(n: u128) -> ChangeRequestId {
    ChangeRequestId::from_uuid(Uuid::from_u128(0xC0 + n))
}

/// Staff approve raising application `n`'s award to `new_amount`; the grant holds `held`.
fn reserve(n: u128, held: i64, new_amount: i64) -> RoundCommand {
    RoundCommand::ReserveChange {
        application_id: app(n),
        change_request_id: change(n),
        new_amount: yen(new_amount),
        held_by_grant: yen(held),
        reason: "事業の拡充を認める".into(),
        by: staff(),
        at: DECIDED_AT,
    }
}

fn reserved(n: u128, previous: i64, new_amount: i64) -> RoundEvent {
    RoundEvent::ChangeReserved {
        application_id: app(n),
        grant_id: grant(n),
        change_request_id: change(n),
        previous_amount: yen(previous),
        new_amount: yen(new_amount),
        reason: "事業の拡充を認める".into(),
        by: staff(),
        at: DECIDED_AT,
    }
}

fn cancel(n: u128) -> RoundCommand {
    RoundCommand::CancelReservation {
        change_request_id: change(n),
        reason: "この変更申請はすでに審査済みです".into(),
        by: staff(),
        at: DECIDED_AT,
    }
}

fn release(n: u128, amount: i64) -> RoundCommand {
    RoundCommand::ReleaseAward {
        application_id: app(n),
        amount: yen(amount),
        by: staff(),
        at: DECIDED_AT,
    }
}

fn released(n: u128, amount: i64, remaining: i64) -> RoundEvent {
    RoundEvent::AwardReleased {
        application_id: app(n),
        grant_id: grant(n),
        amount: yen(amount),
        remaining_amount: yen(remaining),
        by: staff(),
        at: DECIDED_AT,
    }
}

#[test]
fn an_approved_raise_is_reserved_within_the_budget() {
    // Given awards of 500,000 + 250,000 + 200,000 = 950,000 of a 1,000,000 budget, when staff
    // approve raising the second to 300,000, then the round holds the 50,000 more at once.
    given(fully_decided())
        .when(reserve(2, 250_000, 300_000))
        .then_expect_events(vec![reserved(2, 250_000, 300_000)]);
    let round = state_of(with(fully_decided(), [reserved(2, 250_000, 300_000)]));
    assert_eq!(round.remaining_budget(), Yen::ZERO);
    assert_eq!(
        round.reservation(change(2)),
        Some(&Reservation {
            application_id: app(2),
            increase: yen(50_000),
            cancelled: false,
        })
    );
}

#[test]
fn a_reserved_amount_off_the_rounding_unit_is_refused() {
    given(fully_decided())
        .when(reserve(3, 200_000, 200_500))
        .then_expect_error(RoundError::OffRoundingUnit {
            field: "new_amount",
            amount: yen(200_500),
            unit: yen(1_000),
            rounded_down: yen(200_000),
        });
}

#[test]
fn a_raise_is_reserved_only_from_what_the_grant_holds() {
    // Given application 2's award raised on the round from 250,000 to 260,000 while the grant
    // still holds 250,000 (the first change's grant step has not run yet), when staff approve a
    // second raise to 280,000, then the round refuses: reserved from 260,000, the grant would
    // refuse the step, and the two followers of it could disagree. Once the grant holds 260,000
    // too, the same raise is reserved.
    let first_raise_pending = with(
        fully_decided(),
        [released(1, 100_000, 400_000), reserved(2, 250_000, 260_000)],
    );
    let second = |held| RoundCommand::ReserveChange {
        application_id: app(2),
        change_request_id: change(9),
        new_amount: yen(280_000),
        held_by_grant: yen(held),
        reason: "事業の拡充を認める".into(),
        by: staff(),
        at: DECIDED_AT,
    };
    given(first_raise_pending.clone())
        .when(second(250_000))
        .then_expect_error(RoundError::ChangeInFlight {
            held_by_round: yen(260_000),
            held_by_grant: yen(250_000),
        });
    given(first_raise_pending)
        .when(second(260_000))
        .then_expect_events(vec![RoundEvent::ChangeReserved {
            application_id: app(2),
            grant_id: grant(2),
            change_request_id: change(9),
            previous_amount: yen(260_000),
            new_amount: yen(280_000),
            reason: "事業の拡充を認める".into(),
            by: staff(),
            at: DECIDED_AT,
        }]);
}

#[test]
fn a_reservation_past_the_budget_is_refused() {
    given(fully_decided())
        .when(reserve(2, 250_000, 300_001))
        .then_expect_error(RoundError::BudgetExceeded {
            decided: yen(950_000),
            adding: yen(50_001),
            budget: yen(1_000_000),
        });
}

#[test]
fn a_reservation_past_the_cap_or_not_raising_the_award_or_repeated_is_refused() {
    given(with(fully_decided(), [released(1, 400_000, 100_000)]))
        .when(reserve(2, 250_000, 500_001))
        .then_expect_error(RoundError::AboveMaximum {
            field: "new_amount",
            amount: yen(500_001),
            max: yen(500_000),
        });
    // A cut goes through the grant and the budget-release process; nothing to reserve.
    given(fully_decided())
        .when(reserve(2, 250_000, 200_000))
        .then_expect_error(RoundError::NotAnIncrease {
            current: yen(250_000),
            new_amount: yen(200_000),
        });
    given(fully_decided())
        .when(reserve(2, 250_000, 250_000))
        .then_expect_error(RoundError::NotAnIncrease {
            current: yen(250_000),
            new_amount: yen(250_000),
        });
    given(with(fully_decided(), [released(1, 100_000, 400_000)]))
        .when(reserve(2, 250_000, 260_000))
        .then_expect_events(vec![reserved(2, 250_000, 260_000)]);
    given(with(
        fully_decided(),
        [released(1, 100_000, 400_000), reserved(2, 250_000, 260_000)],
    ))
    .when(reserve(2, 260_000, 270_000))
    .then_expect_error(RoundError::ReservationExists);
}

#[test]
fn a_cancelled_reservation_gives_the_increase_back_once() {
    // Reserved 250,000 -> 300,000; the grant refused: 50,000 back, the award holds 250,000.
    let reserved_history = with(fully_decided(), [reserved(2, 250_000, 300_000)]);
    let cancelled = RoundEvent::ChangeReservationCancelled {
        application_id: app(2),
        grant_id: grant(2),
        change_request_id: change(2),
        released: yen(50_000),
        remaining_amount: yen(250_000),
        reason: "この変更申請はすでに審査済みです".into(),
        by: staff(),
        at: DECIDED_AT,
    };
    given(reserved_history.clone())
        .when(cancel(2))
        .then_expect_events(vec![cancelled.clone()]);
    let after = with(reserved_history, [cancelled]);
    assert_eq!(state_of(after.clone()).remaining_budget(), yen(50_000));
    given(after)
        .when(cancel(2))
        .then_expect_error(RoundError::ReservationCancelled);
    given(fully_decided())
        .when(cancel(2))
        .then_expect_error(RoundError::ReservationUnknown);
}

#[test]
fn a_cancellation_after_a_withdrawal_gives_back_only_the_increase() {
    // Reserved 250,000 -> 300,000, then the grant (still at 250,000) was withdrawn and released
    // 250,000: the award holds 50,000, which the cancellation gives back, leaving 0.
    given(with(
        fully_decided(),
        [reserved(2, 250_000, 300_000), released(2, 250_000, 50_000)],
    ))
    .when(cancel(2))
    .then_expect_events(vec![RoundEvent::ChangeReservationCancelled {
        application_id: app(2),
        grant_id: grant(2),
        change_request_id: change(2),
        released: yen(50_000),
        remaining_amount: Yen::ZERO,
        reason: "この変更申請はすでに審査済みです".into(),
        by: staff(),
        at: DECIDED_AT,
    }]);
}

#[test]
fn only_an_award_can_be_reserved_on_or_released() {
    given(fully_decided())
        .when(reserve(4, 0, 100_000))
        .then_expect_error(RoundError::NotAwarded(app(4)));
    given(fully_decided())
        .when(release(4, 100_000))
        .then_expect_error(RoundError::NotAwarded(app(4)));
}

#[test]
fn a_withdrawal_releases_the_whole_award_and_frees_its_budget() {
    given(fully_decided())
        .when(release(2, 250_000))
        .then_expect_events(vec![released(2, 250_000, 0)]);
    // With 250,000 freed, application 3's raise to the cap (an amendment of before the
    // reservations, which still applies, raised it first) now fits.
    given(with(
        fully_decided(),
        [
            released(2, 250_000, 0),
            RoundEvent::AwardAmended {
                application_id: app(3),
                grant_id: grant(3),
                previous_amount: yen(200_000),
                new_amount: yen(450_000),
                by: staff(),
                at: DECIDED_AT,
            },
        ],
    ))
    .when(reserve(3, 450_000, 500_000))
    .then_expect_events(vec![reserved(3, 450_000, 500_000)]);
}

#[test]
fn a_lower_finalisation_releases_the_difference() {
    // Decided 286,000, finalised 240,000: 46,000 goes back to the round.
    given(fully_decided())
        .when(release(2, 46_000))
        .then_expect_events(vec![released(2, 46_000, 204_000)]);
}

#[test]
fn a_release_above_what_remains_decided_or_of_nothing_is_refused() {
    given(with(fully_decided(), [released(2, 46_000, 204_000)]))
        .when(release(2, 204_001))
        .then_expect_error(RoundError::ReleaseAboveAward {
            amount: yen(204_001),
            award: yen(204_000),
        });
    given(fully_decided())
        .when(release(2, 0))
        .then_expect_error(RoundError::ZeroAmount { field: "amount" });
}

#[test]
fn a_released_application_stays_decided() {
    given(with(fully_decided(), [released(2, 250_000, 0)]))
        .when(decide(vec![award(2, 300_000, 300_000)], vec![]))
        .then_expect_error(RoundError::AlreadyDecided(app(2)));
}

#[test]
fn the_state_tracks_the_decided_total_and_the_notice_numbers() {
    let mut round = Round::default();
    for event in with(fully_decided(), [released(2, 50_000, 200_000)]) {
        round.apply(event);
    }
    assert_eq!(round.decided_total(), yen(900_000));
    assert_eq!(round.remaining_budget(), yen(100_000));
    assert_eq!(round.notices_issued, 3);
    assert_eq!(round.awards[&app(2)].decided_amount, yen(250_000));
    assert_eq!(round.awards[&app(3)].notice_number, "");
}

#[test]
fn an_award_stored_with_the_rounds_own_number_keeps_it() {
    let mut event = decided(1, 500_000, 1);
    if let RoundEvent::AwardDecided { notice_number, .. } = &mut event {
        *notice_number = "令和8年度市協3F9A1C2B第1号".into();
    }
    let mut round = Round::default();
    for event in with(ranked_round(), [event]) {
        round.apply(event);
    }
    assert_eq!(
        round.awards[&app(1)].notice_number,
        "令和8年度市協3F9A1C2B第1号"
    );
}

#[test]
fn the_state_survives_a_snapshot_round_trip() {
    let mut round = Round::default();
    for event in with(fully_decided(), [rejected(4, "合格点未満")]) {
        round.apply(event);
    }
    let json = serde_json::to_string(&round).unwrap();
    assert_eq!(serde_json::from_str::<Round>(&json).unwrap(), round);
}

#[test]
fn events_name_themselves_and_their_version() {
    use cqrs_es::DomainEvent;
    assert_eq!(opened().event_type(), "RoundOpened");
    assert_eq!(opened().event_version(), "1.0");
    assert_eq!(decided(1, 1, 1).event_type(), "AwardDecided");
    let json = serde_json::to_value(ranking_fixed()).unwrap();
    assert_eq!(json["RankingFixed"]["offer_expires_on"], "2026-05-27");
    let back: RoundEvent = serde_json::from_value(json).unwrap();
    assert_eq!(back, ranking_fixed());
    let round_json = serde_json::to_value(opened()).unwrap();
    assert_eq!(
        serde_json::from_value::<RoundEvent>(round_json).unwrap(),
        opened()
    );
}

// ---------------------------------------------------------------- the budget invariant

/// One random step against the aggregate.
#[derive(Clone, Debug)]
enum Step {
    Decide(Vec<(usize, i64)>),
    Reserve(usize, i64),
    Cancel(usize),
    Release(usize, i64),
    Accept,
}

fn any_step(apps: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        // Amounts as a percentage of the request: mostly valid, sometimes above it.
        4 => prop::collection::vec((0..apps, 0i64..=105), 1..3).prop_map(Step::Decide),
        2 => (0..apps, 0i64..600).prop_map(|(i, a)| Step::Reserve(i, a * 1_000)),
        1 => (0usize..40).prop_map(Step::Cancel),
        2 => (0..apps, 0i64..300_000).prop_map(|(i, a)| Step::Release(i, a)),
        1 => Just(Step::Accept),
    ]
}

fn execute(
    runtime: &tokio::runtime::Runtime,
    round: &mut Round,
    command: RoundCommand,
) -> Result<(), RoundError> {
    let sink = EventSink::default();
    runtime.block_on(round.handle(command, &(), &sink))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn no_sequence_of_decisions_reservations_and_releases_exceeds_the_budget(
        budget in 200_000i64..2_000_000,
        requests in prop::collection::vec((50_000i64..500_000, 33u32..=50), 1..8),
        steps in prop::collection::vec(any_step(8), 1..40),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let mut settings = step_up();
        settings.budget = yen(budget);
        settings.cap = yen(budget.min(500_000));
        settings.floor = Yen::ZERO;
        let mut round = Round::default();
        for event in [
            RoundEvent::RoundOpened { round_id: the_round(), settings, by: staff(), at: OPENED_AT },
            appointed(1),
            scoring_closed(),
        ] {
            round.apply(event);
        }
        let entries: Vec<_> = requests.iter().enumerate()
            .map(|(i, &(requested, score))| entry(i as u128 + 1, requested, vec![Scored(score)]))
            .collect();
        execute(&runtime, &mut round, fix(entries, FIXED_AT)).unwrap();
        let runner_up = round.ranking.as_ref().unwrap().offer.as_ref().map(|o| o.application_id);
        for (i, step) in steps.into_iter().enumerate() {
            let n = |index: usize| app((index % requests.len()) as u128 + 1);
            let command = match step {
                Step::Decide(awards) => decide(awards.into_iter().map(|(index, percent)| {
                    let requested = requests[index % requests.len()].0;
                    // On the 1,000-yen unit, so that the budget is what refuses.
                    let amount = requested * percent / 100 / 1_000 * 1_000;
                    AwardRequest {
                        application_id: n(index),
                        grant_id: GrantId::from_uuid(Uuid::from_u128(0x10_0000 + i as u128 * 16 + index as u128)),
                        group_id: group((index % requests.len()) as u128),
                        amount: yen(amount),
                        requested: yen(requested),
                        budget: budget_of(requested, 0),
                        grants_in_other_rounds: 0,
                        conditions: String::new(),
                        completion_deadline: date!(2027 - 02 - 28),
                    }
                }).collect(), vec![]),
                Step::Reserve(index, amount) => RoundCommand::ReserveChange {
                    application_id: n(index),
                    change_request_id: change(i as u128),
                    new_amount: yen(amount),
                    held_by_grant: round.awards.get(&n(index)).map_or(Yen::ZERO, |award| award.amount),
                    reason: "拡充".into(),
                    by: staff(),
                    at: DECIDED_AT,
                },
                Step::Cancel(step) => RoundCommand::CancelReservation {
                    change_request_id: change(step as u128),
                    reason: "審査済み".into(),
                    by: staff(),
                    at: DECIDED_AT,
                },
                Step::Release(index, amount) => release(n(index).as_uuid().as_u128(), amount),
                Step::Accept => match runner_up {
                    Some(id) => respond(id.as_uuid().as_u128(), true, FIXED_AT),
                    None => continue,
                },
            };
            let before = round.clone();
            let result = execute(&runtime, &mut round, command);
            if result.is_err() {
                prop_assert_eq!(&round, &before, "a refused command changes nothing");
            }
            prop_assert!(round.decided_total() <= yen(budget));
        }
    }
}

/// The store keeps snapshots of rounds (a long stream) as JSON: a round with a committee, a fixed
/// ranking with its offer, awards and rejections comes back from JSON exactly as it was.
#[test]
fn a_round_comes_back_from_its_snapshot_unchanged() {
    let mut round = Round::default();
    let events = with(
        ranked_round(),
        [decided(1, 300_000, 1), decided(2, 250_000, 2)],
    );
    for event in events {
        cqrs_es::Aggregate::apply(&mut round, event);
    }
    assert!(round.ranking.is_some() && round.awards.len() == 2);
    let snapshot = serde_json::to_value(&round).expect("a round serialises");
    let restored: Round = serde_json::from_value(snapshot).expect("and deserialises");
    assert_eq!(restored, round);
}

#[test]
fn refusals_about_one_input_name_its_field_in_the_http_contract() {
    use crate::refusal::Refusal;
    // The settings of POST /rounds.
    assert_eq!(RoundError::WindowInverted.field(), Some("closes_at"));
    assert_eq!(
        RoundError::ReviewerAlreadyAppointed.field(),
        Some("reviewer_id")
    );
    assert_eq!(
        RoundError::FloorAboveCap {
            floor: yen(2),
            cap: yen(1)
        }
        .field(),
        Some("floor")
    );
    assert_eq!(
        RoundError::RatioAboveOne("pass_ratio").field(),
        Some("pass_ratio")
    );
    assert_eq!(RoundError::MissingText("title").field(), Some("title"));
    assert_eq!(
        RoundError::SettlementDaysOutOfRange.field(),
        Some("settlement_days")
    );
    // An award of POST /rounds/{id}/decisions, and an amendment after a change request.
    let amount = |events: Vec<RoundEvent>, command| {
        given(events)
            .when(command)
            .inspect_result()
            .expect_err("refused")
            .field()
    };
    assert_eq!(
        amount(
            ranked_round(),
            decide(vec![award(2, 300_001, 300_000)], vec![])
        ),
        Some("amount")
    );
    assert_eq!(
        amount(fully_decided(), reserve(2, 250_000, 500_001)),
        Some("new_amount")
    );
    // State and ranking refusals name none.
    assert_eq!(RoundError::AlreadyOpened.field(), None);
    assert_eq!(RoundError::ScoringNotClosed.field(), None);
}
