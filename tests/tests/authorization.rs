//! The authorization matrix (issue 5): every route of the OpenAPI document, called by every kind of
//! caller, answers as the access table says: the allowed callers get past the policy (any answer but
//! 401, 403 or 404), the ones who may not know the object get 404, other signed-in callers 403 and
//! the anonymous 401. A route missing from the table fails the test, so none can be forgotten.

use std::collections::HashMap;

use grants_app::demo::{DEMO_PASSWORD, DEMO_STAFF};
use grants_tests::routes::{access, operations, well_formed_body, Ids, Who, EVERYONE};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

async fn demo_objects(app: &TestApp, member: &str) -> Ids {
    let rounds = app.get("/api/v1/rounds").await.body;
    let round_of = |course: &str| {
        rounds
            .as_array()
            .unwrap()
            .iter()
            .find(|round| round["course"] == course)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // The applications list is a read model too: wait until it shows the demo's award (under load
    // the projection can still be catching up with the seed).
    let mut awarded = None;
    for _ in 0..200 {
        let own = app
            .call(Method::GET, "/api/v1/applications", member, None, 200)
            .await;
        awarded = own
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["status"] == "awarded" && row["grant_id"].is_string())
            .cloned();
        if awarded.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let awarded = awarded.expect("the demo's awarded application is listed");
    let grant = awarded["grant_id"].as_str().unwrap().to_owned();
    // The public list is a read model: wait until it shows the demo's award.
    let public = format!("/api/v1/public/awards/{grant}");
    for _ in 0..200 {
        if app.get(&public).await.status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // An account of its own, whose personal data staff may erase without ending anyone's session.
    let account = app
        .post_json(
            "/api/v1/accounts",
            &serde_json::json!({"email": "erasable@example.jp",
                "password": grants_tests::TEST_PASSWORD, "display_name": "消される人"}),
        )
        .await;
    assert_eq!(account.status, 201, "{:?}", account.body);
    Ids {
        account: account.body["id"].as_str().unwrap().to_owned(),
        round: round_of("はじめの一歩"),
        open_round: round_of("ステップアップ"),
        application: awarded["application_id"].as_str().unwrap().to_owned(),
        grant,
        group: awarded["group_id"].as_str().unwrap().to_owned(),
        change_request: uuid::Uuid::now_v7().to_string(),
    }
}

on_both_backends!(
    every_route_answers_every_caller_as_the_policy_says,
    |app: TestApp| async move {
        let db = grants_app::db::Database::connect(&app.database_url)
            .await
            .unwrap();
        grants_app::demo::seed(&grants_app::http::AppState::new(db))
            .await
            .unwrap();
        let emails: HashMap<Who, String> = [
            (Who::Member, "group1@demo.example.jp".to_owned()),
            (Who::Reviewer, "reviewer1@demo.example.jp".to_owned()),
            (Who::Staff, DEMO_STAFF.to_owned()),
        ]
        .into();
        let mut tokens: HashMap<Who, String> = HashMap::new();
        for (who, email) in &emails {
            tokens.insert(*who, app.sign_in(email, DEMO_PASSWORD).await);
        }
        tokens.insert(Who::Stranger, app.applicant("stranger@example.jp").await);
        tokens.insert(
            Who::Auditor,
            app.account_with_role("auditor", "auditor@city.example.jp")
                .await,
        );
        let ids = demo_objects(&app, &tokens[&Who::Member]).await;
        // A coordinator (中間支援) the demo group consented to, without leave to submit.
        let coordinator = app
            .account_with_role("coordinator", "coordinator@npo.example.jp")
            .await;
        let coordinator_id = app
            .call(
                Method::GET,
                "/api/v1/sessions/current",
                &coordinator,
                None,
                200,
            )
            .await["user"]["id"]
            .as_str()
            .expect("the coordinator's id")
            .to_owned();
        app.call(
            Method::POST,
            &format!("/api/v1/groups/{}/coordinators", ids.group),
            &tokens[&Who::Member],
            Some(&json!({"coordinator_id": coordinator_id, "may_submit": false})),
            200,
        )
        .await;
        tokens.insert(Who::Coordinator, coordinator);

        let mut operations = operations(&app).await;
        // Signing out ends the session the other calls use: last.
        operations.sort_by_key(|operation| operation.id == "accounts_sign_out");
        let mut checked = 0;
        let mut failures: Vec<String> = Vec::new();
        for operation in &operations {
            let rule = access(&operation.id).unwrap_or_else(|| {
                panic!(
                    "{} is not in the access table of tests/src/routes.rs",
                    operation.id
                )
            });
            let path = ids.path(operation);
            let mut body = well_formed_body(&operation.id, &ids);
            if operation.id == "accounts_sign_in" {
                body = Some(json!({"email": DEMO_STAFF, "password": DEMO_PASSWORD}));
            }
            for who in EVERYONE {
                let token = tokens.get(&who).map(String::as_str);
                let answer = app
                    .send(operation.method.clone(), &path, token, body.as_ref())
                    .await;
                let what = format!(
                    "{} {} as {who:?}: {} {:?}",
                    operation.method, path, answer.status, answer.body
                );
                // Every mismatch is gathered, so one run names them all.
                let expected = if rule.allowed.contains(&who) {
                    None
                } else if rule.not_found.contains(&who) {
                    Some(404)
                } else if who == Who::Anonymous {
                    Some(401)
                } else {
                    Some(403)
                };
                let fits = answer.status < 500
                    && match expected {
                        None => ![401, 403, 404].contains(&answer.status),
                        Some(status) => answer.status == status,
                    }
                    && (answer.status < 400 || answer.content_type == "application/problem+json");
                if !fits {
                    failures.push(format!("expected {expected:?} (None: allowed): {what}"));
                }
                checked += 1;
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert!(
            checked >= 50 * EVERYONE.len(),
            "only {checked} calls: the document lost routes"
        );
        let _: Value = Value::Null;
    }
);

/// Starts a draft as `member`; returns its id.
async fn draft(app: &TestApp, member: &str, body: &Value) -> String {
    let started = app
        .call(
            Method::POST,
            "/api/v1/applications",
            member,
            Some(body),
            201,
        )
        .await;
    started["id"].as_str().unwrap().to_owned()
}

/// `POST /api/v1/applications/{id}/{step}` as `token`, which must answer 200.
async fn step(app: &TestApp, token: &str, id: &str, step: &str, body: Option<Value>) {
    let path = format!("/api/v1/applications/{id}/{step}");
    app.call(Method::POST, &path, token, body.as_ref(), 200)
        .await;
}

on_both_backends!(
    a_reviewer_sees_only_applications_that_reached_review,
    |app: TestApp| async move {
        use grants_tests::scenario::{form, step_up_round};

        let cast = app.cast(1).await;
        let reviewer = cast.reviewers[0].1.clone();
        let round = app
            .open_round(&cast, &step_up_round(2_000_000, time::Duration::hours(1)))
            .await;
        let member = app.applicant("member@example.jp").await;
        let group = app.register_group(&member, "みどりの会").await;
        let mut body = form(100_000, 0, 100_000);
        body["round_id"] = json!(round);
        body["group_id"] = json!(group);
        let screen = |outcome: &str| Some(json!({"outcome": outcome, "reason": "書類不備のため"}));

        let drafted = draft(&app, &member, &body).await;
        let submitted = draft(&app, &member, &body).await;
        step(&app, &member, &submitted, "submit", None).await;
        let returned = draft(&app, &member, &body).await;
        step(&app, &member, &returned, "submit", None).await;
        step(
            &app,
            &cast.staff,
            &returned,
            "screening",
            screen("returned"),
        )
        .await;
        let ineligible = draft(&app, &member, &body).await;
        step(&app, &member, &ineligible, "submit", None).await;
        step(
            &app,
            &cast.staff,
            &ineligible,
            "screening",
            screen("ineligible"),
        )
        .await;
        let withdrawn = draft(&app, &member, &body).await;
        let reason = Some(json!({"reason": "都合により"}));
        step(&app, &member, &withdrawn, "withdraw", reason).await;
        let (eligible, _) = app
            .eligible_application(&cast, &member, &round, &group, &form(100_000, 0, 100_000))
            .await;

        for hidden in [&drafted, &submitted, &returned, &ineligible, &withdrawn] {
            let path = format!("/api/v1/applications/{hidden}");
            let read = app.send(Method::GET, &path, Some(&reviewer), None).await;
            assert_eq!(read.status, 404, "{path}: {:?}", read.body);
            assert_eq!(read.content_type, "application/problem+json");
            // Nor can the committee act on it: the same 404, so nothing tells it exists.
            let declared = app
                .send(
                    Method::POST,
                    &format!("{path}/conflict-declaration"),
                    Some(&reviewer),
                    Some(&json!({"conflict": false, "note": ""})),
                )
                .await;
            assert_eq!(declared.status, 404, "{path}: {:?}", declared.body);
            // Its group still reads it.
            app.call(Method::GET, &path, &member, None, 200).await;
        }
        let read = app
            .call(
                Method::GET,
                &format!("/api/v1/applications/{eligible}"),
                &reviewer,
                None,
                200,
            )
            .await;
        assert_eq!(read["status"], "eligible");

        // The list: staff see all six, the committee only the one that reached review. The list is
        // a read model: wait until it shows all six, the eligible one as eligible.
        let caught_up = |rows: &serde_json::Value| {
            let rows = rows.as_array().unwrap();
            rows.len() == 6
                && rows.iter().any(|row| {
                    row["application_id"] == eligible.as_str() && row["status"] == "eligible"
                })
        };
        let mut head = app
            .call(Method::GET, "/api/v1/applications", &cast.staff, None, 200)
            .await;
        for _ in 0..200 {
            if caught_up(&head) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            head = app
                .call(Method::GET, "/api/v1/applications", &cast.staff, None, 200)
                .await;
        }
        let staff_rows = head.as_array().unwrap().len();
        assert_eq!(staff_rows, 6);
        for query in ["", "?status=draft", &format!("?round_id={round}")] {
            let rows = app
                .call(
                    Method::GET,
                    &format!("/api/v1/applications{query}"),
                    &reviewer,
                    None,
                    200,
                )
                .await;
            let ids: Vec<&str> = rows
                .as_array()
                .unwrap()
                .iter()
                .map(|row| row["application_id"].as_str().unwrap())
                .collect();
            let expected: Vec<&str> = if query == "?status=draft" {
                vec![]
            } else {
                vec![&eligible]
            };
            assert_eq!(ids, expected, "{query}");
        }
    }
);
