//! Bringing an existing log over to JCS (docs/verification.md): links before the recorded switch
//! keep the old canonical form and their hashes, links from it on hash JCS; both kinds verify, a
//! rebuild makes the same links, and the export verifies with the standalone verifier's code, the
//! old links' events covered by the Merkle tree. On both backends.

mod common;

use common::{database, execute, seed_history, Backend, PATIENCE};
use grants_projections::{merkle_store, verify, AuditChain, LogPool, Runner};
use grants_verifier::export::verify_export;
use grants_verifier::head::{sign, SigningKey};

/// The log had this many links when the service was upgraded.
const BEFORE_THE_SWITCH: i64 = 3;

async fn versions(pool: &LogPool) -> Vec<i32> {
    grants_projections::on_pool!(pool, pool => sqlx::query_scalar(
        "SELECT chain_version FROM audit_chain ORDER BY link"
    )
    .fetch_all(pool)
    .await
    .expect("the links"))
}

async fn an_old_log_is_brought_over(backend: Backend) {
    let db = database(backend).await;
    // What the migration records on a log whose chain had three links.
    execute(
        &db.pool,
        &format!(
            "UPDATE audit_chain_versions SET from_link = {} WHERE version = 2",
            BEFORE_THE_SWITCH + 1
        ),
    )
    .await;
    let (appended, last) = seed_history(&db.pool).await;
    let runner = Runner::new(db.pool.clone()).with(AuditChain).batch_size(2);
    runner.catch_up_to(last, PATIENCE).await.expect("catch-up");

    let before = verify(&db.pool).await.expect("verification");
    assert!(before.ok, "{before:?}");
    let found = versions(&db.pool).await;
    assert_eq!(found.len(), appended);
    assert!(found[..3].iter().all(|&v| v == 1), "{found:?}");
    assert!(found[3..].iter().all(|&v| v == 2), "{found:?}");

    // A rebuild makes the same chain and the same tree.
    let size = merkle_store::tree_size(&db.pool).await.expect("size");
    let root = merkle_store::root(&db.pool, size)
        .await
        .expect("root")
        .expect("a root");
    runner.rebuild("audit_chain").await.expect("rebuild");
    assert_eq!(verify(&db.pool).await.expect("verification"), before);
    assert_eq!(
        merkle_store::root(&db.pool, size).await.expect("root"),
        Some(root)
    );

    // The export verifies against a head, the old links taken as given.
    let key = SigningKey::from_bytes(&[3; 32]);
    let head = sign(&key, size, &root, 1);
    assert!(merkle_store::insert_head(&db.pool, &head)
        .await
        .expect("head"));
    let mut out = Vec::new();
    merkle_store::export(&db.pool, size, &mut out)
        .await
        .expect("export");
    let text = String::from_utf8(out).expect("UTF-8");
    let report = verify_export(
        text.lines()
            .map(|line| Ok::<_, std::io::Error>(line.to_owned())),
        &[head],
        &key.verifying_key(),
    )
    .expect("the export verifies");
    assert_eq!(report.events, size);
    assert_eq!(report.chain_v1_links, 3);
    let checked = verify(&db.pool).await.expect("verification");
    assert!(checked.ok && checked.heads_checked == 1, "{checked:?}");
}

#[tokio::test]
async fn an_old_log_is_brought_over_on_sqlite() {
    an_old_log_is_brought_over(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_old_log_is_brought_over_on_postgres() {
    an_old_log_is_brought_over(Backend::Postgres).await;
}
