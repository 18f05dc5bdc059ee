//! 加算金 and 延滞金 on a refund ordered by cancellation over real HTTP (適正化法 第19条,
//! `grant::surcharge`): the order records the city's terms and the 加算金 if paid on the due date;
//! the grant read and the pages show the figures; the rates and the day count are city settings.
//!
//! The grant: 200,000 decided, an advance of 160,000 (the 4/5 cap) paid today, then cancelled today
//! with all 160,000 ordered back within 30 days. From today to the due date is 31 days, both counted.

use grants_tests::browser::Browser;
use grants_tests::scenario::{today_jst, OneGrant};
use grants_tests::{on_both_backends, Backend, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

/// The grant of the module doc, cancelled; returns (staff, member, grant, the cancellation's answer).
async fn cancelled(app: &TestApp) -> (String, String, String, Value) {
    let OneGrant {
        cast,
        member,
        grant,
        ..
    } = app.one_awarded_grant().await;
    let path = format!("/api/v1/grants/{grant}");
    app.call(
        Method::POST,
        &format!("{path}/advance-requests"),
        &member,
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
    let answer = app
        .call(
            Method::POST,
            &format!("{path}/cancellation"),
            &cast.staff,
            Some(&json!({"reason": "補助金の目的外使用", "refund_amount": 160_000})),
            200,
        )
        .await;
    (cast.staff, member, grant, answer)
}

on_both_backends!(
    the_refund_order_states_the_additional_charge_and_the_read_follows_it,
    |app: TestApp| async move {
        let (staff, member, grant, answer) = cancelled(&app).await;
        let order = &answer["refund_order"];
        assert_eq!(order["ordered"], 160_000);
        assert_eq!(order["additional_charge_rate"], "219/2000");
        assert_eq!(order["late_charge_rate"], "219/2000");
        assert_eq!(order["days_per_year"], 365);
        // 160,000 x 31 days x 10.95% / 365 (= 3/10,000 a day) = 1,488.
        assert_eq!(order["additional_charge_if_paid_on_due_date"], 1_488);
        // Today: one day, 48 yen, under 100 yen: not charged; nothing late yet.
        assert_eq!(answer["surcharges"]["as_of"], today_jst());
        assert_eq!(answer["surcharges"]["additional"], 0);
        assert_eq!(answer["surcharges"]["late"], 0);

        // The pages show the order's figures.
        let browser = Browser::new(&app);
        browser.sign_in("staff@city.example.jp").await;
        let page = browser.get(&format!("/staff/grants/{grant}")).await;
        assert_eq!(page.status, 200);
        assert!(page.html.contains("納期限に全額を返還した場合の加算金"));
        assert!(page.html.contains("¥1,488"), "{}", page.html);
        assert!(page.html.contains("年10.95%"));
        let browser = Browser::new(&app);
        browser.sign_in("member@example.jp").await;
        let page = browser.get(&format!("/grants/{grant}")).await;
        assert!(page.html.contains("納期限に返還した場合の加算金"));
        assert!(page.html.contains("¥1,488"));

        // Staff wait to receive it by its 納期限, not yet passed; the group sees it as its next step.
        let due_on = order["due_on"].as_str().unwrap();
        let mut entry = Value::Null;
        for _ in 0..100 {
            let queue = app
                .call(Method::GET, "/api/v1/work-queue", &staff, None, 200)
                .await;
            let refunds = queue["kinds"]
                .as_array()
                .unwrap()
                .iter()
                .find(|kind| kind["kind"] == "receive_refund")
                .unwrap()
                .clone();
            if let Some(found) = refunds["items"].as_array().unwrap().first() {
                entry = found.clone();
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(entry["amount"], 160_000, "{entry}");
        assert_eq!(entry["due_on"], due_on);
        assert_eq!(entry["overdue"], false);
        let my = browser.get("/my").await;
        assert!(
            my.html.contains("補助金の返還をお願いします"),
            "{}",
            my.html
        );
        assert!(!my.html.contains("期限を過ぎています"), "{}", my.html);

        // Repaid today in full: the figures stop today.
        let repaid = app
            .call(
                Method::POST,
                &format!("/api/v1/grants/{grant}/refunds"),
                &staff,
                Some(&json!({"amount": 160_000, "received_on": today_jst()})),
                201,
            )
            .await;
        assert_eq!(repaid["refund_due"], 0);
        assert_eq!(repaid["surcharges"]["as_of"], today_jst());
        assert_eq!(repaid["surcharges"]["additional"], 0);
        let read = app
            .call(
                Method::GET,
                &format!("/api/v1/grants/{grant}"),
                &member,
                None,
                200,
            )
            .await;
        assert_eq!(
            read["refund_order"]["additional_charge_if_paid_on_due_date"],
            1_488
        );
    }
);

/// The rates and the day count are the city's: 3/100 a year over 366 days gives
/// 160,000 x 31 x 3/100 / 366 = 406.55 -> 406.
async fn city_terms(backend: Backend) {
    let app = grants_tests::spawn_app_with(backend, |config| {
        config.surcharge.additional_charge_rate = "3/100".parse().unwrap();
        config.surcharge.late_charge_rate = "3/100".parse().unwrap();
        config.surcharge.charge_days_per_year = 366;
    })
    .await;
    let (_, _, _, answer) = cancelled(&app).await;
    assert_eq!(answer["refund_order"]["additional_charge_rate"], "3/100");
    assert_eq!(answer["refund_order"]["days_per_year"], 366);
    assert_eq!(
        answer["refund_order"]["additional_charge_if_paid_on_due_date"],
        406
    );
}

mod the_city_sets_the_rates_and_the_day_count {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::city_terms(grants_tests::Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::city_terms(grants_tests::Backend::Postgres).await;
    }
}

on_both_backends!(
    a_cancellation_without_a_refund_has_no_order,
    |app: TestApp| async move {
        let OneGrant { cast, grant, .. } = app.one_awarded_grant().await;
        let answer = app
            .call(
                Method::POST,
                &format!("/api/v1/grants/{grant}/cancellation"),
                &cast.staff,
                Some(&json!({"reason": "事業の中止", "refund_amount": 0})),
                200,
            )
            .await;
        assert_eq!(answer["refund_order"], Value::Null);
        assert_eq!(answer["surcharges"], Value::Null);
    }
);
