//! The public awards list: built from `GrantDecided` (the awards projection still reads the flat shape
//! of before the decision was reshaped, though none was ever stored), kept current by later events,
//! and free of personal data (rule 12), on both backends.

mod common;

use common::{database, seed_history, Backend, PATIENCE, PERSONAL};
use grants_projections::awards::{self, COLUMNS};
use grants_projections::{AuditChain, Awards, LogPool, Runner};

async fn awards_are_projected(backend: Backend) {
    let db = database(backend).await;
    let (appended, last) = seed_history(&db.pool).await;
    let runner = Runner::new(db.pool.clone()).with(Awards).with(AuditChain);
    // Each projection reads every event once.
    assert_eq!(
        runner.catch_up_to(last, PATIENCE).await.expect("catch-up"),
        2 * appended
    );

    let list = awards::list(
        &db.pool,
        &awards::AwardQuery::filtered(Some(2025), Some("ステップアップ")),
    )
    .await
    .expect("the list");
    let summary: Vec<(i64, Option<i64>, &str, Option<&str>)> = list
        .iter()
        .map(|a| {
            (
                a.amount_awarded,
                a.amount_finalised,
                a.status.as_str(),
                a.group_name.as_deref(),
            )
        })
        .collect();
    let group = Some("康生まちづくりの会");
    assert_eq!(
        summary,
        vec![
            (286_000, Some(240_000), "closed", group),
            (100_000, None, "withdrawn", group),
            (450_000, Some(165_000), "refund_due", group),
            (200_000, None, "cancelled", group),
        ]
    );
    for award in &list {
        assert_eq!(
            award.award_date.map(|d| d.to_string()).as_deref(),
            Some("2025-06-10")
        );
        assert!(award
            .title
            .as_deref()
            .is_some_and(|t| t.starts_with("康生通りの花いっぱい運動")));
    }
    assert!(
        awards::list(&db.pool, &awards::AwardQuery::filtered(Some(2024), None))
            .await
            .expect("the list")
            .is_empty()
    );
}

#[tokio::test]
async fn awards_are_projected_on_sqlite() {
    awards_are_projected(Backend::Sqlite).await;
}

#[tokio::test]
async fn awards_are_projected_on_postgres() {
    awards_are_projected(Backend::Postgres).await;
}

async fn awards_hold_no_personal_data(backend: Backend) {
    let db = database(backend).await;
    let (_, last) = seed_history(&db.pool).await;
    Runner::new(db.pool.clone())
        .with(Awards)
        .catch_up_to(last, PATIENCE)
        .await
        .expect("catch-up");

    // The table has exactly the public columns, nothing else.
    let columns: Vec<String> = match &db.pool {
        LogPool::Sqlite(pool) => sqlx::query_scalar("SELECT name FROM pragma_table_info('awards') ORDER BY cid")
            .fetch_all(pool)
            .await
            .expect("columns"),
        LogPool::Postgres(pool) => sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'awards' ORDER BY ordinal_position",
        )
        .fetch_all(pool)
        .await
        .expect("columns"),
    };
    assert_eq!(columns, COLUMNS);

    // No value anywhere in the list is personal data, although the log holds plenty.
    let list = awards::list(&db.pool, &awards::AwardQuery::filtered(None, None))
        .await
        .expect("the list");
    assert_eq!(list.len(), 4);
    let text = serde_json::to_string(&list).expect("JSON");
    for personal in PERSONAL {
        assert!(
            !text.contains(personal),
            "{personal} leaked into the awards: {text}"
        );
    }
    for forbidden in [
        "representative",
        "email",
        "phone",
        "address",
        "score",
        "notice_number",
        "conditions",
    ] {
        assert!(
            !text.contains(forbidden),
            "{forbidden} in the awards: {text}"
        );
    }
}

#[tokio::test]
async fn awards_hold_no_personal_data_on_sqlite() {
    awards_hold_no_personal_data(Backend::Sqlite).await;
}

#[tokio::test]
async fn awards_hold_no_personal_data_on_postgres() {
    awards_hold_no_personal_data(Backend::Postgres).await;
}
