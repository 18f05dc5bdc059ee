//! Rule 9's due date as given/when/then: the round's grace date, extensions, and the delay reason a
//! late report gives (see `due_date`). The grant of `tests`: completion 28 February 2027, 30 days,
//! so due on 30 March 2027 unless a grace date or an extension says otherwise.

use time::macros::{date, datetime};

use super::tests::{
    accept, advanced, applicant, decided, decision, history, noon, report, run, save, staff, state,
    yen, Framework, REVIEW_DAY,
};
use super::*;
use crate::refusal::{Refusal, RefusalKind};

fn extend(deadline: Date, reason: &str, day: Date) -> GrantCommand {
    GrantCommand::ExtendSettlementDeadline {
        deadline,
        reason: reason.into(),
        by: staff(),
        at: noon(day),
    }
}

fn extended(previous: Date, deadline: Date, day: Date) -> GrantEvent {
    GrantEvent::SettlementDeadlineExtended {
        previous,
        deadline,
        reason: "講師の急病により報告会が延期されたため".into(),
        by: staff(),
        at: noon(day),
    }
}

fn submit_late(reason: Option<&str>, at: OffsetDateTime) -> GrantCommand {
    GrantCommand::SubmitSettlementReport {
        delay_reason: reason.map(Into::into),
        by: applicant(),
        at,
    }
}

/// The advanced grant with its report saved on 1 March 2027.
fn saved() -> Vec<GrantEvent> {
    let saved = run(
        advanced(),
        save(report(350_000, 30_000), date!(2027 - 03 - 01)),
    )
    .unwrap();
    history(&[advanced(), saved])
}

const LATE: OffsetDateTime = datetime!(2027-04-02 10:00 +9);
const DELAY_REASON: &str = "会計担当者の入院により領収書の整理が遅れました";

fn late_submission() -> Vec<GrantEvent> {
    vec![
        GrantEvent::SettlementReportSubmitted {
            report: report(350_000, 30_000),
            deadline: date!(2027 - 03 - 30),
            by: applicant(),
            at: LATE,
        },
        GrantEvent::SettlementDelayExplained {
            reason: DELAY_REASON.into(),
            deadline: date!(2027 - 03 - 30),
            by: applicant(),
            at: LATE,
        },
    ]
}

#[test]
fn the_rounds_grace_date_binds_the_due_date() {
    // Given a round whose reports close on 20 March 2027: 28 February + 30 days (30 March) is cut to 20 March.
    let early = GrantEvent::GrantDecided {
        decision: GrantDecision {
            settlement_grace_date: Some(date!(2027 - 03 - 20)),
            ..decision()
        },
        decided_on: date!(2026 - 06 - 01),
        by: staff(),
        at: datetime!(2026-06-01 01:00 UTC),
    };
    assert_eq!(
        state(&[early]).settlement_due_on(),
        Some(date!(2027 - 03 - 20))
    );
    // Without the setting, 10 April does not bind: 30 March.
    assert_eq!(
        state(&[decided()]).settlement_due_on(),
        Some(date!(2027 - 03 - 30))
    );
}

#[test]
fn a_decision_recorded_before_the_grace_date_setting_loads_with_the_tenth_of_april() {
    // Given a GrantDecided payload stored before `settlement_grace_date` existed.
    let mut stored = serde_json::to_value(decided()).unwrap();
    stored["GrantDecided"]["decision"]
        .as_object_mut()
        .unwrap()
        .remove("settlement_grace_date");
    assert!(stored["GrantDecided"]["decision"]
        .get("settlement_grace_date")
        .is_none());
    // When it loads, then it is the same decision, and the grace date is 10 April 2027.
    let loaded: GrantEvent = serde_json::from_value(stored).unwrap();
    assert_eq!(loaded, decided());
    let grant = state(&[loaded]);
    assert_eq!(
        grant.award.as_ref().unwrap().grace_date(),
        date!(2027 - 04 - 10)
    );
    // A snapshot of a grant taken before the extensions existed loads too.
    let mut snapshot = serde_json::to_value(&grant).unwrap();
    let fields = snapshot.as_object_mut().unwrap();
    fields.remove("settlement_extensions");
    fields.remove("settlement_delay");
    let award = fields.get_mut("award").unwrap().as_object_mut().unwrap();
    award.remove("settlement_grace_date");
    assert_eq!(serde_json::from_value::<Grant>(snapshot).unwrap(), grant);
}

#[test]
fn staff_extend_the_due_date_before_it_passes() {
    // Given the grant due on 30 March, when staff extend it on 25 March to 30 April,
    Framework::with(())
        .given(advanced())
        .when(extend(
            date!(2027 - 04 - 30),
            "講師の急病により報告会が延期されたため",
            date!(2027 - 03 - 25),
        ))
        .then_expect_events(vec![extended(
            date!(2027 - 03 - 30),
            date!(2027 - 04 - 30),
            date!(2027 - 03 - 25),
        )]);
    // then the report submitted on 20 April is on time.
    let given = history(&[
        saved(),
        vec![extended(
            date!(2027 - 03 - 30),
            date!(2027 - 04 - 30),
            date!(2027 - 03 - 25),
        )],
    ]);
    assert_eq!(
        state(&given).settlement_due_on(),
        Some(date!(2027 - 04 - 30))
    );
    let at = datetime!(2027-04-20 10:00 +9);
    Framework::with(())
        .given(given)
        .when(submit_late(None, at))
        .then_expect_events(vec![GrantEvent::SettlementReportSubmitted {
            report: report(350_000, 30_000),
            deadline: date!(2027 - 04 - 30),
            by: applicant(),
            at,
        }]);
}

#[test]
fn staff_extend_the_due_date_after_it_passed_but_not_into_the_past() {
    // Given the due date 30 March has passed; on 5 April staff may extend it to 15 April,
    let given = advanced();
    assert!(run(
        given.clone(),
        extend(date!(2027 - 04 - 15), "理由", date!(2027 - 04 - 05))
    )
    .is_ok());
    // but not to 3 April (before today), nor to 30 March or earlier (not later than the due date).
    Framework::with(())
        .given(given.clone())
        .when(extend(date!(2027 - 04 - 03), "理由", date!(2027 - 04 - 05)))
        .then_expect_error(GrantError::ExtensionInPast {
            deadline: date!(2027 - 04 - 03),
            today: date!(2027 - 04 - 05),
        });
    Framework::with(())
        .given(given.clone())
        .when(extend(date!(2027 - 03 - 30), "理由", date!(2027 - 03 - 01)))
        .then_expect_error(GrantError::ExtensionNotLater {
            deadline: date!(2027 - 03 - 30),
            previous: date!(2027 - 03 - 30),
        });
    // A reason is required.
    Framework::with(())
        .given(given)
        .when(extend(date!(2027 - 04 - 15), "  ", date!(2027 - 04 - 05)))
        .then_expect_error(GrantError::TextRequired { field: "reason" });
}

#[test]
fn the_due_date_cannot_be_extended_once_the_report_is_submitted() {
    let given = history(&[saved(), late_submission()]);
    let refused = run(
        given,
        extend(date!(2027 - 04 - 30), "理由", date!(2027 - 04 - 03)),
    )
    .unwrap_err();
    assert_eq!(
        refused,
        GrantError::StatusForbids {
            action: GrantAction::ExtendSettlementDeadline,
            status: GrantStatus::ReportSubmitted,
        }
    );
}

#[test]
fn a_late_report_without_a_delay_reason_is_refused_with_the_rule() {
    // Given the report due on 30 March; when it comes on 2 April without a reason, it is refused.
    let refused = run(saved(), submit_late(None, LATE)).unwrap_err();
    assert_eq!(
        refused,
        GrantError::ReportLate {
            deadline: date!(2027 - 03 - 30)
        }
    );
    assert_eq!(refused.kind(), RefusalKind::Rule);
    assert_eq!(refused.field(), Some("delay_reason"));
    assert_eq!(
        refused.message_ja(),
        "実績報告の提出期限2027年3月30日を過ぎています。遅延理由を記入して提出してください"
    );
    assert_eq!(
        run(saved(), submit_late(Some("   "), LATE)).unwrap_err(),
        refused
    );
}

#[test]
fn a_late_report_with_a_delay_reason_is_taken_and_waits_for_staff() {
    // When the late report gives its reason, it is submitted and the reason recorded.
    Framework::with(())
        .given(saved())
        .when(submit_late(Some(&format!("  {DELAY_REASON} ")), LATE))
        .then_expect_events(late_submission());
    let grant = state(&history(&[saved(), late_submission()]));
    assert!(grant.delay_pending());
    assert!(grant.allows(GrantAction::AcceptDelayReason));
    // Then staff may not finalise the amount until they accept the reason,
    let given = history(&[saved(), late_submission()]);
    let refused = run(given.clone(), accept()).unwrap_err();
    assert_eq!(
        refused,
        GrantError::DelayNotAccepted {
            deadline: date!(2027 - 03 - 30)
        }
    );
    assert_eq!(refused.kind(), RefusalKind::State);
    // but they may return the report.
    assert!(run(
        given.clone(),
        GrantCommand::ReviewSettlement {
            outcome: ReviewOutcome::Returned {
                reason: "領収書の日付を確認してください".into()
            },
            by: staff(),
            at: noon(REVIEW_DAY),
        }
    )
    .is_ok());
    // When staff accept the reason,
    let accepted = GrantEvent::SettlementDelayAccepted {
        by: staff(),
        at: noon(date!(2027 - 04 - 05)),
    };
    Framework::with(())
        .given(given.clone())
        .when(GrantCommand::AcceptDelayReason {
            by: staff(),
            at: noon(date!(2027 - 04 - 05)),
        })
        .then_expect_events(vec![accepted.clone()]);
    // then the amount is finalised as usual: 3/4 x (350,000 - 30,000) = 240,000; 228,800 paid, 11,200 payable.
    let given = history(&[given, vec![accepted]]);
    assert!(!state(&given).delay_pending());
    assert!(!state(&given).allows(GrantAction::AcceptDelayReason));
    let events = run(given.clone(), accept()).unwrap();
    let GrantEvent::AmountFinalised {
        finalised, payable, ..
    } = &events[0]
    else {
        panic!("expected AmountFinalised");
    };
    assert_eq!((*finalised, *payable), (yen(240_000), yen(11_200)));
    // A reason is accepted only once.
    assert!(matches!(
        run(
            given,
            GrantCommand::AcceptDelayReason {
                by: staff(),
                at: noon(date!(2027 - 04 - 06)),
            }
        ),
        Err(GrantError::StatusForbids {
            action: GrantAction::AcceptDelayReason,
            ..
        })
    ));
}

#[test]
fn a_report_on_time_records_no_delay_reason() {
    let at = datetime!(2027-03-30 23:59 +9);
    let events = run(saved(), submit_late(Some(DELAY_REASON), at)).unwrap();
    assert_eq!(events.len(), 1);
    assert!(!state(&history(&[saved(), events])).delay_pending());
}
