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
