//! The PostgreSQL gap test: 32 concurrent writers, some holding their transactions open and some
//! rolling back, while two runner instances poll the same projection and three followers read
//! through one shared `Feed`. In the end the projection and each follower have seen every committed
//! event exactly once, in log order, and no rolled-back one, although events regularly commit after
//! a higher position was already visible (counted, and required to happen).

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use grants_projections::{
    BoxFuture, EventLog, Feed, LogCursor, LogPool, LoggedEvent, Projection, ProjectionError,
    Runner, Step, Tx,
};
use sqlx::PgPool;

const WRITERS: u64 = 32;
const TRANSACTIONS_PER_WRITER: u64 = 8;

/// Records every event it is given, in the order given, in the `seen` table.
struct Recorder;

impl Projection for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["seen"]
    }

    fn apply_batch<'a>(
        &'a self,
        tx: &'a mut Tx,
        events: &'a [LoggedEvent],
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(async move {
            let Tx::Postgres(tx) = tx else {
                panic!("the gap test runs on PostgreSQL")
            };
            for event in events {
                sqlx::query("INSERT INTO seen (position) VALUES ($1)")
                    .bind(event.position)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(())
        })
    }
}

/// A small deterministic random number generator (xorshift), one per writer.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % sides
    }
}

#[derive(Default)]
struct Outcome {
    committed: Vec<i64>,
    rolled_back: Vec<i64>,
}

async fn writer(pool: PgPool, writer: u64, outcome: Arc<Mutex<Outcome>>) {
    let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ (writer + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9));
    let aggregate_id = format!("writer-{writer}");
    let mut next_sequence = 1i64;
    for _ in 0..TRANSACTIONS_PER_WRITER {
        let events = 1 + dice.roll(3);
        let hold_open = dice.roll(4) == 0;
        let roll_back = dice.roll(5) == 0;
        let mut tx = pool.begin().await.expect("a transaction");
        let mut positions = Vec::new();
        for k in 0..events {
            let sequence = next_sequence + k as i64;
            let position: i64 = sqlx::query_scalar(
                "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
                 VALUES ('gap', $1, $2, 'Ticked', '1.0', $3::json, '{}') RETURNING position",
            )
            .bind(&aggregate_id)
            .bind(sequence)
            .bind(format!(r#"{{"Ticked": {{"writer": {writer}, "sequence": {sequence}}}}}"#))
            .fetch_one(&mut *tx)
            .await
            .expect("the event is inserted");
            positions.push(position);
            let pause = if hold_open {
                40 + dice.roll(120)
            } else {
                dice.roll(4)
            };
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
        if roll_back {
            tx.rollback().await.expect("rollback");
            outcome.lock().expect("lock").rolled_back.extend(positions);
        } else {
            tx.commit().await.expect("commit");
            next_sequence += events as i64;
            outcome.lock().expect("lock").committed.extend(positions);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_runner_never_skips_a_late_commit_on_postgres() {
    let pool = common::postgres(48).await;
    sqlx::query("CREATE TABLE seen (n bigserial PRIMARY KEY, position bigint NOT NULL)")
        .execute(&pool)
        .await
        .expect("the recorder's table");
    let log = LogPool::Postgres(pool.clone());

    // Two instances of the service polling the same projection.
    let done = Arc::new(AtomicBool::new(false));
    let busy = Arc::new(AtomicUsize::new(0));
    let mut runners = Vec::new();
    for _ in 0..2 {
        let runner = Runner::new(log.clone()).with(Recorder).batch_size(7);
        let (done, busy) = (Arc::clone(&done), Arc::clone(&busy));
        runners.push(tokio::spawn(async move {
            while !done.load(Ordering::SeqCst) {
                match runner.step("recorder").await.expect("a step") {
                    Step::Busy => {
                        busy.fetch_add(1, Ordering::SeqCst);
                    }
                    Step::Idle => tokio::time::sleep(Duration::from_millis(2)).await,
                    Step::Applied(_) => {}
                }
            }
        }));
    }

    // Three followers of one shared stretch of the log, each from its own cursor, until they have
    // read as many events as were committed (known once the writers are done).
    let feed = Arc::new(Feed::new(EventLog::new(log.clone())));
    let expected = Arc::new(AtomicUsize::new(usize::MAX));
    let mut followers = Vec::new();
    for _ in 0..3 {
        let (feed, expected) = (Arc::clone(&feed), Arc::clone(&expected));
        followers.push(tokio::spawn(async move {
            let mut cursor = LogCursor::START;
            let mut followed = Vec::new();
            while followed.len() < expected.load(Ordering::SeqCst) {
                let batch = feed.read_after(cursor, 5).await.expect("a read");
                match batch.last() {
                    Some(last) => cursor = last.cursor(),
                    None => tokio::time::sleep(Duration::from_millis(2)).await,
                }
                followed.extend(batch.iter().map(|event| event.position));
            }
            followed
        }));
    }

    let outcome = Arc::new(Mutex::new(Outcome::default()));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| tokio::spawn(writer(pool.clone(), w, Arc::clone(&outcome))))
        .collect();
    for writer in writers {
        writer.await.expect("a writer finishes");
    }
    done.store(true, Ordering::SeqCst);
    for runner in runners {
        runner.await.expect("a runner stops");
    }
    let outcome = std::mem::take(&mut *outcome.lock().expect("lock"));
    expected.store(outcome.committed.len(), Ordering::SeqCst);
    let mut followed = Vec::new();
    for follower in followers {
        followed.push(
            tokio::time::timeout(common::PATIENCE, follower)
                .await
                .expect("each follower reads every committed event in time")
                .expect("a follower stops"),
        );
    }

    // Catch up with the rest (tests running beside this one may hold the cluster's xmin back a moment).
    let runner = Runner::new(log.clone()).with(Recorder).batch_size(7);
    let deadline = tokio::time::Instant::now() + common::PATIENCE;
    loop {
        runner.catch_up().await.expect("the final catch-up");
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM seen")
            .fetch_one(&pool)
            .await
            .expect("seen");
        if count >= outcome.committed.len() as i64 || tokio::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let seen: Vec<i64> = sqlx::query_scalar("SELECT position FROM seen ORDER BY n")
        .fetch_all(&pool)
        .await
        .expect("seen");

    // Exactly once: every committed event, no duplicate, no rolled-back one.
    let seen_set: HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(seen_set.len(), seen.len(), "an event was applied twice");
    let committed: HashSet<i64> = outcome.committed.iter().copied().collect();
    assert_eq!(
        seen_set, committed,
        "applied events differ from committed ones"
    );
    assert!(
        !outcome.rolled_back.is_empty(),
        "the test rolled nothing back"
    );
    assert!(outcome.rolled_back.iter().all(|p| !seen_set.contains(p)));

    // In log order: (transaction_id, position), which is position order within each transaction
    // and each aggregate.
    let log_order: Vec<i64> =
        sqlx::query_scalar("SELECT position FROM events ORDER BY transaction_id, position")
            .fetch_all(&pool)
            .await
            .expect("the log");
    assert_eq!(seen, log_order);
    for followed in &followed {
        assert_eq!(followed, &log_order, "a follower of the feed");
    }
    let aggregates: Vec<(String, i64)> = sqlx::query_as(
        "SELECT aggregate_id, sequence FROM events ORDER BY transaction_id, position",
    )
    .fetch_all(&pool)
    .await
    .expect("the log");
    let mut last_sequence: HashMap<String, i64> = HashMap::new();
    for (aggregate_id, sequence) in aggregates {
        let previous = last_sequence
            .insert(aggregate_id.clone(), sequence)
            .unwrap_or(0);
        assert_eq!(sequence, previous + 1, "{aggregate_id} out of order");
    }

    // The hazard really happened: events applied after a higher position had been applied, which a
    // reader with a position checkpoint would have skipped.
    let mut highest = 0;
    let mut late = 0;
    for &position in &seen {
        if position < highest {
            late += 1;
        }
        highest = highest.max(position);
    }
    println!(
        "committed {}, rolled back {}, applied {}, late commits {late}, busy steps {}",
        committed.len(),
        outcome.rolled_back.len(),
        seen.len(),
        busy.load(Ordering::SeqCst)
    );
    assert!(
        late > 0,
        "no event committed late; the test did not exercise the gap"
    );
}
