//! Snapshots of the long streams (grants and rounds) are a cache: a grant loaded from its snapshot
//! and the events after it equals the grant replayed from all its events, and a snapshot that no
//! longer fits the aggregate's shape is ignored rather than trusted.

use grants_app::db::Database;
use grants_app::store::{Sourcing, Store, Stores, SNAPSHOT_EVERY};
use grants_domain::Grant;
use grants_tests::scenario::{form, step_up_round, today_jst, SHORT_WINDOW};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::json;

/// A settlement report draft; `n` changes it so that every save is a new event.
fn report(n: i64) -> serde_json::Value {
    json!({
        "income": [],
        "expenses": [
            {"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": 50_000 + n,
             "receipt_date": today_jst(), "receipt_number": format!("R-{n}")}
        ],
        "outcomes": "観察会を開いた。",
        "participants": 10 + n,
    })
}

/// Replays the grant from every event, without the snapshot.
async fn replayed(database: &Database, grant: &str) -> Grant {
    Store::<Grant>::new(database, vec![], Sourcing::Events)
        .load(grant)
        .await
        .unwrap()
        .expect("the grant exists")
}

on_both_backends!(
    a_snapshot_loads_the_same_grant_as_its_events,
    |app: TestApp| async move {
        let cast = app.cast(1).await;
        let member = app.applicant("snap@example.jp").await;
        let group = app.register_group(&member, "みどりの会").await;
        let round = app
            .open_round(&cast, &step_up_round(1_000_000, SHORT_WINDOW))
            .await;
        let (application, _) = app
            .eligible_application(&cast, &member, &round, &group, &form(100_000, 0, 100_000))
            .await;
        app.score(&cast, &application, &[40], &[]).await;
        app.close_and_rank(&cast, &round).await;
        let grant = app.award(&cast, &round, &application, 100_000).await;
        // The award's notice is appended to the grant by the documents process: let it land before
        // the grant's events are counted.
        grants_tests::process::caught_up(&app, grants_app::documents::issue::NAME).await;

        let database = Database::connect(&app.database_url).await.unwrap();
        let length = || async {
            grants_app::with_pool!(&database, pool => sqlx::query_scalar::<_, i64>(
                "SELECT max(sequence) FROM events WHERE aggregate_type = 'grant' AND aggregate_id = $1",
            )
            .bind(&grant)
            .fetch_one(pool)
            .await
            .unwrap())
        };
        let save = |n: i64| {
            let (app, member, grant) = (&app, &member, &grant);
            async move {
                app.call(
                    Method::PUT,
                    &format!("/api/v1/grants/{grant}/settlement-report"),
                    member,
                    Some(&report(n)),
                    200,
                )
                .await;
            }
        };
        // Saved drafts up to the event before a snapshot, then an advance and its payment: the
        // payment is the event the snapshot is taken at, and a payment counts if applied twice.
        let mut n = 0;
        while length().await < SNAPSHOT_EVERY as i64 - 2 {
            save(n).await;
            n += 1;
        }
        let path = format!("/api/v1/grants/{grant}");
        app.call(
            Method::POST,
            &format!("{path}/advance-requests"),
            &member,
            Some(&json!({"amount": 50_000})),
            201,
        )
        .await;
        app.call(
            Method::POST,
            &format!("{path}/payments"),
            &cast.staff,
            Some(&json!({"amount": 50_000, "paid_on": today_jst(), "kind": "advance"})),
            201,
        )
        .await;
        assert_eq!(length().await, SNAPSHOT_EVERY as i64);
        // And another snapshot interval and a half of saved drafts.
        for _ in 0..(3 * SNAPSHOT_EVERY / 2) {
            save(n).await;
            n += 1;
        }

        let stores = Stores::new(&database);
        let snapshotted = grants_app::with_pool!(&database, pool => sqlx::query_scalar::<_, i64>(
            "SELECT max(last_sequence) FROM snapshots WHERE aggregate_type = 'grant' AND aggregate_id = $1",
        )
        .bind(&grant)
        .fetch_one(pool)
        .await
        .unwrap());
        assert!(
            snapshotted >= 2 * SNAPSHOT_EVERY as i64,
            "the grant's snapshot follows its stream: at {snapshotted}"
        );
        let from_snapshot = stores.grants.load(&grant).await.unwrap().unwrap();
        assert_eq!(from_snapshot, replayed(&database, &grant).await);
        assert_eq!(from_snapshot.payments.len(), 1, "the advance, once");

        // A snapshot the aggregate cannot read any more (its shape changed) is ignored.
        grants_app::with_pool!(&database, pool => sqlx::query(
            "UPDATE snapshots SET payload = '{\"an\": \"older shape\"}' WHERE aggregate_id = $1",
        )
        .bind(&grant)
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
        let ignored = stores.grants.load(&grant).await.unwrap().unwrap();
        assert_eq!(ignored, replayed(&database, &grant).await);
    }
);
