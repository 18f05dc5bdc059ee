//! Bad input on every route: malformed JSON, wrong types, unknown fields, oversized bodies, malformed
//! and unknown ids. Each gets its documented 4xx as problem+json, never a 5xx, and changes nothing.

use grants_tests::scenario::{form, group, step_up_round, today_jst};
use grants_tests::{on_both_backends, Answer, TestApp, TEST_PASSWORD};
use reqwest::Method;
use serde_json::{json, Value};
use time::Duration;

#[derive(Clone, Copy)]
enum As {
    Anyone,
    Applicant,
    Reviewer,
    Staff,
}

struct Route {
    method: Method,
    /// `{id}` and `{cid}` are replaced by ids.
    path: &'static str,
    caller: As,
    /// A well-formed body, or `None` for routes without one.
    body: Option<Value>,
}

fn route(method: Method, path: &'static str, caller: As, body: Option<Value>) -> Route {
    Route {
        method,
        path,
        caller,
        body,
    }
}

/// Every route that takes input, with a well-formed body (api.md).
fn routes() -> Vec<Route> {
    use As::*;
    let reason = json!({"reason": "事情により"});
    vec![
        route(
            Method::POST,
            "/api/v1/accounts",
            Anyone,
            Some(json!({"email": "x@example.jp", "password": TEST_PASSWORD, "display_name": "x"})),
        ),
        route(
            Method::POST,
            "/api/v1/sessions",
            Anyone,
            Some(json!({"email": "x@example.jp", "password": TEST_PASSWORD})),
        ),
        route(
            Method::POST,
            "/api/v1/users",
            Staff,
            Some(
                json!({"email": "y@example.jp", "password": TEST_PASSWORD, "display_name": "y", "role": "reviewer"}),
            ),
        ),
        route(Method::POST, "/api/v1/groups", Applicant, Some(group("会"))),
        route(Method::GET, "/api/v1/groups/{id}", Staff, None),
        route(
            Method::POST,
            "/api/v1/rounds",
            Staff,
            Some(step_up_round(1_000_000, Duration::hours(1))),
        ),
        route(Method::GET, "/api/v1/rounds/{id}", Anyone, None),
        route(
            Method::POST,
            "/api/v1/rounds/{id}/committee",
            Staff,
            Some(json!({"reviewer_id": uuid::Uuid::now_v7()})),
        ),
        route(
            Method::POST,
            "/api/v1/rounds/{id}/scoring/close",
            Staff,
            None,
        ),
        route(Method::GET, "/api/v1/rounds/{id}/ranking", Staff, None),
        route(Method::POST, "/api/v1/rounds/{id}/ranking", Staff, None),
        route(
            Method::POST,
            "/api/v1/rounds/{id}/decisions",
            Staff,
            Some(json!({"awards": [], "rejections": []})),
        ),
        route(
            Method::POST,
            "/api/v1/rounds/{id}/runner-up-offer",
            Applicant,
            Some(json!({"application_id": uuid::Uuid::now_v7(), "accept": true})),
        ),
        route(
            Method::POST,
            "/api/v1/applications",
            Applicant,
            Some({
                let mut draft = form(100_000, 0, 100_000);
                draft["round_id"] = json!(uuid::Uuid::now_v7());
                draft["group_id"] = json!(uuid::Uuid::now_v7());
                draft
            }),
        ),
        route(Method::GET, "/api/v1/applications/{id}", Staff, None),
        route(
            Method::PATCH,
            "/api/v1/applications/{id}",
            Applicant,
            Some(form(100_000, 0, 100_000)),
        ),
        route(
            Method::POST,
            "/api/v1/applications/{id}/submit",
            Applicant,
            None,
        ),
        route(
            Method::POST,
            "/api/v1/applications/{id}/withdraw",
            Applicant,
            Some(reason.clone()),
        ),
        route(
            Method::POST,
            "/api/v1/applications/{id}/screening",
            Staff,
            Some(json!({"outcome": "eligible"})),
        ),
        route(
            Method::POST,
            "/api/v1/applications/{id}/conflict-declaration",
            Reviewer,
            Some(json!({"conflict": false, "note": ""})),
        ),
        route(
            Method::PUT,
            "/api/v1/applications/{id}/my-review",
            Reviewer,
            Some(json!({"scores": {"civic": 5}, "comment": ""})),
        ),
        route(
            Method::GET,
            "/api/v1/applications/{id}/my-review",
            Reviewer,
            None,
        ),
        route(
            Method::POST,
            "/api/v1/applications/{id}/my-review/submit",
            Reviewer,
            None,
        ),
        route(Method::GET, "/api/v1/grants/{id}", Staff, None),
        route(
            Method::POST,
            "/api/v1/grants/{id}/withdraw",
            Applicant,
            Some(reason.clone()),
        ),
        route(
            Method::POST,
            "/api/v1/grants/{id}/advance-requests",
            Applicant,
            Some(json!({"amount": 1_000})),
        ),
        route(
            Method::POST,
            "/api/v1/grants/{id}/payments",
            Staff,
            Some(json!({"amount": 1_000, "paid_on": today_jst(), "kind": "advance"})),
        ),
        route(
            Method::POST,
            "/api/v1/grants/{id}/change-requests",
            Applicant,
            Some(
                json!({"reason": "変更", "budget": {"income": [], "expenses": []}, "period": {"start": today_jst(), "end": today_jst()}}),
            ),
        ),
        route(
            Method::POST,
            "/api/v1/grants/{id}/change-requests/{cid}/decision",
            Staff,
            Some(json!({"approved": false, "reason": "不要"})),
        ),
        route(
            Method::PUT,
            "/api/v1/grants/{id}/settlement-report",
            Applicant,
            Some(json!({"income": [], "expenses": [], "outcomes": "", "participants": 0})),
        ),
        route(
            Method::GET,
            "/api/v1/grants/{id}/settlement-report",
            Staff,
            None,
        ),
        route(
            Method::POST,
            "/api/v1/grants/{id}/settlement-report/submit",
            Applicant,
            None,
        ),
        route(
            Method::POST,
            "/api/v1/grants/{id}/settlement-report/review",
            Staff,
            Some(json!({"outcome": "accepted"})),
        ),
        route(
            Method::POST,
            "/api/v1/grants/{id}/refunds",
            Staff,
            Some(json!({"amount": 1_000, "received_on": today_jst()})),
        ),
        route(
            Method::POST,
            "/api/v1/grants/{id}/cancellation",
            Staff,
            Some(json!({"reason": "目的外使用", "refund_amount": 0})),
        ),
    ]
}

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
    route: &Route,
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
        let before = event_count(&app).await;
        for route in routes() {
            let token = match route.caller {
                As::Anyone => None,
                As::Applicant => Some(applicant.as_str()),
                As::Reviewer => Some(reviewer.as_str()),
                As::Staff => Some(staff.as_str()),
            };
            let unknown = route
                .path
                .replace("{id}", &uuid::Uuid::now_v7().to_string())
                .replace("{cid}", &uuid::Uuid::now_v7().to_string());
            let what = |case: &str| format!("{} {} ({case})", route.method, route.path);

            if route.path.contains("{id}") {
                let malformed = route
                    .path
                    .replace("{id}", "not-an-id")
                    .replace("{cid}", "also-not");
                let body = route.body.as_ref().map(Value::to_string);
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
            if route.body.is_some() {
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
                let mut extra = route.body.clone().unwrap();
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
