//! What must hold when requests race: the round budget under 32 concurrent decision requests, and an
//! Idempotency-Key under retries and under two copies sent at once.

use std::collections::HashMap;

use grants_tests::scenario::{fiscal_year_end, form, step_up_round};
use grants_tests::{on_both_backends, TestApp};
use serde_json::{json, Value};

/// Counts the events of one aggregate type straight from the log.
async fn events_of(app: &TestApp, aggregate_type: &str) -> i64 {
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    grants_app::with_pool!(&db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM events WHERE aggregate_type = $1",
    )
    .bind(aggregate_type)
    .fetch_one(pool)
    .await
    .unwrap())
}

on_both_backends!(
    thirty_two_deciders_never_break_the_budget,
    |app: TestApp| async move {
        let cast = app.cast(1).await;
        let budget = 800_000;
        let round = app
            // Eight groups register and apply first: long enough for that on a loaded machine.
            .open_round(&cast, &step_up_round(budget, time::Duration::seconds(16)))
            .await;
        // Eight eligible applications of 100,000 each: together they fill the budget exactly.
        let mut applications = Vec::new();
        for n in 0..8 {
            let member = app.applicant(&format!("group{n}@example.jp")).await;
            let group = app.register_group(&member, &format!("団体{n}")).await;
            let (id, _) = app
                .eligible_application(&cast, &member, &round, &group, &form(100_000, 0, 100_000))
                .await;
            app.score(&cast, &id, &[45], &[]).await;
            applications.push(id);
        }
        app.close_and_rank(&cast, &round).await;

        // 32 staff requests at once, four for each application, each asking a different amount.
        let mut tasks = Vec::new();
        for n in 0..32usize {
            let client = app.client.clone();
            let url = app.url(&format!("/api/v1/rounds/{round}/decisions"));
            let token = cast.staff.clone();
            let application = applications[n % 8].clone();
            let amount = 100_000 - 1_000 * (n / 8) as i64;
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
            8,
            "every application is awarded exactly once"
        );
        let awarded: i64 = winners.values().sum();
        assert!(awarded <= budget);
        let round_now = app.get(&format!("/api/v1/rounds/{round}")).await;
        assert_eq!(round_now.body["decided_total"], awarded);
        // Counted by `GrantDecided`: the documents process adds each grant's `NoticeIssued`.
        assert_eq!(
            grants_tests::process::count_events(&app, "GrantDecided").await,
            8,
            "one grant per award, none doubled"
        );
    }
);

on_both_backends!(
    an_idempotent_retry_appends_nothing_and_answers_the_same,
    |app: TestApp| async move {
        let member = app.applicant("member@example.jp").await;
        let body = grants_tests::scenario::group("みどりの会");
        let send = |key: &'static str, body: Value| {
            let request = app
                .client
                .post(app.url("/api/v1/groups"))
                .bearer_auth(&member)
                .header("Idempotency-Key", key)
                .json(&body);
            async move {
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let replayed = response.headers().contains_key("idempotent-replayed");
                (status, replayed, response.json::<Value>().await.unwrap())
            }
        };
        let (first_status, first_replayed, first) = send("register-1", body.clone()).await;
        let (second_status, second_replayed, second) = send("register-1", body.clone()).await;
        assert_eq!((first_status, second_status), (201, 201));
        assert!(!first_replayed && second_replayed);
        assert_eq!(first, second, "the retry gets the first answer");
        assert_eq!(
            events_of(&app, "group").await,
            2,
            "one registration: GroupRegistered and MemberAdded"
        );

        // The same key for another request is refused.
        let mut other = body.clone();
        other["name"] = json!("別の会");
        let (reused, _, problem) = send("register-1", other).await;
        assert_eq!(reused, 422, "{problem:?}");

        // Two copies at once: one registration.
        let (a, b) = tokio::join!(
            send("register-2", body.clone()),
            send("register-2", body.clone())
        );
        assert_eq!((a.0, b.0), (201, 201));
        assert_eq!(a.2, b.2);
        assert_eq!(events_of(&app, "group").await, 4);
    }
);
