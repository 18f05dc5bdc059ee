//! Given/when/then tests of a scoresheet (rule 4), read like the rule book.

use std::collections::BTreeMap;

use cqrs_es::test::TestFramework;
use time::macros::datetime;
use uuid::Uuid;

use super::*;
use crate::criteria::{Criteria, CriteriaError, Criterion};

type ReviewTest = TestFramework<Review>;

fn given(events: Vec<ReviewEvent>) -> cqrs_es::test::AggregateTestExecutor<Review> {
    ReviewTest::with(()).given(events)
}

const AT: OffsetDateTime = datetime!(2026-05-05 14:00 +09:00);

fn application() -> ApplicationId {
    ApplicationId::from_uuid(Uuid::from_u128(0xA1))
}

fn round() -> RoundId {
    RoundId::from_uuid(Uuid::from_u128(0xB1))
}

fn reviewer() -> UserId {
    UserId::from_uuid(Uuid::from_u128(0xC1))
}

fn criteria() -> Criteria {
    Criteria::new(
        ["公益性", "市民性", "発展性", "実現性", "自立性"]
            .iter()
            .enumerate()
            .map(|(i, label)| Criterion {
                key: format!("c{i}"),
                label: (*label).into(),
                min: 0,
                max: 10,
            })
            .collect(),
    )
    .unwrap()
}

fn points(values: &[u32]) -> BTreeMap<String, u32> {
    values
        .iter()
        .enumerate()
        .map(|(i, &p)| (format!("c{i}"), p))
        .collect()
}

fn scores(values: &[u32]) -> BTreeMap<String, crate::criteria::Score> {
    criteria().check_scores(&points(values)).unwrap()
}

fn declare(conflict: bool, is_committee_member: bool) -> ReviewCommand {
    ReviewCommand::DeclareConflict {
        application_id: application(),
        round_id: round(),
        reviewer_id: reviewer(),
        is_committee_member,
        conflict,
        note: if conflict {
            " 申請団体の役員を務めています ".into()
        } else {
            String::new()
        },
        at: AT,
    }
}

fn declared(conflict: bool) -> ReviewEvent {
    ReviewEvent::ConflictDeclared {
        application_id: application(),
        round_id: round(),
        reviewer_id: reviewer(),
        conflict,
        note: if conflict {
            "申請団体の役員を務めています".into()
        } else {
            String::new()
        },
        at: AT,
    }
}

fn save(values: &[u32], scoring_open: bool) -> ReviewCommand {
    ReviewCommand::SaveScores {
        scores: points(values),
        comment: " 地域への波及効果が期待できる ".into(),
        criteria: criteria(),
        scoring_open,
        at: AT,
    }
}

fn saved(values: &[u32]) -> ReviewEvent {
    ReviewEvent::ScoresSaved {
        scores: scores(values),
        comment: "地域への波及効果が期待できる".into(),
        at: AT,
    }
}

fn seal(scoring_open: bool) -> ReviewCommand {
    ReviewCommand::Seal {
        criteria: criteria(),
        scoring_open,
        at: AT,
    }
}

fn sealed(total: u32) -> ReviewEvent {
    ReviewEvent::ScoresheetSealed { total, at: AT }
}

fn state(events: Vec<ReviewEvent>) -> Review {
    let mut review = Review::default();
    for event in events {
        review.apply(event);
    }
    review
}

// ---------------------------------------------------------------- declaration

#[test]
fn the_aggregate_id_joins_the_application_and_the_reviewer() {
    assert_eq!(
        review_id(application(), reviewer()),
        "00000000-0000-0000-0000-0000000000a1:00000000-0000-0000-0000-0000000000c1"
    );
}

#[test]
fn a_committee_member_declares_no_conflict() {
    given(vec![])
        .when(declare(false, true))
        .then_expect_events(vec![declared(false)]);
}

#[test]
fn a_committee_member_declares_a_conflict_with_a_trimmed_note() {
    given(vec![])
        .when(declare(true, true))
        .then_expect_events(vec![declared(true)]);
}

#[test]
fn only_a_committee_member_may_declare() {
    given(vec![])
        .when(declare(false, false))
        .then_expect_error(ReviewError::NotACommitteeMember);
}

#[test]
fn a_declared_conflict_is_final() {
    given(vec![declared(true)])
        .when(declare(false, true))
        .then_expect_error(ReviewError::ConflictIsFinal);
    given(vec![declared(true)])
        .when(declare(true, true))
        .then_expect_error(ReviewError::ConflictIsFinal);
}

#[test]
fn no_conflict_may_become_a_conflict_before_sealing_and_the_draft_is_discarded() {
    given(vec![declared(false), saved(&[8, 8, 8, 8, 8])])
        .when(declare(true, true))
        .then_expect_events(vec![declared(true)]);
    let review = state(vec![
        declared(false),
        saved(&[8, 8, 8, 8, 8]),
        declared(true),
    ]);
    assert!(review.scores.is_empty());
    assert!(review.comment.is_empty());
    assert_eq!(review.outcome(), SheetOutcome::Conflicted);
}

#[test]
fn declaring_no_conflict_twice_is_refused() {
    given(vec![declared(false)])
        .when(declare(false, true))
        .then_expect_error(ReviewError::AlreadyDeclared);
}

#[test]
fn a_sealed_sheet_cannot_turn_into_a_conflict() {
    given(vec![declared(false), saved(&[8, 8, 8, 8, 8]), sealed(40)])
        .when(declare(true, true))
        .then_expect_error(ReviewError::AlreadySealed);
}

#[test]
fn a_declaration_must_name_the_same_sheet() {
    given(vec![declared(false)])
        .when(ReviewCommand::DeclareConflict {
            application_id: ApplicationId::from_uuid(Uuid::from_u128(0xA2)),
            round_id: round(),
            reviewer_id: reviewer(),
            is_committee_member: true,
            conflict: true,
            note: String::new(),
            at: AT,
        })
        .then_expect_error(ReviewError::WrongSheet);
}

#[test]
fn an_over_long_note_is_refused() {
    given(vec![])
        .when(ReviewCommand::DeclareConflict {
            application_id: application(),
            round_id: round(),
            reviewer_id: reviewer(),
            is_committee_member: true,
            conflict: true,
            note: "あ".repeat(NOTE_MAX_CHARS + 1),
            at: AT,
        })
        .then_expect_error(ReviewError::TextTooLong {
            field: "note",
            max: NOTE_MAX_CHARS,
        });
}

#[test]
fn a_note_keeps_its_line_breaks_but_not_a_nul() {
    use crate::text::{ForbiddenCharacter, Lines};
    given(vec![])
        .when(ReviewCommand::DeclareConflict {
            application_id: application(),
            round_id: round(),
            reviewer_id: reviewer(),
            is_committee_member: true,
            conflict: true,
            note: "親族が\r\n\t役員です\0".into(),
            at: AT,
        })
        .then_expect_error(ReviewError::Text(ForbiddenCharacter {
            field: "note",
            character: '\0',
            lines: Lines::Many,
        }));
}

// ---------------------------------------------------------------- scoring

#[test]
fn a_reviewer_without_a_conflict_saves_a_partial_draft() {
    given(vec![declared(false)])
        .when(save(&[8, 7], true))
        .then_expect_events(vec![saved(&[8, 7])]);
}

#[test]
fn a_new_save_replaces_the_whole_draft() {
    let review = state(vec![declared(false), saved(&[8, 7, 6]), saved(&[9])]);
    assert_eq!(review.scores, scores(&[9]));
}

#[test]
fn scoring_before_declaring_is_refused() {
    given(vec![])
        .when(save(&[8], true))
        .then_expect_error(ReviewError::NotDeclared);
}

#[test]
fn a_conflicted_reviewer_cannot_score() {
    given(vec![declared(true)])
        .when(save(&[8], true))
        .then_expect_error(ReviewError::Conflicted);
    given(vec![declared(true)])
        .when(seal(true))
        .then_expect_error(ReviewError::Conflicted);
}

#[test]
fn a_score_outside_its_range_is_refused() {
    given(vec![declared(false)])
        .when(save(&[11], true))
        .then_expect_error(ReviewError::Criteria(CriteriaError::OutOfRange {
            key: "c0".into(),
            points: 11,
            min: 0,
            max: 10,
        }));
}

#[test]
fn a_score_for_an_unknown_criterion_is_refused() {
    given(vec![declared(false)])
        .when(ReviewCommand::SaveScores {
            scores: BTreeMap::from([("beauty".to_owned(), 5)]),
            comment: String::new(),
            criteria: criteria(),
            scoring_open: true,
            at: AT,
        })
        .then_expect_error(ReviewError::Criteria(CriteriaError::UnknownCriterion(
            "beauty".into(),
        )));
}

#[test]
fn scores_cannot_be_saved_after_scoring_closed() {
    given(vec![declared(false)])
        .when(save(&[8], false))
        .then_expect_error(ReviewError::ScoringClosed);
}

#[test]
fn scores_cannot_be_saved_after_sealing() {
    given(vec![declared(false), saved(&[8, 8, 8, 8, 8]), sealed(40)])
        .when(save(&[9, 9, 9, 9, 9], true))
        .then_expect_error(ReviewError::AlreadySealed);
}

// ---------------------------------------------------------------- sealing

#[test]
fn a_complete_sheet_is_sealed_with_its_total() {
    given(vec![declared(false), saved(&[8, 7, 9, 6, 10])])
        .when(seal(true))
        .then_expect_events(vec![sealed(40)]);
}

#[test]
fn an_incomplete_sheet_cannot_be_sealed() {
    given(vec![declared(false), saved(&[8, 7, 9])])
        .when(seal(true))
        .then_expect_error(ReviewError::Criteria(CriteriaError::Unscored("c3".into())));
}

#[test]
fn a_sheet_is_sealed_once() {
    given(vec![declared(false), saved(&[8, 8, 8, 8, 8]), sealed(40)])
        .when(seal(true))
        .then_expect_error(ReviewError::AlreadySealed);
}

#[test]
fn a_sheet_cannot_be_sealed_after_scoring_closed() {
    given(vec![declared(false), saved(&[8, 8, 8, 8, 8])])
        .when(seal(false))
        .then_expect_error(ReviewError::ScoringClosed);
}

#[test]
fn a_sheet_cannot_be_sealed_before_declaring() {
    given(vec![])
        .when(seal(true))
        .then_expect_error(ReviewError::NotDeclared);
}

// ---------------------------------------------------------------- what the round and the app read

#[test]
fn the_outcome_feeds_the_ranking() {
    assert_eq!(Review::default().outcome(), SheetOutcome::Missing);
    assert_eq!(
        state(vec![declared(false)]).outcome(),
        SheetOutcome::Missing
    );
    assert_eq!(
        state(vec![declared(false), saved(&[8, 8, 8, 8, 8])]).outcome(),
        SheetOutcome::Missing
    );
    assert_eq!(
        state(vec![declared(false), saved(&[8, 8, 8, 8, 8]), sealed(40)]).outcome(),
        SheetOutcome::Scored(40)
    );
    assert_eq!(
        state(vec![declared(true)]).outcome(),
        SheetOutcome::Conflicted
    );
}

#[test]
fn sealed_scores_stay_hidden_from_other_reviewers_until_scoring_closes() {
    let review = state(vec![declared(false), saved(&[8, 8, 8, 8, 8]), sealed(40)]);
    let other = UserId::from_uuid(Uuid::from_u128(0xC2));
    assert!(!visible_to_others(false));
    assert!(visible_to_others(true));
    assert!(review.scores_visible_to(reviewer(), false));
    assert!(!review.scores_visible_to(other, false));
    assert!(review.scores_visible_to(other, true));
}

#[test]
fn refusals_carry_stable_codes_and_kinds() {
    use crate::refusal::{Refusal, RefusalKind};
    assert_eq!(ReviewError::Conflicted.code(), "review.conflicted");
    assert_eq!(ReviewError::Conflicted.kind(), RefusalKind::Rule);
    assert_eq!(ReviewError::AlreadySealed.kind(), RefusalKind::State);
    let out_of_range = ReviewError::Criteria(CriteriaError::OutOfRange {
        key: "c0".into(),
        points: 11,
        min: 0,
        max: 10,
    });
    assert_eq!(out_of_range.code(), "criteria.score_out_of_range");
    assert!(!out_of_range.message_ja().contains("規則"));
}

#[test]
fn events_name_themselves_and_round_trip_through_json() {
    use cqrs_es::DomainEvent;
    for event in [declared(true), saved(&[8, 7]), sealed(40)] {
        assert_eq!(event.event_version(), "1.0");
        let json = serde_json::to_string(&event).unwrap();
        assert!(json.contains(&event.event_type()));
        assert_eq!(serde_json::from_str::<ReviewEvent>(&json).unwrap(), event);
    }
}

#[test]
fn refusals_about_one_input_name_its_field_in_the_http_contract() {
    use crate::criteria::CriteriaError;
    use crate::refusal::Refusal;
    let too_long = ReviewError::TextTooLong {
        field: "comment",
        max: 4_000,
    };
    assert_eq!(too_long.field(), Some("comment"));
    let out_of_range = ReviewError::Criteria(CriteriaError::OutOfRange {
        key: "civic".into(),
        points: 11,
        min: 0,
        max: 10,
    });
    assert_eq!(out_of_range.field(), Some("scores"));
    assert_eq!(CriteriaError::Empty.field(), Some("criteria"));
    assert_eq!(ReviewError::Conflicted.field(), None);
}
