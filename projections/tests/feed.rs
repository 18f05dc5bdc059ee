//! The shared stretch of the log (`Feed`): what it answers is what the log answers, from any
//! cursor (inside the stretch, at its end, before it and beyond it), on both backends. The gap
//! test (`gap.rs`) reads through one feed from three followers while transactions commit late.

mod common;

use common::Backend;
use grants_projections::{EventLog, Feed, LogCursor};
use serde_json::json;

async fn positions_of(log: &EventLog, after: LogCursor, limit: i64) -> Vec<i64> {
    let read = log.read_after(after, limit).await.expect("the log");
    read.iter().map(|event| event.position).collect()
}

async fn feed_answers_what_the_log_answers(backend: Backend) {
    let db = common::database(backend).await;
    let log = EventLog::new(db.pool.clone());
    for sequence in 1..=30 {
        common::append(
            &db.pool,
            "tick",
            "clock",
            sequence,
            &json!({"Ticked": {"n": sequence}}),
        )
        .await;
    }
    // On PostgreSQL other tests' open transactions may hold the reader back a moment.
    let deadline = tokio::time::Instant::now() + common::PATIENCE;
    let all = loop {
        let all = log
            .read_after(LogCursor::START, 100)
            .await
            .expect("the log");
        if all.len() == 30 {
            break all;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the events never became visible"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    let cursor = |i: usize| all[i].cursor();
    let feed = Feed::new(log.clone());

    // The first read starts the stretch at the 10th event; then reads inside it, at its end,
    // before it (from the database) and beyond it (a new stretch), with small and large limits.
    let asked = [
        (cursor(9), 5),
        (cursor(9), 100),
        (cursor(12), 3),
        (cursor(29), 10),
        (LogCursor::START, 7),
        (cursor(3), 100),
        (cursor(20), 4),
        (cursor(29), 10),
    ];
    for (after, limit) in asked {
        let fed = feed.read_after(after, limit).await.expect("the feed");
        let fed: Vec<i64> = fed.iter().map(|event| event.position).collect();
        assert_eq!(
            fed,
            positions_of(&log, after, limit).await,
            "after {after:?}, {limit} at most"
        );
    }

    // Events appended after the stretch was read are read on from its end.
    let end = cursor(29);
    let last = common::append(&db.pool, "tick", "clock", 31, &json!({"Ticked": {"n": 31}})).await;
    loop {
        let fed = feed.read_after(end, 10).await.expect("the feed");
        if let Some(event) = fed.first() {
            assert_eq!(event.position, last);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the new event never came"
        );
    }
}

#[tokio::test]
async fn the_feed_answers_what_the_log_answers_on_sqlite() {
    feed_answers_what_the_log_answers(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_feed_answers_what_the_log_answers_on_postgres() {
    feed_answers_what_the_log_answers(Backend::Postgres).await;
}
