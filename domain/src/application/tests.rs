//! Given/when/then tests of the application aggregate: rules 1, 2 and 3 as an application meets them.

use cqrs_es::test::TestFramework;
use cqrs_es::DomainEvent;
use time::macros::{date, datetime};
use time::OffsetDateTime;

use super::content::{BUDGET_LINES_MAX, SUMMARY_MAX, TITLE_MAX};
use super::*;
use crate::amount::AmountError;
use crate::budget::{Budget, ExpenseCategory, ExpenseLine, IncomeKind, IncomeLine};
use crate::group::GroupError;
use crate::refusal::{Refusal, RefusalKind};
use crate::text::{ForbiddenCharacter, Lines};

pub(super) type ApplicationTest = TestFramework<Application>;

/// Before the window opens: drafting is allowed.
const BEFORE_OPENING: OffsetDateTime = datetime!(2026-04-20 10:00 +09:00);
const OPENS_AT: OffsetDateTime = datetime!(2026-05-01 09:00 +09:00);
pub(super) const INSIDE: OffsetDateTime = datetime!(2026-05-20 15:00 +09:00);
const CLOSES_AT: OffsetDateTime = datetime!(2026-06-01 00:00 +09:00);
pub(super) const AFTER_CLOSING: OffsetDateTime = datetime!(2026-06-10 10:00 +09:00);

fn yen(amount: i64) -> Yen {
    Yen::new(amount).unwrap()
}

fn id<T>(n: u128, make: fn(uuid::Uuid) -> T) -> T {
    make(uuid::Uuid::from_u128(n))
}

pub(super) fn applicant() -> UserId {
    id(10, UserId::from_uuid)
}

pub(super) fn staff() -> UserId {
    id(20, UserId::from_uuid)
}

fn grant() -> GrantId {
    id(30, GrantId::from_uuid)
}

fn window() -> ApplicationWindow {
    ApplicationWindow {
        opens_at: OPENS_AT,
        closes_at: CLOSES_AT,
    }
}

/// The step-up course for a group's second grant: cap 500,000, rate 3/4, rounding down to 1,000.
fn step_up_second_grant() -> AmountTerms {
    AmountTerms {
        cap: yen(500_000),
        floor: Yen::ZERO,
        rate: "3/4".parse().unwrap(),
        rounding_unit: yen(1_000),
    }
}

fn eligible_group() -> GroupStanding {
    GroupStanding {
        registered: true,
        member_count: 12,
        resident_member_count: 9,
        has_public_interest_purpose: true,
    }
}

/// The worked example's budget: eligible expenses 412,345, project income 30,000.
fn content(requested: i64) -> ApplicationContent {
    ApplicationContent {
        title: "乙川クリーン作戦".into(),
        summary: "河川敷の清掃と自然観察会を年4回開く".into(),
        purpose: "市民が川に親しみ、ごみを減らす".into(),
        beneficiaries: "市内の親子連れ、約200人".into(),
        period: Period {
            start: date!(2026 - 07 - 01),
            end: date!(2027 - 02 - 28),
        },
        budget: Budget {
            income: vec![IncomeLine {
                kind: IncomeKind::ProjectIncome,
                description: "参加費".into(),
                amount: yen(30_000),
            }],
            expenses: vec![
                ExpenseLine {
                    category: ExpenseCategory::Rentals,
                    item: "会場・機材使用料".into(),
                    quantity: 1,
                    unit_price: yen(412_345),
                },
                // Food at members' meetings never counts (rule 3), so the max stays 286,000.
                ExpenseLine {
                    category: ExpenseCategory::Food,
                    item: "打合せ時の茶菓".into(),
                    quantity: 4,
                    unit_price: yen(2_000),
                },
            ],
        },
        requested_amount: yen(requested),
    }
}

fn start_draft_at(at: OffsetDateTime) -> ApplicationCommand {
    ApplicationCommand::StartDraft {
        application_id: id(1, ApplicationId::from_uuid),
        round_id: id(2, RoundId::from_uuid),
        group_id: id(3, GroupId::from_uuid),
        group: eligible_group(),
        prior_grants: 1,
        max_grants_per_group: 3,
        terms: step_up_second_grant(),
        window: window(),
        content: content(286_000),
        by: applicant(),
        at,
    }
}

fn draft_started_with(content: ApplicationContent) -> ApplicationEvent {
    ApplicationEvent::ApplicationDraftStarted {
        application_id: id(1, ApplicationId::from_uuid),
        round_id: id(2, RoundId::from_uuid),
        group_id: id(3, GroupId::from_uuid),
        prior_grants: 1,
        max_grants_per_group: 3,
        terms: step_up_second_grant(),
        window: window(),
        content,
        by: applicant(),
        at: BEFORE_OPENING,
    }
}

pub(super) fn draft_started() -> ApplicationEvent {
    draft_started_with(content(286_000))
}

fn saved(content: ApplicationContent) -> ApplicationEvent {
    ApplicationEvent::ApplicationDraftSaved {
        content,
        by: applicant(),
        at: INSIDE,
    }
}

pub(super) fn submitted() -> ApplicationEvent {
    ApplicationEvent::ApplicationSubmitted {
        requested_amount: yen(286_000),
        max_amount: yen(286_000),
        by: applicant(),
        at: INSIDE,
    }
}

pub(super) fn returned() -> ApplicationEvent {
    ApplicationEvent::ApplicationReturned {
        reason: "見積書の添付をお願いします".into(),
        by: staff(),
        at: INSIDE,
    }
}

pub(super) fn eligible() -> ApplicationEvent {
    ApplicationEvent::ApplicationScreenedEligible {
        by: staff(),
        at: INSIDE,
    }
}

fn runner_up() -> ApplicationEvent {
    ApplicationEvent::ApplicationRunnerUp {
        by: staff(),
        at: AFTER_CLOSING,
    }
}

fn awarded() -> ApplicationEvent {
    ApplicationEvent::ApplicationAwarded {
        grant_id: grant(),
        amount: yen(286_000),
        by: staff(),
        at: AFTER_CLOSING,
    }
}

fn submit_at(at: OffsetDateTime) -> ApplicationCommand {
    ApplicationCommand::Submit {
        group: eligible_group(),
        by: applicant(),
        at,
    }
}

fn save_at(content: ApplicationContent, at: OffsetDateTime) -> ApplicationCommand {
    ApplicationCommand::SaveDraft {
        content,
        by: applicant(),
        at,
    }
}

fn screen(outcome: ScreeningOutcome) -> ApplicationCommand {
    ApplicationCommand::Screen {
        outcome,
        checks: None,
        by: staff(),
        at: INSIDE,
    }
}

fn withdraw(reason: &str) -> ApplicationCommand {
    ApplicationCommand::Withdraw {
        reason: reason.into(),
        by: applicant(),
        at: INSIDE,
    }
}

fn record(outcome: DecisionOutcome) -> ApplicationCommand {
    ApplicationCommand::RecordOutcome {
        outcome,
        by: staff(),
        at: AFTER_CLOSING,
    }
}

fn replay(events: Vec<ApplicationEvent>) -> Application {
    let mut application = Application::default();
    for event in events {
        application.apply(event);
    }
    application
}

// Starting a draft (rules 1 and 2).

#[test]
fn an_eligible_group_starts_a_draft_before_the_window_opens() {
    ApplicationTest::with(())
        .given_no_previous_events()
        .when(start_draft_at(BEFORE_OPENING))
        .then_expect_events(vec![draft_started()]);
}

#[test]
fn a_draft_cannot_be_started_once_the_window_has_closed() {
    ApplicationTest::with(())
        .given_no_previous_events()
        .when(start_draft_at(CLOSES_AT))
        .then_expect_error(ApplicationError::WindowClosed {
            closes_at: CLOSES_AT,
        });
}

#[test]
fn a_group_that_is_not_eligible_cannot_start_a_draft() {
    let mut command = start_draft_at(BEFORE_OPENING);
    if let ApplicationCommand::StartDraft { group, .. } = &mut command {
        group.member_count = 4;
    }
    ApplicationTest::with(())
        .given_no_previous_events()
        .when(command)
        .then_expect_error(ApplicationError::Group(GroupError::TooFewMembers {
            count: 4,
            min: 5,
        }));
}

#[test]
fn a_group_at_the_rounds_grant_limit_cannot_start_a_draft() {
    let mut command = start_draft_at(BEFORE_OPENING);
    if let ApplicationCommand::StartDraft { prior_grants, .. } = &mut command {
        *prior_grants = 3;
    }
    ApplicationTest::with(())
        .given_no_previous_events()
        .when(command)
        .then_expect_error(ApplicationError::Group(GroupError::GrantLimitReached {
            prior_grants: 3,
            max: 3,
        }));
}

#[test]
fn a_window_that_closes_before_it_opens_is_refused() {
    let mut command = start_draft_at(BEFORE_OPENING);
    if let ApplicationCommand::StartDraft { window, .. } = &mut command {
        window.closes_at = OPENS_AT;
    }
    ApplicationTest::with(())
        .given_no_previous_events()
        .when(command)
        .then_expect_error(ApplicationError::WindowReversed);
}

#[test]
fn an_application_is_started_only_once() {
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(start_draft_at(BEFORE_OPENING))
        .then_expect_error(ApplicationError::AlreadyStarted);
}

// Saving drafts: incomplete is fine, over a limit never (no hidden character limits).

#[test]
fn an_incomplete_draft_is_saved_with_its_text_trimmed() {
    let mut incomplete = content(0);
    incomplete.title = "  乙川クリーン作戦 \n".into();
    incomplete.summary = String::new();
    incomplete.budget = Budget::default();
    let mut stored = incomplete.clone();
    stored.title = "乙川クリーン作戦".into();
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(save_at(incomplete, INSIDE))
        .then_expect_events(vec![saved(stored)]);
}

#[test]
fn a_title_of_exactly_the_limit_is_saved_and_one_more_character_is_refused() {
    let mut at_limit = content(286_000);
    at_limit.title = "あ".repeat(TITLE_MAX);
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(save_at(at_limit.clone(), INSIDE))
        .then_expect_events(vec![saved(at_limit)]);

    let mut over = content(286_000);
    over.title = "あ".repeat(TITLE_MAX + 1);
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(save_at(over, INSIDE))
        .then_expect_error(ApplicationError::TextTooLong {
            field: "title",
            max: TITLE_MAX,
            length: TITLE_MAX + 1,
        });
}

#[test]
fn a_draft_over_a_limit_cannot_even_be_started() {
    let mut command = start_draft_at(BEFORE_OPENING);
    if let ApplicationCommand::StartDraft { content, .. } = &mut command {
        content.summary = "x".repeat(SUMMARY_MAX + 1);
    }
    ApplicationTest::with(())
        .given_no_previous_events()
        .when(command)
        .then_expect_error(ApplicationError::TextTooLong {
            field: "summary",
            max: SUMMARY_MAX,
            length: SUMMARY_MAX + 1,
        });
}

fn forbidden(field: &'static str, character: char, lines: Lines) -> ApplicationError {
    ApplicationError::Text(ForbiddenCharacter {
        field,
        character,
        lines,
    })
}

#[test]
fn a_draft_whose_title_holds_a_nul_or_a_bidi_override_cannot_be_started() {
    for character in ['\0', '\u{202E}'] {
        let mut command = start_draft_at(BEFORE_OPENING);
        if let ApplicationCommand::StartDraft { content, .. } = &mut command {
            content.title = format!("abc{character}def");
        }
        ApplicationTest::with(())
            .given_no_previous_events()
            .when(command)
            .then_expect_error(forbidden("title", character, Lines::One));
    }
}

#[test]
fn a_multi_line_summary_keeps_its_tabs_and_line_breaks_and_a_title_may_not() {
    let mut multi_line = content(286_000);
    multi_line.summary = "一行目\n\t二行目\r\n三行目".into();
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(save_at(multi_line.clone(), INSIDE))
        .then_expect_events(vec![saved(multi_line)]);

    let mut tabbed = content(286_000);
    tabbed.title = "乙川\tクリーン作戦".into();
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(save_at(tabbed, INSIDE))
        .then_expect_error(forbidden("title", '\t', Lines::One));
}

#[test]
fn every_text_of_the_form_and_every_reason_refuses_control_characters() {
    type Edit = fn(&mut ApplicationContent);
    let edits: [(&str, Edit); 5] = [
        ("summary", |c| c.summary.push('\u{7}')),
        ("purpose", |c| c.purpose.push_str("\u{2066}x")),
        ("beneficiaries", |c| c.beneficiaries.push_str("\u{85}x")),
        ("expense_item", |c| {
            c.budget.expenses[0].item.push_str("\u{1b}x")
        }),
        ("income_description", |c| {
            c.budget.income[0].description.push_str("\u{202A}x")
        }),
    ];
    for (field, edit) in edits {
        let mut edited = content(286_000);
        edit(&mut edited);
        let error = replay(vec![draft_started()])
            .save_draft(edited, applicant(), INSIDE)
            .unwrap_err();
        assert_eq!(error.field(), Some(field), "{error}");
        assert_eq!(error.code(), "text.forbidden_character");
        assert_eq!(error.kind(), RefusalKind::Invalid);
    }
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted()])
        .when(screen(ScreeningOutcome::Returned {
            reason: "見積書を\u{0}添付してください".into(),
        }))
        .then_expect_error(forbidden("reason", '\0', Lines::Many));
}

#[test]
fn a_budget_with_more_lines_than_allowed_is_refused() {
    let mut too_long = content(286_000);
    let line = too_long.budget.expenses[0].clone();
    too_long.budget.expenses = vec![line; BUDGET_LINES_MAX];
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(save_at(too_long, INSIDE))
        .then_expect_error(ApplicationError::TooManyBudgetLines {
            count: BUDGET_LINES_MAX + 1,
            max: BUDGET_LINES_MAX,
        });
}

#[test]
fn a_draft_cannot_be_saved_once_the_window_has_closed() {
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(save_at(content(286_000), CLOSES_AT))
        .then_expect_error(ApplicationError::WindowClosed {
            closes_at: CLOSES_AT,
        });
}

#[test]
fn a_returned_application_is_corrected_after_the_window_has_closed() {
    let corrected = content(280_000);
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted(), returned()])
        .when(save_at(corrected.clone(), AFTER_CLOSING))
        .then_expect_events(vec![ApplicationEvent::ApplicationDraftSaved {
            content: corrected,
            by: applicant(),
            at: AFTER_CLOSING,
        }]);
}

#[test]
fn a_submitted_application_cannot_be_edited() {
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted()])
        .when(save_at(content(1_000), INSIDE))
        .then_expect_error(ApplicationError::NotEditable {
            status: ApplicationStatus::Submitted,
        });
}

#[test]
fn nothing_can_be_saved_to_an_application_that_was_never_started() {
    ApplicationTest::with(())
        .given_no_previous_events()
        .when(save_at(content(1_000), INSIDE))
        .then_expect_error(ApplicationError::NotStarted);
}

// Submission: rule 2's window, rule 1 again, completeness, rule 3's amount.

#[test]
fn worked_example_requesting_the_maximum_of_286_000_is_accepted() {
    // Step-up, second grant: 3/4 x (412,345 - 30,000) = 286,758.75 -> 286,000.
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(submit_at(INSIDE))
        .then_expect_events(vec![submitted()]);
}

#[test]
fn worked_example_requesting_287_000_is_refused_by_rule_3() {
    ApplicationTest::with(())
        .given(vec![draft_started(), saved(content(287_000))])
        .when(submit_at(INSIDE))
        .then_expect_error(ApplicationError::Amount(AmountError::AboveMaximum {
            requested: yen(287_000),
            max: yen(286_000),
        }));
}

#[test]
fn a_request_below_the_courses_floor_is_refused() {
    let mut floored = step_up_second_grant();
    floored.floor = yen(50_000);
    let started = ApplicationEvent::ApplicationDraftStarted {
        application_id: id(1, ApplicationId::from_uuid),
        round_id: id(2, RoundId::from_uuid),
        group_id: id(3, GroupId::from_uuid),
        prior_grants: 1,
        max_grants_per_group: 3,
        terms: floored,
        window: window(),
        content: content(49_000),
        by: applicant(),
        at: BEFORE_OPENING,
    };
    ApplicationTest::with(())
        .given(vec![started])
        .when(submit_at(INSIDE))
        .then_expect_error(ApplicationError::Amount(AmountError::BelowFloor {
            requested: yen(49_000),
            floor: yen(50_000),
        }));
}

#[test]
fn a_submission_before_the_window_opens_is_refused() {
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(submit_at(BEFORE_OPENING))
        .then_expect_error(ApplicationError::WindowNotOpen { opens_at: OPENS_AT });
}

#[test]
fn a_submission_at_the_moment_the_window_opens_is_accepted() {
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(submit_at(OPENS_AT))
        .then_expect_events(vec![ApplicationEvent::ApplicationSubmitted {
            requested_amount: yen(286_000),
            max_amount: yen(286_000),
            by: applicant(),
            at: OPENS_AT,
        }]);
}

#[test]
fn a_submission_one_second_before_the_close_is_accepted_and_at_the_close_refused() {
    let last_second = CLOSES_AT - time::Duration::SECOND;
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(submit_at(last_second))
        .then_expect_events(vec![ApplicationEvent::ApplicationSubmitted {
            requested_amount: yen(286_000),
            max_amount: yen(286_000),
            by: applicant(),
            at: last_second,
        }]);
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(submit_at(CLOSES_AT))
        .then_expect_error(ApplicationError::WindowClosed {
            closes_at: CLOSES_AT,
        });
}

#[test]
fn a_submission_after_the_window_closes_is_refused() {
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(submit_at(AFTER_CLOSING))
        .then_expect_error(ApplicationError::WindowClosed {
            closes_at: CLOSES_AT,
        });
}

#[test]
fn a_group_deregistered_since_it_started_the_draft_cannot_submit() {
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(ApplicationCommand::Submit {
            group: GroupStanding {
                registered: false,
                ..eligible_group()
            },
            by: applicant(),
            at: INSIDE,
        })
        .then_expect_error(ApplicationError::Group(GroupError::NoCurrentRegistration));
}

#[test]
fn an_incomplete_application_cannot_be_submitted() {
    let cases: Vec<(ApplicationContent, ApplicationError)> = vec![
        (
            ApplicationContent {
                beneficiaries: " ".into(),
                ..content(286_000)
            },
            ApplicationError::MissingText {
                field: "beneficiaries",
            },
        ),
        (
            ApplicationContent {
                period: Period {
                    start: date!(2026 - 08 - 01),
                    end: date!(2026 - 07 - 31),
                },
                ..content(286_000)
            },
            ApplicationError::PeriodReversed,
        ),
        (
            ApplicationContent {
                budget: Budget {
                    income: vec![],
                    expenses: vec![],
                },
                ..content(286_000)
            },
            ApplicationError::NoExpenseLines,
        ),
        (content(0), ApplicationError::NothingRequested),
    ];
    for (incomplete, error) in cases {
        ApplicationTest::with(())
            .given(vec![draft_started(), saved(incomplete)])
            .when(submit_at(INSIDE))
            .then_expect_error(error);
    }
}

#[test]
fn a_submitted_application_cannot_be_submitted_again() {
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted()])
        .when(submit_at(INSIDE))
        .then_expect_error(ApplicationError::NotSubmittable {
            status: ApplicationStatus::Submitted,
        });
}

#[test]
fn a_returned_application_is_resubmitted_even_after_the_window_has_closed() {
    // The city asked for the correction; the group had submitted on time.
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted(), returned()])
        .when(submit_at(AFTER_CLOSING))
        .then_expect_events(vec![ApplicationEvent::ApplicationResubmitted {
            requested_amount: yen(286_000),
            max_amount: yen(286_000),
            by: applicant(),
            at: AFTER_CLOSING,
        }]);
}

#[test]
fn a_resubmission_still_obeys_rule_3() {
    ApplicationTest::with(())
        .given(vec![
            draft_started(),
            submitted(),
            returned(),
            saved(content(300_000)),
        ])
        .when(submit_at(AFTER_CLOSING))
        .then_expect_error(ApplicationError::Amount(AmountError::AboveMaximum {
            requested: yen(300_000),
            max: yen(286_000),
        }));
}

// Screening.

#[test]
fn staff_screen_a_submitted_application_as_eligible() {
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted()])
        .when(screen(ScreeningOutcome::Eligible))
        .then_expect_events(vec![eligible()]);
}

#[test]
fn staff_screen_an_application_as_ineligible_with_a_reason() {
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted()])
        .when(screen(ScreeningOutcome::Ineligible {
            reason: " 営利目的の事業のため ".into(),
        }))
        .then_expect_events(vec![ApplicationEvent::ApplicationScreenedIneligible {
            reason: "営利目的の事業のため".into(),
            by: staff(),
            at: INSIDE,
        }]);
}

#[test]
fn staff_return_an_application_for_correction_with_a_reason() {
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted()])
        .when(screen(ScreeningOutcome::Returned {
            reason: "見積書の添付をお願いします".into(),
        }))
        .then_expect_events(vec![returned()]);
}

#[test]
fn an_ineligibility_or_a_return_without_a_reason_is_refused() {
    for outcome in [
        ScreeningOutcome::Ineligible { reason: "".into() },
        ScreeningOutcome::Returned {
            reason: "  ".into(),
        },
    ] {
        ApplicationTest::with(())
            .given(vec![draft_started(), submitted()])
            .when(screen(outcome))
            .then_expect_error(ApplicationError::MissingText { field: "reason" });
    }
}

#[test]
fn only_a_submitted_application_is_screened() {
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(screen(ScreeningOutcome::Eligible))
        .then_expect_error(ApplicationError::NotScreenable {
            status: ApplicationStatus::Draft,
        });
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted(), eligible()])
        .when(screen(ScreeningOutcome::Eligible))
        .then_expect_error(ApplicationError::NotScreenable {
            status: ApplicationStatus::Eligible,
        });
}

// Withdrawal before the decision.

#[test]
fn an_application_is_withdrawn_from_any_status_before_the_decision() {
    let histories = [
        (vec![draft_started()], ApplicationStatus::Draft),
        (
            vec![draft_started(), submitted()],
            ApplicationStatus::Submitted,
        ),
        (
            vec![draft_started(), submitted(), returned()],
            ApplicationStatus::Returned,
        ),
        (
            vec![draft_started(), submitted(), eligible()],
            ApplicationStatus::Eligible,
        ),
        (
            vec![draft_started(), submitted(), eligible(), runner_up()],
            ApplicationStatus::RunnerUp,
        ),
    ];
    for (history, from) in histories {
        ApplicationTest::with(())
            .given(history)
            .when(withdraw("代表者の転居のため"))
            .then_expect_events(vec![ApplicationEvent::ApplicationWithdrawn {
                reason: "代表者の転居のため".into(),
                from,
                by: applicant(),
                at: INSIDE,
            }]);
    }
}

#[test]
fn an_application_cannot_be_withdrawn_after_the_decision_or_once_closed() {
    let histories = [
        (
            vec![draft_started(), submitted(), eligible(), awarded()],
            ApplicationStatus::Awarded,
        ),
        (
            vec![
                draft_started(),
                submitted(),
                ApplicationEvent::ApplicationScreenedIneligible {
                    reason: "対象外".into(),
                    by: staff(),
                    at: INSIDE,
                },
            ],
            ApplicationStatus::Ineligible,
        ),
        (
            vec![
                draft_started(),
                ApplicationEvent::ApplicationWithdrawn {
                    reason: "中止".into(),
                    from: ApplicationStatus::Draft,
                    by: applicant(),
                    at: INSIDE,
                },
            ],
            ApplicationStatus::Withdrawn,
        ),
    ];
    for (history, status) in histories {
        ApplicationTest::with(())
            .given(history)
            .when(withdraw("やはり取り下げます"))
            .then_expect_error(ApplicationError::NotWithdrawable { status });
    }
}

#[test]
fn a_withdrawal_without_a_reason_is_refused() {
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(withdraw(""))
        .then_expect_error(ApplicationError::MissingText { field: "reason" });
}

// Recording the round's decision.

#[test]
fn an_eligible_application_is_recorded_as_awarded() {
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted(), eligible()])
        .when(record(DecisionOutcome::Awarded {
            grant_id: grant(),
            amount: yen(286_000),
        }))
        .then_expect_events(vec![awarded()]);
}

#[test]
fn an_eligible_application_is_recorded_as_runner_up_and_then_awarded_the_remainder() {
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted(), eligible()])
        .when(record(DecisionOutcome::RunnerUp))
        .then_expect_events(vec![runner_up()]);
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted(), eligible(), runner_up()])
        .when(record(DecisionOutcome::Awarded {
            grant_id: grant(),
            amount: yen(120_000),
        }))
        .then_expect_events(vec![ApplicationEvent::ApplicationAwarded {
            grant_id: grant(),
            amount: yen(120_000),
            by: staff(),
            at: AFTER_CLOSING,
        }]);
}

#[test]
fn a_runner_up_that_declines_is_recorded_as_not_adopted() {
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted(), eligible(), runner_up()])
        .when(record(DecisionOutcome::NotAdopted))
        .then_expect_events(vec![ApplicationEvent::ApplicationNotAdopted {
            reason: None,
            by: staff(),
            at: AFTER_CLOSING,
        }]);
}

#[test]
fn a_rejection_is_recorded_as_not_adopted_keeping_its_reason() {
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted(), eligible()])
        .when(record(DecisionOutcome::Rejected {
            reason: "合格点に達しなかったため".into(),
        }))
        .then_expect_events(vec![ApplicationEvent::ApplicationNotAdopted {
            reason: Some("合格点に達しなかったため".into()),
            by: staff(),
            at: AFTER_CLOSING,
        }]);
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted(), eligible()])
        .when(record(DecisionOutcome::Rejected { reason: "".into() }))
        .then_expect_error(ApplicationError::MissingText { field: "reason" });
}

#[test]
fn a_runner_up_can_only_be_awarded_or_not_adopted() {
    for outcome in [
        DecisionOutcome::RunnerUp,
        DecisionOutcome::Rejected {
            reason: "理由".into(),
        },
    ] {
        ApplicationTest::with(())
            .given(vec![draft_started(), submitted(), eligible(), runner_up()])
            .when(record(outcome))
            .then_expect_error(ApplicationError::OutcomeNotAllowed {
                status: ApplicationStatus::RunnerUp,
            });
    }
}

#[test]
fn no_outcome_is_recorded_for_an_application_that_was_not_screened_eligible() {
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted()])
        .when(record(DecisionOutcome::Awarded {
            grant_id: grant(),
            amount: yen(286_000),
        }))
        .then_expect_error(ApplicationError::OutcomeNotAllowed {
            status: ApplicationStatus::Submitted,
        });
    ApplicationTest::with(())
        .given(vec![draft_started(), submitted(), eligible(), awarded()])
        .when(record(DecisionOutcome::NotAdopted))
        .then_expect_error(ApplicationError::OutcomeNotAllowed {
            status: ApplicationStatus::Awarded,
        });
}

// State the app reads.

#[test]
fn the_aggregate_shows_its_maximum_status_and_reasons() {
    let fresh = Application::default();
    assert_eq!(fresh.status(), None);
    assert_eq!(fresh.max_amount(), None);

    let mut application = replay(vec![draft_started_with(content(0))]);
    assert_eq!(application.status(), Some(ApplicationStatus::Draft));
    assert_eq!(application.max_amount(), Some(yen(286_000)));
    assert_eq!(application.terms(), Some(&step_up_second_grant()));
    assert_eq!(application.round_id(), id(2, RoundId::from_uuid));
    assert_eq!(application.group_id(), id(3, GroupId::from_uuid));

    application.apply(submitted());
    application.apply(returned());
    assert_eq!(application.status(), Some(ApplicationStatus::Returned));
    assert_eq!(
        application.returned_reason(),
        Some("見積書の添付をお願いします")
    );

    application.apply(ApplicationEvent::ApplicationResubmitted {
        requested_amount: yen(286_000),
        max_amount: yen(286_000),
        by: applicant(),
        at: AFTER_CLOSING,
    });
    assert_eq!(application.status(), Some(ApplicationStatus::Submitted));
    assert_eq!(application.returned_reason(), None);
    assert_eq!(application.submitted_at(), Some(AFTER_CLOSING));

    application.apply(eligible());
    application.apply(awarded());
    assert_eq!(application.status(), Some(ApplicationStatus::Awarded));
    assert_eq!(application.grant_id(), Some(grant()));
    assert_eq!(application.awarded_amount(), Some(yen(286_000)));
}

#[test]
fn the_aggregate_survives_a_snapshot_round_trip() {
    let application = replay(vec![draft_started(), submitted(), returned()]);
    let json = serde_json::to_string(&application).unwrap();
    assert_eq!(
        serde_json::from_str::<Application>(&json).unwrap(),
        application
    );
}

#[test]
fn statuses_serialise_in_snake_case() {
    let json = serde_json::to_string(&[
        ApplicationStatus::RunnerUp,
        ApplicationStatus::NotAdopted,
        ApplicationStatus::Draft,
    ])
    .unwrap();
    assert_eq!(json, r#"["runner_up","not_adopted","draft"]"#);
}

#[test]
fn events_name_their_type_and_version() {
    assert_eq!(draft_started().event_type(), "ApplicationDraftStarted");
    assert_eq!(draft_started().event_version(), "2.0");
    assert_eq!(submitted().event_type(), "ApplicationSubmitted");
    assert_eq!(submitted().event_version(), "1.0");
    let json = serde_json::to_value(draft_started()).unwrap();
    assert_eq!(
        json["ApplicationDraftStarted"]["content"]["beneficiaries"],
        "市内の親子連れ、約200人"
    );
    assert_eq!(json["ApplicationDraftStarted"]["terms"]["rate"], "3/4");
}

#[test]
fn refusals_carry_stable_codes_and_name_their_rule() {
    let above = ApplicationError::Amount(AmountError::AboveMaximum {
        requested: yen(287_000),
        max: yen(286_000),
    });
    assert_eq!(above.code(), "amount.above_maximum");
    assert!(
        !above.message_ja().contains("規則"),
        "no internal rule numbers"
    );
    assert_eq!(above.kind(), RefusalKind::Rule);

    let closed = ApplicationError::WindowClosed {
        closes_at: CLOSES_AT,
    };
    assert_eq!(closed.code(), "application.window_closed");
    assert_eq!(
        closed.message_ja(),
        "募集期間は2026年6月1日 00:00に終了しました"
    );
    assert_eq!(closed.kind(), RefusalKind::Rule);

    let group = ApplicationError::Group(GroupError::NoResidentMember);
    assert_eq!(group.code(), "group.no_resident_member");
    assert!(!group.message_ja().contains("規則"));
    // About the group the application names, not a field of the group's own form (the
    // application has a `purpose` of its own).
    assert_eq!(group.field(), Some("group_id"));
    assert_eq!(
        ApplicationError::Group(GroupError::NoPublicInterestPurpose).field(),
        Some("group_id")
    );

    let state = ApplicationError::NotEditable {
        status: ApplicationStatus::Submitted,
    };
    assert_eq!(state.kind(), RefusalKind::State);
    assert_eq!(
        ApplicationError::MissingText { field: "title" }.kind(),
        RefusalKind::Invalid
    );
}

#[test]
fn a_save_over_several_limits_is_refused_with_each_of_them() {
    let mut over = content(286_000);
    over.title = "あ".repeat(TITLE_MAX + 1);
    over.summary = "い".repeat(SUMMARY_MAX + 2);
    ApplicationTest::with(())
        .given(vec![draft_started()])
        .when(save_at(over, INSIDE))
        .then_expect_error(ApplicationError::Several(vec![
            ApplicationError::TextTooLong {
                field: "title",
                max: TITLE_MAX,
                length: TITLE_MAX + 1,
            },
            ApplicationError::TextTooLong {
                field: "summary",
                max: SUMMARY_MAX,
                length: SUMMARY_MAX + 2,
            },
        ]));
}
