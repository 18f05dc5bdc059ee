//! Re-stamping a restored log with this cluster's transaction ids (PostgreSQL).
//!
//! The log is read in `(transaction_id, position)` order, and the catch-up reader takes only rows
//! whose writing transaction is below the current snapshot's xmin ([`crate::event_log`]). A logical
//! dump (`pg_dump`) restored into another cluster keeps the old cluster's ids, which may lie ahead of
//! the new cluster's counter: the read models then read nothing, and events written after the
//! restore sort before the restored ones. [`restamp`] gives every restored event a new id below the
//! current one, keeping the log's order (events of one original transaction keep sharing an id), so
//! the reader takes them all and new events sort after them. The audit chain does not hash the ids,
//! so a rebuilt chain has the same head. Run it after the restore and before the service writes
//! (`grants restamp` rebuilds every read model afterwards: their checkpoints name the old ids).

use sqlx::{PgPool, Row};

use crate::error::ProjectionError;
use crate::pool::LogPool;

/// What [`restamp`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Restamped {
    /// Events given a new transaction id.
    pub events: i64,
    /// The distinct transaction ids they had (and have again, renumbered).
    pub transactions: i64,
}

/// Ids kept clear below the new ones (0-2 are PostgreSQL's special transaction ids).
const RESERVED: i64 = 3;

/// Gives the log's events transaction ids of this cluster, in the log's order. `None` on SQLite,
/// whose log has no transaction ids. Events may not be written meanwhile: the log is locked while
/// it is re-stamped.
pub async fn restamp(pool: &LogPool) -> Result<Option<Restamped>, ProjectionError> {
    let LogPool::Postgres(pool) = pool else {
        return Ok(None);
    };
    let transactions: i64 = sqlx::query_scalar("SELECT count(DISTINCT transaction_id) FROM events")
        .fetch_one(pool)
        .await?;
    make_room(pool, transactions + RESERVED).await?;

    let mut tx = pool.begin().await?;
    sqlx::query("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let row = sqlx::query(
        "SELECT pg_current_xact_id()::text::bigint, (SELECT count(DISTINCT transaction_id) FROM events)",
    )
    .fetch_one(&mut *tx)
    .await?;
    let (current, transactions): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    if current < transactions + RESERVED {
        return Err(ProjectionError::RestampRace {
            transactions,
            current,
        });
    }
    // Events are immutable (migration 0001's trigger); this is the one rewrite, of their order key.
    sqlx::query("ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete")
        .execute(&mut *tx)
        .await?;
    // The k-th of the old ids, in order, becomes current - transactions - 1 + k: all below this
    // transaction's own id, so every later snapshot's xmin is above them.
    let events = sqlx::query(
        "UPDATE events SET transaction_id = ($1 - $2 - 1 + renumbered.rank)::text::xid8
         FROM (SELECT old, dense_rank() OVER (ORDER BY old) AS rank
               FROM (SELECT DISTINCT transaction_id AS old FROM events) AS ids) AS renumbered
         WHERE events.transaction_id = renumbered.old",
    )
    .bind(current)
    .bind(transactions)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query("ALTER TABLE events ENABLE TRIGGER events_no_update_or_delete")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    readable(pool, current).await?;
    Ok(Some(Restamped {
        events: i64::try_from(events).unwrap_or(i64::MAX),
        transactions,
    }))
}

/// How long [`restamp`] waits for older transactions of the cluster to end.
const READABLE_WITHIN: std::time::Duration = std::time::Duration::from_secs(60);

/// Waits until the cluster's oldest running transaction is past `current`, the re-stamping
/// transaction's own id, so that the reader takes every re-stamped event. Transaction ids are the
/// cluster's: a transaction that began before the re-stamp, in any database of the cluster, holds
/// xmin below the new ids until it ends (CI's parallel tests showed it: a rebuild read 52 of 54).
/// After [`READABLE_WITHIN`] it gives up waiting; the catch-up reader still takes the rest once that
/// transaction ends, because every checkpoint lies below them.
async fn readable(pool: &PgPool, current: i64) -> Result<(), ProjectionError> {
    let deadline = tokio::time::Instant::now() + READABLE_WITHIN;
    loop {
        let xmin: i64 =
            sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
                .fetch_one(pool)
                .await?;
        if xmin > current || tokio::time::Instant::now() >= deadline {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Lets the cluster's transaction counter pass `floor`: a fresh cluster may stand below the number
/// of ids to hand out. Each statement outside a transaction block takes one id.
async fn make_room(pool: &PgPool, floor: i64) -> Result<(), ProjectionError> {
    let mut conn = pool.acquire().await?;
    loop {
        let current: i64 = sqlx::query_scalar("SELECT pg_current_xact_id()::text::bigint")
            .fetch_one(&mut *conn)
            .await?;
        if current >= floor {
            return Ok(());
        }
    }
}
