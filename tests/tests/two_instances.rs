//! Two instances of the service on one database, each with its own in-memory caches (issue 20):
//! a sign-out on one is refused on the other at once, an account's verification on one is seen by
//! the other's next read, and the budget and an Idempotency-Key hold when the racing requests are
//! spread over both.

use std::collections::HashMap;

use grants_tests::scenario::{fiscal_year_end, form, step_up_round};
use grants_tests::smtp::{fresh_address, sink, wait_for_mails};
use grants_tests::{
    on_both_backends, spawn_app_with, spawn_second_instance, spawn_second_instance_with, Backend,
    TestApp,
};

use crate::email_verification::{tokens_to, verify};
use reqwest::Method;
use serde_json::{json, Value};

/// On PostgreSQL, waits until both instances listen for revocations, so that both serve sessions
/// from memory (a cache does not serve before its listener is connected).
async fn both_listening(app: &TestApp) {
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    let grants_app::db::Database::Postgres(pool) = &db else {
        return;
    };
    for _ in 0..500 {
        let listening: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
              WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if listening >= 2 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the two instances' revocation listeners did not connect");
}

on_both_backends!(
    a_sign_out_on_one_instance_is_refused_on_the_other_at_once,
    |first: TestApp| async move {
        let second = spawn_second_instance(&first).await;
        both_listening(&first).await;
        let member = first.applicant("member@example.jp").await;
        let staff = first
            .account_with_role("staff", "staff@city.example.jp")
            .await;
        // Both instances read the sessions, twice (the second time from memory).
        for app in [&first, &second, &first, &second] {
            for token in [&member, &staff] {
                let current = app
                    .send(Method::GET, "/api/v1/sessions/current", Some(token), None)
                    .await;
                assert_eq!(current.status, 200, "{:?}", current.body);
            }
        }
        let out = first
            .send(
                Method::DELETE,
                "/api/v1/sessions/current",
                Some(&member),
                None,
            )
            .await;
        assert_eq!(out.status, 204, "{:?}", out.body);
        for app in [&second, &first] {
            let current = app
                .send(Method::GET, "/api/v1/sessions/current", Some(&member), None)
                .await;
            assert_eq!(
                current.status, 401,
                "a signed-out token is refused everywhere"
            );
            let groups = app
                .send(
                    Method::POST,
                    "/api/v1/groups",
                    Some(&member),
                    Some(&grants_tests::scenario::group("みどりの会")),
                )
                .await;
            assert_eq!(groups.status, 401, "and may not act: {:?}", groups.body);
        }
        // The other session is untouched.
        let current = second
            .send(Method::GET, "/api/v1/sessions/current", Some(&staff), None)
            .await;
        assert_eq!(current.status, 200);
        // And the other way round.
        let out = second
            .send(
                Method::DELETE,
                "/api/v1/sessions/current",
                Some(&staff),
                None,
            )
            .await;
        assert_eq!(out.status, 204);
        let current = first
            .send(Method::GET, "/api/v1/sessions/current", Some(&staff), None)
            .await;
        assert_eq!(current.status, 401);
    }
);

on_both_backends!(
    deciders_on_two_instances_never_break_the_budget,
    |first: TestApp| async move {
        let second = spawn_second_instance(&first).await;
        both_listening(&first).await;
        let cast = first.cast(1).await;
        let budget = 500_000;
        let round = first
            .open_round(&cast, &step_up_round(budget, time::Duration::seconds(12)))
            .await;
        // Five eligible applications of 100,000 each, made on both instances: together they fill
        // the budget exactly (the smallest the cap allows).
        let mut applications = Vec::new();
        for n in 0..5 {
            let app = if n % 2 == 0 { &first } else { &second };
            let member = app.applicant(&format!("group{n}@example.jp")).await;
            let group = app.register_group(&member, &format!("団体{n}")).await;
            let (id, _) = app
                .eligible_application(&cast, &member, &round, &group, &form(100_000, 0, 100_000))
                .await;
            app.score(&cast, &id, &[45], &[]).await;
            applications.push(id);
        }
        first.close_and_rank(&cast, &round).await;

        // 20 staff requests at once, spread over both instances, four for each application, each
        // asking a different amount.
        let mut tasks = Vec::new();
        for n in 0..20usize {
            let app = if n % 2 == 0 { &first } else { &second };
            let client = app.client.clone();
            let url = app.url(&format!("/api/v1/rounds/{round}/decisions"));
            let token = cast.staff.clone();
            let application = applications[n % 5].clone();
            let amount = 100_000 - 1_000 * (n / 5) as i64;
            tasks.push(tokio::spawn(async move {
                let body = json!({"awards": [{"application_id": application, "amount": amount, "completion_deadline": fiscal_year_end()}]});
                let response = client.post(url).bearer_auth(token).json(&body).send().await.unwrap();
                let status = response.status().as_u16();
                (status, response.json::<Value>().await.unwrap_or(Value::Null))
            }));
        }
        let mut winners: HashMap<String, i64> = HashMap::new();
        for task in tasks {
            let (status, body) = task.await.unwrap();
            match status {
                200 => {
                    let grant = &body["grants"][0];
                    let previous = winners.insert(
                        grant["application_id"].as_str().unwrap().to_owned(),
                        grant["amount"].as_i64().unwrap(),
                    );
                    assert!(
                        previous.is_none(),
                        "an application was awarded twice: {body:?}"
                    );
                }
                409 | 422 => {}
                other => panic!("a decider got {other}: {body:?}"),
            }
        }
        assert_eq!(
            winners.len(),
            5,
            "every application is awarded exactly once"
        );
        let awarded: i64 = winners.values().sum();
        assert!(awarded <= budget);
        for app in [&first, &second] {
            let round_now = app.get(&format!("/api/v1/rounds/{round}")).await;
            assert_eq!(round_now.body["decided_total"], awarded);
        }
        // Both instances' follow-ups ran on the same decisions: one grant per award.
        assert_eq!(
            grants_tests::process::count_events(&first, "GrantDecided").await,
            5,
            "one grant per award, none doubled"
        );

        // Two copies of one idempotent request, one to each instance: one registration, one answer.
        let member = first.applicant("member@example.jp").await;
        let body = grants_tests::scenario::group("みどりの会");
        let send = |app: &TestApp| {
            let request = app
                .client
                .post(app.url("/api/v1/groups"))
                .bearer_auth(&member)
                .header("Idempotency-Key", "register-twice")
                .json(&body);
            async move {
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                (status, response.json::<Value>().await.unwrap())
            }
        };
        let (a, b) = tokio::join!(send(&first), send(&second));
        assert_eq!((a.0, b.0), (201, 201), "{a:?} {b:?}");
        assert_eq!(a.1, b.1, "both copies get the one answer");
    }
);

/// The accounts read from memory (`Store::with_read_cache`: an account the outbox addresses, the
/// verification a submission requires) are brought up to date from the log on every read: the
/// second instance refuses a submission for an unverified address (its copy now holds the account),
/// the address is verified on the first, and the second accepts the submission at once.
async fn an_account_in_memory_sees_a_verification_made_on_the_other_instance(backend: Backend) {
    let (port, _) = sink();
    let verified = |config: &mut grants_app::config::ServeConfig| {
        config.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        config.require_verified_email = true;
    };
    let first = spawn_app_with(backend, verified).await;
    let second = spawn_second_instance_with(&first, verified).await;
    both_listening(&first).await;
    let cast = first.cast(0).await;
    let round = first
        .open_round(&cast, &step_up_round(1_000_000, time::Duration::hours(1)))
        .await;
    let address = fresh_address("cached");
    let member = first.applicant(&address).await;
    wait_for_mails(&address, 1).await;
    let [token] = tokens_to(&address).try_into().expect("one link");
    let group = second.register_group(&member, "みどりの会").await;
    let id = second
        .draft(&member, &round, &group, &form(200_000, 0, 200_000))
        .await;
    let submit = format!("/api/v1/applications/{id}/submit");
    let refused = second
        .send(Method::POST, &submit, Some(&member), None)
        .await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert_eq!(refused.body["code"], "account.email_unverified");

    assert_eq!(verify(&first, &token).await.status, 204);
    second.call(Method::POST, &submit, &member, None, 200).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_in_memory_sees_a_verification_made_on_the_other_instance_sqlite() {
    an_account_in_memory_sees_a_verification_made_on_the_other_instance(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_in_memory_sees_a_verification_made_on_the_other_instance_postgres() {
    an_account_in_memory_sees_a_verification_made_on_the_other_instance(Backend::Postgres).await;
}
