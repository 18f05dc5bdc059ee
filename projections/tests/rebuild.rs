//! A rebuilt projection equals the live one, and read-your-writes waits for the runner.

mod common;

use std::time::Duration;

use common::{append, database, seed_history, Backend, PATIENCE};
use grants_projections::awards;
use grants_projections::{verify, AuditChain, Awards, LogPool, ProjectionError, Runner};
use serde_json::json;

async fn chain(pool: &LogPool) -> Vec<(i64, i64, String, String)> {
    let sql = "SELECT link, position, hash, previous_hash FROM audit_chain ORDER BY link";
    match pool {
        LogPool::Sqlite(pool) => sqlx::query_as(sql).fetch_all(pool).await.expect("chain"),
        LogPool::Postgres(pool) => sqlx::query_as(sql).fetch_all(pool).await.expect("chain"),
    }
}

async fn a_rebuilt_projection_equals_the_live_one(backend: Backend) {
    let db = database(backend).await;
    let (appended, last) = seed_history(&db.pool).await;
    // Live: small batches, many transactions; the rebuild's batches cross boundaries too.
    let runner = Runner::new(db.pool.clone())
        .with(Awards)
        .with(AuditChain)
        .batch_size(3)
        .rebuild_batch_size(4);
    runner.catch_up_to(last, PATIENCE).await.expect("catch-up");
    let live_awards = awards::list(&db.pool, &awards::AwardQuery::filtered(None, None))
        .await
        .expect("awards");
    let live_chain = chain(&db.pool).await;
    let live_checkpoints = (
        runner.checkpoint("awards").await.expect("checkpoint"),
        runner.checkpoint("audit_chain").await.expect("checkpoint"),
    );
    assert_eq!(live_awards.len(), 4);
    assert_eq!(live_chain.len(), appended);

    assert_eq!(runner.rebuild("awards").await.expect("rebuild"), appended);
    assert_eq!(
        runner.rebuild("audit_chain").await.expect("rebuild"),
        appended
    );

    assert_eq!(
        awards::list(&db.pool, &awards::AwardQuery::filtered(None, None))
            .await
            .expect("awards"),
        live_awards
    );
    assert_eq!(chain(&db.pool).await, live_chain);
    assert_eq!(
        (
            runner.checkpoint("awards").await.expect("checkpoint"),
            runner.checkpoint("audit_chain").await.expect("checkpoint"),
        ),
        live_checkpoints
    );
    assert!(verify(&db.pool).await.expect("verification").ok);
    // Nothing left to apply after a rebuild.
    assert_eq!(runner.catch_up().await.expect("catch-up"), 0);
    assert!(matches!(
        runner.rebuild("nonsense").await,
        Err(ProjectionError::UnknownProjection(_))
    ));
}

#[tokio::test]
async fn a_rebuilt_projection_equals_the_live_one_on_sqlite() {
    a_rebuilt_projection_equals_the_live_one(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_rebuilt_projection_equals_the_live_one_on_postgres() {
    a_rebuilt_projection_equals_the_live_one(Backend::Postgres).await;
}

async fn wait_for_sees_a_fresh_write(backend: Backend) {
    let db = database(backend).await;
    let runner = Runner::new(db.pool.clone())
        .with(Awards)
        .with(AuditChain)
        .poll_interval(Duration::from_millis(10));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let background = runner.clone();
    let task = tokio::spawn(async move {
        background
            .run(async {
                let _ = stopped.await;
            })
            .await
    });
    let position = append(
        &db.pool,
        "round",
        "r-1",
        1,
        &json!({"AwardDecided": {"grant_id": "g-1", "amount": 50_000, "decided_on": "2025-06-10"}}),
    )
    .await;
    runner
        .wait_for(position, Duration::from_secs(10))
        .await
        .expect("the projections reach the write");
    assert_eq!(
        awards::list(&db.pool, &awards::AwardQuery::filtered(None, None))
            .await
            .expect("awards")
            .len(),
        1
    );
    assert!(matches!(
        runner
            .wait_for(position + 1000, Duration::from_millis(100))
            .await,
        Err(ProjectionError::Timeout { .. })
    ));
    let _ = stop.send(());
    task.await.expect("the runner stops");
}

#[tokio::test]
async fn wait_for_sees_a_fresh_write_on_sqlite() {
    wait_for_sees_a_fresh_write(Backend::Sqlite).await;
}

#[tokio::test]
async fn wait_for_sees_a_fresh_write_on_postgres() {
    wait_for_sees_a_fresh_write(Backend::Postgres).await;
}
