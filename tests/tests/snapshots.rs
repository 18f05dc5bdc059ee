//! Snapshots of the long streams (grants and rounds) are a cache: a grant loaded from its snapshot
//! and the events after it equals the grant replayed from all its events, and a snapshot that no
//! longer fits the aggregate's shape is ignored rather than trusted. A copy of a grant kept in
//! memory whose snapshot number another instance moved on makes its command's snapshot write
//! conflict: nothing is committed, and the command runs again once.

use grants_app::db::Database;
use grants_app::store::{ActorRole, Sourcing, Store, Stores, SNAPSHOT_EVERY};
use grants_domain::grant::GrantCommand;
use grants_domain::{Grant, Yen};
use grants_tests::scenario::{today_jst, Cast, OneGrant};
use grants_tests::{metadata, on_both_backends, TestApp};
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

/// The shortest way to a decided grant, its notice recorded: the staff's cast, the member's token
/// and the grant's id.
async fn awarded(app: &TestApp) -> (Cast, String, String) {
    let OneGrant {
        cast,
        member,
        grant,
        ..
    } = app.one_awarded_grant().await;
    // The award's notice is appended to the grant by the documents process: let it land before
    // the grant's events are counted.
    grants_tests::process::caught_up(app, grants_app::documents::issue::NAME).await;
    (cast, member, grant)
}

/// How many events the grant's stream holds.
async fn length(database: &Database, grant: &str) -> i64 {
    grants_app::with_pool!(database, pool => sqlx::query_scalar::<_, i64>(
        "SELECT max(sequence) FROM events WHERE aggregate_type = 'grant' AND aggregate_id = $1",
    )
    .bind(grant)
    .fetch_one(pool)
    .await
    .unwrap())
}

/// The member saves the grant's settlement report draft (one event each) until its stream holds
/// `events`; answers the next `n`.
async fn save_until(app: &TestApp, member: &str, grant: &str, events: i64, mut n: i64) -> i64 {
    let database = Database::connect(&app.database_url).await.unwrap();
    while length(&database, grant).await < events {
        app.call(
            Method::PUT,
            &format!("/api/v1/grants/{grant}/settlement-report"),
            member,
            Some(&report(n)),
            200,
        )
        .await;
        n += 1;
    }
    n
}

on_both_backends!(
    a_snapshot_loads_the_same_grant_as_its_events,
    |app: TestApp| async move {
        let (cast, member, grant) = awarded(&app).await;
        let database = Database::connect(&app.database_url).await.unwrap();
        // Saved drafts up to the event before a snapshot, then an advance and its payment: the
        // payment is the event the snapshot is taken at, and a payment counts if applied twice.
        let n = save_until(&app, &member, &grant, SNAPSHOT_EVERY as i64 - 2, 0).await;
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
        assert_eq!(length(&database, &grant).await, SNAPSHOT_EVERY as i64);
        // And another snapshot interval and a half of saved drafts.
        let more = (5 * SNAPSHOT_EVERY / 2) as i64;
        save_until(&app, &member, &grant, more, n).await;

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

on_both_backends!(
    a_kept_grant_behind_another_instances_snapshot_commits_its_command_once,
    |app: TestApp| async move {
        let (_cast, member, grant) = awarded(&app).await;
        let database = Database::connect(&app.database_url).await.unwrap();
        let every = SNAPSHOT_EVERY as i64;
        let n = save_until(&app, &member, &grant, every - 2, 0).await;
        // This process is one instance: it keeps the grant before its first snapshot.
        let stores = Stores::new(&database);
        assert!(stores.grants.load_for_command(&grant).await.is_ok());
        // The app, the other instance, takes the stream past a snapshot to the event before the
        // next one: the kept copy's snapshot number is now behind the table's.
        save_until(&app, &member, &grant, 2 * every - 1, n).await;

        let member_id = app.user_id(&member).await;
        let metadata = metadata(member_id, ActorRole::Applicant);
        let command = GrantCommand::RequestAdvance {
            amount: Yen::new(50_000).unwrap(),
            by: member_id,
            at: metadata.recorded_at,
        };
        let executed = stores
            .grants
            .execute(&grant, command, &metadata)
            .await
            .unwrap();

        assert_eq!(executed.events.len(), 1);
        assert_eq!(length(&database, &grant).await, 2 * every, "appended once");
        let snapshots = grants_app::with_pool!(&database, pool => sqlx::query_as::<_, (i64, i64)>(
            "SELECT last_sequence, current_snapshot FROM snapshots \
             WHERE aggregate_type = 'grant' AND aggregate_id = $1",
        )
        .bind(&grant)
        .fetch_all(pool)
        .await
        .unwrap());
        assert_eq!(snapshots, [(2 * every, 2)], "the next snapshot, once");
        let kept = stores.grants.load(&grant).await.unwrap().unwrap();
        assert_eq!(kept, replayed(&database, &grant).await);
        assert_eq!(executed.state, kept);
    }
);
