//! 中止・廃止 end to end: a group stops its project midway, staff approve, the report of what was spent
//! finalises the amount, the refund (or the payment) follows, and the budget freed goes back to the
//! round through the release process. Worked numbers: decided 200,000 of a 1,000,000 round.

use grants_tests::scenario::{today_jst, OneGrant};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

/// What was spent: 120,400 of eligible receipts up to today (the approval day).
fn spent() -> Value {
    json!({
        "income": [],
        "expenses": [
            {"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": 120_400,
             "receipt_date": today_jst(), "receipt_number": "R-001"}
        ],
        "outcomes": "会場の閉鎖までに観察会を3回開いた。",
        "participants": 45,
    })
}

async fn remaining_budget(app: &TestApp, round: &str) -> Value {
    app.get(&format!("/api/v1/rounds/{round}")).await.body["remaining_budget"].clone()
}

/// The group files and submits the report of what was spent; staff accept it.
async fn settle(app: &TestApp, path: &str, member: &str, staff: &str) -> Value {
    app.call(
        Method::PUT,
        &format!("{path}/settlement-report"),
        member,
        Some(&spent()),
        200,
    )
    .await;
    app.call(
        Method::POST,
        &format!("{path}/settlement-report/submit"),
        member,
        None,
        200,
    )
    .await;
    app.call(
        Method::POST,
        &format!("{path}/settlement-report/review"),
        staff,
        Some(&json!({"outcome": "accepted"})),
        200,
    )
    .await
}

on_both_backends!(
    a_project_stopped_midway_refunds_the_unspent_advance_and_frees_the_rest_of_the_budget,
    |app: TestApp| async move {
        let OneGrant {
            cast,
            round,
            member,
            grant,
        } = app.one_awarded_grant().await;
        let staff = cast.staff.clone();
        let path = format!("/api/v1/grants/{grant}");
        assert_eq!(remaining_budget(&app, &round).await, 800_000);
        // An advance of 150,000 (the cap is 4/5 of 200,000 = 160,000), paid.
        app.call(
            Method::POST,
            &format!("{path}/advance-requests"),
            &member,
            Some(&json!({"amount": 150_000})),
            201,
        )
        .await;
        let payment = json!({"amount": 150_000, "paid_on": today_jst(), "kind": "advance"});
        app.call(
            Method::POST,
            &format!("{path}/payments"),
            &staff,
            Some(&payment),
            201,
        )
        .await;

        // The group asks, with a reason; staff cannot ask for it.
        let request = format!("{path}/discontinuation");
        let empty = app
            .send(
                Method::POST,
                &request,
                Some(&member),
                Some(&json!({"reason": " "})),
            )
            .await;
        assert_eq!(empty.status, 422, "{:?}", empty.body);
        assert_eq!(empty.body["errors"][0]["field"], "reason");
        let by_staff = app
            .send(
                Method::POST,
                &request,
                Some(&staff),
                Some(&json!({"reason": "理由"})),
            )
            .await;
        assert_eq!(by_staff.status, 403);
        let asked = app
            .call(
                Method::POST,
                &request,
                &member,
                Some(&json!({"reason": "会場が閉鎖され、事業を続けられなくなりました。"})),
                200,
            )
            .await;
        assert_eq!(asked["status"], "discontinuation_requested");
        assert_eq!(asked["discontinuation"]["status"], "pending");
        assert_eq!(
            asked["allowed_actions"],
            json!(["record_advance", "cancel", "decide_discontinuation"])
        );
        // No more advances while staff decide.
        let advance = app
            .send(
                Method::POST,
                &format!("{path}/advance-requests"),
                Some(&member),
                Some(&json!({"amount": 1_000})),
            )
            .await;
        assert_eq!(advance.status, 409, "{:?}", advance.body);

        // Staff approve: the project ends today.
        let decision = format!("{path}/discontinuation/decision");
        let approved = app
            .call(
                Method::POST,
                &decision,
                &staff,
                Some(&json!({"approved": true, "reason": "やむを得ない事情と認めます。"})),
                200,
            )
            .await;
        assert_eq!(approved["status"], "discontinued");
        assert_eq!(approved["completion_deadline"], today_jst());
        assert_eq!(approved["discontinuation"]["discontinued_on"], today_jst());
        // Nothing is freed before what was spent is known.
        assert_eq!(remaining_budget(&app, &round).await, 800_000);

        // 120,400 spent -> 120,000 on the unit; 150,000 paid -> 30,000 to refund; 80,000 freed.
        let finalised = settle(&app, &path, &member, &staff).await;
        assert_eq!(finalised["finalised_amount"], 120_000);
        assert_eq!(finalised["refund_due"], 30_000);
        assert_eq!(finalised["status"], "refund_due");
        assert_eq!(remaining_budget(&app, &round).await, 880_000);
        let refund = json!({"amount": 30_000, "received_on": today_jst()});
        let closed = app
            .call(
                Method::POST,
                &format!("{path}/refunds"),
                &staff,
                Some(&refund),
                201,
            )
            .await;
        assert_eq!(closed["status"], "closed");
        assert_eq!(closed["paid_total"], 120_000);
        assert_eq!(remaining_budget(&app, &round).await, 880_000);

        // The staff list (grant ledger) follows.
        let listed = app
            .call(
                Method::GET,
                &format!(
                    "/api/v1/grants?round_id={round}&min_position={}",
                    closed["position"]
                ),
                &staff,
                None,
                200,
            )
            .await;
        assert_eq!(listed[0]["status"], "closed");
    }
);

on_both_backends!(
    a_refused_discontinuation_goes_on_and_an_approved_one_without_advance_is_paid_what_was_spent,
    |app: TestApp| async move {
        let OneGrant {
            cast,
            round,
            member,
            grant,
        } = app.one_awarded_grant().await;
        let staff = cast.staff.clone();
        let path = format!("/api/v1/grants/{grant}");
        let request = format!("{path}/discontinuation");
        let decision = format!("{path}/discontinuation/decision");
        let reason = json!({"reason": "代表者が転居するため"});
        app.call(Method::POST, &request, &member, Some(&reason), 200)
            .await;
        // A refusal needs a reason; with one, the grant goes back to where it was.
        let bare = app
            .send(
                Method::POST,
                &decision,
                Some(&staff),
                Some(&json!({"approved": false})),
            )
            .await;
        assert_eq!(bare.status, 422, "{:?}", bare.body);
        assert_eq!(bare.body["code"], "grant.text_required");
        let refused = app
            .call(
                Method::POST,
                &decision,
                &staff,
                Some(&json!({"approved": false, "reason": "後任の代表者で継続できます。"})),
                200,
            )
            .await;
        assert_eq!(refused["status"], "decided");
        assert_eq!(refused["discontinuation"]["status"], "refused");
        // The group may ask again; this time staff approve.
        app.call(Method::POST, &request, &member, Some(&reason), 200)
            .await;
        app.call(
            Method::POST,
            &decision,
            &staff,
            Some(&json!({"approved": true})),
            200,
        )
        .await;
        // Nothing was paid: 120,000 is payable, and 80,000 goes back to the round.
        let finalised = settle(&app, &path, &member, &staff).await;
        assert_eq!(finalised["finalised_amount"], 120_000);
        assert_eq!(finalised["payable"], 120_000);
        assert_eq!(remaining_budget(&app, &round).await, 880_000);
        let payment = json!({"amount": 120_000, "paid_on": today_jst(), "kind": "final"});
        let closed = app
            .call(
                Method::POST,
                &format!("{path}/payments"),
                &staff,
                Some(&payment),
                201,
            )
            .await;
        assert_eq!(closed["status"], "closed");
    }
);

/// Posts `fields` with the form guard of `page`.
async fn post_form(
    browser: &grants_tests::browser::Browser<'_>,
    page: &grants_tests::browser::Page,
    path: &str,
    fields: &[(&str, &str)],
) -> grants_tests::browser::Page {
    let mut all = vec![("_csrf", page.csrf()), ("_form", page.form_id())];
    all.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser.post(path, &all).await
}

on_both_backends!(
    the_group_asks_and_staff_decide_on_the_pages,
    |app: TestApp| async move {
        let OneGrant { grant, .. } = app.one_awarded_grant().await;
        let member = grants_tests::browser::Browser::new(&app);
        member.sign_in("member@example.jp").await;
        let grant_page = member.get(&format!("/grants/{grant}")).await;
        assert!(grant_page
            .html
            .contains(&format!("/grants/{grant}/discontinuation")));
        let path = format!("/grants/{grant}/discontinuation");
        let form = member.get(&path).await;
        assert_eq!(form.status, 200);
        // An empty reason: the rule beside the field, on the same page.
        let refused = post_form(&member, &form, &path, &[("reason", " ")]).await;
        assert_eq!(refused.status, 422, "{}", refused.html);
        assert!(
            refused.html.contains("を入力してください"),
            "{}",
            refused.html
        );
        let asked = post_form(
            &member,
            &refused,
            &path,
            &[("reason", "会場が閉鎖されたため")],
        )
        .await;
        assert_eq!(asked.status, 200);
        assert!(asked.html.contains("中止・廃止申請中"), "{}", asked.html);

        let staff = grants_tests::browser::Browser::new(&app);
        staff.sign_in("staff@city.example.jp").await;
        let staff_grant = staff.get(&format!("/staff/grants/{grant}")).await;
        assert!(staff_grant.html.contains("discontinuation-link"));
        let decide = format!("/staff/grants/{grant}/discontinuation");
        let page = staff.get(&decide).await;
        assert!(page.html.contains("会場が閉鎖されたため"));
        // A refusal without a reason is refused, keeping the choice.
        let bare = post_form(
            &staff,
            &page,
            &decide,
            &[("approved", "false"), ("reason", "")],
        )
        .await;
        assert_eq!(bare.status, 422, "{}", bare.html);
        assert!(bare.html.contains("を入力してください"));
        let approved = post_form(
            &staff,
            &bare,
            &decide,
            &[("approved", "true"), ("reason", "")],
        )
        .await;
        assert_eq!(approved.status, 200);
        assert!(
            approved.html.contains("中止・廃止承認済"),
            "{}",
            approved.html
        );
        let read = app
            .call(
                Method::GET,
                &format!("/api/v1/grants/{grant}"),
                &app.sign_in("staff@city.example.jp", grants_tests::TEST_PASSWORD)
                    .await,
                None,
                200,
            )
            .await;
        assert_eq!(read["status"], "discontinued");
    }
);
