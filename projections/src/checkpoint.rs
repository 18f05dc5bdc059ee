//! How far each projection has read the log, kept in `projection_checkpoints` and written in the
//! same transaction as the projection's rows, so a crash never loses or doubles an event.

use sqlx::Row;

use crate::error::ProjectionError;
use crate::event_log::LogCursor;
use crate::pool::{LogPool, Tx};

/// A projection's checkpoint: the cursor of the last event it applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The place in the log of the last event applied.
    pub cursor: LogCursor,
}

/// The checkpoint of `name` inside `tx` (the start of the log when it has none).
pub async fn load(tx: &mut Tx, name: &str) -> Result<LogCursor, ProjectionError> {
    let row = crate::on_tx!(tx, conn => sqlx::query(
        "SELECT transaction_id, position FROM projection_checkpoints WHERE name = $1",
    )
    .bind(name)
    .fetch_optional(&mut *conn)
    .await?
    .map(|row| -> Result<LogCursor, sqlx::Error> {
        Ok(LogCursor { transaction_id: row.try_get(0)?, position: row.try_get(1)? })
    }));
    Ok(row.transpose()?.unwrap_or(LogCursor::START))
}

/// The checkpoint of `name`, read outside any projection transaction (one statement).
pub async fn current(pool: &LogPool, name: &str) -> Result<LogCursor, ProjectionError> {
    let sql = "SELECT transaction_id, position FROM projection_checkpoints WHERE name = $1";
    let row: Option<(i64, i64)> = match pool {
        LogPool::Sqlite(pool) => sqlx::query_as(sql).bind(name).fetch_optional(pool).await?,
        LogPool::Postgres(pool) => sqlx::query_as(sql).bind(name).fetch_optional(pool).await?,
    };
    Ok(
        row.map_or(LogCursor::START, |(transaction_id, position)| LogCursor {
            transaction_id,
            position,
        }),
    )
}

/// Moves the checkpoint of `name` to `cursor` inside `tx`.
pub async fn store(tx: &mut Tx, name: &str, cursor: LogCursor) -> Result<(), ProjectionError> {
    match tx {
        Tx::Sqlite(tx) => {
            sqlx::query(
                "INSERT INTO projection_checkpoints (name, position, transaction_id) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO UPDATE SET position = excluded.position,
                   transaction_id = excluded.transaction_id,
                   updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            )
            .bind(name)
            .bind(cursor.position)
            .bind(cursor.transaction_id)
            .execute(&mut **tx)
            .await?;
        }
        Tx::Postgres(tx) => {
            sqlx::query(
                "INSERT INTO projection_checkpoints (name, position, transaction_id) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO UPDATE SET position = excluded.position,
                   transaction_id = excluded.transaction_id, updated_at = now()",
            )
            .bind(name)
            .bind(cursor.position)
            .bind(cursor.transaction_id)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// Forgets the checkpoint of `name` inside `tx`, so the projection reads the log from its start.
pub async fn reset(tx: &mut Tx, name: &str) -> Result<(), ProjectionError> {
    crate::exec_tx!(tx, conn => sqlx::query("DELETE FROM projection_checkpoints WHERE name = $1")
        .bind(name)
        .execute(&mut *conn)
        .await?);
    Ok(())
}
