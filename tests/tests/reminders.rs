//! Reminders from the log (app/src/mail/reminders.rs), with the service's clock moved instead of
//! waiting, against the real SMTP sink that `scripts/test` starts: a runner-up offer about to
//! expire, a draft not submitted as the window closes, the settlement report due in 14 and in 3
//! days, a refund's 納期限. Each reminder reaches the group exactly once: moving the clock a day on,
//! or running the process again from the start of the log, sends nothing twice.

use std::time::Duration;

use grants_tests::process;
use grants_tests::scenario::{form, step_up_round, today_jst};
use grants_tests::smtp::{app_mailing_to_the_sink, fresh_address, mails_to, wait_for_mails};
use grants_tests::{Backend, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use time::macros::format_description;
use time::{Date, OffsetDateTime};

const REMINDERS: &str = grants_app::mail::reminders::NAME;

fn date(value: &Value) -> Date {
    Date::parse(
        value.as_str().expect("a date"),
        format_description!("[year]-[month]-[day]"),
    )
    .expect("YYYY-MM-DD")
}

/// Moves the service's clock to noon (JST) of `day`.
fn move_clock_to(app: &TestApp, day: Date) {
    app.clock.set(OffsetDateTime::new_in_offset(
        day,
        time::macros::time!(12:00),
        grants_domain::JST,
    ));
}

/// The mails to `address` whose subject says `headline`.
fn mails_saying(address: &str, headline: &str) -> Vec<Value> {
    mails_to(address)
        .into_iter()
        .filter(|mail| {
            mail["subject"]
                .as_str()
                .is_some_and(|subject| subject.contains(headline))
        })
        .collect()
}

/// Waits until `address` holds one mail saying `headline`, and returns its body.
async fn the_one_reminder(address: &str, headline: &str) -> String {
    for _ in 0..200 {
        let found = mails_saying(address, headline);
        if let [mail] = found.as_slice() {
            return mail["body"].as_str().unwrap_or_default().to_owned();
        }
        assert!(found.len() < 2, "{headline} sent twice to {address}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{address} did not receive {headline}");
}

/// Long enough for the process to have looked at the day again and the sender to have sent.
async fn a_moment() {
    tokio::time::sleep(Duration::from_millis(1_200)).await;
}

const OFFER: &str = "次点の申請への交付のお申し出の回答期限が近づいています";
const DRAFT: &str = "申請書の提出期限が近づいています";
const REPORT_14: &str = "実績報告書の提出期限が近づいています";
const REPORT_3: &str = "実績報告書の提出期限が迫っています";
const REFUND: &str = "補助金の返還の納期限が近づいています";

async fn each_reminder_reaches_the_group_once(backend: Backend) {
    let app = app_mailing_to_the_sink(backend).await;
    let cast = app.cast(1).await;
    let [awarded, runner_up, drafting] = ["awarded", "runner-up", "drafting"].map(fresh_address);

    // A round of 500,000: みどりの会's 400,000 is adopted and あおぞら会, runner-up, is offered the
    // remaining 100,000 for 7 days.
    let round = app
        .open_round(
            &cast,
            &step_up_round(500_000, grants_tests::scenario::SHORT_WINDOW),
        )
        .await;
    let mut applications = Vec::new();
    for (address, name, total, requested) in [
        (&awarded, "みどりの会", 45, 400_000),
        (&runner_up, "あおぞら会", 40, 200_000),
    ] {
        let member = app.applicant(address).await;
        let group = app.register_group(&member, name).await;
        let (id, _) = app
            .eligible_application(
                &cast,
                &member,
                &round,
                &group,
                &form(requested, 0, requested),
            )
            .await;
        app.score(&cast, &id, &[total], &[]).await;
        applications.push((member, id));
    }
    // In a round open for 40 more days, ひまわり会 has a draft it has not submitted.
    let later = app
        .open_round(&cast, &step_up_round(1_000_000, time::Duration::days(40)))
        .await;
    let drafter = app.applicant(&drafting).await;
    let group = app.register_group(&drafter, "ひまわり会").await;
    let draft = app
        .draft(&drafter, &later, &group, &form(100_000, 0, 100_000))
        .await;
    let ranking = app.close_and_rank(&cast, &round).await;
    assert_eq!(ranking["offer"]["remainder"], 100_000, "{ranking}");
    let offer_expires = date(&ranking["offer"]["expires_on"]);
    let grant = app.award(&cast, &round, &applications[0].1, 400_000).await;
    let (member, _) = &applications[0];
    let read = app
        .call(
            Method::GET,
            &format!("/api/v1/grants/{grant}"),
            member,
            None,
            200,
        )
        .await;
    let report_due = date(&read["settlement_due_on"]);
    let window = app
        .call(
            Method::GET,
            &format!("/api/v1/rounds/{later}"),
            &cast.staff,
            None,
            200,
        )
        .await;
    let closes_at = OffsetDateTime::parse(
        window["closes_at"].as_str().expect("closes_at"),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let draft_last_day = grants_domain::reminder::draft_last_day(closes_at);
    process::caught_up(&app, REMINDERS).await;

    // Two days before the offer's last day, the runner-up is reminded.
    move_clock_to(&app, offer_expires - time::Duration::days(2));
    let body = the_one_reminder(&runner_up, OFFER).await;
    assert!(body.contains("あおぞら会 御中"), "{body}");
    assert!(body.contains("（あと2日）"), "{body}");
    assert!(
        body.contains(&format!(
            "https://grants.example.jp/applications/{}/runner-up",
            applications[1].1
        )),
        "{body}"
    );

    // Three days before the window's last day, the draft's group is reminded.
    move_clock_to(&app, draft_last_day - time::Duration::days(3));
    let body = the_one_reminder(&drafting, DRAFT).await;
    assert!(body.contains("ひまわり会 御中"), "{body}");
    assert!(body.contains(&format!("/applications/{draft}")), "{body}");

    // 14 days before the report is due, then a day later nothing more, then 3 days before.
    move_clock_to(&app, report_due - time::Duration::days(14));
    let body = the_one_reminder(&awarded, REPORT_14).await;
    assert!(body.contains("（あと14日）"), "{body}");
    assert!(body.contains("提出期限：令和"), "{body}");
    app.clock.advance(time::Duration::days(1));
    a_moment().await;
    assert_eq!(mails_saying(&awarded, REPORT_14).len(), 1);
    move_clock_to(&app, report_due - time::Duration::days(3));
    let body = the_one_reminder(&awarded, REPORT_3).await;
    assert!(body.contains("（あと3日）"), "{body}");

    // The grant is cancelled with 160,000 to pay back: a week before the 納期限, a reminder.
    let path = format!("/api/v1/grants/{grant}");
    app.call(
        Method::POST,
        &format!("{path}/advance-requests"),
        member,
        Some(&json!({"amount": 160_000})),
        201,
    )
    .await;
    app.call(
        Method::POST,
        &format!("{path}/payments"),
        &cast.staff,
        Some(&json!({"amount": 160_000, "paid_on": today_jst(), "kind": "advance"})),
        201,
    )
    .await;
    let cancelled = app
        .call(
            Method::POST,
            &format!("{path}/cancellation"),
            &cast.staff,
            Some(&json!({"reason": "補助金の目的外使用", "refund_amount": 160_000})),
            200,
        )
        .await;
    let refund_due = date(&cancelled["refund_due_on"]);
    process::caught_up(&app, REMINDERS).await;
    move_clock_to(&app, refund_due - time::Duration::days(7));
    let body = the_one_reminder(&awarded, REFUND).await;
    assert!(body.contains("返還額：160,000円"), "{body}");
    assert!(body.contains("（あと7日）"), "{body}");

    // The member sees the reminders among its notices.
    let notices = app
        .call(Method::GET, "/api/v1/notices", member, None, 200)
        .await;
    let subjects: Vec<&str> = notices["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|notice| notice["subject"].as_str())
        .collect();
    for headline in [REPORT_14, REPORT_3, REFUND] {
        assert!(
            subjects.iter().any(|subject| subject.contains(headline)),
            "{headline}: {subjects:?}"
        );
    }

    // The process run again from the start of the log, on a later day: nothing is sent twice.
    process::restart_from_the_beginning(&app, REMINDERS).await;
    process::caught_up(&app, REMINDERS).await;
    app.clock.advance(time::Duration::days(1));
    a_moment().await;
    for (address, headline) in [
        (&runner_up, OFFER),
        (&drafting, DRAFT),
        (&awarded, REPORT_14),
        (&awarded, REPORT_3),
        (&awarded, REFUND),
    ] {
        assert_eq!(
            mails_saying(address, headline).len(),
            1,
            "{headline} to {address}"
        );
    }
    // The runner-up and the drafter received nothing else but their own news.
    assert_eq!(wait_for_mails(&drafting, 1).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_reminder_reaches_the_group_once_sqlite() {
    each_reminder_reaches_the_group_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_reminder_reaches_the_group_once_postgres() {
    each_reminder_reaches_the_group_once(Backend::Postgres).await;
}
