//! Bad input on every route: malformed JSON, wrong types, unknown fields, oversized bodies, malformed
//! and unknown ids. Each gets its documented 4xx as problem+json, never a 5xx, and changes nothing.

use grants_tests::routes::{access, operations, well_formed_body, Ids, Operation, Who};
use grants_tests::scenario::step_up_round;
use grants_tests::{on_both_backends, Answer, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use time::Duration;

fn assert_problem(answer: &Answer, expected: &[u16], what: &str) {
    assert!(
        expected.contains(&answer.status),
        "{what}: expected {expected:?}, got {} {:?}",
        answer.status,
        answer.body
    );
    assert_eq!(answer.content_type, "application/problem+json", "{what}");
    assert!(
        answer.body["detail_ja"]
            .as_str()
            .is_some_and(|text| !text.is_empty()),
        "{what}: {:?}",
        answer.body
    );
}

async fn send_raw(
    app: &TestApp,
    route: &Operation,
    path: &str,
    token: Option<&str>,
    body: Option<String>,
) -> Answer {
    let mut request = app.client.request(route.method.clone(), app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let response = request.send().await.expect("the service answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    Answer {
        status,
        content_type,
        body,
    }
}

async fn event_count(app: &TestApp) -> i64 {
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    grants_app::with_pool!(&db, pool => sqlx::query_scalar::<_, i64>("SELECT count(*) FROM events").fetch_one(pool).await.unwrap())
}

on_both_backends!(
    every_route_refuses_bad_input_with_a_problem,
    |app: TestApp| async move {
        let staff = app
            .account_with_role("staff", "staff@city.example.jp")
            .await;
        let reviewer = app
            .account_with_role("reviewer", "reviewer@example.jp")
            .await;
        let applicant = app.applicant("applicant@example.jp").await;
        let auditor = app.account_with_role("auditor", "auditor@example.jp").await;
        let before = event_count(&app).await;
        let unknown_ids = Ids::unknown();
        for route in operations(&app).await {
            // Called by someone the policy lets through, so the input is what gets judged.
            let rule = access(&route.id).expect("every route is in the access table");
            let caller = rule.allowed.first().or(rule.not_found.first()).copied();
            let token = match caller {
                // No route lists the coordinator first; it would be refused as an applicant is.
                Some(Who::Member | Who::Stranger | Who::Coordinator) => Some(applicant.as_str()),
                Some(Who::Reviewer) => Some(reviewer.as_str()),
                Some(Who::Staff) => Some(staff.as_str()),
                Some(Who::Auditor) => Some(auditor.as_str()),
                Some(Who::Anonymous) | None => None,
            };
            let body = well_formed_body(&route.id, &unknown_ids);
            let unknown = unknown_ids.path(&route);
            let what = |case: &str| format!("{} {} ({case})", route.method, route.path);

            if route.path.contains("{id}") {
                let malformed = route
                    .path
                    .replace("{aggregate_type}", "application")
                    .replace("{aggregate_id}", "not-an-id")
                    .replace("{id}", "not-an-id")
                    .replace("{cid}", "also-not");
                let body = body.as_ref().map(Value::to_string);
                assert_problem(
                    &send_raw(&app, &route, &malformed, token, body.clone()).await,
                    &[404],
                    &what("malformed id"),
                );
                assert_problem(
                    &send_raw(&app, &route, &unknown, token, body).await,
                    &[404],
                    &what("unknown id"),
                );
            }
            if let Some(body) = &body {
                let path = &unknown;
                assert_problem(
                    &send_raw(&app, &route, path, token, Some("{\"a\": ".into())).await,
                    &[400, 404],
                    &what("malformed JSON"),
                );
                assert_problem(
                    &send_raw(&app, &route, path, token, Some("[1, 2]".into())).await,
                    &[400, 404, 422],
                    &what("wrong type"),
                );
                let mut extra = body.clone();
                if let Some(object) = extra.as_object_mut() {
                    object.insert("unexpected_field".into(), json!(true));
                    assert_problem(
                        &send_raw(&app, &route, path, token, Some(extra.to_string())).await,
                        &[400, 404, 422],
                        &what("unknown field"),
                    );
                }
                let huge = format!("{{\"reason\": \"{}\"}}", "あ".repeat(200_000));
                assert_problem(
                    &send_raw(&app, &route, path, token, Some(huge)).await,
                    &[404, 413],
                    &what("oversized"),
                );
            }
        }
        // Out-of-range values where the shape is right.
        let mut negative = step_up_round(1_000_000, Duration::hours(1));
        negative["budget"] = json!(-5);
        assert_problem(
            &app.send(
                Method::POST,
                "/api/v1/rounds",
                Some(&staff),
                Some(&negative),
            )
            .await,
            &[422],
            "negative budget",
        );
        let mut huge_number = step_up_round(1_000_000, Duration::hours(1));
        huge_number["cap"] = json!(1e300);
        assert_problem(
            &app.send(
                Method::POST,
                "/api/v1/rounds",
                Some(&staff),
                Some(&huge_number),
            )
            .await,
            &[422],
            "float money",
        );
        assert_eq!(
            event_count(&app).await,
            before,
            "refused commands changed nothing"
        );
    }
);
