//! The settlement report's due date over real HTTP, on both backends (rule 9, `grant::due_date`):
//! a round's grace date binds it; a late report is refused without a delay reason, taken with one,
//! and finalised only once staff accept the reason; staff extend the due date with a reason; and
//! the pages show the due date, the delay reason and the forms.

use grants_tests::browser::Browser;
use grants_tests::scenario::{form, step_up_round, this_fiscal_year, today_jst, SHORT_WINDOW};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use time::Duration;

/// A step-up round (1/1 first) whose grace date is `grace` (null: the default), one application of
/// 200,000 yen awarded in full; returns (staff, member, grant).
async fn awarded(app: &TestApp, grace: Value) -> (String, String, String) {
    let cast = app.cast(1).await;
    let mut settings = step_up_round(1_000_000, SHORT_WINDOW);
    settings["settlement_grace_date"] = grace.clone();
    let round = app.open_round(&cast, &settings).await;
    let read = app
        .call(
            Method::GET,
            &format!("/api/v1/rounds/{round}"),
            &cast.staff,
            None,
            200,
        )
        .await;
    assert_eq!(read["settlement_grace_date"], grace);
    let member = app.applicant("member@example.jp").await;
    let group = app.register_group(&member, "みどりの会").await;
    let (application, _) = app
        .eligible_application(&cast, &member, &round, &group, &form(200_000, 0, 200_000))
        .await;
    app.score(&cast, &application, &[45], &[]).await;
    app.close_and_rank(&cast, &round).await;
    let grant = app.award(&cast, &round, &application, 200_000).await;
    (cast.staff, member, grant)
}

fn report() -> Value {
    json!({
        "income": [],
        "expenses": [{"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": 200_000,
                      "receipt_date": today_jst(), "receipt_number": "R-001"}],
        "outcomes": "全10回の観察会に延べ250人が参加した。",
        "participants": 250,
    })
}

on_both_backends!(
    a_late_report_needs_a_reason_that_staff_accept,
    |app: TestApp| async move {
        // The round's reports were due on the fiscal year's first day, long past.
        let first_day = format!("{}-04-01", this_fiscal_year());
        let (staff, member, grant) = awarded(&app, json!(first_day)).await;
        let path = format!("/api/v1/grants/{grant}");
        let read = app.call(Method::GET, &path, &member, None, 200).await;
        assert_eq!(read["settlement_due_on"], first_day);
        assert_eq!(read["settlement_delay"], Value::Null);
        app.call(
            Method::PUT,
            &format!("{path}/settlement-report"),
            &member,
            Some(&report()),
            200,
        )
        .await;

        // Without a reason: refused, naming the rule in both languages and the field.
        let refused = app
            .send(
                Method::POST,
                &format!("{path}/settlement-report/submit"),
                Some(&member),
                None,
            )
            .await;
        assert_eq!(refused.status, 422, "{:?}", refused.body);
        assert_eq!(refused.body["code"], "grant.report_late");
        assert!(refused.body["detail_ja"]
            .as_str()
            .unwrap()
            .contains("遅延理由を記入して提出してください"));
        assert!(refused.body["detail_en"]
            .as_str()
            .unwrap()
            .contains("needs a delay reason"));

        // With a reason: taken, the reason waiting for staff.
        let body = json!({"delay_reason": "会計担当者の入院により領収書の整理が遅れました"});
        let submitted = app
            .call(
                Method::POST,
                &format!("{path}/settlement-report/submit"),
                &member,
                Some(&body),
                200,
            )
            .await;
        assert_eq!(submitted["status"], "report_submitted");
        assert_eq!(
            submitted["settlement_delay"]["reason"],
            "会計担当者の入院により領収書の整理が遅れました"
        );
        assert_eq!(submitted["settlement_delay"]["deadline"], first_day);
        assert_eq!(submitted["settlement_delay"]["accepted_at"], Value::Null);

        // Staff cannot finalise before accepting the reason.
        let accept = json!({"outcome": "accepted"});
        let early = app
            .send(
                Method::POST,
                &format!("{path}/settlement-report/review"),
                Some(&staff),
                Some(&accept),
            )
            .await;
        assert_eq!(early.status, 409, "{:?}", early.body);
        assert_eq!(early.body["code"], "grant.delay_not_accepted");
        let staff_read = app.call(Method::GET, &path, &staff, None, 200).await;
        assert!(staff_read["allowed_actions"]
            .as_array()
            .unwrap()
            .contains(&json!("accept_delay_reason")));

        // The group cannot accept its own reason.
        let own = app
            .send(
                Method::POST,
                &format!("{path}/settlement-report/delay-acceptance"),
                Some(&member),
                None,
            )
            .await;
        assert_eq!(own.status, 403);

        // The staff page shows the reason and the acceptance form.
        let browser = Browser::new(&app);
        browser.sign_in("staff@city.example.jp").await;
        let page = browser.get(&format!("/staff/grants/{grant}")).await;
        assert_eq!(page.status, 200);
        assert!(page
            .html
            .contains("会計担当者の入院により領収書の整理が遅れました"));
        assert!(page.html.contains("遅延理由を承認する"));
        assert!(page.html.contains("id=\"settlement-due-on\""));

        let accepted = app
            .call(
                Method::POST,
                &format!("{path}/settlement-report/delay-acceptance"),
                &staff,
                None,
                200,
            )
            .await;
        assert!(accepted["settlement_delay"]["accepted_at"].is_string());
        // Then the amount is finalised: 1/1 x 200,000 = 200,000, nothing paid, all payable.
        let finalised = app
            .call(
                Method::POST,
                &format!("{path}/settlement-report/review"),
                &staff,
                Some(&accept),
                200,
            )
            .await;
        assert_eq!(finalised["finalised_amount"], 200_000);
        assert_eq!(finalised["payable"], 200_000);
    }
);

on_both_backends!(
    staff_extend_the_due_date_with_a_reason,
    |app: TestApp| async move {
        // The default: completion 31 March + 30 days, capped at 10 April after the fiscal year.
        let (staff, member, grant) = awarded(&app, Value::Null).await;
        let year = this_fiscal_year();
        let path = format!("/api/v1/grants/{grant}");
        let read = app.call(Method::GET, &path, &member, None, 200).await;
        assert_eq!(read["settlement_due_on"], format!("{}-04-10", year + 1));
        assert!(read["allowed_actions"]
            .as_array()
            .unwrap()
            .contains(&json!("extend_settlement_deadline")));

        let later = format!("{}-05-20", year + 1);
        let body = json!({"deadline": later, "reason": "報告会が延期されたため"});
        let extended = app
            .call(
                Method::POST,
                &format!("{path}/settlement-deadline"),
                &staff,
                Some(&body),
                200,
            )
            .await;
        assert_eq!(extended["settlement_due_on"], later);
        assert_eq!(
            extended["settlement_extensions"][0]["previous"],
            format!("{}-04-10", year + 1)
        );
        assert_eq!(
            extended["settlement_extensions"][0]["reason"],
            "報告会が延期されたため"
        );

        // Not later than the current due date: refused with the rule, beside the field.
        let same = app
            .send(
                Method::POST,
                &format!("{path}/settlement-deadline"),
                Some(&staff),
                Some(&body),
            )
            .await;
        assert_eq!(same.status, 422);
        assert_eq!(same.body["code"], "grant.extension_not_later");
        assert!(same.body["detail_ja"]
            .as_str()
            .unwrap()
            .contains("現在の期限"));
        // Only staff extend.
        let by_member = app
            .send(
                Method::POST,
                &format!("{path}/settlement-deadline"),
                Some(&member),
                Some(&body),
            )
            .await;
        assert_eq!(by_member.status, 403);

        // The group's pages show the new due date.
        let browser = Browser::new(&app);
        browser.sign_in("member@example.jp").await;
        let page = browser.get(&format!("/grants/{grant}")).await;
        assert_eq!(page.status, 200);
        assert!(page.html.contains("実績報告の提出期限"));
        assert!(page.html.contains(&format!("{}年5月20日", year + 1)));
    }
);

on_both_backends!(
    a_grace_date_outside_the_year_is_refused,
    |app: TestApp| async move {
        let cast = app.cast(0).await;
        let mut settings = step_up_round(1_000_000, Duration::hours(1));
        settings["settlement_grace_date"] = json!(format!("{}-06-01", this_fiscal_year() + 1));
        let refused = app
            .send(
                Method::POST,
                "/api/v1/rounds",
                Some(&cast.staff),
                Some(&settings),
            )
            .await;
        assert_eq!(refused.status, 422, "{:?}", refused.body);
        assert_eq!(refused.body["code"], "round.settlement_grace_out_of_range");
        assert!(refused.body["detail_ja"]
            .as_str()
            .unwrap()
            .contains("出納閉鎖日"));
    }
);
