//! Helpers for the tests of process managers (`app/src/process`): wait for a background run to pass
//! the whole log, count what the log holds.

use grants_app::db::Database;

async fn database(app: &crate::TestApp) -> Database {
    Database::connect(&app.database_url).await.unwrap()
}

/// How many events of `event_type` the log holds.
pub async fn count_events(app: &crate::TestApp, event_type: &str) -> i64 {
    let db = database(app).await;
    grants_app::with_pool!(&db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM events WHERE event_type = $1",
    )
    .bind(event_type)
    .fetch_one(pool)
    .await
    .unwrap())
}

/// Waits until the background run of process `name` has passed the whole log (its checkpoint is at
/// the head).
pub async fn caught_up(app: &crate::TestApp, name: &str) {
    let db = database(app).await;
    let pool = db.clone();
    for _ in 0..200 {
        let checkpoint = grants_projections::checkpoint::current(&pool, name)
            .await
            .unwrap();
        let head: Option<i64> = grants_app::with_pool!(&db, pool => sqlx::query_scalar(
            "SELECT max(position) FROM events",
        )
        .fetch_one(pool)
        .await
        .unwrap());
        if Some(checkpoint.position) == head {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the process {name} did not catch up with the log");
}

/// Forgets process `name`'s checkpoint, so that its background run follows the log from the start.
pub async fn restart_from_the_beginning(app: &crate::TestApp, name: &str) {
    let db = database(app).await;
    grants_app::with_pool!(&db, pool => sqlx::query(
        "DELETE FROM projection_checkpoints WHERE name = $1",
    )
    .bind(name)
    .execute(pool)
    .await
    .map(|_| ())
    .unwrap());
}

/// Metadata for a command put straight into a store, as if by a service that died right after it.
pub fn died_after(request_id: &str) -> grants_app::store::CommandMetadata {
    grants_app::store::CommandMetadata {
        attempt: None,
        actor_id: grants_domain::UserId::new(),
        actor_role: grants_app::store::ActorRole::Staff,
        on_behalf_of: None,
        request_id: request_id.into(),
        idempotency_key: None,
        recorded_at: time::OffsetDateTime::now_utc(),
    }
}

/// Every event of the aggregates of type `aggregate_type` in log order, one line each (stream,
/// sequence, position, type, payload, metadata): printed when a test's invariant breaks.
pub async fn dump_events(app: &crate::TestApp, aggregate_type: &str) -> String {
    let db = database(app).await;
    let rows: Vec<(String, i64, i64, String, String, String)> = grants_app::with_pool!(&db, pool => sqlx::query_as(
        "SELECT aggregate_id, sequence, position, event_type, CAST(payload AS TEXT), \
         CAST(metadata AS TEXT) FROM events WHERE aggregate_type = $1 ORDER BY position",
    )
    .bind(aggregate_type)
    .fetch_all(pool)
    .await
    .unwrap());
    rows.into_iter()
        .map(|(id, sequence, position, event_type, payload, metadata)| {
            format!("{id} #{sequence} @{position} {event_type} {payload} {metadata}\n")
        })
        .collect()
}
