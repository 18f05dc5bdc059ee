//! What can go wrong while reading the log or applying it to a read model.

/// An error of the projection machinery, in its own terms.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// The database failed (or could not be reached: see [`ProjectionError::is_outage`]).
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A column of a stored row does not hold what it must (the log or a read model is damaged).
    #[error("the row at position {position} has an invalid {column}: {detail}")]
    Corrupt {
        /// The log position of the row (or of the event it was built from).
        position: i64,
        /// The column that is wrong.
        column: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// An event the projection must understand lacks a field it needs.
    #[error("projection {projection} cannot apply the {event_type} event at position {position}: {detail}")]
    Event {
        /// The projection that could not apply it.
        projection: &'static str,
        /// The event's name.
        event_type: String,
        /// The event's log position.
        position: i64,
        /// What is missing or wrong.
        detail: String,
    },
    /// A projection was asked for by a name no projection of the runner has (e.g. to rebuild it).
    #[error("no projection named {0}")]
    UnknownProjection(String),
    /// A wait for the read models to catch up with a position gave up.
    #[error("projections did not reach position {position} in time")]
    Timeout {
        /// The log position waited for.
        position: i64,
    },
    /// Events were written while the log was being re-stamped (`crate::restamp`).
    #[error("{transactions} transaction ids to hand out below transaction {current}: events were written meanwhile; run it again with the service stopped")]
    RestampRace {
        /// How many distinct transaction ids the log holds (each needs a new one).
        transactions: i64,
        /// The re-stamp's own transaction id, which the new ids must stay below.
        current: i64,
    },
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
