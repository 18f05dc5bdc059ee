//! The PostgreSQL event repository (issue 20): cqrs-es's `PersistedEventRepository` on
//! postgres-es's own tables, with an append of one statement that answers its log positions.
//!
//! postgres-es appends with `BEGIN`, one `INSERT` per event and `COMMIT`, and its `INSERT` returns
//! nothing, so the store then asked `SELECT max(position)` for the answer's position: four round
//! trips for a one-event command, which were four of a draft's seven statements (session 11's
//! counts in `docs/benchmarks.md`). Here the events go in as one `INSERT … SELECT FROM unnest(…)
//! RETURNING position`: one statement is one transaction (all its rows or none, with
//! `synchronous_commit` as durable as the explicit one), the primary key on (type, id, sequence)
//! is the optimistic check as before (a unique violation is the lost race), and the positions come
//! back with it ([`capture_position`]). A commit that also writes a snapshot (a long stream
//! crossing [`super::SNAPSHOT_EVERY`]) keeps a transaction: the events' statement, the snapshot's,
//! `COMMIT`; a snapshot row that moved meanwhile rolls both back (postgres-es commits the events
//! and then reports the conflict).
//!
//! The rows are the same as postgres-es's: the same columns, the payload and metadata bound as
//! `jsonb` into the `json` columns exactly as postgres-es binds them, so the stored text is the
//! same; a test writes with each and reads with the other (`store_repository` in the tests).
//! The reads are postgres-es's (`get_events`, the snapshot, the replay streams), except the
//! events after a sequence, whose query postgres-es formats with the number in it: a new text, and
//! so a new prepared statement, for every sequence; here it is a parameter.

use std::cell::Cell;

use cqrs_es::persist::{
    PersistedEventRepository, PersistenceError, ReplayStream, SerializedEvent, SerializedSnapshot,
};
use cqrs_es::Aggregate;
use postgres_es::PostgresEventRepository;
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};

use super::Position;

tokio::task_local! {
    /// The log position of the last event the task's append wrote ([`capture_position`]).
    static APPENDED: Cell<Option<Position>>;
}

/// Runs `append` and answers, beside its result, the position of the last event it appended
/// through a [`PostgresLog`], if any.
pub async fn capture_position<T>(
    append: impl std::future::Future<Output = T>,
) -> (T, Option<Position>) {
    APPENDED
        .scope(Cell::new(None), async {
            let outcome = append.await;
            (outcome, APPENDED.with(Cell::get))
        })
        .await
}

/// The events, as one statement: the columns as arrays, one row per event.
const APPEND: &str = "INSERT INTO events
        (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[],
                          $6::jsonb[], $7::jsonb[])
     RETURNING position";

/// The events of several streams, each after its own sequence (the arrays name the streams; one
/// stream is a cached copy's catch-up read).
///
/// Each stream is read by its own lateral subquery, so every plan walks the primary key once per
/// stream asked. A plain join let PostgreSQL keep a generic plan made while the log was small (a
/// few hundred events, in a fresh database): a hash join over a sequential scan of `events`, which
/// every command then paid in full as the log grew (0.28-0.5 ms a call and growing, the costliest
/// statement of the benchmark: docs/benchmarks.md, session 16).
pub const EVENTS_AFTER_EACH: &str =
    "SELECT e.aggregate_type, e.aggregate_id, e.sequence, e.event_type, e.event_version,
            e.payload, e.metadata
       FROM unnest($1::text[], $2::text[], $3::bigint[]) AS asked(aggregate_type, aggregate_id, after)
       CROSS JOIN LATERAL (
            SELECT * FROM events e
             WHERE e.aggregate_type = asked.aggregate_type
               AND e.aggregate_id = asked.aggregate_id
               AND e.sequence > asked.after
             ORDER BY e.sequence) e
      ORDER BY e.aggregate_type, e.aggregate_id, e.sequence";

/// A stream's first snapshot, if it has none yet. The table's key (postgres-es's) includes the
/// sequence, so without the check a writer that had not seen the stream's snapshot (a copy kept
/// in memory, `Store::load_for_command`) would add a second row instead of conflicting; every
/// later move of it would then find two rows.
const INSERT_SNAPSHOT: &str = "INSERT INTO snapshots
        (aggregate_type, aggregate_id, last_sequence, current_snapshot, payload)
     SELECT $1, $2, $3, $4, $5
      WHERE NOT EXISTS (SELECT 1 FROM snapshots WHERE aggregate_type = $1 AND aggregate_id = $2)";

/// A stream's next snapshot, if nobody moved it since `$5`.
const UPDATE_SNAPSHOT: &str = "UPDATE snapshots
        SET last_sequence = $3, payload = $6, current_snapshot = $4
      WHERE aggregate_type = $1 AND aggregate_id = $2 AND current_snapshot = $5";

/// The event repository on PostgreSQL (module doc).
pub struct PostgresLog {
    pool: PgPool,
    /// postgres-es's repository on the same pool, for the reads it does as well as this would.
    reads: PostgresEventRepository,
}

impl PostgresLog {
    /// The repository of the `events` and `snapshots` tables in `pool`.
    pub fn new(pool: PgPool) -> Self {
        PostgresLog {
            reads: PostgresEventRepository::new(pool.clone()),
            pool,
        }
    }

    /// Appends `events` in `executor` (the pool, or a transaction), answering the last position.
    async fn append<'e, A: Aggregate>(
        executor: impl sqlx::PgExecutor<'e>,
        events: &[SerializedEvent],
    ) -> Result<Position, PersistenceError> {
        let mut columns = Columns::default();
        for event in events {
            columns.push::<A>(event);
        }
        let positions: Vec<Position> = sqlx::query_scalar(APPEND)
            .bind(columns.aggregate_types)
            .bind(columns.aggregate_ids)
            .bind(columns.sequences)
            .bind(columns.event_types)
            .bind(columns.event_versions)
            .bind(columns.payloads)
            .bind(columns.metadata)
            .fetch_all(executor)
            .await
            .map_err(failure)?;
        let last = positions.into_iter().max().unwrap_or(0);
        // Outside `capture_position` (a caller of cqrs-es's own), nobody asked for it.
        let _ = APPENDED.try_with(|appended| appended.set(Some(last)));
        Ok(last)
    }

    /// Appends `events` and writes the stream's snapshot in one transaction.
    async fn append_with_snapshot<A: Aggregate>(
        &self,
        events: &[SerializedEvent],
        (aggregate_id, aggregate, current_snapshot): (String, Value, usize),
    ) -> Result<(), PersistenceError> {
        let last_sequence = events.last().map_or(0, |event| event.sequence) as i64;
        let mut tx = self.pool.begin().await.map_err(failure)?;
        Self::append::<A>(&mut *tx, events).await?;
        let written = if current_snapshot == 1 {
            sqlx::query(INSERT_SNAPSHOT)
                .bind(A::TYPE)
                .bind(&aggregate_id)
                .bind(last_sequence)
                .bind(current_snapshot as i64)
                .bind(&aggregate)
                .execute(&mut *tx)
                .await
        } else {
            sqlx::query(UPDATE_SNAPSHOT)
                .bind(A::TYPE)
                .bind(&aggregate_id)
                .bind(last_sequence)
                .bind(current_snapshot as i64)
                .bind(current_snapshot as i64 - 1)
                .bind(&aggregate)
                .execute(&mut *tx)
                .await
        }
        .map_err(failure)?;
        if written.rows_affected() != 1 {
            tx.rollback().await.map_err(failure)?;
            return Err(PersistenceError::OptimisticLockError);
        }
        tx.commit().await.map_err(failure)
    }
}

impl PostgresLog {
    /// The events of each stream `(aggregate type, id, sequence)` after its sequence, in one
    /// statement: the copies of several cached aggregates brought up to date with one round trip
    /// (`Store::load_two`).
    pub async fn events_after_each(
        &self,
        streams: &[(&str, &str, usize)],
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        let rows = sqlx::query(EVENTS_AFTER_EACH)
            .bind(streams.iter().map(|(kind, _, _)| *kind).collect::<Vec<_>>())
            .bind(streams.iter().map(|(_, id, _)| *id).collect::<Vec<_>>())
            .bind(
                streams
                    .iter()
                    .map(|(_, _, after)| *after as i64)
                    .collect::<Vec<_>>(),
            )
            .fetch_all(&self.pool)
            .await
            .map_err(failure)?;
        rows.iter()
            .map(serialized)
            .collect::<Result<_, _>>()
            .map_err(failure)
    }
}

/// The events' columns, bound as arrays.
#[derive(Default)]
struct Columns {
    aggregate_types: Vec<&'static str>,
    aggregate_ids: Vec<String>,
    sequences: Vec<i64>,
    event_types: Vec<String>,
    event_versions: Vec<String>,
    payloads: Vec<Value>,
    metadata: Vec<Value>,
}

impl Columns {
    fn push<A: Aggregate>(&mut self, event: &SerializedEvent) {
        self.aggregate_types.push(A::TYPE);
        self.aggregate_ids.push(event.aggregate_id.clone());
        self.sequences.push(event.sequence as i64);
        self.event_types.push(event.event_type.clone());
        self.event_versions.push(event.event_version.clone());
        self.payloads.push(event.payload.clone());
        self.metadata.push(event.metadata.clone());
    }
}

/// A failed statement as cqrs-es reads it: a unique violation is a lost race, an outage stays
/// a sqlx error the store can tell apart (`StoreError::from_aggregate`).
fn failure(error: sqlx::Error) -> PersistenceError {
    match &error {
        sqlx::Error::Database(database) if database.is_unique_violation() => {
            PersistenceError::OptimisticLockError
        }
        _ => PersistenceError::UnknownError(Box::new(error)),
    }
}

/// One row of the log as cqrs-es reads it.
fn serialized(row: &PgRow) -> Result<SerializedEvent, sqlx::Error> {
    Ok(SerializedEvent::new(
        row.try_get("aggregate_id")?,
        row.try_get::<i64, _>("sequence")? as usize,
        row.try_get("aggregate_type")?,
        row.try_get("event_type")?,
        row.try_get("event_version")?,
        row.try_get("payload")?,
        row.try_get("metadata")?,
    ))
}

impl PersistedEventRepository for PostgresLog {
    async fn get_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        self.reads.get_events::<A>(aggregate_id).await
    }

    async fn get_last_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
        last_sequence: usize,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        self.events_after_each(&[(A::TYPE, aggregate_id, last_sequence)])
            .await
    }

    async fn get_snapshot<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Option<SerializedSnapshot>, PersistenceError> {
        self.reads.get_snapshot::<A>(aggregate_id).await
    }

    async fn persist<A: Aggregate>(
        &self,
        events: &[SerializedEvent],
        snapshot_update: Option<(String, Value, usize)>,
    ) -> Result<(), PersistenceError> {
        match snapshot_update {
            None if events.is_empty() => Ok(()),
            None => Self::append::<A>(&self.pool, events).await.map(|_| ()),
            Some(snapshot) => self.append_with_snapshot::<A>(events, snapshot).await,
        }
    }

    async fn stream_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<ReplayStream, PersistenceError> {
        self.reads.stream_events::<A>(aggregate_id).await
    }

    async fn stream_all_events<A: Aggregate>(&self) -> Result<ReplayStream, PersistenceError> {
        self.reads.stream_all_events::<A>().await
    }
}
