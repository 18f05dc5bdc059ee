//! Screening records what staff checked and who (`screening`), as given/when/then.

use super::tests::{draft_started, eligible, staff, submitted, ApplicationTest, INSIDE};
use super::*;
use crate::refusal::{Refusal, RefusalKind};

fn all_checked() -> ScreeningChecks {
    ScreeningChecks {
        members: true,
        residents: true,
        rules: true,
        note: "  会員名簿（12名、うち市内在住8名）と規約（第2条に目的）を確認  ".into(),
    }
}

fn screen_with(outcome: ScreeningOutcome, checks: ScreeningChecks) -> ApplicationCommand {
    ApplicationCommand::Screen {
        outcome,
        checks: Some(checks),
        by: staff(),
        at: INSIDE,
    }
}

fn recorded(checks: ScreeningChecks) -> ApplicationEvent {
    ApplicationEvent::ScreeningChecksRecorded {
        checks,
        by: staff(),
        at: INSIDE,
    }
}

#[test]
fn an_acceptance_records_the_three_checks_and_who_did_them() {
    let trimmed = ScreeningChecks {
        note: "会員名簿（12名、うち市内在住8名）と規約（第2条に目的）を確認".into(),
        ..all_checked()
    };
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted()])
        .when(screen_with(ScreeningOutcome::Eligible, all_checked()))
        .then_expect_events(vec![recorded(trimmed.clone()), eligible()]);
    let mut application = Application::default();
    for event in [
        draft_started(),
        submitted(),
        recorded(trimmed.clone()),
        eligible(),
    ] {
        cqrs_es::Aggregate::apply(&mut application, event);
    }
    let record = application.screening_checks().unwrap();
    assert_eq!(record.checks, trimmed);
    assert_eq!(record.by, staff());
    assert_eq!(record.at, INSIDE);
}

#[test]
fn an_acceptance_without_every_check_is_refused_with_the_rule() {
    let refused = ApplicationTest::with(())
        .given(vec![draft_started(), submitted()])
        .when(screen_with(
            ScreeningOutcome::Eligible,
            ScreeningChecks {
                residents: false,
                rules: false,
                ..all_checked()
            },
        ))
        .inspect_result()
        .unwrap_err();
    assert_eq!(
        refused,
        ApplicationError::ChecksIncomplete {
            unchecked: vec!["residents", "rules"]
        }
    );
    assert_eq!(refused.kind(), RefusalKind::Rule);
    assert_eq!(refused.field(), Some("checks"));
    assert_eq!(
        refused.message_ja(),
        "受理するには、市内在住の構成員・団体の規約の確認が必要です（規則1の要件）"
    );
}

#[test]
fn a_return_records_whatever_was_checked() {
    let partly = ScreeningChecks {
        members: true,
        residents: false,
        rules: false,
        note: String::new(),
    };
    let events = ApplicationTest::with(())
        .given(vec![draft_started(), submitted()])
        .when(screen_with(
            ScreeningOutcome::Returned {
                reason: "規約の写しを添付してください".into(),
            },
            partly.clone(),
        ))
        .inspect_result()
        .unwrap();
    assert_eq!(events[0], recorded(partly));
    assert!(matches!(
        events[1],
        ApplicationEvent::ApplicationReturned { .. }
    ));
}

#[test]
fn a_screening_without_checks_records_none() {
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted()])
        .when(ApplicationCommand::Screen {
            outcome: ScreeningOutcome::Eligible,
            checks: None,
            by: staff(),
            at: INSIDE,
        })
        .then_expect_events(vec![eligible()]);
}
