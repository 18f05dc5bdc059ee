//! Correcting a round after opening, as given/when/then (`correction`): the demo step-up round,
//! budget 1,000,000, open 1 April to 1 May 2026 (JST).

use cqrs_es::test::TestFramework;
use time::macros::{date, datetime};
use time::OffsetDateTime;
use uuid::Uuid;

use super::correction::changed_fields;
use super::settings::tests::{step_up, yen};
use super::*;
use crate::refusal::{Refusal, RefusalKind};

fn staff() -> UserId {
    UserId::from_uuid(Uuid::from_u128(0x5_7AFF))
}

fn opened() -> RoundEvent {
    RoundEvent::RoundOpened {
        round_id: RoundId::from_uuid(Uuid::from_u128(0x3f9a)),
        settings: step_up(),
        by: staff(),
        at: datetime!(2026-03-15 09:00 +09:00),
    }
}

/// 20 April 2026, while the window is open.
const NOW: OffsetDateTime = datetime!(2026-04-20 10:00 +09:00);
const REASON: &str = "説明文の誤字を訂正し、受付期間を延長します";

fn correct(settings: RoundSettings, applications: u32) -> RoundCommand {
    RoundCommand::Correct {
        settings,
        reason: REASON.into(),
        applications,
        by: staff(),
        at: NOW,
    }
}

fn corrected(settings: RoundSettings, changed: &[&str]) -> RoundEvent {
    RoundEvent::RoundCorrected {
        settings,
        changed: changed.iter().map(|field| (*field).to_owned()).collect(),
        reason: REASON.into(),
        by: staff(),
        at: NOW,
    }
}

/// The typo fixed, the window extended by two weeks, the budget raised to 1,500,000.
fn the_usual_correction() -> RoundSettings {
    RoundSettings {
        description: "市民活動団体の公益的な事業を支援します。（訂正）".into(),
        closes_at: datetime!(2026-05-15 00:00 +09:00),
        budget: yen(1_500_000),
        ..step_up()
    }
}

#[test]
fn staff_fix_a_typo_extend_the_window_and_raise_the_budget_after_applications_came() {
    // Given a round with 3 applications, when staff correct the description, the closing and the budget,
    TestFramework::<Round>::with(())
        .given(vec![opened()])
        .when(correct(the_usual_correction(), 3))
        .then_expect_events(vec![corrected(
            the_usual_correction(),
            &["description", "budget", "closes_at"],
        )]);
    // then the round holds the corrected settings and the correction's record.
    let mut round = Round::default();
    round.apply(opened());
    round.apply(corrected(
        the_usual_correction(),
        &["description", "budget", "closes_at"],
    ));
    assert_eq!(round.opened().unwrap().budget, yen(1_500_000));
    assert_eq!(round.remaining_budget(), yen(1_500_000));
    assert_eq!(round.corrections.len(), 1);
    assert_eq!(round.corrections[0].reason, REASON);
    assert!(round
        .opened()
        .unwrap()
        .is_open_for_submission(datetime!(2026-05-10 12:00 +09:00)));
}

#[test]
fn the_terms_applicants_relied_on_are_frozen_once_an_application_exists() {
    let frozen = |settings: RoundSettings, field: &'static str| {
        let refused = TestFramework::<Round>::with(())
            .given(vec![opened()])
            .when(correct(settings, 1))
            .inspect_result()
            .unwrap_err();
        assert_eq!(refused, RoundError::SettingFrozen { field });
        assert_eq!(refused.kind(), RefusalKind::Rule);
        assert_eq!(refused.field(), Some(field));
        refused
    };
    let rate = frozen(
        RoundSettings {
            rate_schedule: crate::amount::RateSchedule::new(vec!["1/2".parse().unwrap()]).unwrap(),
            ..step_up()
        },
        "rate_schedule",
    );
    assert_eq!(
        rate.message_ja(),
        "申請の受付が始まった募集回では補助率を変更できません（申請者が前提とした条件のため）"
    );
    frozen(
        RoundSettings {
            cap: yen(400_000),
            ..step_up()
        },
        "cap",
    );
    frozen(
        RoundSettings {
            pass_ratio: "3/5".parse().unwrap(),
            ..step_up()
        },
        "pass_ratio",
    );
    // Shortening the window: from 1 May to 25 April.
    frozen(
        RoundSettings {
            closes_at: datetime!(2026-04-25 00:00 +09:00),
            ..step_up()
        },
        "closes_at",
    );
    // Lowering the budget: 1,000,000 to 900,000.
    frozen(
        RoundSettings {
            budget: yen(900_000),
            ..step_up()
        },
        "budget",
    );
}

#[test]
fn before_any_application_the_terms_may_still_change() {
    let settings = RoundSettings {
        cap: yen(400_000),
        closes_at: datetime!(2026-04-25 00:00 +09:00),
        ..step_up()
    };
    TestFramework::<Round>::with(())
        .given(vec![opened()])
        .when(correct(settings.clone(), 0))
        .then_expect_events(vec![corrected(settings, &["cap", "closes_at"])]);
}

#[test]
fn a_correction_never_closes_the_window_in_the_past_nor_after_scoring() {
    // Closing at 19 April, before now (20 April), even with no application: refused.
    TestFramework::<Round>::with(())
        .given(vec![opened()])
        .when(correct(
            RoundSettings {
                closes_at: datetime!(2026-04-19 00:00 +09:00),
                ..step_up()
            },
            0,
        ))
        .then_expect_error(RoundError::ClosingInPast);
    // Once scoring has closed, the window is history.
    let closed = RoundEvent::ScoringClosed {
        by: staff(),
        at: datetime!(2026-05-02 10:00 +09:00),
    };
    TestFramework::<Round>::with(())
        .given(vec![opened(), closed])
        .when(correct(the_usual_correction(), 3))
        .then_expect_error(RoundError::ScoringAlreadyClosed);
}

#[test]
fn the_budget_never_falls_below_what_is_decided() {
    // Given 600,000 decided, a budget of 500,000 is refused even before... any further application.
    let decided = RoundEvent::AwardDecided {
        application_id: ApplicationId::from_uuid(Uuid::from_u128(1)),
        grant_id: GrantId::from_uuid(Uuid::from_u128(2)),
        group_id: GroupId::from_uuid(Uuid::from_u128(3)),
        amount: yen(600_000),
        prior_grants: Some(0),
        rate: Some(crate::ratio::Ratio::ONE),
        notice_number: "令和8年度市協第1号".into(),
        conditions: String::new(),
        completion_deadline: date!(2027 - 02 - 28),
        decided_on: date!(2026 - 06 - 01),
        by: staff(),
        decided_at: datetime!(2026-06-01 10:00 +09:00),
    };
    TestFramework::<Round>::with(())
        .given(vec![opened(), decided])
        .when(correct(
            RoundSettings {
                budget: yen(500_000),
                ..step_up()
            },
            0,
        ))
        .then_expect_error(RoundError::BudgetBelowDecided {
            budget: yen(500_000),
            decided: yen(600_000),
        });
}

#[test]
fn a_correction_needs_a_reason_and_a_change_and_valid_settings() {
    TestFramework::<Round>::with(())
        .given(vec![opened()])
        .when(RoundCommand::Correct {
            settings: the_usual_correction(),
            reason: "  ".into(),
            applications: 0,
            by: staff(),
            at: NOW,
        })
        .then_expect_error(RoundError::MissingText("reason"));
    TestFramework::<Round>::with(())
        .given(vec![opened()])
        .when(correct(step_up(), 0))
        .then_expect_error(RoundError::CorrectionUnchanged);
    // Before any application the floor may change, but not above the cap.
    TestFramework::<Round>::with(())
        .given(vec![opened()])
        .when(correct(
            RoundSettings {
                floor: yen(600_000),
                ..step_up()
            },
            0,
        ))
        .then_expect_error(RoundError::FloorAboveCap {
            floor: yen(600_000),
            cap: yen(500_000),
        });
    // A round not opened cannot be corrected.
    TestFramework::<Round>::with(())
        .given_no_previous_events()
        .when(correct(step_up(), 0))
        .then_expect_error(RoundError::NotOpened);
}

#[test]
fn the_course_and_the_fiscal_year_are_never_corrected() {
    TestFramework::<Round>::with(())
        .given(vec![opened()])
        .when(correct(
            RoundSettings {
                course: "はじめの一歩".into(),
                ..step_up()
            },
            0,
        ))
        .then_expect_error(RoundError::NeverCorrected { field: "course" });
    // Followers read the fiscal year from a copy kept in memory (the notices' 年度) for this.
    TestFramework::<Round>::with(())
        .given(vec![opened()])
        .when(correct(
            RoundSettings {
                fiscal_year: crate::FiscalYear::new(2027).unwrap(),
                ..step_up()
            },
            0,
        ))
        .then_expect_error(RoundError::NeverCorrected {
            field: "fiscal_year",
        });
}

#[test]
fn the_changed_fields_are_named_as_the_api_names_them() {
    assert_eq!(
        changed_fields(&step_up(), &the_usual_correction()),
        vec!["description", "budget", "closes_at"]
    );
    assert!(changed_fields(&step_up(), &step_up()).is_empty());
}
