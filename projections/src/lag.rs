//! How far each read model trails the log: events committed but not yet applied, and how long the
//! oldest of them has waited. `/readyz` and `/metrics` report it, and `/metrics` the process
//! managers' too ([`lag_of`]).

use serde::Serialize;
use time::OffsetDateTime;

use crate::checkpoint;
use crate::error::ProjectionError;
use crate::event_log::EventLog;
use crate::pool::LogPool;
use crate::runner::Runner;

/// One projection's lag.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ProjectionLag))]
pub struct Lag {
    /// The projection's name.
    pub name: &'static str,
    /// Committed events after the checkpoint.
    pub behind_events: i64,
    /// Seconds since the oldest event not yet applied was recorded (0 when caught up).
    pub behind_seconds: f64,
}

impl Runner {
    /// The lag of every projection of this runner, measured at `now`.
    pub async fn lag(&self, now: OffsetDateTime) -> Result<Vec<Lag>, ProjectionError> {
        lag_of(self.pool(), &self.names(), now).await
    }
}

/// The lag of each follower of the log named (by its checkpoint in `projection_checkpoints`: a
/// read model's, or a process manager's), measured at `now`.
pub async fn lag_of(
    pool: &LogPool,
    names: &[&'static str],
    now: OffsetDateTime,
) -> Result<Vec<Lag>, ProjectionError> {
    let log = EventLog::new(pool.clone());
    let mut lags = Vec::with_capacity(names.len());
    for &name in names {
        let cursor = checkpoint::current(pool, name).await?;
        let behind_events: i64 = crate::on_pool!(pool, pool => sqlx::query_scalar(
            "SELECT count(*) FROM events WHERE position > $1",
        )
        .bind(cursor.position)
        .fetch_one(pool)
        .await?);
        let oldest = log.read_after(cursor, 1).await?;
        let behind_seconds = oldest
            .first()
            .map(|event| (now - event.recorded_at).as_seconds_f64().max(0.0))
            .unwrap_or(0.0);
        lags.push(Lag {
            name,
            behind_events,
            behind_seconds,
        });
    }
    Ok(lags)
}
