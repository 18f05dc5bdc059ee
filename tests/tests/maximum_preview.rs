//! Issue 7: the maximum subsidy shown while the budget is typed. `POST /api/v1/applications/{id}/maximum`
//! answers rule 3's maximum for an unsaved budget with the draft's own terms, equal to what the
//! submission later records, and appends no event; a stranger is refused. The page route the
//! application form's script calls answers the formatted sentence.

use grants_tests::browser::Browser;
use grants_tests::scenario::{form, step_up_round};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use time::Duration;

/// A round whose rate for this group is 3/4: domain.md's worked example 1 is a second step-up
/// grant (1/1 -> 3/4); starting the schedule at 3/4 gives the same rate without a first grant.
fn round_at_three_quarters() -> Value {
    let mut settings = step_up_round(2_000_000, Duration::days(10));
    settings["rate_schedule"] = json!(["3/4", "1/2"]);
    settings
}

async fn stream(app: &TestApp, staff: &str, id: &str) -> Vec<Value> {
    app.call(
        Method::GET,
        &format!("/api/v1/audit/streams/application/{id}"),
        staff,
        None,
        200,
    )
    .await
    .as_array()
    .expect("the stream")
    .clone()
}

on_both_backends!(
    the_preview_equals_the_maximum_submission_records_and_appends_nothing,
    |app: TestApp| async move {
        let cast = app.cast(0).await;
        let round = app.open_round(&cast, &round_at_three_quarters()).await;
        let member = app.applicant("preview@example.jp").await;
        let group = app.register_group(&member, "みどりの会").await;
        let mut draft = form(100_000, 0, 50_000);
        draft["round_id"] = json!(round);
        draft["group_id"] = json!(group);
        let started = app
            .call(
                Method::POST,
                "/api/v1/applications",
                &member,
                Some(&draft),
                201,
            )
            .await;
        let id = started["id"].as_str().unwrap().to_owned();
        assert_eq!(started["max_amount"], 75_000, "3/4 x 100,000 as saved");
        let before = stream(&app, &cast.staff, &id).await;

        // The budget being typed: 412,345 of eligible expenses, 30,000 of project income.
        let typed = form(412_345, 30_000, 286_000)["budget"].clone();
        let path = format!("/api/v1/applications/{id}/maximum");
        let preview = app
            .call(Method::POST, &path, &member, Some(&typed), 200)
            .await;
        // Worked example 1: 3/4 x (412,345 - 30,000) = 286,758.75 -> 286,000.
        assert_eq!(preview["maximum"], 286_000, "{preview}");
        assert_eq!(preview["rate"], "3/4");
        assert_eq!(preview["cap"], 500_000);
        assert_eq!(preview["eligible_expenses"], 412_345);
        assert_eq!(preview["project_income"], 30_000);
        assert_eq!(preview["subsidy_base"], 382_345);
        assert_eq!(
            stream(&app, &cast.staff, &id).await.len(),
            before.len(),
            "a preview appends no event"
        );
        let unchanged = app
            .call(
                Method::GET,
                &format!("/api/v1/applications/{id}"),
                &member,
                None,
                200,
            )
            .await;
        assert_eq!(unchanged["max_amount"], 75_000, "the draft is as saved");

        // A member of another group neither sees nor computes on this draft.
        let stranger = app.applicant("stranger@example.jp").await;
        let refused = app
            .send(Method::POST, &path, Some(&stranger), Some(&typed))
            .await;
        assert_eq!(refused.status, 404, "{:?}", refused.body);
        let anonymous = app.send(Method::POST, &path, None, Some(&typed)).await;
        assert_eq!(anonymous.status, 401);

        // Saved and submitted, the recorded maximum is the one previewed.
        let mut saved = form(412_345, 30_000, 286_000);
        saved["title"] = json!("こども自然教室");
        app.call(
            Method::PATCH,
            &format!("/api/v1/applications/{id}"),
            &member,
            Some(&saved),
            200,
        )
        .await;
        let submitted = app
            .call(
                Method::POST,
                &format!("/api/v1/applications/{id}/submit"),
                &member,
                None,
                200,
            )
            .await;
        assert_eq!(submitted["max_amount"], preview["maximum"]);
        let events = stream(&app, &cast.staff, &id).await;
        let recorded = events
            .iter()
            .find(|event| event["event_type"] == "ApplicationSubmitted")
            .expect("the submission");
        assert!(
            recorded["payload"]
                .to_string()
                .contains("\"max_amount\":286000"),
            "{recorded}"
        );
    }
);

on_both_backends!(
    the_form_asks_its_page_route_for_the_maximum_of_the_typed_budget,
    |app: TestApp| async move {
        let cast = app.cast(0).await;
        let round = app.open_round(&cast, &round_at_three_quarters()).await;
        let email = "typing@example.jp";
        let member = app.applicant(email).await;
        let group = app.register_group(&member, "みどりの会").await;
        let mut draft = form(100_000, 0, 50_000);
        draft["round_id"] = json!(round);
        draft["group_id"] = json!(group);
        let started = app
            .call(
                Method::POST,
                "/api/v1/applications",
                &member,
                Some(&draft),
                201,
            )
            .await;
        let id = started["id"].as_str().unwrap().to_owned();

        let browser = Browser::new(&app);
        browser.sign_in(email).await;
        let edit = browser.get(&format!("/applications/{id}/edit")).await;
        assert_eq!(edit.status, 200);
        let route = format!("/applications/{id}/maximum");
        assert!(
            edit.html.contains(&format!("data-maximum=\"{route}\"")),
            "the form tells app.js where to ask"
        );
        let csrf = edit.csrf();
        let typed = [
            ("_csrf", csrf.as_str()),
            ("expense_category", "rentals"),
            ("expense_item", "会場使用料"),
            ("expense_quantity", "1"),
            ("expense_unit_price", "412,345"),
            ("expense_category", ""),
            ("expense_item", ""),
            ("expense_quantity", ""),
            ("expense_unit_price", ""),
            ("income_kind", "project_income"),
            ("income_description", "参加費"),
            ("income_amount", "３００００"),
        ];
        let answer = browser.post(&route, &typed).await;
        assert_eq!(answer.status, 200, "{}", answer.html);
        let body: Value = serde_json::from_str(&answer.html).expect("JSON");
        assert_eq!(body["maximum"], 286_000);
        assert_eq!(
            body["text"],
            "この内容での補助上限額：¥286,000（補助率 3/4）"
        );

        // Without the form's token nothing is computed.
        let forged = browser
            .post(&route, &[("_csrf", "forged"), ("expense_unit_price", "1")])
            .await;
        assert_eq!(forged.status, 403);
        // Nothing was saved.
        let unchanged = app
            .call(
                Method::GET,
                &format!("/api/v1/applications/{id}"),
                &member,
                None,
                200,
            )
            .await;
        assert_eq!(unchanged["max_amount"], 75_000);
    }
);
