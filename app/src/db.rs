//! The database: SQLite (the embedded default) or PostgreSQL (production), chosen by the URL. One
//! abstraction for the workspace, the projections crate's pool (`grants_projections::pool`: connect,
//! migrate, readiness, transactions), which the app calls `Database`.

pub use grants_projections::pool::{DatabaseError, LogPool as Database};
