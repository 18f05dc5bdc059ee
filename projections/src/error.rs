//! What can go wrong while reading the log or applying it to a read model.

/// An error of the projection machinery, in its own terms.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A column of a stored row does not hold what it must (the log or a read model is damaged).
    #[error("the row at position {position} has an invalid {column}: {detail}")]
    Corrupt {
        position: i64,
        column: &'static str,
        detail: String,
    },
    /// An event the projection must understand lacks a field it needs.
    #[error("projection {projection} cannot apply the {event_type} event at position {position}: {detail}")]
    Event {
        projection: &'static str,
        event_type: String,
        position: i64,
        detail: String,
    },
    #[error("no projection named {0}")]
    UnknownProjection(String),
    #[error("projections did not reach position {position} in time")]
    Timeout { position: i64 },
    /// Events were written while the log was being re-stamped ([`crate::restamp`]).
    #[error("{transactions} transaction ids to hand out below transaction {current}: events were written meanwhile; run it again with the service stopped")]
    RestampRace { transactions: i64, current: i64 },
}

impl ProjectionError {
    /// Whether this is the database being out of reach (see [`is_outage`]), not a fault of ours.
    pub fn is_outage(&self) -> bool {
        matches!(self, ProjectionError::Database(error) if is_outage(error))
    }
}

/// Whether a database error means the database is out of reach for now (down, restarting, the
/// connection lost, every connection busy for longer than the pool waits, SQLite's file locked),
/// so the same request may succeed later: what the service answers with 503 and `Retry-After`
/// rather than 500.
pub fn is_outage(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(database) => {
            let Some(code) = database.code() else {
                return false;
            };
            if database
                .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                .is_some()
            {
                // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
                code.parse::<u32>()
                    .is_ok_and(|code| matches!(code & 0xff, 5 | 6))
            } else {
                // PostgreSQL: class 08 (connection exception), 57P01-57P03 (shut down, crash
                // shutdown, cannot connect now), 53300 (too many connections).
                code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
            }
        }
        _ => false,
    }
}
