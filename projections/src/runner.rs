//! The catch-up runner: advances each projection from its checkpoint, one batch per transaction.
//!
//! Per step, in ONE transaction for every projection stepped (all of them together, or one alone:
//! `Runner::step_together`): take the projections' locks, read their checkpoints, read the next
//! batch of the log after the earliest ([`crate::event_log`]), apply to each projection's tables
//! the events after its own checkpoint and move the checkpoints past the batch. A crash rolls all
//! of it back, so an event is applied exactly once.
//!
//! With several app instances on one PostgreSQL, the lock is `pg_try_advisory_xact_lock` on a hash of
//! the projection's name: one instance advances a projection at a time, the others see it busy and
//! move on. The lock dies with the transaction (or the connection), so when an instance dies another
//! takes over at its next poll. On SQLite the first statement of the step is a write, which takes the
//! database's single write lock for the step.
//!
//! Not here: what a projection does with an event (see [`crate::awards`], [`crate::audit_chain`]).

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::time::Instant;

use crate::checkpoint;
use crate::error::ProjectionError;
use crate::event_log::{self, Batch, Decode, EventLog, LogCursor, LoggedEvent, ReadAhead, Reads};
use crate::pool::{LogPool, Tx, WriteGate};
use crate::shadow::Shadow;

/// A boxed future, so that projections can sit behind `dyn Projection`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a projection hands from one batch of a rebuild to the next (see
/// [`Projection::apply_rebuild_batch`]); empty before the first batch.
pub type Carry = Option<Box<dyn Any + Send + Sync>>;

/// What the batch before left in `carry`, if it is a `T` (and nothing before the first batch).
pub fn take_carried<T: Any>(carry: &mut Carry) -> Option<T> {
    carry
        .take()
        .and_then(|carried| carried.downcast::<T>().ok())
        .map(|carried| *carried)
}

/// A read model: a function of the log, kept in its own tables.
pub trait Projection: Send + Sync {
    /// A stable name: the checkpoint's key and the lock's.
    fn name(&self) -> &'static str;
    /// The tables holding this projection's rows; a rebuild empties them.
    fn tables(&self) -> &'static [&'static str];
    /// Applies a batch of consecutive events (the runner's unit: one event or up to the batch
    /// size) inside the runner's transaction, in log order. Events the projection does not care
    /// about are ignored.
    fn apply_batch<'a>(
        &'a self,
        tx: &'a mut Tx,
        events: &'a [LoggedEvent],
    ) -> BoxFuture<'a, Result<(), ProjectionError>>;

    /// The events [`Projection::apply_batch`] does anything with; a rebuild on PostgreSQL leaves the
    /// others out of its batches without decoding them. Every event the projection reads must be
    /// named (a live step still hands it every event, and `projections/tests/read_models.rs`
    /// compares the two). `None`, the default: every event.
    fn reads(&self) -> Option<&'static [Reads]> {
        None
    }

    /// What a rebuild on PostgreSQL makes of the events' payload and metadata: JSON values (the
    /// default), or only their text, for a projection that reads nothing but
    /// [`LoggedEvent::text`]. A live step always hands over both.
    fn decode(&self) -> Decode {
        Decode::Values
    }

    /// Applies a batch of a rebuild, like [`Projection::apply_batch`]. `carry` is handed to every
    /// batch of the same rebuild in log order, inside its one transaction, so a projection may keep
    /// there what it wrote last instead of reading it back: reading back can be slow in a rebuild,
    /// whose `DELETE` leaves every old row in the indexes until the transaction ends. The default
    /// ignores it.
    fn apply_rebuild_batch<'a>(
        &'a self,
        tx: &'a mut Tx,
        events: &'a [LoggedEvent],
        carry: &'a mut Carry,
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        let _ = carry;
        self.apply_batch(tx, events)
    }
}

/// What one step of one projection did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Applied this many events and moved the checkpoint.
    Applied(usize),
    /// Nothing new to read.
    Idle,
    /// Another instance holds the projection's lock right now.
    Busy,
}

/// Runs a set of projections over one database.
#[derive(Clone)]
pub struct Runner {
    pool: LogPool,
    projections: Vec<Arc<dyn Projection>>,
    batch_size: i64,
    rebuild_batch_size: i64,
    poll_interval: Duration,
    max_backoff: Duration,
    gate: WriteGate,
}

impl Runner {
    /// A runner over `pool` with no projections yet, at the default batch sizes and poll interval.
    pub fn new(pool: LogPool) -> Self {
        Runner {
            projections: Vec::new(),
            batch_size: 500,
            rebuild_batch_size: 5_000,
            poll_interval: Duration::from_millis(200),
            max_backoff: Duration::from_secs(30),
            gate: WriteGate::for_pool(&pool),
            pool,
        }
    }

    /// Adds a projection to run.
    pub fn with(mut self, projection: impl Projection + 'static) -> Self {
        self.projections.push(Arc::new(projection));
        self
    }

    /// At most this many events per transaction (default 500).
    pub fn batch_size(mut self, batch_size: i64) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// At most this many events per batch of a rebuild (default 5,000). A rebuild is one
    /// transaction whatever its batches, so larger batches cost only memory (a few MB of decoded
    /// events) and save statements: each batch pays a few round trips and plans its statements
    /// afresh (docs/benchmarks.md). Tests set it small to cross batch boundaries.
    pub fn rebuild_batch_size(mut self, batch_size: i64) -> Self {
        self.rebuild_batch_size = batch_size.max(1);
        self
    }

    /// How long [`Runner::run`] sleeps when every projection is caught up (default 200 ms).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Takes turns with the other writers of this process that share `gate` (on SQLite: the event
    /// store's appends), instead of a gate of its own.
    pub fn write_gate(mut self, gate: WriteGate) -> Self {
        self.gate = gate;
        self
    }

    /// The gate this runner's writes take turns at (on SQLite, shared with the event store's appends).
    pub fn gate(&self) -> &WriteGate {
        &self.gate
    }

    /// The database the runner reads and writes.
    pub fn pool(&self) -> &LogPool {
        &self.pool
    }

    /// The names of its projections, in the order they were added.
    pub fn names(&self) -> Vec<&'static str> {
        self.projections.iter().map(|p| p.name()).collect()
    }

    fn find(&self, name: &str) -> Result<&Arc<dyn Projection>, ProjectionError> {
        self.projections
            .iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| ProjectionError::UnknownProjection(name.to_owned()))
    }

    /// The checkpoint of the projection `name`.
    pub async fn checkpoint(&self, name: &str) -> Result<LogCursor, ProjectionError> {
        checkpoint::current(&self.pool, name).await
    }

    /// One step of the projection `name`: at most one batch, in one transaction.
    pub async fn step(&self, name: &str) -> Result<Step, ProjectionError> {
        let projection = Arc::clone(self.find(name)?);
        self.step_projection(projection.as_ref()).await
    }

    /// One step of `projection` alone: [`Runner::step_together`] with it only (its checkpoint is
    /// then the earliest, so it is never left for a step alone).
    async fn step_projection(&self, projection: &dyn Projection) -> Result<Step, ProjectionError> {
        let steps = self.step_together(&[projection]).await?;
        Ok(steps.into_iter().next().flatten().unwrap_or(Step::Idle))
    }

    /// One step of `projections` together, in ONE transaction: their locks in one statement, their
    /// checkpoints in one, ONE read of the log after the earliest of them, each projection applying
    /// the events after its own checkpoint, and their new checkpoints in one statement. Under load
    /// the projections stand at the same place, so this is six statements and one commit for every
    /// projection instead of six and one commit each, and the batch is read and decoded once.
    ///
    /// Per projection, in the order given: its [`Step`], or `None` when its checkpoint lies beyond
    /// a full batch read from an earlier one (a projection that fell behind, after a failure):
    /// step that one alone, so the rest do not wait while the laggard catches up. A failure rolls
    /// every projection back, and the caller steps each alone to find the one that failed.
    async fn step_together(
        &self,
        projections: &[&dyn Projection],
    ) -> Result<Vec<Option<Step>>, ProjectionError> {
        if projections.is_empty() {
            return Ok(Vec::new());
        }
        let _turn = self.gate.enter().await;
        let mut tx = self.pool.begin().await?;
        match self.apply_together(&mut tx, projections).await {
            Ok((steps, true)) => {
                tx.commit().await?;
                Ok(steps)
            }
            Ok((steps, false)) => {
                tx.rollback().await?;
                Ok(steps)
            }
            Err(error) => {
                // Now, not when the dropped transaction's connection is next used: its locks
                // would make the steps alone that follow at once find every projection busy.
                if let Err(rollback) = tx.rollback().await {
                    tracing::warn!(%rollback, "rolling back a failed step of the projections together");
                }
                Err(error)
            }
        }
    }

    /// The work of [`Runner::step_together`] inside `tx`: each projection's step, and whether any
    /// moved (then `tx` is to be committed).
    async fn apply_together(
        &self,
        tx: &mut Tx,
        projections: &[&dyn Projection],
    ) -> Result<(Vec<Option<Step>>, bool), ProjectionError> {
        let names: Vec<&'static str> = projections.iter().map(|p| p.name()).collect();
        let held: Vec<bool> = match &mut *tx {
            Tx::Postgres(conn) => {
                let keys: Vec<i64> = names.iter().map(|name| lock_key(name)).collect();
                let locked: Vec<(i64, bool)> = sqlx::query_as(
                    "SELECT key, pg_try_advisory_xact_lock(key) FROM unnest($1::bigint[]) AS key",
                )
                .bind(&keys)
                .fetch_all(&mut **conn)
                .await?;
                keys.iter()
                    .map(|key| locked.contains(&(*key, true)))
                    .collect()
            }
            Tx::Sqlite(conn) => {
                // A write first, so the step holds SQLite's write lock from its start and its reads
                // cannot go stale before it writes.
                let sql = format!(
                    "INSERT INTO projection_checkpoints (name) VALUES {} ON CONFLICT (name) DO NOTHING",
                    crate::pool::values(1, names.len())
                );
                let mut query = sqlx::query(&sql);
                for name in &names {
                    query = query.bind(*name);
                }
                query.execute(&mut **conn).await?;
                vec![true; names.len()]
            }
        };
        // On PostgreSQL nothing has been written yet: the transaction holds no id that would hold
        // the snapshot's xmin back while the batch is read.
        let mut steps: Vec<Option<Step>> = vec![Some(Step::Busy); names.len()];
        let ours: Vec<usize> = (0..names.len()).filter(|&i| held[i]).collect();
        let our_names: Vec<&str> = ours.iter().map(|&i| names[i]).collect();
        let after = checkpoint::load_each(tx, &our_names).await?;
        let Some(&from) = after.iter().min() else {
            return Ok((steps, false));
        };
        let events = event_log::read_after(tx, from, self.batch_size).await?;
        let full = i64::try_from(events.len()).unwrap_or(i64::MAX) >= self.batch_size;
        let last = events.last().map_or(from, LoggedEvent::cursor);
        let mut moved = Vec::new();
        for (&i, &checkpoint) in ours.iter().zip(&after) {
            if checkpoint >= last {
                steps[i] = if full { None } else { Some(Step::Idle) };
                continue;
            }
            let start = events.partition_point(|event| event.cursor() <= checkpoint);
            projections[i].apply_batch(tx, &events[start..]).await?;
            moved.push((names[i], last));
            steps[i] = Some(Step::Applied(events.len() - start));
        }
        if moved.is_empty() {
            return Ok((steps, false));
        }
        checkpoint::store_each(tx, &moved).await?;
        tracing::debug!(
            projections = moved.len(),
            events = events.len(),
            position = last.position,
            "projections applied together"
        );
        Ok((steps, true))
    }

    /// Steps every projection until none has anything left to read (or another instance holds it);
    /// returns how many events were applied. Errors are returned, not retried.
    pub async fn catch_up(&self) -> Result<usize, ProjectionError> {
        let all: Vec<&dyn Projection> = self.projections.iter().map(AsRef::as_ref).collect();
        let mut applied = 0;
        loop {
            let steps = match self.step_together(&all).await {
                Ok(steps) => steps,
                // Each alone: the one that fails says why.
                Err(_) => vec![None; all.len()],
            };
            let mut more = false;
            for (projection, step) in all.iter().zip(steps) {
                let step = match step {
                    Some(step) => step,
                    None => self.step_projection(*projection).await?,
                };
                if let Step::Applied(n) = step {
                    applied += n;
                    more = true;
                }
            }
            if !more {
                return Ok(applied);
            }
        }
    }

    /// Polls until `shutdown` completes, stepping the projections together
    /// (`Runner::step_together`). A failing projection is logged and retried alone with
    /// exponential backoff (up to 30 s); the others keep running together.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let count = self.projections.len();
        let mut failures = vec![0u32; count];
        let mut not_before = vec![Instant::now(); count];
        loop {
            let now = Instant::now();
            let ready: Vec<usize> = (0..count).filter(|&i| now >= not_before[i]).collect();
            let together: Vec<&dyn Projection> = ready
                .iter()
                .map(|&i| self.projections[i].as_ref())
                .collect();
            let steps = match self.step_together(&together).await {
                Ok(steps) => steps,
                Err(error) => {
                    tracing::warn!(%error, "a step of the projections together failed; each steps alone");
                    vec![None; ready.len()]
                }
            };
            let mut more = false;
            for (&i, step) in ready.iter().zip(steps) {
                let projection = self.projections[i].as_ref();
                let step = match step {
                    Some(step) => Ok(step),
                    None => self.step_projection(projection).await,
                };
                match step {
                    Ok(step) => {
                        if failures[i] > 0 {
                            tracing::info!(projection = projection.name(), "projection recovered");
                        }
                        failures[i] = 0;
                        more |= matches!(step, Step::Applied(_));
                    }
                    Err(error) => {
                        failures[i] = failures[i].saturating_add(1);
                        let delay = self.backoff(failures[i]);
                        tracing::error!(
                            projection = projection.name(),
                            %error,
                            attempt = failures[i],
                            retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                            "projection step failed; will retry"
                        );
                        not_before[i] = Instant::now() + delay;
                    }
                }
            }
            let pause = if more {
                Duration::ZERO
            } else {
                self.poll_interval
            };
            tokio::select! {
                biased;
                () = &mut shutdown => return,
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    fn backoff(&self, failures: u32) -> Duration {
        let base = self.poll_interval.max(Duration::from_millis(100));
        base.saturating_mul(1u32 << failures.min(16))
            .min(self.max_backoff)
    }

    /// Drops the projection's rows and checkpoint and replays the log into it, in one transaction:
    /// readers see the old rows until the new ones are complete. On PostgreSQL the log is replayed
    /// into fresh copies of the tables, swapped in at the end (`Shadow`). Returns the number of
    /// events replayed; on PostgreSQL events of transactions still running when the rebuild starts
    /// are left to the next steps.
    pub async fn rebuild(&self, name: &str) -> Result<usize, ProjectionError> {
        let projection = Arc::clone(self.find(name)?);
        let mut tx = self.pool.begin().await?;
        let mut shadow = None;
        if let Tx::Postgres(conn) = &mut tx {
            // Wait for the instance that holds it to finish its step.
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(lock_key(name))
                .execute(&mut **conn)
                .await?;
            shadow = Some(Shadow::create(conn, name, projection.tables()).await?);
            // The tables start empty and grow by the whole log inside this transaction, where
            // autovacuum never gathers their statistics. Without statistics the planner takes a
            // batch's `WHERE grant_id IN (...)` of a thousand keys for most of the table and scans
            // it: every batch read every row written so far (10 ms a batch at 20k rows, and growing;
            // 109 s instead of 14 for a rebuild in place on a freshly restored database). Every
            // statement of a rebuild finds its rows by key, so sequential scans are priced out, and
            // each statement is planned afresh rather than with a generic plan kept from its first
            // executions on a near-empty table (docs/benchmarks.md).
            sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan")
                .execute(&mut **conn)
                .await?;
            sqlx::query("SET LOCAL enable_seqscan = off")
                .execute(&mut **conn)
                .await?;
        }
        checkpoint::reset(&mut tx, name).await?;
        if let Tx::Sqlite(conn) = &mut tx {
            for table in projection.tables() {
                sqlx::query(&format!("DELETE FROM {table}"))
                    .execute(&mut **conn)
                    .await?;
            }
        }
        let mut cursor = LogCursor::START;
        let mut replayed = 0;
        let mut carry = None;
        // PostgreSQL: the log is read ahead on a second connection while this one applies
        // ([`event_log::ReadAhead`]). SQLite has no server to overlap with: read in the transaction.
        let batch_size = self.rebuild_batch_size;
        let mut ahead = match &self.pool {
            LogPool::Postgres(pool) => Some(ReadAhead::start(
                pool.clone(),
                usize::try_from(batch_size).unwrap_or(usize::MAX),
                projection.reads(),
                projection.decode(),
            )),
            LogPool::Sqlite(_) => None,
        };
        loop {
            let batch = match &mut ahead {
                Some(ahead) => ahead.next().await?.unwrap_or_default(),
                None => {
                    let events = event_log::read_after(&mut tx, cursor, batch_size).await?;
                    Batch {
                        read: events.len(),
                        last: events.last().map_or(cursor, LoggedEvent::cursor),
                        events,
                    }
                }
            };
            if batch.read == 0 {
                break;
            }
            if !batch.events.is_empty() {
                projection
                    .apply_rebuild_batch(&mut tx, &batch.events, &mut carry)
                    .await?;
            }
            replayed += batch.read;
            cursor = batch.last;
            // Freeing thousands of decoded events (their JSON trees) took a tenth of the applying
            // task's time: free them on a blocking thread while the next batch is applied.
            tokio::task::spawn_blocking(move || drop(batch.events));
        }
        if replayed > 0 {
            checkpoint::store(&mut tx, name, cursor).await?;
        }
        if let (Some(shadow), Tx::Postgres(conn)) = (shadow, &mut tx) {
            shadow.swap(conn).await?;
        }
        // The new tables have no statistics until autovacuum's next round analyses them (within
        // a minute: the rebuild's rows count as changes). An ANALYZE here cost 150-370 ms a table.
        tx.commit().await?;
        tracing::info!(projection = name, events = replayed, "projection rebuilt");
        Ok(replayed)
    }

    /// Waits until every projection of this runner has applied the event at `position`
    /// (read-your-writes after a command), while another task (or instance) runs them.
    /// Fails with [`ProjectionError::Timeout`].
    pub async fn wait_for(&self, position: i64, timeout: Duration) -> Result<(), ProjectionError> {
        // A position the log does not hold (beyond its head, or a gap) is never reached: answer at
        // once rather than after the whole timeout. A command's answer only names committed ones.
        if EventLog::new(self.pool.clone())
            .cursor_of(position)
            .await?
            .is_none()
        {
            return Err(ProjectionError::Timeout { position });
        }
        let deadline = Instant::now() + timeout;
        while !self.reached(position).await? {
            if Instant::now() >= deadline {
                return Err(ProjectionError::Timeout { position });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }

    /// Drives the projections itself until every one has applied the event at `position`; returns
    /// how many events were applied. On PostgreSQL a transaction left open anywhere in the cluster
    /// (xids are cluster-wide) holds the reader back, hence the timeout.
    pub async fn catch_up_to(
        &self,
        position: i64,
        timeout: Duration,
    ) -> Result<usize, ProjectionError> {
        let deadline = Instant::now() + timeout;
        let mut applied = 0;
        loop {
            applied += self.catch_up().await?;
            if self.reached(position).await? {
                return Ok(applied);
            }
            if Instant::now() >= deadline {
                return Err(ProjectionError::Timeout { position });
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Whether every projection has applied the event at `position` (false while that event is
    /// not committed, or does not exist).
    pub async fn reached(&self, position: i64) -> Result<bool, ProjectionError> {
        let Some(target) = EventLog::new(self.pool.clone()).cursor_of(position).await? else {
            return Ok(false);
        };
        for projection in &self.projections {
            if self.checkpoint(projection.name()).await? < target {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// The advisory lock key of a projection: stable across instances and builds.
fn lock_key(name: &str) -> i64 {
    let digest = Sha256::digest(format!("grants-projection:{name}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}
