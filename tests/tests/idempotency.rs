//! An Idempotency-Key whose first execution stopped with its outcome unknown (issue 13): the claim
//! is left as the holder left it, and the retry resumes the same attempt. A command that committed
//! is not run again and its answer names what it created; one that never ran runs once.
//!
//! The faults themselves (SIGKILL, PostgreSQL restarts) are in `faults.rs`; here the table is set to
//! the state such a fault leaves, so each case is exact.

use grants_app::http::idempotency;
use grants_tests::scenario::{form, step_up_round};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use time::Duration;

async fn database(app: &TestApp) -> grants_app::db::Database {
    grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap()
}

/// How many events the log holds of `event_type`.
async fn count(app: &TestApp, event_type: &str) -> i64 {
    let db = database(app).await;
    grants_app::with_pool!(&db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM events WHERE event_type = $1",
    )
    .bind(event_type)
    .fetch_one(pool)
    .await
    .unwrap())
}

/// Leaves the claim of `key` as a holder that died leaves it: no answer, the lease run out.
async fn forget_answer(app: &TestApp, key: &str) {
    let db = database(app).await;
    let changed = grants_app::with_pool!(&db, pool => sqlx::query(
        "UPDATE idempotency_keys SET status = NULL, response = NULL, lease_until = 0 WHERE key = $1",
    )
    .bind(key)
    .execute(pool)
    .await
    .unwrap()
    .rows_affected());
    assert_eq!(changed, 1);
}

async fn unanswered_claims(app: &TestApp) -> i64 {
    let db = database(app).await;
    grants_app::with_pool!(&db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM idempotency_keys WHERE status IS NULL",
    )
    .fetch_one(pool)
    .await
    .unwrap())
}

async fn post(app: &TestApp, token: &str, path: &str, key: &str, body: &Value) -> (u16, Value) {
    let response = app
        .client
        .request(Method::POST, app.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

on_both_backends!(
    a_committed_command_whose_answer_was_lost_is_not_run_again,
    |app: TestApp| async move {
        let cast = app.cast(0).await;
        let round = app
            .open_round(&cast, &step_up_round(800_000, Duration::days(7)))
            .await;
        let member = app.applicant("member@example.jp").await;
        let group = app.register_group(&member, "みどりの会").await;
        let mut draft = form(500_000, 0, 300_000);
        draft["round_id"] = json!(round);
        draft["group_id"] = json!(group);

        let (status, first) = post(&app, &member, "/api/v1/applications", "draft-1", &draft).await;
        assert_eq!(status, 201, "{first:?}");
        // The holder died after the commit, before it stored the answer.
        forget_answer(&app, "draft-1").await;
        let (status, again) = post(&app, &member, "/api/v1/applications", "draft-1", &draft).await;
        assert_eq!(status, 201, "{again:?}");
        assert_eq!(
            again["id"], first["id"],
            "the retry names the draft the first made"
        );
        assert_eq!(count(&app, "ApplicationDraftStarted").await, 1);
        assert_eq!(unanswered_claims(&app).await, 0);

        // And the answer is stored now: a third copy replays it.
        let (status, third) = post(&app, &member, "/api/v1/applications", "draft-1", &draft).await;
        assert_eq!((status, &third["id"]), (201, &first["id"]));

        // A command on an existing aggregate: submitted once, answered 200 both times.
        let id = first["id"].as_str().unwrap();
        let path = format!("/api/v1/applications/{id}/submit");
        let (status, submitted) = post(&app, &member, &path, "submit-1", &json!({})).await;
        assert_eq!(status, 200, "{submitted:?}");
        forget_answer(&app, "submit-1").await;
        let (status, resubmitted) = post(&app, &member, &path, "submit-1", &json!({})).await;
        assert_eq!(
            status, 200,
            "not refused as already submitted: {resubmitted:?}"
        );
        assert_eq!(resubmitted["status"], submitted["status"]);
        assert_eq!(count(&app, "ApplicationSubmitted").await, 1);
        // Without the key's claim the same command is a second, refused one.
        let (status, _) = post(&app, &member, &path, "submit-2", &json!({})).await;
        assert_eq!(status, 409);
        assert_eq!(count(&app, "ApplicationSubmitted").await, 1);
    }
);

on_both_backends!(
    a_claim_whose_holder_died_before_committing_runs_once,
    |app: TestApp| async move {
        let member = app.applicant("member@example.jp").await;
        let body = grants_tests::scenario::group("あおぞらの会");
        let (status, first) = post(&app, &member, "/api/v1/groups", "group-1", &body).await;
        assert_eq!(status, 201, "{first:?}");
        assert_eq!(count(&app, "GroupRegistered").await, 1);

        // A claim taken by a holder that died before its command ran: an attempt id, no events.
        let other = grants_tests::scenario::group("あおぞらの会・北");
        let attempt = uuid::Uuid::now_v7();
        let db = database(&app).await;
        let authorization = format!("Bearer {member}");
        let body_bytes = serde_json::to_vec(&other).unwrap();
        grants_app::with_pool!(&db, pool => sqlx::query(
            "INSERT INTO idempotency_keys (actor, key, request_hash, attempt_id, lease_until)
             VALUES ($1, 'group-2', $2, $3, 0)",
        )
        .bind(idempotency::scope_of(authorization.as_bytes()))
        .bind(idempotency::request_hash("POST", "/api/v1/groups", &body_bytes))
        .bind(attempt.to_string())
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
        let (status, second) = post(&app, &member, "/api/v1/groups", "group-2", &other).await;
        assert_eq!(status, 201, "{second:?}");
        assert_eq!(
            second["id"],
            json!(attempt.to_string()),
            "the resumed attempt creates under the attempt's own id"
        );
        assert_eq!(count(&app, "GroupRegistered").await, 2);
        assert_eq!(unanswered_claims(&app).await, 0);
    }
);

on_both_backends!(
    a_claim_within_its_lease_is_waited_for_then_taken_over,
    |app: TestApp| async move {
        let member = app.applicant("member@example.jp").await;
        let body = grants_tests::scenario::group("うみの会");
        let (status, first) = post(&app, &member, "/api/v1/groups", "group-1", &body).await;
        assert_eq!(status, 201, "{first:?}");
        // The holder died a moment ago: its lease runs for another 1.5 s.
        let db = database(&app).await;
        let lease_until =
            (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000 + 1_500) as i64;
        grants_app::with_pool!(&db, pool => sqlx::query(
            "UPDATE idempotency_keys SET status = NULL, response = NULL, lease_until = $1",
        )
        .bind(lease_until)
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
        let started = std::time::Instant::now();
        let (status, again) = post(&app, &member, "/api/v1/groups", "group-1", &body).await;
        assert_eq!((status, &again["id"]), (201, &first["id"]), "{again:?}");
        assert!(started.elapsed() >= std::time::Duration::from_millis(1_000));
        assert_eq!(count(&app, "GroupRegistered").await, 1);
    }
);

/// The rows kept under `key`, whoever claimed it.
async fn kept_under(app: &TestApp, key: &str) -> i64 {
    let db = database(app).await;
    grants_app::with_pool!(&db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM idempotency_keys WHERE key = $1",
    )
    .bind(key)
    .fetch_one(pool)
    .await
    .unwrap())
}

on_both_backends!(
    a_command_carrying_a_secret_is_never_kept_under_its_key,
    |app: TestApp| async move {
        // Given a sign-up and two sign-ins, each sent twice under one key,
        let anonymous = |path: &'static str, key: &'static str, body: Value| {
            let request = app
                .client
                .post(app.url(path))
                .header("Idempotency-Key", key)
                .json(&body);
            async move {
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                (
                    status,
                    response.json::<Value>().await.unwrap_or(Value::Null),
                )
            }
        };
        let password = grants_tests::TEST_PASSWORD;
        let sign_up =
            json!({"email": "keyed@example.jp", "password": password, "display_name": "申請 花子"});
        let (status, _) = anonymous("/api/v1/accounts", "sign-up", sign_up.clone()).await;
        assert_eq!(status, 201);
        // then the second sign-up is not a replay: the address is registered once,
        let (status, again) = anonymous("/api/v1/accounts", "sign-up", sign_up).await;
        assert!((400..500).contains(&status), "{status} {again}");
        assert_eq!(again["code"], "account.email_taken", "{again}");
        // each sign-in opens a session of its own, not a replay of the first one's token,
        let credentials = json!({"email": "keyed@example.jp", "password": password});
        let (first, one) = anonymous("/api/v1/sessions", "sign-in", credentials.clone()).await;
        let (second, other) = anonymous("/api/v1/sessions", "sign-in", credentials).await;
        assert_eq!((first, second), (201, 201));
        assert_ne!(one["token"], other["token"]);
        // and nothing derived from the password or the tokens is kept under either key.
        assert_eq!(kept_under(&app, "sign-up").await, 0);
        assert_eq!(kept_under(&app, "sign-in").await, 0);
        let token = one["token"].as_str().unwrap();
        let (status, _) = post(
            &app,
            token,
            "/api/v1/groups",
            "sign-up",
            &grants_tests::scenario::group("みどりの会"),
        )
        .await;
        assert_eq!(
            status, 201,
            "the key itself is free for a command that keeps it"
        );
        assert_eq!(kept_under(&app, "sign-up").await, 1);
    }
);
