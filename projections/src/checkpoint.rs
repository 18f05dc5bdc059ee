//! How far each projection has read the log, kept in `projection_checkpoints` and written in the
//! same transaction as the projection's rows, so a crash never loses or doubles an event.

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
    Ok(load_each(tx, &[name]).await?[0])
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

/// The checkpoints of `names` inside `tx`, in the same order (the start of the log for a name
/// that has none): one statement for all of them.
pub async fn load_each(tx: &mut Tx, names: &[&str]) -> Result<Vec<LogCursor>, ProjectionError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT name, transaction_id, position FROM projection_checkpoints WHERE name IN ({})",
        crate::pool::placeholders(1, names.len())
    );
    let rows: Vec<(String, i64, i64)> = crate::on_tx!(tx, conn => {
        let mut query = sqlx::query_as(&sql);
        for name in names {
            query = query.bind(*name);
        }
        query.fetch_all(&mut *conn).await?
    });
    Ok(names
        .iter()
        .map(|name| {
            rows.iter().find(|(stored, _, _)| stored == name).map_or(
                LogCursor::START,
                |&(_, transaction_id, position)| LogCursor {
                    transaction_id,
                    position,
                },
            )
        })
        .collect())
}

/// Moves the checkpoint of each name to its cursor inside `tx`: one statement for all of them.
pub async fn store_each(tx: &mut Tx, moved: &[(&str, LogCursor)]) -> Result<(), ProjectionError> {
    if moved.is_empty() {
        return Ok(());
    }
    let now = match tx {
        Tx::Sqlite(_) => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        Tx::Postgres(_) => "now()",
    };
    let sql = format!(
        "INSERT INTO projection_checkpoints (name, position, transaction_id) VALUES {}
         ON CONFLICT (name) DO UPDATE SET position = excluded.position,
           transaction_id = excluded.transaction_id, updated_at = {now}",
        crate::pool::values(3, moved.len())
    );
    crate::exec_tx!(tx, conn => {
        let mut query = sqlx::query(&sql);
        for (name, cursor) in moved {
            query = query.bind(*name).bind(cursor.position).bind(cursor.transaction_id);
        }
        query.execute(&mut *conn).await?
    });
    Ok(())
}

/// Moves the checkpoint of `name` to `cursor` inside `tx`.
pub async fn store(tx: &mut Tx, name: &str, cursor: LogCursor) -> Result<(), ProjectionError> {
    store_each(tx, &[(name, cursor)]).await
}

/// Forgets the checkpoint of `name` inside `tx`, so the projection reads the log from its start.
pub async fn reset(tx: &mut Tx, name: &str) -> Result<(), ProjectionError> {
    crate::exec_tx!(tx, conn => sqlx::query("DELETE FROM projection_checkpoints WHERE name = $1")
        .bind(name)
        .execute(&mut *conn)
        .await?);
    Ok(())
}
