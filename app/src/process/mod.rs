//! Process managers: work that spans aggregates, driven from the log.
//!
//! Each follows the log from a checkpoint of its own (in `projection_checkpoints`) and carries out
//! what an event calls for on other aggregates. A handler may carry out the same step at once, so
//! that its answer says what followed; the background run then finds it done. Every step is written
//! so that running it twice appends once: see each module.
//!
//! - [`crate::follow_up`]: a round's decision opens the grants and records the applications' outcomes.
//! - [`release`]: a grant's withdrawal, a finalisation below the decided amount or an approved cut
//!   gives budget back to the round.
//! - [`change`]: a change's raise reserved on the round is approved on the grant, or the reservation
//!   is cancelled if the grant refuses.

pub mod change;
pub mod release;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use grants_projections::{checkpoint, LogCursor, LogPool, LoggedEvent, Tx};

use crate::state::AppState;
use crate::store::Attempt;
use sha2::{Digest, Sha256};

/// How many events one step of a process reads.
const BATCH: i64 = 100;

/// While a follower has work, its checkpoint is written at most this often.
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Where a follower of the log stands, with its checkpoint written lazily (issue 20): the run keeps
/// its cursor in memory and writes the checkpoint when it runs out of events, or every
/// [`CHECKPOINT_EVERY`] while busy, instead of one commit (one WAL flush, beside the commands') per
/// step. That is safe for the followers here, whose every step is written to run twice harmlessly
/// (an attempt derived from the event, a key the store or the table refuses twice): a crash only
/// makes the next run follow again what came after the last written checkpoint.
///
/// The checkpoint stays the truth between runs and instances: a step reads it (one statement) when
/// this run last read or wrote it [`CHECKPOINT_EVERY`] ago or more, and when it is not what this
/// run last read or wrote (a reset, another instance), the run continues from it instead of its own
/// cursor. The events themselves come from the instance's shared stretch of the log
/// ([`grants_projections::feed`]).
pub struct Progress {
    name: &'static str,
    /// The checkpoint as this run last read or wrote it.
    stored: Option<LogCursor>,
    /// How far this run has followed: at or after `stored`.
    cursor: LogCursor,
    written: Instant,
    /// When this run last read or wrote the checkpoint.
    checked: Instant,
}

impl Progress {
    /// The place of the follower `name`, from the start of the log until its stored checkpoint is
    /// read at the first step.
    pub fn new(name: &'static str) -> Self {
        Progress {
            name,
            stored: None,
            cursor: LogCursor::START,
            written: Instant::now(),
            checked: Instant::now(),
        }
    }

    /// Where to read on from: this run's cursor, or the stored checkpoint if another writer moved it
    /// (read at the first step, after a failure, and then at most every [`CHECKPOINT_EVERY`]).
    pub async fn start(&mut self, pool: &LogPool) -> anyhow::Result<LogCursor> {
        if self.stored.is_some() && self.checked.elapsed() < CHECKPOINT_EVERY {
            return Ok(self.cursor);
        }
        let stored = checkpoint::current(pool, self.name).await?;
        self.checked = Instant::now();
        if self.stored != Some(stored) {
            self.stored = Some(stored);
            self.cursor = stored;
        }
        Ok(self.cursor)
    }

    /// This run has followed everything up to `cursor`.
    pub fn advance(&mut self, cursor: LogCursor) {
        self.cursor = cursor;
    }

    /// Forgets this run's cursor (after a failure: the next step starts from the checkpoint).
    pub fn forget(&mut self) {
        self.stored = None;
    }

    /// Whether the checkpoint should be written now: it lags this run's cursor, and the run has
    /// nothing more to read (`idle`) or wrote it [`CHECKPOINT_EVERY`] ago.
    pub fn due(&self, idle: bool) -> bool {
        self.stored != Some(self.cursor) && (idle || self.written.elapsed() >= CHECKPOINT_EVERY)
    }

    /// Writes the checkpoint inside `tx` (with the rows the step writes); call
    /// [`Progress::written`] once `tx` committed.
    pub async fn store(&self, tx: &mut Tx) -> anyhow::Result<()> {
        checkpoint::store(tx, self.name, self.cursor).await?;
        Ok(())
    }

    /// The checkpoint written by [`Progress::store`] is committed.
    pub fn written(&mut self) {
        self.stored = Some(self.cursor);
        self.written = Instant::now();
        self.checked = self.written;
    }

    /// Writes the checkpoint in a transaction of its own if it is [`Progress::due`].
    pub async fn store_if_due(&mut self, pool: &LogPool, idle: bool) -> anyhow::Result<()> {
        if self.due(idle) {
            let mut tx = pool.begin().await?;
            self.store(&mut tx).await?;
            tx.commit().await?;
            self.written();
        }
        Ok(())
    }
}

/// Follows the log after `name`'s checkpoint until `shutdown`: hands each event to `follow` and moves
/// the checkpoint after it. A failure is logged and the same event retried with a growing pause, so
/// nothing is skipped.
pub async fn run<F, Fut>(
    state: AppState,
    name: &'static str,
    shutdown: impl Future<Output = ()>,
    follow: F,
) where
    F: Fn(AppState, Arc<LoggedEvent>) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    tokio::pin!(shutdown);
    let mut failures: u32 = 0;
    let mut progress = Progress::new(name);
    loop {
        let pause = match step(&state, &mut progress, &follow).await {
            Ok(true) => {
                failures = 0;
                Duration::ZERO
            }
            Ok(false) => Duration::from_millis(200),
            Err(error) => {
                progress.forget();
                failures = failures.saturating_add(1);
                tracing::error!(%error, process = name, attempt = failures, "process step failed; will retry");
                Duration::from_millis(200).saturating_mul(1 << failures.min(7))
            }
        };
        tokio::select! {
            biased;
            () = &mut shutdown => return,
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// Handles the next batch after this run's cursor; `true` if there was anything to read. The
/// checkpoint is written lazily ([`Progress`]); after a failure, up to the last event followed.
async fn step<F, Fut>(state: &AppState, progress: &mut Progress, follow: &F) -> anyhow::Result<bool>
where
    F: Fn(AppState, Arc<LoggedEvent>) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let pool = state.db.clone();
    let cursor = progress.start(&pool).await?;
    let batch = state.feed.read_after(cursor, BATCH).await?;
    if batch.is_empty() {
        progress.store_if_due(&pool, true).await?;
        return Ok(false);
    }
    for event in batch {
        let next = event.cursor();
        if let Err(error) = follow(state.clone(), event).await {
            progress.store_if_due(&pool, true).await?;
            return Err(error);
        }
        progress.advance(next);
    }
    progress.store_if_due(&pool, false).await?;
    Ok(true)
}

/// The attempt under which a process carries out what one logged event calls for: derived from
/// `purpose`, the event's stream and its sequence, so every follower of that event (the handler at
/// once, the background run later, a run after a crash) runs the same attempt, and the store appends
/// each of its steps once (`store::attempt`).
pub fn derived_attempt(purpose: &[u8], stream: uuid::Uuid, sequence: i64) -> Attempt {
    let digest = Sha256::new()
        .chain_update(purpose)
        .chain_update(stream.as_bytes())
        .chain_update(sequence.to_be_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Attempt::resumed(uuid::Builder::from_custom_bytes(bytes).into_uuid())
}

/// The actor recorded in a logged event's metadata (nil when there is none).
pub fn actor_of(event: &LoggedEvent) -> grants_domain::UserId {
    event.metadata["actor_id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .unwrap_or_default()
}

/// An API refusal as a process failure.
pub fn failure(problem: crate::service::ServiceError) -> anyhow::Error {
    anyhow::anyhow!("{}: {}", problem.code, problem.detail_en)
}
