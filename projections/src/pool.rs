//! The two databases the log lives in, and a transaction on either.
//!
//! The app has its own `Database` enum; this crate does not depend on the app, so it names the pools
//! it reads here and the app converts. SQL in this crate uses `$1` placeholders, which both backends
//! accept, so [`on_tx!`](crate::on_tx) and [`on_pool!`](crate::on_pool) can run one statement on either.

use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

/// A connection pool to the database that holds the event log and the read models.
#[derive(Clone, Debug)]
pub enum LogPool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A transaction in which a projection applies events and its checkpoint advances.
#[derive(Debug)]
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl LogPool {
    /// Starts a transaction.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            LogPool::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
            LogPool::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }
}

impl From<SqlitePool> for LogPool {
    fn from(pool: SqlitePool) -> Self {
        LogPool::Sqlite(pool)
    }
}

impl From<PgPool> for LogPool {
    fn from(pool: PgPool) -> Self {
        LogPool::Postgres(pool)
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.rollback().await,
            Tx::Postgres(tx) => tx.rollback().await,
        }
    }
}

/// The most parameters one statement binds (SQLite allows 32,766), for the batched writes.
pub const MAX_PARAMETERS: usize = 30_000;

/// `$first, $first+1, …`, `count` of them: the placeholders of one row or an `IN` list.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs the same sqlx expression on whichever connection a [`Tx`] holds:
/// `on_tx!(tx, conn => sqlx::query("...").bind(x).execute(&mut *conn).await)`.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::pool::Tx::Sqlite(tx) => {
                let $conn: &mut sqlx::SqliteConnection = &mut *tx;
                $body
            }
            $crate::pool::Tx::Postgres(tx) => {
                let $conn: &mut sqlx::PgConnection = &mut *tx;
                $body
            }
        }
    };
}

/// Runs the same sqlx expression on whichever pool a [`LogPool`] holds.
#[macro_export]
macro_rules! on_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            $crate::pool::LogPool::Sqlite($p) => $body,
            $crate::pool::LogPool::Postgres($p) => $body,
        }
    };
}

/// Like [`on_tx!`](crate::on_tx) for statements whose result is not needed (the two backends
/// answer with different result types).
#[macro_export]
macro_rules! exec_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        $crate::on_tx!($tx, $conn => {
            let _done = $body;
        })
    };
}
