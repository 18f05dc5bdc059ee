//! The database: SQLite (the embedded default) or PostgreSQL (production), chosen by the URL.
//!
//! Both sit on the one sqlx 0.8 that sqlite-es and postgres-es use. Our migrations add to the event
//! table what the stores lack (a global position and the commit time); they live in `migrations/` and
//! are compiled into the binary.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// A connection pool to one of the two supported databases.
#[derive(Clone, Debug)]
pub enum Database {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot create the directory for the SQLite file {path}: {source}")]
    CreateDirectory {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Query(#[from] sqlx::Error),
}

impl Database {
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
            return Ok(Database::Postgres(pool));
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
        Ok(Database::Sqlite(pool))
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<(), DatabaseError> {
        match self {
            Database::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Database::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Whether the database answers and every migration compiled into this binary is applied.
    pub async fn is_ready(&self) -> Result<bool, DatabaseError> {
        let (applied, expected): (i64, usize) = match self {
            Database::Sqlite(pool) => (
                sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
                    .fetch_one(pool)
                    .await?,
                SQLITE_MIGRATIONS.iter().count(),
            ),
            Database::Postgres(pool) => (
                sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
                    .fetch_one(pool)
                    .await?,
                POSTGRES_MIGRATIONS.iter().count(),
            ),
        };
        Ok(usize::try_from(applied).unwrap_or(0) >= expected)
    }

    /// The same pool, as the projections crate reads the log.
    pub fn log_pool(&self) -> grants_projections::LogPool {
        match self {
            Database::Sqlite(pool) => pool.clone().into(),
            Database::Postgres(pool) => pool.clone().into(),
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "sqlite",
            Database::Postgres(_) => "postgres",
        }
    }
}

/// Runs the same sqlx expression on whichever pool `db` holds. Our SQL uses `$1`-style parameters,
/// which both PostgreSQL and sqlx's SQLite driver understand, so one statement serves both backends.
#[macro_export]
macro_rules! with_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Database::Sqlite($pool) => $body,
            $crate::db::Database::Postgres($pool) => $body,
        }
    };
}
