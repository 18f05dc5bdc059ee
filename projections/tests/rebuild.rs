//! A rebuilt projection equals the live one, and read-your-writes waits for the runner.

mod common;

use std::time::Duration;

use common::{
    append, application_id, award_decided, database, grant_id, seed_history, Backend, PATIENCE,
};
use grants_projections::awards;
use grants_projections::{verify, AuditChain, Awards, LogPool, ProjectionError, Runner};

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
        &award_decided(&grant_id(1), &application_id(1), 50_000),
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

/// The tables' shape in the catalogue: every column, constraint and index of the read models'
/// tables, by name, with its definition.
async fn catalogue(pool: &sqlx::PgPool) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT c.relname::text, a.attname::text,
                format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                    || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
           AND a.attnum > 0 AND NOT a.attisdropped
         UNION ALL
         SELECT tablename::text, indexname::text, indexdef FROM pg_indexes WHERE schemaname = 'public'
         UNION ALL
         SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) FROM pg_constraint
         WHERE connamespace = 'public'::regnamespace
         ORDER BY 1, 2, 3",
    )
    .fetch_all(pool)
    .await
    .expect("the catalogue")
}

/// A rebuild on PostgreSQL replays into copies of the tables and swaps them in: afterwards every
/// table has the same columns, constraints and indexes under the same names, no copy is left
/// behind, and the rows are those of the live projection.
#[tokio::test]
async fn a_rebuild_on_postgres_keeps_the_tables_shape() {
    let db = database(Backend::Postgres).await;
    let LogPool::Postgres(pool) = &db.pool else {
        unreachable!("a PostgreSQL database");
    };
    let (appended, last) = seed_history(&db.pool).await;
    let runner = Runner::new(db.pool.clone())
        .with(grants_projections::Applications)
        .with(Awards)
        .with(AuditChain)
        .with(grants_projections::GrantLedger)
        .with(grants_projections::Directory)
        .rebuild_batch_size(5);
    runner.catch_up_to(last, PATIENCE).await.expect("catch-up");
    let before = catalogue(pool).await;
    let live_awards = awards::list(&db.pool, &awards::AwardQuery::filtered(None, None))
        .await
        .expect("awards");
    for name in runner.names() {
        assert_eq!(
            runner.rebuild(name).await.expect("rebuild"),
            appended,
            "{name}"
        );
    }
    assert_eq!(catalogue(pool).await, before);
    let schemas: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'grants_rebuild_%'",
    )
    .fetch_one(pool)
    .await
    .expect("schemas");
    assert_eq!(schemas, 0);
    let search_path: String = sqlx::query_scalar("SHOW search_path")
        .fetch_one(pool)
        .await
        .expect("search_path");
    assert_eq!(search_path, "\"$user\", public");
    assert_eq!(
        awards::list(&db.pool, &awards::AwardQuery::filtered(None, None))
            .await
            .expect("awards"),
        live_awards
    );
    assert!(verify(&db.pool).await.expect("verification").ok);
}

/// A log restored from another cluster keeps that cluster's transaction ids, here ten million ahead:
/// the reader takes none of its events. Re-stamped, the log keeps its order, the read models rebuild
/// from every event, the chain has the same head, and a new event is read after the restored ones.
#[tokio::test]
async fn a_restamped_log_is_read_again_in_its_order() {
    let db = database(Backend::Postgres).await;
    let LogPool::Postgres(pool) = &db.pool else {
        unreachable!("a PostgreSQL database");
    };
    let (appended, last) = seed_history(&db.pool).await;
    let runner = Runner::new(db.pool.clone()).with(Awards).with(AuditChain);
    runner.catch_up_to(last, PATIENCE).await.expect("catch-up");
    let head = verify(&db.pool).await.expect("verification").head_hash;
    let order = |pool: &sqlx::PgPool| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT position FROM events ORDER BY transaction_id, position",
            )
            .fetch_all(&pool)
            .await
            .expect("the log's order")
        }
    };
    let before = order(pool).await;

    // What a restore from a cluster ten million transactions ahead leaves.
    let mut tx = pool.begin().await.expect("begin");
    for sql in [
        "ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete",
        "UPDATE events SET transaction_id = (transaction_id::text::bigint + 10000000)::text::xid8",
        "ALTER TABLE events ENABLE TRIGGER events_no_update_or_delete",
    ] {
        sqlx::query(sql).execute(&mut *tx).await.expect(sql);
    }
    tx.commit().await.expect("commit");
    assert_eq!(runner.rebuild("awards").await.expect("rebuild"), 0);

    // A transaction of the cluster that began before the re-stamp holds xmin below the new ids
    // until it ends (in CI, another test's): the re-stamp returns only once they are readable.
    let mut older = pool.begin().await.expect("an older transaction");
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut *older)
        .await
        .expect("its transaction id");
    let restamping = tokio::spawn({
        let pool = db.pool.clone();
        async move { grants_projections::restamp(&pool).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!restamping.is_finished(), "the re-stamp waits for xmin");
    older.commit().await.expect("the older transaction ends");
    let restamped = restamping
        .await
        .expect("task")
        .expect("re-stamp")
        .expect("PostgreSQL");
    assert_eq!(restamped.events, i64::try_from(appended).expect("count"));
    assert_eq!(order(pool).await, before);
    for name in runner.names() {
        assert_eq!(runner.rebuild(name).await.expect("rebuild"), appended);
    }
    assert_eq!(
        verify(&db.pool).await.expect("verification").head_hash,
        head
    );

    let next = append(
        &db.pool,
        "round",
        "r-after-restore",
        1,
        &award_decided(&grant_id(9), &application_id(9), 50_000),
    )
    .await;
    runner
        .catch_up_to(next, PATIENCE)
        .await
        .expect("the new event is read");
    assert_eq!(order(pool).await.last(), Some(&next));
    assert!(verify(&db.pool).await.expect("verification").ok);
}

#[tokio::test]
async fn restamp_leaves_a_sqlite_log_alone() {
    let db = database(Backend::Sqlite).await;
    seed_history(&db.pool).await;
    assert_eq!(
        grants_projections::restamp(&db.pool)
            .await
            .expect("re-stamp"),
        None
    );
}
