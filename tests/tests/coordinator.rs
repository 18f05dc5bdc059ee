//! A coordinator (中間支援 / 市民協働コーディネーター, issue 18 item 5), on both backends: staff open
//! the account; before the group's consent it sees nothing; the representative's consent lets it
//! read the group's application and save the draft, recorded with the coordinator as the actor
//! (`by`, role `coordinator`) on behalf of the group (`on_behalf_of`), and attach and remove the
//! draft's files the same way; it may not submit until the
//! group allows it, nor withdraw the application; consent is the representative's alone and only
//! for a coordinator's account; withdrawing it ends the access at once.

use grants_tests::browser::Browser;
use grants_tests::scenario::{form, step_up_round};
use grants_tests::{Backend, TestApp, TEST_PASSWORD};
use reqwest::Method;
use serde_json::{json, Value};

/// The metadata and payload of the last event of the aggregate `application` (or a grant).
async fn last_event(app: &TestApp, application: &str) -> (Value, Value) {
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    let (metadata, payload): (String, String) = grants_app::with_pool!(&db, pool => sqlx::query_as(
        "SELECT CAST(metadata AS TEXT), CAST(payload AS TEXT) FROM events
          WHERE aggregate_id = $1 ORDER BY sequence DESC LIMIT 1",
    )
    .bind(application)
    .fetch_one(pool)
    .await
    .unwrap());
    (
        serde_json::from_str(&metadata).unwrap(),
        serde_json::from_str(&payload).unwrap(),
    )
}

async fn a_coordinator_helps_a_group_with_its_consent(backend: Backend) {
    let app = grants_tests::spawn_app(backend).await;
    let cast = app.cast(0).await;
    let round = app
        .open_round(&cast, &step_up_round(1_000_000, time::Duration::days(10)))
        .await;
    let alice = app.applicant("alice@example.jp").await;
    let group = app.register_group(&alice, "川辺を守る会").await;
    let draft = form(100_000, 0, 100_000);
    let application = app.draft(&alice, &round, &group, &draft).await;
    let path = format!("/api/v1/applications/{application}");

    // Staff open the coordinator's account.
    let coordinator_id = app
        .coordinator_account(&cast.staff, "coordinator@npo.example.jp", "中間支援 太郎")
        .await;
    let coordinator = app
        .sign_in("coordinator@npo.example.jp", TEST_PASSWORD)
        .await;
    let status = |token: String, method: Method, path: String, body: Option<Value>| {
        let app = &app;
        async move {
            let answer = app.send(method, &path, Some(&token), body.as_ref()).await;
            (answer.status, answer.body)
        }
    };

    // Before consent: nothing.
    let (read, _) = status(coordinator.clone(), Method::GET, path.clone(), None).await;
    assert_eq!(read, 404);

    // Consent is the representative's, and only for a coordinator's account.
    let bob = app.applicant("bob@example.jp").await;
    let bob_id = app
        .call(Method::GET, "/api/v1/sessions/current", &bob, None, 200)
        .await["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let consents = format!("/api/v1/groups/{group}/coordinators");
    let (refused, body) = status(
        alice.clone(),
        Method::POST,
        consents.clone(),
        Some(json!({"coordinator_id": bob_id, "may_submit": true})),
    )
    .await;
    assert_eq!(refused, 422, "{body}");
    assert_eq!(body["code"], "group.not_a_coordinator");
    let (stranger, _) = status(
        bob.clone(),
        Method::POST,
        consents.clone(),
        Some(json!({"coordinator_id": coordinator_id})),
    )
    .await;
    assert_eq!(stranger, 404, "not the group's: nothing to learn");
    app.call(
        Method::POST,
        &consents,
        &alice,
        Some(&json!({"coordinator_id": coordinator_id, "may_submit": false})),
        200,
    )
    .await;
    let listed = app
        .call(
            Method::GET,
            &format!("/api/v1/groups/{group}/members"),
            &coordinator,
            None,
            200,
        )
        .await;
    assert_eq!(
        listed["coordinators"][0]["user_id"],
        coordinator_id.as_str()
    );
    assert_eq!(listed["coordinators"][0]["may_submit"], false);

    // With consent: it reads and saves the draft, recorded as its act for the group.
    app.call(Method::GET, &path, &coordinator, None, 200).await;
    let helped = app
        .call(Method::GET, "/api/v1/groups", &coordinator, None, 200)
        .await;
    assert_eq!(helped[0]["id"], group.as_str(), "{helped}");
    let mut edited = draft.clone();
    edited["title"] = json!("コーディネーターが整えた事業計画");
    app.call(Method::PATCH, &path, &coordinator, Some(&edited), 200)
        .await;
    let (metadata, payload) = last_event(&app, &application).await;
    assert_eq!(metadata["actor_id"], coordinator_id.as_str(), "{metadata}");
    assert_eq!(metadata["actor_role"], "coordinator", "{metadata}");
    assert_eq!(metadata["on_behalf_of"], group.as_str(), "{metadata}");
    assert_eq!(
        payload["ApplicationDraftSaved"]["by"],
        coordinator_id.as_str(),
        "{payload}"
    );

    // It attaches a file to the draft, and takes it off again, also as its act for the group.
    let upload = reqwest::multipart::Form::new().text("kind", "quote").part(
        "file",
        reqwest::multipart::Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec()).file_name("見積書.pdf"),
    );
    let attached = app
        .client
        .post(app.url(&format!("{path}/attachments")))
        .bearer_auth(&coordinator)
        .multipart(upload)
        .send()
        .await
        .unwrap();
    assert_eq!(attached.status(), 201);
    let attached: Value = attached.json().await.unwrap();
    let (metadata, _) = last_event(&app, &application).await;
    assert_eq!(metadata["actor_role"], "coordinator", "{metadata}");
    assert_eq!(metadata["on_behalf_of"], group.as_str(), "{metadata}");
    let file = attached["id"].as_str().unwrap();
    app.call(
        Method::DELETE,
        &format!("{path}/attachments/{file}"),
        &coordinator,
        None,
        200,
    )
    .await;

    // It may not submit without leave, nor withdraw the application at all.
    let submit = format!("{path}/submit");
    let (refused, body) = status(coordinator.clone(), Method::POST, submit.clone(), None).await;
    assert_eq!(refused, 422, "{body}");
    assert_eq!(body["code"], "group.coordinator_may_not_submit");
    assert!(body["detail_ja"]
        .as_str()
        .unwrap()
        .contains("提出を認めていません"));
    let (withdraw, _) = status(
        coordinator.clone(),
        Method::POST,
        format!("{path}/withdraw"),
        Some(json!({"reason": "都合により"})),
    )
    .await;
    assert_eq!(withdraw, 403);

    // With leave, it submits.
    app.call(
        Method::POST,
        &consents,
        &alice,
        Some(&json!({"coordinator_id": coordinator_id, "may_submit": true})),
        200,
    )
    .await;
    app.call(Method::POST, &submit, &coordinator, None, 200)
        .await;
    let (metadata, _) = last_event(&app, &application).await;
    assert_eq!(metadata["on_behalf_of"], group.as_str(), "{metadata}");

    let listed = app
        .call(Method::GET, "/api/v1/applications", &coordinator, None, 200)
        .await;
    assert_eq!(
        listed[0]["application_id"],
        application.as_str(),
        "{listed}"
    );

    // Withdrawn: the access ends at once.
    app.call(
        Method::DELETE,
        &format!("/api/v1/groups/{group}/coordinators/{coordinator_id}"),
        &alice,
        None,
        200,
    )
    .await;
    let (read, _) = status(coordinator.clone(), Method::GET, path.clone(), None).await;
    assert_eq!(read, 404);
    let helped = app
        .call(Method::GET, "/api/v1/groups", &coordinator, None, 200)
        .await;
    assert!(helped.as_array().unwrap().is_empty(), "{helped}");
    let listed = app
        .call(Method::GET, "/api/v1/applications", &coordinator, None, 200)
        .await;
    assert!(listed.as_array().unwrap().is_empty(), "{listed}");
    let (again, body) = status(
        alice.clone(),
        Method::DELETE,
        format!("/api/v1/groups/{group}/coordinators/{coordinator_id}"),
        None,
    )
    .await;
    assert_eq!(again, 409, "{body}");
    assert_eq!(body["code"], "group.no_consent");

    // In a browser: the coordinator's /my shows the id to give the group; the representative
    // consents on the members' page, where the coordinator then finds itself listed.
    let helper = Browser::new(&app);
    helper.sign_in("coordinator@npo.example.jp").await;
    let home = helper.get("/my").await;
    assert!(home.html.contains(&coordinator_id), "{}", home.html);
    let representative = Browser::new(&app);
    representative.sign_in("alice@example.jp").await;
    let page = representative
        .get(&format!("/groups/{group}/members"))
        .await;
    let consented = representative
        .post(
            &format!("/groups/{group}/coordinators"),
            &[
                ("_csrf", &page.csrf()),
                ("_form", &page.form_id()),
                ("coordinator_id", &coordinator_id),
            ],
        )
        .await;
    assert!(
        consented.html.contains("同意を記録しました"),
        "{}",
        consented.html
    );
    let seen = helper.get(&format!("/groups/{group}/members")).await;
    assert_eq!(seen.status, 200, "{}", seen.html);
    assert!(seen.html.contains("中間支援 太郎"), "{}", seen.html);
    assert!(seen.html.contains("認めない"), "{}", seen.html);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_helps_a_group_with_its_consent_sqlite() {
    a_coordinator_helps_a_group_with_its_consent(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_helps_a_group_with_its_consent_postgres() {
    a_coordinator_helps_a_group_with_its_consent(Backend::Postgres).await;
}

/// A coordinator with consent saves the group's settlement report, recorded on its behalf, and may
/// not submit it without leave.
async fn a_coordinator_saves_a_settlement_report(backend: Backend) {
    let app = grants_tests::spawn_app(backend).await;
    let grant = app.one_awarded_grant().await;
    let group = app
        .call(Method::GET, "/api/v1/groups", &grant.member, None, 200)
        .await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let coordinator_id = app
        .coordinator_account(&grant.cast.staff, "helper@npo.example.jp", "中間支援 花子")
        .await;
    let coordinator = app.sign_in("helper@npo.example.jp", TEST_PASSWORD).await;
    let path = format!("/api/v1/grants/{}/settlement-report", grant.grant);
    let report = json!({
        "income": [],
        "expenses": [{"category": "rentals", "item": "会場使用料", "quantity": 1,
            "unit_price": 150_000, "receipt_date": grants_tests::scenario::today_jst(),
            "receipt_number": "R-001"}],
        "outcomes": "観察会を開いた。",
        "participants": 40,
    });
    let before = app
        .send(Method::PUT, &path, Some(&coordinator), Some(&report))
        .await;
    assert_eq!(before.status, 404, "{:?}", before.body);
    app.call(
        Method::POST,
        &format!("/api/v1/groups/{group}/coordinators"),
        &grant.member,
        Some(&json!({"coordinator_id": coordinator_id})),
        200,
    )
    .await;
    // The award's notice is the documents process's event on the same grant: let it land first,
    // so that the last event is the coordinator's.
    grants_tests::process::caught_up(&app, grants_app::documents::issue::NAME).await;
    app.call(Method::PUT, &path, &coordinator, Some(&report), 200)
        .await;
    let (metadata, _) = last_event(&app, &grant.grant).await;
    assert_eq!(metadata["actor_role"], "coordinator", "{metadata}");
    assert_eq!(metadata["on_behalf_of"], group.as_str(), "{metadata}");
    // The group's grant and application are in the coordinator's lists.
    let grants = app
        .call(Method::GET, "/api/v1/grants", &coordinator, None, 200)
        .await;
    assert_eq!(grants.as_array().unwrap().len(), 1, "{grants}");
    assert_eq!(grants[0]["grant_id"], grant.grant.as_str(), "{grants}");
    let applications = app
        .call(Method::GET, "/api/v1/applications", &coordinator, None, 200)
        .await;
    assert_eq!(applications.as_array().unwrap().len(), 1, "{applications}");
    // The report's page tells the coordinator that submission is the group's unless allowed.
    let browser = Browser::new(&app);
    browser.sign_in("helper@npo.example.jp").await;
    let page = browser
        .get(&format!("/grants/{}/report", grant.grant))
        .await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(
        page.html.contains("中間支援の方が提出できるのは"),
        "{}",
        page.html
    );
    let read = app.call(Method::GET, &path, &coordinator, None, 200).await;
    assert_eq!(read["report"]["participants"], 40, "{read}");
    let submit = app
        .send(
            Method::POST,
            &format!("{path}/submit"),
            Some(&coordinator),
            None,
        )
        .await;
    assert_eq!(submit.status, 422, "{:?}", submit.body);
    assert_eq!(submit.body["code"], "group.coordinator_may_not_submit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_saves_a_settlement_report_sqlite() {
    a_coordinator_saves_a_settlement_report(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_saves_a_settlement_report_postgres() {
    a_coordinator_saves_a_settlement_report(Backend::Postgres).await;
}
