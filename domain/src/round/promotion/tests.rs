//! Given/when/then tests of 繰上げ採択, with worked numbers. Budget 1,000,000, floor 50,000, unit
//! 1,000 (the demo ステップアップ round): app 1 (500,000) and app 2 (300,000) are adopted, app 3 is the
//! runner-up offered 200,000, apps 5 and 6 passed below it, app 4 failed the pass line.

use cqrs_es::test::TestFramework;
use time::macros::{date, datetime};
use time::OffsetDateTime;
use uuid::Uuid;

use super::super::settings::tests::{step_up, yen};
use super::super::*;
use super::PromotionError;
use crate::budget::{Budget, ExpenseCategory, ExpenseLine};
use crate::ratio::Ratio;

fn given(events: Vec<RoundEvent>) -> cqrs_es::test::AggregateTestExecutor<Round> {
    TestFramework::<Round>::with(()).given(events)
}

fn staff() -> UserId {
    UserId::from_uuid(Uuid::from_u128(0x5_7AFF))
}

fn applicant() -> UserId {
    UserId::from_uuid(Uuid::from_u128(0xA_9911))
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

const DECIDED_AT: OffsetDateTime = datetime!(2026-06-01 10:00 +09:00);
const OFFER_AT: OffsetDateTime = datetime!(2026-07-01 10:00 +09:00);

fn row(n: u128, rank: u32, total: u32, passed: bool, outcome: RankOutcome) -> RankRow {
    RankRow {
        application_id: app(n),
        rank,
        total,
        passed,
        outcome,
        remainder_offer: (outcome == RankOutcome::RunnerUp).then(|| yen(200_000)),
    }
}

/// Opened, two reviewers, ranking fixed on 20 May (the runner-up answers by 27 May).
fn ranked() -> Vec<RoundEvent> {
    let at = datetime!(2026-05-20 10:00 +09:00);
    vec![
        RoundEvent::RoundOpened {
            round_id: RoundId::from_uuid(Uuid::from_u128(0x7000)),
            settings: step_up(),
            by: staff(),
            at: datetime!(2026-03-15 09:00 +09:00),
        },
        RoundEvent::ScoringClosed { by: staff(), at },
        RoundEvent::RankingFixed {
            rows: vec![
                row(1, 1, 96, true, RankOutcome::Adopted),
                row(2, 2, 92, true, RankOutcome::Adopted),
                row(3, 3, 88, true, RankOutcome::RunnerUp),
                row(5, 4, 84, true, RankOutcome::NotAdopted),
                row(6, 5, 80, true, RankOutcome::NotAdopted),
                row(4, 6, 40, false, RankOutcome::NotAdopted),
            ],
            fixed_on: date!(2026 - 05 - 20),
            offer_expires_on: Some(date!(2026 - 05 - 27)),
            by: staff(),
            at,
        },
    ]
}

/// An award as a decision records it now: the notice number is the follow-up's to assign.
fn decided(n: u128, amount: i64) -> RoundEvent {
    RoundEvent::AwardDecided {
        application_id: app(n),
        grant_id: grant(n),
        group_id: group(n),
        amount: yen(amount),
        prior_grants: Some(0),
        rate: Some(Ratio::ONE),
        notice_number: String::new(),
        conditions: String::new(),
        completion_deadline: date!(2027 - 02 - 28),
        decided_on: jst_date(DECIDED_AT),
        by: staff(),
        decided_at: DECIDED_AT,
    }
}

fn runner_up_declined() -> RoundEvent {
    RoundEvent::RunnerUpOfferDeclined {
        application_id: app(3),
        by: applicant(),
        at: datetime!(2026-05-22 10:00 +09:00),
    }
}

/// App 1's amount finalised at 436,000: 64,000 comes back.
fn released_from_1() -> RoundEvent {
    RoundEvent::AwardReleased {
        application_id: app(1),
        grant_id: grant(1),
        amount: yen(64_000),
        remaining_amount: yen(436_000),
        by: staff(),
        at: datetime!(2026-06-20 10:00 +09:00),
    }
}

/// The first decisions done, the runner-up declined, and 64,000 back from app 1: 264,000 is free.
fn money_back() -> Vec<RoundEvent> {
    let mut events = ranked();
    events.extend([
        decided(1, 500_000),
        decided(2, 300_000),
        runner_up_declined(),
        released_from_1(),
    ]);
    events
}

fn with(
    mut events: Vec<RoundEvent>,
    more: impl IntoIterator<Item = RoundEvent>,
) -> Vec<RoundEvent> {
    events.extend(more);
    events
}

fn offer(n: u128, requested: i64, at: OffsetDateTime) -> RoundCommand {
    RoundCommand::OfferPromotion {
        application_id: app(n),
        requested: yen(requested),
        withdrawn: vec![],
        by: staff(),
        at,
    }
}

fn offered(n: u128, rank: u32, amount: i64, available: i64) -> RoundEvent {
    RoundEvent::PromotionOffered {
        application_id: app(n),
        rank,
        amount: yen(amount),
        available: yen(available),
        offered_on: date!(2026 - 07 - 01),
        expires_on: date!(2026 - 07 - 08),
        by: staff(),
        at: OFFER_AT,
    }
}

fn answer(n: u128, accept: bool, at: OffsetDateTime) -> RoundCommand {
    RoundCommand::RespondToPromotion {
        application_id: app(n),
        accept,
        by: applicant(),
        at,
    }
}

fn accepted(n: u128, amount: i64) -> RoundEvent {
    RoundEvent::PromotionAccepted {
        application_id: app(n),
        amount: yen(amount),
        by: applicant(),
        at: datetime!(2026-07-03 10:00 +09:00),
    }
}

fn declined(n: u128) -> RoundEvent {
    RoundEvent::PromotionDeclined {
        application_id: app(n),
        by: applicant(),
        at: datetime!(2026-07-03 10:00 +09:00),
    }
}

/// Application `n` of group `n` awarded `amount` of its `requested` (rate 1/1, maximum = requested).
fn award(n: u128, amount: i64, requested: i64) -> AwardRequest {
    AwardRequest {
        application_id: app(n),
        grant_id: grant(n),
        group_id: group(n),
        amount: yen(amount),
        requested: yen(requested),
        budget: Budget {
            income: vec![],
            expenses: vec![ExpenseLine {
                category: ExpenseCategory::Rentals,
                item: "会場使用料".into(),
                quantity: 1,
                unit_price: yen(requested),
            }],
        },
        grants_in_other_rounds: 0,
        conditions: String::new(),
        completion_deadline: date!(2027 - 02 - 28),
    }
}

fn decide(award: AwardRequest, at: OffsetDateTime) -> RoundCommand {
    RoundCommand::Decide {
        awards: vec![award],
        rejections: vec![],
        by: staff(),
        at,
    }
}

fn refused(error: PromotionError) -> RoundError {
    RoundError::Promotion(error)
}

// ---------------------------------------------------------------- the offer

#[test]
fn money_back_is_offered_to_the_next_passing_application_rounded_down_to_the_unit() {
    // 1,000,000 - (436,000 + 300,000) = 264,000 free; app 5 asked 150,500 -> 150,000 offered,
    // answer due 1 July + 7 = 8 July.
    given(money_back())
        .when(offer(5, 150_500, OFFER_AT))
        .then_expect_events(vec![offered(5, 4, 150_000, 264_000)]);
}

#[test]
fn a_request_above_the_money_back_is_offered_what_is_free() {
    // App 5 asked 400,000: only 264,000 is free, so 264,000 is offered.
    given(money_back())
        .when(offer(5, 400_000, OFFER_AT))
        .then_expect_events(vec![offered(5, 4, 264_000, 264_000)]);
}

#[test]
fn the_round_names_the_next_candidate_and_refuses_any_other() {
    let mut round = Round::default();
    for event in money_back() {
        round.apply(event);
    }
    assert_eq!(
        round.next_promotion(date!(2026 - 07 - 01), &[]),
        Ok(NextPromotion {
            application_id: app(5),
            rank: 4,
            available: yen(264_000),
        })
    );
    given(money_back())
        .when(offer(6, 90_000, OFFER_AT))
        .then_expect_error(refused(PromotionError::NotNext {
            asked: app(6),
            next: app(5),
        }));
    // App 4 failed the pass line and app 3 was the runner-up: neither is ever next.
    given(with(
        money_back(),
        [offered(5, 4, 150_000, 264_000), declined(5)],
    ))
    .when(offer(4, 90_000, OFFER_AT))
    .then_expect_error(refused(PromotionError::NotNext {
        asked: app(4),
        next: app(6),
    }));
}

#[test]
fn no_promotion_before_the_first_decisions_are_done() {
    let mut undecided = ranked();
    undecided.extend([decided(1, 500_000), runner_up_declined()]);
    given(undecided)
        .when(offer(5, 150_000, OFFER_AT))
        .then_expect_error(refused(PromotionError::AdoptedUndecided(app(2))));
    // The runner-up has not answered and its 27 May has not passed.
    let unanswered = with(ranked(), [decided(1, 500_000), decided(2, 300_000)]);
    given(unanswered.clone())
        .when(offer(5, 150_000, datetime!(2026-05-27 23:00 +09:00)))
        .then_expect_error(refused(PromotionError::RunnerUpPending(app(3))));
    // On 28 May it has lapsed: its 200,000 is free for app 5.
    given(unanswered)
        .when(offer(5, 150_000, datetime!(2026-05-28 09:00 +09:00)))
        .then_expect_events(vec![RoundEvent::PromotionOffered {
            application_id: app(5),
            rank: 4,
            amount: yen(150_000),
            available: yen(200_000),
            offered_on: date!(2026 - 05 - 28),
            expires_on: date!(2026 - 06 - 04),
            by: staff(),
            at: datetime!(2026-05-28 09:00 +09:00),
        }]);
}

#[test]
fn no_promotion_without_money_back_of_at_least_the_floor() {
    // The runner-up took its 200,000: nothing is free.
    let full = with(
        ranked(),
        [
            decided(1, 500_000),
            decided(2, 300_000),
            RoundEvent::RunnerUpOfferAccepted {
                application_id: app(3),
                remainder: yen(200_000),
                by: applicant(),
                at: datetime!(2026-05-22 10:00 +09:00),
            },
            decided(3, 200_000),
        ],
    );
    let no_budget = |available| {
        refused(PromotionError::NoBudget {
            available: yen(available),
            unit: yen(1_000),
            floor: yen(50_000),
        })
    };
    given(full.clone())
        .when(offer(5, 150_000, OFFER_AT))
        .then_expect_error(no_budget(0));
    // 40,000 back from app 1 is below the floor of 50,000.
    let small = RoundEvent::AwardReleased {
        application_id: app(1),
        grant_id: grant(1),
        amount: yen(40_000),
        remaining_amount: yen(460_000),
        by: staff(),
        at: datetime!(2026-06-20 10:00 +09:00),
    };
    given(with(full, [small]))
        .when(offer(5, 150_000, OFFER_AT))
        .then_expect_error(no_budget(40_000));
}

#[test]
fn no_promotion_after_the_fiscal_year() {
    given(money_back())
        .when(offer(5, 150_000, datetime!(2027-04-01 00:00 +09:00)))
        .then_expect_error(refused(PromotionError::FiscalYearOver(date!(
            2027 - 03 - 31
        ))));
    // On 28 March the answer is due by 31 March, not 4 April.
    let at = datetime!(2027-03-28 10:00 +09:00);
    given(money_back())
        .when(offer(5, 150_000, at))
        .then_expect_events(vec![RoundEvent::PromotionOffered {
            application_id: app(5),
            rank: 4,
            amount: yen(150_000),
            available: yen(264_000),
            offered_on: date!(2027 - 03 - 28),
            expires_on: date!(2027 - 03 - 31),
            by: staff(),
            at,
        }]);
}

#[test]
fn one_offer_at_a_time_then_the_next_in_rank_order() {
    let open = with(money_back(), [offered(5, 4, 150_000, 264_000)]);
    given(open.clone())
        .when(offer(6, 90_000, OFFER_AT))
        .then_expect_error(refused(PromotionError::OfferOpen(app(5))));
    // Accepted but not yet decided still holds the money.
    given(with(open.clone(), [accepted(5, 150_000)]))
        .when(offer(6, 90_000, OFFER_AT))
        .then_expect_error(refused(PromotionError::OfferOpen(app(5))));
    // Declined: app 6 is next, offered its 90,000 of the 264,000 free.
    let later = datetime!(2026-07-03 11:00 +09:00);
    let next = |available: i64| RoundEvent::PromotionOffered {
        application_id: app(6),
        rank: 5,
        amount: yen(90_000),
        available: yen(available),
        offered_on: date!(2026 - 07 - 03),
        expires_on: date!(2026 - 07 - 10),
        by: staff(),
        at: later,
    };
    given(with(open.clone(), [declined(5)]))
        .when(offer(6, 90_000, later))
        .then_expect_events(vec![next(264_000)]);
    // Lapsed unanswered after 8 July: app 6 is next.
    let lapsed_at = datetime!(2026-07-09 10:00 +09:00);
    given(open.clone())
        .when(offer(6, 90_000, lapsed_at))
        .then_expect_events(vec![RoundEvent::PromotionOffered {
            application_id: app(6),
            rank: 5,
            amount: yen(90_000),
            available: yen(264_000),
            offered_on: date!(2026 - 07 - 09),
            expires_on: date!(2026 - 07 - 16),
            by: staff(),
            at: lapsed_at,
        }]);
    // Accepted and decided at 150,000: 114,000 stays free for app 6.
    let decided_5 = with(open.clone(), [accepted(5, 150_000), decided(5, 150_000)]);
    given(decided_5)
        .when(offer(6, 90_000, later))
        .then_expect_events(vec![next(114_000)]);
    // Both declined: nobody is left (app 4 failed the pass line).
    given(with(open, [declined(5), next(264_000), declined(6)]))
        .when(offer(4, 90_000, later))
        .then_expect_error(refused(PromotionError::NoCandidate));
}

#[test]
fn an_application_its_group_withdrew_is_skipped() {
    let mut round = Round::default();
    for event in money_back() {
        round.apply(event);
    }
    assert_eq!(round.promotion_candidates(), vec![app(5), app(6)]);
    // App 5 was withdrawn after the ranking: app 6 (rank 5) is next, offered its 90,000.
    given(money_back())
        .when(RoundCommand::OfferPromotion {
            application_id: app(6),
            requested: yen(90_000),
            withdrawn: vec![app(5)],
            by: staff(),
            at: OFFER_AT,
        })
        .then_expect_events(vec![offered(6, 5, 90_000, 264_000)]);
}

// ---------------------------------------------------------------- the answer

#[test]
fn the_group_answers_by_the_last_day_once() {
    let open = with(money_back(), [offered(5, 4, 150_000, 264_000)]);
    let last = datetime!(2026-07-08 23:59 +09:00);
    given(open.clone())
        .when(answer(5, true, last))
        .then_expect_events(vec![RoundEvent::PromotionAccepted {
            application_id: app(5),
            amount: yen(150_000),
            by: applicant(),
            at: last,
        }]);
    given(open.clone())
        .when(answer(5, false, last))
        .then_expect_events(vec![RoundEvent::PromotionDeclined {
            application_id: app(5),
            by: applicant(),
            at: last,
        }]);
    given(open.clone())
        .when(answer(5, true, datetime!(2026-07-09 00:00 +09:00)))
        .then_expect_error(refused(PromotionError::Expired(date!(2026 - 07 - 08))));
    given(with(open, [declined(5)]))
        .when(answer(5, true, last))
        .then_expect_error(refused(PromotionError::AlreadyAnswered));
    given(money_back())
        .when(answer(6, true, last))
        .then_expect_error(refused(PromotionError::NoOffer(app(6))));
}

// ---------------------------------------------------------------- the award

#[test]
fn an_accepted_promotion_is_awarded_once_at_most_the_amount_offered() {
    let open = with(money_back(), [offered(5, 4, 150_000, 264_000)]);
    let at = datetime!(2026-07-06 10:00 +09:00);
    given(open.clone())
        .when(decide(award(5, 150_000, 150_500), at))
        .then_expect_error(RoundError::OfferNotAccepted(app(5)));
    let taken = with(open, [accepted(5, 150_000)]);
    given(taken.clone())
        .when(decide(award(5, 151_000, 160_000), at))
        .then_expect_error(refused(PromotionError::AboveOffered {
            amount: yen(151_000),
            offered: yen(150_000),
        }));
    let mut expected = decided(5, 150_000);
    if let RoundEvent::AwardDecided {
        decided_on,
        decided_at,
        ..
    } = &mut expected
    {
        *decided_on = date!(2026 - 07 - 06);
        *decided_at = at;
    }
    given(taken.clone())
        .when(decide(award(5, 150_000, 150_500), at))
        .then_expect_events(vec![expected.clone()]);
    given(with(taken, [expected]))
        .when(decide(award(5, 150_000, 150_500), at))
        .then_expect_error(RoundError::AlreadyDecided(app(5)));
}

#[test]
fn a_round_snapshot_from_before_promotions_loads_without_any() {
    let mut round = Round::default();
    for event in ranked() {
        round.apply(event);
    }
    let mut json = serde_json::to_value(&round).unwrap();
    json.as_object_mut().unwrap().remove("promotions");
    let loaded: Round = serde_json::from_value(json).unwrap();
    assert!(loaded.promotions.is_empty());
    assert_eq!(loaded.ranking, round.ranking);
}
