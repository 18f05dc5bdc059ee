//! The two databases the log lives in (SQLite, the embedded default, or PostgreSQL, chosen by the
//! URL), connecting and migrating them, and a transaction on either. The one database abstraction
//! of the workspace: the app names it `Database` (`grants_app::db`).
//!
//! Both sit on the one sqlx 0.8 that sqlite-es and postgres-es use. Our migrations add to the event
//! table what the stores lack (a global position and the commit time); they live in `migrations/`
//! and are compiled into the binary. SQL uses `$1` placeholders, which both backends accept, so
//! [`on_tx!`](crate::on_tx) and [`on_pool!`](crate::on_pool) can run one statement on either.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

/// A connection pool to the database that holds the event log and the read models.
#[derive(Clone, Debug)]
pub enum LogPool {
    /// A SQLite file (the embedded default).
    Sqlite(SqlitePool),
    /// A PostgreSQL server.
    Postgres(PgPool),
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// Why the database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The database cannot be reached, or its URL is not valid.
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    /// The SQLite file's directory cannot be created.
    #[error("cannot create the directory for the SQLite file {path}: {source}")]
    CreateDirectory {
        /// The directory's path.
        path: String,
        /// Why it cannot be created.
        #[source]
        source: std::io::Error,
    },
    /// A migration failed (or the database has one this binary does not know).
    #[error("migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query run while opening the database failed.
    #[error(transparent)]
    Query(#[from] sqlx::Error),
}

impl LogPool {
    /// Connects to `postgres://...` or to a SQLite file (a `sqlite:` URL or a plain path), creating
    /// the SQLite file and its directory on first start.
    pub async fn connect(url: &str) -> Result<Self, DatabaseError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).map_err(DatabaseError::Connect)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                // During an outage a request fails within this (503, `Retry-After`), never hangs.
                .acquire_timeout(Duration::from_secs(2))
                .connect_with(options)
                .await
                .map_err(DatabaseError::Connect)?;
            return Ok(LogPool::Postgres(pool));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"));
        let path = path.unwrap_or(url);
        if let Some(parent) = std::path::Path::new(path).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|source| {
                    DatabaseError::CreateDirectory {
                        path: path.to_owned(),
                        source,
                    }
                })?;
            }
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(DatabaseError::Connect)?;
        Ok(LogPool::Sqlite(pool))
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<(), DatabaseError> {
        match self {
            LogPool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            LogPool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Whether the database answers and every migration compiled into this binary is applied.
    pub async fn is_ready(&self) -> Result<bool, DatabaseError> {
        let (applied, expected): (i64, usize) = match self {
            LogPool::Sqlite(pool) => (
                sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
                    .fetch_one(pool)
                    .await?,
                SQLITE_MIGRATIONS.iter().count(),
            ),
            LogPool::Postgres(pool) => (
                sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
                    .fetch_one(pool)
                    .await?,
                POSTGRES_MIGRATIONS.iter().count(),
            ),
        };
        Ok(usize::try_from(applied).unwrap_or(0) >= expected)
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match self {
            LogPool::Sqlite(_) => "sqlite",
            LogPool::Postgres(_) => "postgres",
        }
    }
}

/// A transaction in which a projection applies events and its checkpoint advances.
#[derive(Debug)]
pub enum Tx {
    /// A transaction on SQLite.
    Sqlite(Transaction<'static, Sqlite>),
    /// A transaction on PostgreSQL.
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

    /// Starts a read-only transaction that sees one snapshot of the database for all its statements
    /// (`REPEATABLE READ` on PostgreSQL, set in the `BEGIN` itself to save a round trip; any SQLite
    /// transaction reads one snapshot).
    pub async fn begin_snapshot(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            LogPool::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
            LogPool::Postgres(pool) => Tx::Postgres(
                pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await?,
            ),
        })
    }
}

/// On SQLite, the writers of one process (the event store's appends and the projection runner's
/// steps) take turns here, first come first served, instead of meeting at the database's write
/// lock. SQLite admits one writer at a time, and a writer that finds the lock taken waits in its
/// busy handler, which sleeps in growing steps of up to 100 ms: most waiters would wait far longer
/// than the writer before them took. On PostgreSQL the gate is open: its writers to different rows
/// do not block each other.
#[derive(Clone, Debug, Default)]
pub struct WriteGate(Option<Arc<tokio::sync::Mutex<()>>>);

impl WriteGate {
    /// A gate of its own for a database behind `pool` (share it by cloning).
    pub fn for_pool(pool: &LogPool) -> Self {
        match pool {
            LogPool::Sqlite(_) => WriteGate(Some(Arc::default())),
            LogPool::Postgres(_) => WriteGate(None),
        }
    }

    /// Waits for this writer's turn, which lasts as long as the guard.
    pub async fn enter(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.0 {
            Some(gate) => Some(gate.lock().await),
            None => None,
        }
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
    /// Commits the transaction.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }

    /// Rolls the transaction back.
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

/// `($1, …, $columns), ($columns+1, …), …`: the `VALUES` of `rows` rows.
pub fn values(columns: usize, rows: usize) -> String {
    (0..rows)
        .map(|n| format!("({})", placeholders(n * columns + 1, columns)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `INSERT INTO table (columns) VALUES … ON CONFLICT (first column) DO UPDATE SET` every other
/// column: a batch's changed rows written whole, keyed by the first column.
pub fn upsert(table: &str, columns: &[&str], rows: usize) -> String {
    let updates: Vec<String> = columns[1..]
        .iter()
        .map(|column| format!("{column} = excluded.{column}"))
        .collect();
    format!(
        "INSERT INTO {table} ({}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {}",
        columns.join(", "),
        values(columns.len(), rows),
        columns[0],
        updates.join(", ")
    )
}

/// `INSERT INTO table (columns) VALUES … ON CONFLICT (key) DO NOTHING`: facts written once, a
/// repeated key keeping its first row.
pub fn insert_new(table: &str, columns: &[&str], key: &str, rows: usize) -> String {
    format!(
        "INSERT INTO {table} ({}) VALUES {} ON CONFLICT ({key}) DO NOTHING",
        columns.join(", "),
        values(columns.len(), rows)
    )
}

/// The conditions of a `WHERE` clause that are set, with their `$n` placeholders numbered in the
/// order they are asked for (bind the values in the same order).
#[derive(Debug, Default)]
pub struct Conditions {
    conditions: Vec<String>,
    parameters: usize,
}

impl Conditions {
    /// The next placeholder.
    pub fn parameter(&mut self) -> String {
        self.parameters += 1;
        format!("${}", self.parameters)
    }

    /// Adds a condition (SQL text, its placeholders taken from `parameter`).
    pub fn push(&mut self, condition: String) {
        self.conditions.push(condition);
    }

    /// ` WHERE a AND b`, or nothing when no condition is set.
    pub fn clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }
}

/// Upserts `(key, value)` text pairs into a two-column table keyed by its first column.
pub async fn upsert_pairs(
    tx: &mut Tx,
    table: &str,
    columns: [&str; 2],
    pairs: &std::collections::BTreeMap<String, String>,
) -> Result<(), sqlx::Error> {
    let pairs: Vec<(&String, &String)> = pairs.iter().collect();
    for chunk in pairs.chunks(MAX_PARAMETERS / 2) {
        let sql = upsert(table, &columns, chunk.len());
        crate::exec_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql);
            for (key, value) in chunk {
                query = query.bind(*key).bind(*value);
            }
            query.execute(&mut *conn).await?
        });
    }
    Ok(())
}

/// `(key, value)` of a two-text-column row, on either backend.
pub fn text_pair<'r, R>(row: &'r R) -> Result<(String, String), sqlx::Error>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// The rows of `select`, which ends in `… IN`, for every id of `ids` (a `Vec<&str>`), in chunks
/// under the parameter limit, each decoded by `decode` (a function generic over the backend's
/// row, such as [`text_pair`]): `fetch_in!(tx, "SELECT … WHERE id IN", ids, read)`.
#[macro_export]
macro_rules! fetch_in {
    ($tx:expr, $select:expr, $ids:expr, $decode:path) => {{
        let ids: Vec<&str> = $ids;
        let mut found = Vec::new();
        for chunk in ids.chunks($crate::pool::MAX_PARAMETERS) {
            let sql = format!(
                "{} ({})",
                $select,
                $crate::pool::placeholders(1, chunk.len())
            );
            let rows = $crate::on_tx!(&mut *$tx, conn => {
                let mut query = sqlx::query(&sql);
                for id in chunk {
                    query = query.bind(*id);
                }
                query
                    .fetch_all(&mut *conn)
                    .await?
                    .iter()
                    .map($decode)
                    .collect::<Result<Vec<_>, sqlx::Error>>()?
            });
            found.extend(rows);
        }
        found
    }};
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
