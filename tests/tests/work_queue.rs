//! The staff work queue (`GET /api/v1/work-queue` and `/staff`) and a group's next steps (`/my`),
//! on both backends: a decided grant of ¥200,000 whose group asks ¥100,000 in advance and requests
//! a change that needs approval appears once under each kind, with the amount to pay; paying and
//! deciding take it off the queue. The group sees its settlement report due with its date.

use grants_tests::browser::Browser;
use grants_tests::scenario::form;
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

/// The count of `kind` in the queue.
fn count(queue: &Value, kind: &str) -> i64 {
    queue["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|listed| listed["kind"] == kind)
        .map(|listed| listed["count"].as_i64().unwrap())
        .unwrap_or(-1)
}

/// The queue once `check` holds (the read models follow the log a moment later).
async fn queue_when(app: &TestApp, staff: &str, check: impl Fn(&Value) -> bool) -> Value {
    let mut queue = Value::Null;
    for _ in 0..100 {
        queue = app
            .call(Method::GET, "/api/v1/work-queue", staff, None, 200)
            .await;
        if check(&queue) {
            return queue;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the queue never matched: {queue}");
}

on_both_backends!(
    the_work_queue_counts_what_waits_on_staff_and_the_group_sees_its_next_steps,
    |app: TestApp| async move {
        let one = app.one_awarded_grant().await;
        let staff = one.cast.staff.clone();
        let path = format!("/api/v1/grants/{}", one.grant);

        // A group may not read the staff queue.
        app.call(Method::GET, "/api/v1/work-queue", &one.member, None, 403)
            .await;

        app.call(
            Method::POST,
            &format!("{path}/advance-requests"),
            &one.member,
            Some(&json!({"amount": 100_000})),
            201,
        )
        .await;
        let period = form(200_000, 0, 200_000)["period"].clone();
        let budget = json!({
            "income": [],
            "expenses": [{"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": 100_000}],
        });
        let change = app
            .call(
                Method::POST,
                &format!("{path}/change-requests"),
                &one.member,
                Some(
                    &json!({"reason": "回数を半分にするため", "budget": budget, "period": period}),
                ),
                201,
            )
            .await;

        let queue = queue_when(&app, &staff, |queue| {
            count(queue, "pay_advance") == 1 && count(queue, "decide_change") == 1
        })
        .await;
        assert_eq!(count(&queue, "screen"), 0);
        assert_eq!(count(&queue, "review_report"), 0);
        let advance = &queue["kinds"][1];
        assert_eq!(advance["kind"], "pay_advance");
        assert_eq!(advance["label"], "支払を待つ概算払の請求");
        assert_eq!(advance["items"][0]["grant_id"], one.grant.as_str());
        assert_eq!(advance["items"][0]["amount"], 100_000);

        // The staff dashboard shows the counts, each linking to its list.
        app.account_with_role("staff", "clerk@city.example.jp")
            .await;
        let browser = Browser::new(&app);
        browser.sign_in("clerk@city.example.jp").await;
        let dashboard = browser.get("/staff").await;
        assert_eq!(dashboard.status, 200, "{}", dashboard.html);
        assert!(dashboard.html.contains("対応が必要な業務"));
        assert!(
            dashboard
                .html
                .contains("支払を待つ概算払の請求</a></td><td class=\"num\">1件"),
            "{}",
            dashboard.html
        );
        assert!(dashboard
            .html
            .contains("決定を待つ変更承認申請</a></td><td class=\"num\">1件"));
        assert!(dashboard.html.contains("概算払の支払・変更承認申請の決定"));
        assert!(dashboard
            .html
            .contains(&format!("/staff/grants/{}", one.grant)));

        // Paying and deciding take the work off the queue.
        app.call(
            Method::POST,
            &format!("{path}/payments"),
            &staff,
            Some(&json!({"kind": "advance", "amount": 100_000, "paid_on": grants_tests::scenario::today_jst()})),
            201,
        )
        .await;
        app.call(
            Method::POST,
            &format!(
                "{path}/change-requests/{}/decision",
                change["change_request_id"].as_str().unwrap()
            ),
            &staff,
            Some(&json!({"approved": false, "reason": "事業の目的が果たせないため"})),
            200,
        )
        .await;
        queue_when(&app, &staff, |queue| {
            count(queue, "pay_advance") == 0 && count(queue, "decide_change") == 0
        })
        .await;

        // The group's next step: the settlement report, with its due date.
        let member = Browser::new(&app);
        member.sign_in("member@example.jp").await;
        let my = member.get("/my").await;
        assert!(my.html.contains("次に行うこと（1件）"), "{}", my.html);
        assert!(my.html.contains("実績報告書を期限までに提出してください"));
        assert!(my.html.contains(&format!("/grants/{}", one.grant)));
    }
);
