//! What every handler and command reaches: the database, the event stores and the read models.

use std::sync::Arc;
use std::time::Duration;

use grants_projections::{AuditChain, Awards, LogPool, Runner};

use crate::db::Database;
use crate::store::Stores;

/// How often the projection runner looks for new events when it has nothing to do.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub stores: Stores,
    /// The read models, advanced from the log by [`Runner::run`] while the service serves.
    pub projections: Arc<Runner>,
}

impl AppState {
    pub fn new(db: Database) -> Self {
        AppState {
            stores: Stores::new(&db),
            projections: Arc::new(projection_runner(db.log_pool())),
            db,
        }
    }
}

/// Every read model of the service, in one runner.
pub fn projection_runner(pool: LogPool) -> Runner {
    Runner::new(pool)
        .with(Awards)
        .with(AuditChain)
        .poll_interval(POLL_INTERVAL)
}
