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
use std::time::Duration;

use grants_projections::{checkpoint, EventLog, LogCursor, LoggedEvent};

use crate::state::AppState;
use crate::store::Attempt;
use sha2::{Digest, Sha256};

/// How many events one step of a process reads.
const BATCH: i64 = 100;

/// Follows the log after `name`'s checkpoint until `shutdown`: hands each event to `follow` and moves
/// the checkpoint after it. A failure is logged and the same event retried with a growing pause, so
/// nothing is skipped.
pub async fn run<F, Fut>(
    state: AppState,
    name: &'static str,
    shutdown: impl Future<Output = ()>,
    follow: F,
) where
    F: Fn(AppState, LoggedEvent) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    tokio::pin!(shutdown);
    let log = EventLog::new(state.db.log_pool());
    let mut failures: u32 = 0;
    loop {
        let pause = match step(&state, &log, name, &follow).await {
            Ok(true) => {
                failures = 0;
                Duration::ZERO
            }
            Ok(false) => Duration::from_millis(200),
            Err(error) => {
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

/// Handles the next batch after the checkpoint; `true` if there was anything to read.
async fn step<F, Fut>(
    state: &AppState,
    log: &EventLog,
    name: &str,
    follow: &F,
) -> anyhow::Result<bool>
where
    F: Fn(AppState, LoggedEvent) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let pool = state.db.log_pool();
    let cursor: LogCursor = checkpoint::current(&pool, name).await?;
    let batch = log.read_after(cursor, BATCH).await?;
    if batch.is_empty() {
        return Ok(false);
    }
    for event in batch {
        let next = event.cursor();
        follow(state.clone(), event).await?;
        let mut tx = pool.begin().await?;
        checkpoint::store(&mut tx, name, next).await?;
        tx.commit().await?;
    }
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
