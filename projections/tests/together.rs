//! Projections stepped together (`Runner::run` and `Runner::catch_up` read the log once for all of
//! them, in one transaction): each still applies every event once, in log order, when one of them
//! fails for a while, when one lags far behind the others, and when the loop runs in the
//! background. On both backends.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::Backend;
use grants_projections::{
    BoxFuture, LogPool, LoggedEvent, Projection, ProjectionError, Runner, Tx,
};
use serde_json::json;

/// Records the position of every event it is given, in the order given, in its own table; fails
/// its first `failing` batches.
struct Recorder {
    name: &'static str,
    failing: Arc<AtomicUsize>,
}

impl Recorder {
    fn new(name: &'static str, failing: usize) -> (Self, Arc<AtomicUsize>) {
        let failing = Arc::new(AtomicUsize::new(failing));
        let recorder = Recorder {
            name,
            failing: Arc::clone(&failing),
        };
        (recorder, failing)
    }
}

impl Projection for Recorder {
    fn name(&self) -> &'static str {
        self.name
    }

    fn tables(&self) -> &'static [&'static str] {
        &[]
    }

    fn apply_batch<'a>(
        &'a self,
        tx: &'a mut Tx,
        events: &'a [LoggedEvent],
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(async move {
            let failing = self.failing.load(Ordering::SeqCst);
            if failing > 0 {
                self.failing.store(failing - 1, Ordering::SeqCst);
                return Err(ProjectionError::Event {
                    projection: self.name,
                    event_type: "any".to_owned(),
                    position: events.first().map_or(0, |event| event.position),
                    detail: "fails on purpose".to_owned(),
                });
            }
            let sql = format!(
                "INSERT INTO seen_{0} (n, position) SELECT coalesce(max(n), 0) + 1, $1 FROM seen_{0}",
                self.name
            );
            for event in events {
                grants_projections::exec_tx!(&mut *tx, conn => sqlx::query(&sql)
                    .bind(event.position)
                    .execute(&mut *conn)
                    .await?);
            }
            Ok(())
        })
    }
}

async fn seen(pool: &LogPool, name: &str) -> Vec<i64> {
    let sql = format!("SELECT position FROM seen_{name} ORDER BY n");
    grants_projections::on_pool!(pool, p => sqlx::query_scalar(&sql).fetch_all(p).await)
        .expect("the recorder's rows")
}

/// The log's positions in its order.
async fn log_order(pool: &LogPool) -> Vec<i64> {
    let sql = match pool {
        LogPool::Sqlite(_) => "SELECT position FROM events ORDER BY position",
        LogPool::Postgres(_) => "SELECT position FROM events ORDER BY transaction_id, position",
    };
    grants_projections::on_pool!(pool, p => sqlx::query_scalar(sql).fetch_all(p).await)
        .expect("the log")
}

/// Each recorder holds every event of the log once, in log order.
async fn each_saw_the_log_once(pool: &LogPool) {
    let order = log_order(pool).await;
    assert_eq!(seen(pool, "a").await, order, "a");
    assert_eq!(seen(pool, "b").await, order, "b");
}

/// Steps projection `a` alone until its checkpoint is the event at `position`.
async fn step_a_alone_to(runner: &Runner, position: i64) {
    let deadline = tokio::time::Instant::now() + common::PATIENCE;
    while runner
        .checkpoint("a")
        .await
        .expect("a's checkpoint")
        .position
        != position
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "a never reached {position}"
        );
        runner.step("a").await.expect("a step of a");
    }
}

async fn append(pool: &LogPool, from: i64, count: i64) -> i64 {
    let mut last = 0;
    for sequence in from..from + count {
        last = common::append(
            pool,
            "tick",
            "clock",
            sequence,
            &json!({"Ticked": {"n": sequence}}),
        )
        .await;
    }
    last
}

/// Catches up until every projection has applied `position`, through any failures; returns how
/// many catch-ups failed.
async fn catch_up_through_failures(runner: &Runner, position: i64) -> usize {
    let deadline = tokio::time::Instant::now() + common::PATIENCE;
    let mut failed = 0;
    while !runner.reached(position).await.expect("the checkpoints") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the projections never reached {position}"
        );
        if runner.catch_up().await.is_err() {
            failed += 1;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    failed
}

async fn each_projection_applies_every_event_once(backend: Backend) {
    let db = common::database(backend).await;
    let pool = db.pool.clone();
    for name in ["a", "b"] {
        common::execute(
            &pool,
            &format!("CREATE TABLE seen_{name} (n BIGINT PRIMARY KEY, position BIGINT NOT NULL)"),
        )
        .await;
    }
    let (a, _) = Recorder::new("a", 0);
    let (b, b_failing) = Recorder::new("b", 3);
    let runner = Runner::new(pool.clone()).with(a).with(b).batch_size(5);

    // One of them fails three times: the other goes on, and the failing one catches up after.
    let head = append(&pool, 1, 12).await;
    let failed = catch_up_through_failures(&runner, head).await;
    assert!(failed >= 1, "b's failures reached the catch-up");
    assert_eq!(b_failing.load(Ordering::SeqCst), 0, "b failed three times");
    each_saw_the_log_once(&pool).await;

    // One far ahead of the other (more than a batch): a is stepped alone to the head, then both
    // together; neither applies an event twice.
    let head = append(&pool, 13, 12).await;
    step_a_alone_to(&runner, head).await;
    assert_eq!(catch_up_through_failures(&runner, head).await, 0);
    each_saw_the_log_once(&pool).await;

    // One a little ahead of the other (less than a batch): stepped together, a applies only what
    // comes after its own checkpoint.
    let ahead = append(&pool, 25, 3).await;
    step_a_alone_to(&runner, ahead).await;
    let head = append(&pool, 28, 3).await;
    assert_eq!(catch_up_through_failures(&runner, head).await, 0);
    each_saw_the_log_once(&pool).await;

    // The loop in the background, b failing twice on the way.
    b_failing.store(2, Ordering::SeqCst);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn({
        let runner = runner.clone().poll_interval(Duration::from_millis(10));
        async move {
            runner
                .run(async {
                    let _ = stopped.await;
                })
                .await
        }
    });
    let head = append(&pool, 31, 10).await;
    runner
        .wait_for(head, common::PATIENCE)
        .await
        .expect("both projections reach the head in the background");
    stop.send(()).expect("the loop is running");
    running.await.expect("the loop stops");
    assert_eq!(b_failing.load(Ordering::SeqCst), 0, "b failed twice");
    each_saw_the_log_once(&pool).await;
}

#[tokio::test]
async fn each_projection_applies_every_event_once_on_sqlite() {
    each_projection_applies_every_event_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn each_projection_applies_every_event_once_on_postgres() {
    each_projection_applies_every_event_once(Backend::Postgres).await;
}
