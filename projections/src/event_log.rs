//! The catch-up reader: the event log in an order that never skips an event.
//!
//! # Why not simply `WHERE position > checkpoint ORDER BY position`
//! On PostgreSQL a position is drawn from a sequence when the row is inserted, not when its
//! transaction commits. Transaction A can insert position 5, transaction B position 6, and B commit
//! first: a reader that sees 6 and moves its checkpoint to 6 never reads 5 once A commits.
//!
//! # The technique (PostgreSQL)
//! Every row records the transaction that wrote it (`transaction_id xid8 DEFAULT pg_current_xact_id()`).
//! `pg_snapshot_xmin(pg_current_snapshot())` is the oldest transaction still running: every transaction
//! with a lower id has committed or rolled back, so the set of rows with
//! `transaction_id < xmin` is final: no row can join it later. The reader only reads that set (rows of
//! transactions still in flight are left for the next poll) and walks it in
//! `(transaction_id, position)` order, keeping that pair as its checkpoint ([`LogCursor`]). Because
//! xmin only moves forward and every new transaction gets a higher id than any running one, a later
//! poll only adds rows above the checkpoint: nothing is skipped and nothing is read twice.
//!
//! The checkpoint must be the pair and not the position alone: transaction A (id 100) writes
//! position 5, transaction B (id 101) writes 6 and stays open, A writes 7 and commits. xmin is now 101,
//! so the reader sees 5 and 7; a position checkpoint of 7 would skip 6 when B commits, while the pair
//! (100, 7) is below (101, 6). Hence the log order on PostgreSQL is (transaction_id, position): position
//! order within a transaction, transactions in the order they started writing. That order respects
//! causality: a transaction that read another's committed events writes after it and so has a higher
//! id (in particular each aggregate's events come in sequence order). The index
//! `events_transaction_position` serves exactly this query.
//!
//! The reader must run its query before its own transaction writes anything, so that it holds no
//! transaction id of its own that would hold xmin back ([`crate::Runner`] does).
//!
//! # SQLite
//! SQLite has one writer at a time, and positions are assigned inside the writing transaction, so
//! position order is commit order: the cursor's `transaction_id` stays 0 and the position decides.

use futures_util::TryStreamExt;
use sqlx::{PgPool, Row};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::ProjectionError;
use crate::pool::{LogPool, Tx};

/// A place in the log: the last event read. `LogCursor::START` is before the first event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogCursor {
    /// The writing transaction's id on PostgreSQL (`xid8` as a bigint); always 0 on SQLite.
    pub transaction_id: i64,
    /// The event's global position (the store's sequence over every aggregate).
    pub position: i64,
}

impl LogCursor {
    /// Before the first event of the log.
    pub const START: LogCursor = LogCursor {
        transaction_id: 0,
        position: 0,
    };
}

/// One event as stored, with its place in the global log.
#[derive(Clone, Debug, PartialEq)]
pub struct LoggedEvent {
    /// The event's global position in the log.
    pub position: i64,
    /// When the event was committed, UTC.
    pub recorded_at: OffsetDateTime,
    /// The kind of aggregate (e.g. `grant`, `group`).
    pub aggregate_type: String,
    /// The aggregate's id, as text.
    pub aggregate_id: String,
    /// The event's sequence number within its aggregate, from 1.
    pub sequence: i64,
    /// The event's name (e.g. `GrantDecided`).
    pub event_type: String,
    /// The version of the event's payload schema (what the upcasters read).
    pub event_version: String,
    /// The payload as a JSON value; `null` where the reader was told to keep the text only
    /// ([`Decode::Text`]).
    pub payload: serde_json::Value,
    /// The metadata as a JSON value; `null` like the payload.
    pub metadata: serde_json::Value,
    /// The payload and metadata as the log holds them: what the audit chain hashes, canonicalised.
    pub text: EventText,
    /// The writing transaction on PostgreSQL, 0 on SQLite. Not part of the event's identity: it
    /// only orders the log (and changes on a dump and restore), so the audit chain does not hash it.
    pub transaction_id: i64,
}

/// An event's payload and metadata as JSON text, as the log holds them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventText {
    /// The payload's JSON text.
    pub payload: String,
    /// The metadata's JSON text.
    pub metadata: String,
}

/// What a reader makes of the events' payload and metadata (see [`crate::Projection::decode`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Decode {
    /// Parse them into JSON values, and keep the text too.
    #[default]
    Values,
    /// Keep the text only: parsing JSON is most of the cost of reading an event.
    Text,
}

impl LoggedEvent {
    /// The cursor just after this event.
    pub fn cursor(&self) -> LogCursor {
        LogCursor {
            transaction_id: self.transaction_id,
            position: self.position,
        }
    }
}

const SQLITE_COLUMNS: &str =
    "SELECT position, recorded_at, aggregate_type, aggregate_id, sequence, \
     event_type, event_version, payload, metadata, 0 AS transaction_id FROM events";
/// The select list turns `transaction_id` into a bigint under the same name, so an `ORDER BY` must
/// name the table's column (`events.transaction_id`): the bare name would sort by the output alias,
/// which no index serves, and every batch would scan and sort the whole log.
pub(crate) const POSTGRES_COLUMNS: &str =
    "SELECT position, recorded_at, aggregate_type, aggregate_id, sequence, \
     event_type, event_version, payload::text AS payload, metadata::text AS metadata, \
     transaction_id::text::bigint AS transaction_id FROM events";

/// Reads the event log of one database.
#[derive(Clone, Debug)]
pub struct EventLog {
    pool: LogPool,
}

impl EventLog {
    /// A reader of the log in `pool`.
    pub fn new(pool: LogPool) -> Self {
        EventLog { pool }
    }

    /// Up to `limit` events after `after`, in log order, never skipping one (see the module doc).
    pub async fn read_after(
        &self,
        after: LogCursor,
        limit: i64,
    ) -> Result<Vec<LoggedEvent>, ProjectionError> {
        // One statement outside a transaction: it reads one snapshot all the same, and a poll
        // costs one round trip instead of three.
        match &self.pool {
            LogPool::Sqlite(pool) => {
                let sql =
                    format!("{SQLITE_COLUMNS} WHERE position > $1 ORDER BY position LIMIT $2");
                let rows = sqlx::query(&sql)
                    .bind(after.position)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?;
                rows.iter().map(sqlite_event).collect()
            }
            LogPool::Postgres(pool) => {
                let sql = format!(
                    "{POSTGRES_COLUMNS} WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot()) \
                     AND (transaction_id, position) > ($1::bigint::text::xid8, $2) \
                     ORDER BY events.transaction_id, events.position LIMIT $3"
                );
                let rows = sqlx::query(&sql)
                    .bind(after.transaction_id)
                    .bind(after.position)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?;
                rows.iter().map(postgres_event).collect()
            }
        }
    }

    /// The cursor of the event at `position`, if it is committed and visible.
    pub async fn cursor_of(&self, position: i64) -> Result<Option<LogCursor>, ProjectionError> {
        let found: Option<i64> = match &self.pool {
            LogPool::Sqlite(pool) => {
                sqlx::query_scalar("SELECT 0 FROM events WHERE position = $1")
                    .bind(position)
                    .fetch_optional(pool)
                    .await?
            }
            LogPool::Postgres(pool) => {
                sqlx::query_scalar(
                    "SELECT transaction_id::text::bigint FROM events WHERE position = $1",
                )
                .bind(position)
                .fetch_optional(pool)
                .await?
            }
        };
        Ok(found.map(|transaction_id| LogCursor {
            transaction_id,
            position,
        }))
    }
}

/// Up to `limit` events after `after` in log order, read inside `tx` (the runner's transaction).
/// On PostgreSQL only rows of transactions older than every running one are read.
pub async fn read_after(
    tx: &mut Tx,
    after: LogCursor,
    limit: i64,
) -> Result<Vec<LoggedEvent>, ProjectionError> {
    match tx {
        Tx::Sqlite(tx) => {
            let sql = format!("{SQLITE_COLUMNS} WHERE position > $1 ORDER BY position LIMIT $2");
            let rows = sqlx::query(&sql)
                .bind(after.position)
                .bind(limit)
                .fetch_all(&mut **tx)
                .await?;
            rows.iter().map(sqlite_event).collect()
        }
        Tx::Postgres(tx) => {
            let sql = format!(
                "{POSTGRES_COLUMNS} WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot()) \
                 AND (transaction_id, position) > ($1::bigint::text::xid8, $2) \
                 ORDER BY events.transaction_id, events.position LIMIT $3"
            );
            let rows = sqlx::query(&sql)
                .bind(after.transaction_id)
                .bind(after.position)
                .bind(limit)
                .fetch_all(&mut **tx)
                .await?;
            rows.iter().map(postgres_event).collect()
        }
    }
}

/// Which events a projection reads (see [`crate::Projection::reads`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reads {
    /// Every event of the streams of this aggregate type.
    Stream(&'static str),
    /// The events of this type in the streams of this aggregate type.
    Event(&'static str, &'static str),
}

impl Reads {
    /// Whether this names `event`: its stream, or its type in its stream. A read model decodes only
    /// the events its [`crate::Projection::reads`] names, so a live step's batch, which holds every
    /// event, costs it no parse of the others.
    pub fn names(&self, event: &LoggedEvent) -> bool {
        match self {
            Reads::Stream(aggregate_type) => *aggregate_type == event.aggregate_type,
            Reads::Event(aggregate_type, event_type) => {
                *aggregate_type == event.aggregate_type && *event_type == event.event_type
            }
        }
    }

    /// Whether one of `reads` names `event`.
    pub fn any(reads: &[Reads], event: &LoggedEvent) -> bool {
        reads.iter().any(|read| read.names(event))
    }
}

/// A part of the log as [`ReadAhead`] hands it over.
#[derive(Debug, Default)]
pub struct Batch {
    /// The events read, in log order, except those the reader was told to leave out.
    pub events: Vec<LoggedEvent>,
    /// How many events of the log this batch covers, those left out included.
    pub read: usize,
    /// The cursor after the last event covered (left out or not).
    pub last: LogCursor,
}

/// The log as a rebuild reads it on PostgreSQL: every event of a transaction older than every
/// transaction running when the read starts, in log order, in batches of up to `batch_size` events.
/// One statement on a connection of its own, streamed by a task that stays up to
/// [`ReadAhead::BATCHES`] batches ahead of the caller, so the database reads and the rows are
/// decoded (JSON parsing included) while the caller applies the batch before: read in the rebuild's
/// transaction, one `LIMIT` query per batch, the two waited for each other.
///
/// Given what a projection [`Reads`], the other events come without their payload and metadata and
/// are counted but neither decoded nor handed over: most of a rebuild's time went into parsing
/// JSON that the projection then ignored (each read model reads 3 to 5 of the 10 events of an
/// award's life).
///
/// One snapshot for the whole read, where [`read_after`] takes one per batch: the set of rows below
/// that snapshot's xmin is final all the same (see the module doc), so the checkpoint may move to the
/// last event read; events of transactions running when the read starts are left to the next
/// steps, as [`read_after`] leaves those running when it reads.
#[derive(Debug)]
pub struct ReadAhead {
    batches: tokio::sync::mpsc::Receiver<Result<Batch, ProjectionError>>,
    task: tokio::task::JoinHandle<()>,
}

impl ReadAhead {
    /// How many decoded batches may wait for the caller: two keep the reader busy while the caller
    /// applies one, without holding much of the log in memory.
    pub const BATCHES: usize = 2;

    /// Starts reading on a connection of `pool`: every event, or only those `reads` names, decoded
    /// as `decode` says.
    pub fn start(
        pool: PgPool,
        batch_size: usize,
        reads: Option<&'static [Reads]>,
        decode: Decode,
    ) -> Self {
        let (sender, batches) = tokio::sync::mpsc::channel(Self::BATCHES);
        let batch_size = batch_size.max(1);
        let task = tokio::spawn(async move {
            if let Err(error) = read_ahead(&pool, batch_size, reads, decode, &sender).await {
                // The caller may be gone already; then nobody needs the error.
                let _ = sender.send(Err(error)).await;
            }
        });
        ReadAhead { batches, task }
    }

    /// The next batch, or `None` after the last.
    pub async fn next(&mut self) -> Result<Option<Batch>, ProjectionError> {
        self.batches.recv().await.transpose()
    }
}

impl Drop for ReadAhead {
    /// A rebuild that fails stops the read (and frees its connection) rather than leave it running.
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn read_ahead(
    pool: &PgPool,
    batch_size: usize,
    reads: Option<&'static [Reads]>,
    decode: Decode,
    sender: &tokio::sync::mpsc::Sender<Result<Batch, ProjectionError>>,
) -> Result<(), ProjectionError> {
    let mut streams = Vec::new();
    let mut events = Vec::new();
    for read in reads.unwrap_or_default() {
        match read {
            Reads::Stream(aggregate_type) => streams.push((*aggregate_type).to_owned()),
            Reads::Event(aggregate_type, event_type) => {
                events.push(format!("{aggregate_type}/{event_type}"));
            }
        }
    }
    // Names hold no `/`, so `type/event` names one pair.
    let read = "aggregate_type = ANY($1) OR aggregate_type || '/' || event_type = ANY($2)";
    let (payload, metadata) = match reads {
        None => ("payload::text".to_owned(), "metadata::text".to_owned()),
        Some(_) => (
            format!("CASE WHEN {read} THEN payload::text END"),
            format!("CASE WHEN {read} THEN metadata::text END"),
        ),
    };
    let sql = format!(
        "SELECT position, recorded_at, aggregate_type, aggregate_id, sequence, event_type, \
         event_version, {payload} AS payload, {metadata} AS metadata, \
         transaction_id::text::bigint AS transaction_id FROM events \
         WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot()) \
         ORDER BY events.transaction_id, events.position"
    );
    let mut conn = pool.acquire().await?;
    let mut query = sqlx::query(&sql);
    if reads.is_some() {
        query = query.bind(streams).bind(events);
    }
    let mut rows = query.fetch(&mut *conn);
    let mut batch = Batch::default();
    while let Some(row) = rows.try_next().await? {
        // The payload column is never NULL in the table: NULL here is an event left out.
        if sqlx::ValueRef::is_null(&row.try_get_raw("payload")?) {
            batch.last = LogCursor {
                transaction_id: row.try_get("transaction_id")?,
                position: row.try_get("position")?,
            };
        } else {
            let event = decoded_postgres_event(&row, decode)?;
            batch.last = event.cursor();
            batch.events.push(event);
        }
        batch.read += 1;
        if batch.events.len() == batch_size
            && sender.send(Ok(std::mem::take(&mut batch))).await.is_err()
        {
            return Ok(());
        }
    }
    if batch.read > 0 {
        let _ = sender.send(Ok(batch)).await;
    }
    Ok(())
}

/// Every event after `after` whose type is one of `event_types`, in log order, as far as `tx` sees
/// the log: with no visibility filter, so on PostgreSQL every committed row of the transaction's
/// snapshot is included, even one of a transaction that started before a still-running one. For
/// reading what a projection has not applied yet next to its rows, in one snapshot
/// ([`crate::directory`]); unlike [`read_after`] its result is not a place a checkpoint may move to.
pub async fn read_tail(
    tx: &mut Tx,
    after: LogCursor,
    event_types: &[&str],
) -> Result<Vec<LoggedEvent>, ProjectionError> {
    if event_types.is_empty() {
        return Ok(Vec::new());
    }
    match tx {
        Tx::Sqlite(tx) => {
            let placeholders: Vec<String> = (2..event_types.len() + 2)
                .map(|i| format!("${i}"))
                .collect();
            let sql = format!(
                "{SQLITE_COLUMNS} WHERE position > $1 AND event_type IN ({}) ORDER BY position",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(&sql).bind(after.position);
            for event_type in event_types {
                query = query.bind(*event_type);
            }
            let rows = query.fetch_all(&mut **tx).await?;
            rows.iter().map(sqlite_event).collect()
        }
        Tx::Postgres(tx) => {
            let sql = format!(
                "{POSTGRES_COLUMNS} WHERE (transaction_id, position) > ($1::bigint::text::xid8, $2) \
                 AND event_type = ANY($3) ORDER BY events.transaction_id, events.position"
            );
            let types: Vec<String> = event_types.iter().map(|t| (*t).to_owned()).collect();
            let rows = sqlx::query(&sql)
                .bind(after.transaction_id)
                .bind(after.position)
                .bind(types)
                .fetch_all(&mut **tx)
                .await?;
            rows.iter().map(postgres_event).collect()
        }
    }
}

/// Up to `limit` events after `after` and at most `upto`, in log order, with no visibility filter:
/// for re-reading a part of the log that a projection has already read (verification).
pub async fn read_range(
    pool: &LogPool,
    after: LogCursor,
    upto: LogCursor,
    limit: i64,
) -> Result<Vec<LoggedEvent>, ProjectionError> {
    match pool {
        LogPool::Sqlite(pool) => {
            let sql = format!(
                "{SQLITE_COLUMNS} WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3"
            );
            let rows = sqlx::query(&sql)
                .bind(after.position)
                .bind(upto.position)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            rows.iter().map(sqlite_event).collect()
        }
        LogPool::Postgres(pool) => {
            let sql = format!(
                "{POSTGRES_COLUMNS} WHERE (transaction_id, position) > ($1::bigint::text::xid8, $2) \
                 AND (transaction_id, position) <= ($3::bigint::text::xid8, $4) \
                 ORDER BY events.transaction_id, events.position LIMIT $5"
            );
            let rows = sqlx::query(&sql)
                .bind(after.transaction_id)
                .bind(after.position)
                .bind(upto.transaction_id)
                .bind(upto.position)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            rows.iter().map(postgres_event).collect()
        }
    }
}

/// The events at `positions` (those the log holds), in no particular order: the audit export and
/// inclusion proofs, which know the positions from the chain.
pub async fn read_positions(
    pool: &LogPool,
    positions: &[i64],
) -> Result<Vec<LoggedEvent>, ProjectionError> {
    if positions.is_empty() {
        return Ok(Vec::new());
    }
    match pool {
        LogPool::Sqlite(pool) => {
            let sql = format!(
                "{SQLITE_COLUMNS} WHERE position IN ({})",
                crate::pool::placeholders(1, positions.len())
            );
            let mut query = sqlx::query(&sql);
            for position in positions {
                query = query.bind(position);
            }
            let rows = query.fetch_all(pool).await?;
            rows.iter().map(sqlite_event).collect()
        }
        LogPool::Postgres(pool) => {
            let sql = format!("{POSTGRES_COLUMNS} WHERE position = ANY($1)");
            let rows = sqlx::query(&sql).bind(positions).fetch_all(pool).await?;
            rows.iter().map(postgres_event).collect()
        }
    }
}

fn sqlite_event(row: &sqlx::sqlite::SqliteRow) -> Result<LoggedEvent, ProjectionError> {
    let position: i64 = row.try_get("position")?;
    let recorded_at: String = row.try_get("recorded_at")?;
    let recorded_at =
        OffsetDateTime::parse(&recorded_at, &Rfc3339).map_err(|e| ProjectionError::Corrupt {
            position,
            column: "recorded_at",
            detail: e.to_string(),
        })?;
    event(row, position, recorded_at, Decode::Values)
}

pub(crate) fn postgres_event(row: &sqlx::postgres::PgRow) -> Result<LoggedEvent, ProjectionError> {
    decoded_postgres_event(row, Decode::Values)
}

fn decoded_postgres_event(
    row: &sqlx::postgres::PgRow,
    decode: Decode,
) -> Result<LoggedEvent, ProjectionError> {
    let position: i64 = row.try_get("position")?;
    let recorded_at: OffsetDateTime = row.try_get("recorded_at")?;
    event(row, position, recorded_at, decode)
}

fn event<'r, R>(
    row: &'r R,
    position: i64,
    recorded_at: OffsetDateTime,
    decode: Decode,
) -> Result<LoggedEvent, ProjectionError>
where
    R: Row,
    &'r str: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let text = EventText {
        payload: row.try_get("payload")?,
        metadata: row.try_get("metadata")?,
    };
    let json = |column: &'static str, text: &str| -> Result<serde_json::Value, ProjectionError> {
        if decode == Decode::Text {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_str(text).map_err(|e| ProjectionError::Corrupt {
            position,
            column,
            detail: e.to_string(),
        })
    };
    Ok(LoggedEvent {
        position,
        recorded_at,
        aggregate_type: row.try_get("aggregate_type")?,
        aggregate_id: row.try_get("aggregate_id")?,
        sequence: row.try_get("sequence")?,
        event_type: row.try_get("event_type")?,
        event_version: row.try_get("event_version")?,
        payload: json("payload", &text.payload)?,
        metadata: json("metadata", &text.metadata)?,
        text,
        transaction_id: row.try_get("transaction_id")?,
    })
}

/// Every event of one aggregate, in its own sequence (an auditor's per-stream history, and the input
/// of as-of replays).
pub async fn read_stream(
    pool: &LogPool,
    aggregate_type: &str,
    aggregate_id: &str,
) -> Result<Vec<LoggedEvent>, ProjectionError> {
    match pool {
        LogPool::Sqlite(pool) => {
            let sql = format!(
                "{SQLITE_COLUMNS} WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY sequence"
            );
            let rows = sqlx::query(&sql)
                .bind(aggregate_type)
                .bind(aggregate_id)
                .fetch_all(pool)
                .await?;
            rows.iter().map(sqlite_event).collect()
        }
        LogPool::Postgres(pool) => {
            let sql = format!(
                "{POSTGRES_COLUMNS} WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY sequence"
            );
            let rows = sqlx::query(&sql)
                .bind(aggregate_type)
                .bind(aggregate_id)
                .fetch_all(pool)
                .await?;
            rows.iter().map(postgres_event).collect()
        }
    }
}

/// Which events of the log an auditor asks for: by stream type and by a range of commit times
/// (both ends included). The default asks for every event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Only events of this aggregate type (e.g. `grant`); `None` for every type.
    pub aggregate_type: Option<String>,
    /// Only events committed at or after this instant (UTC).
    pub from: Option<OffsetDateTime>,
    /// Only events committed at or before this instant (UTC).
    pub until: Option<OffsetDateTime>,
}

impl LogFilter {
    /// The `WHERE` clause after `position > $1`, with its parameters numbered from `$3` (`$2` is the
    /// limit), and the values to bind in that order. SQLite stores `recorded_at` as UTC text with
    /// milliseconds (`2026-06-01T00:00:00.123Z`), which sorts as time does: the bounds are written
    /// the same way, `from` rounded up and `until` down to the millisecond so that the text
    /// comparison includes exactly the instants the range does.
    fn conditions(&self) -> (String, Vec<Bound>) {
        let mut sql = String::new();
        let mut binds = Vec::new();
        let mut add = |condition: &str, bind: Bound| {
            binds.push(bind);
            sql.push_str(&format!(" AND {condition} ${}", binds.len() + 2));
        };
        if let Some(aggregate_type) = &self.aggregate_type {
            add("aggregate_type =", Bound::Text(aggregate_type.clone()));
        }
        if let Some(from) = self.from {
            add("recorded_at >=", Bound::Instant(from, Rounding::Up));
        }
        if let Some(until) = self.until {
            add("recorded_at <=", Bound::Instant(until, Rounding::Down));
        }
        (sql, binds)
    }
}

enum Rounding {
    Up,
    Down,
}

enum Bound {
    Text(String),
    Instant(OffsetDateTime, Rounding),
}

/// An instant as SQLite's `recorded_at` text: UTC, milliseconds, `Z`.
fn sqlite_instant(instant: OffsetDateTime, rounding: &Rounding) -> String {
    let utc = instant.to_offset(time::UtcOffset::UTC);
    let nanos = utc.nanosecond();
    let mut millis = utc
        .replace_nanosecond(nanos - nanos % 1_000_000)
        .unwrap_or(utc);
    if matches!(rounding, Rounding::Up) && nanos % 1_000_000 != 0 {
        millis += time::Duration::milliseconds(1);
    }
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        millis.year(),
        u8::from(millis.month()),
        millis.day(),
        millis.hour(),
        millis.minute(),
        millis.second(),
        millis.millisecond()
    )
}

/// Up to `limit` events with a position above `after` that `filter` lets through, in position
/// order: the auditors' paging through the log. Unlike [`read_after`] this does not hold back
/// in-flight transactions, so a page may later gain an event below its last position; auditors page
/// again from `after`. The indexes `events_type_position` and `events_recorded_at` serve the filters.
pub async fn read_page(
    pool: &LogPool,
    after: i64,
    limit: i64,
    filter: &LogFilter,
) -> Result<Vec<LoggedEvent>, ProjectionError> {
    let (conditions, binds) = filter.conditions();
    match pool {
        LogPool::Sqlite(pool) => {
            let sql = format!(
                "{SQLITE_COLUMNS} WHERE position > $1{conditions} ORDER BY position LIMIT $2"
            );
            let mut query = sqlx::query(&sql).bind(after).bind(limit);
            for bind in binds {
                query = match bind {
                    Bound::Text(text) => query.bind(text),
                    Bound::Instant(instant, rounding) => {
                        query.bind(sqlite_instant(instant, &rounding))
                    }
                };
            }
            let rows = query.fetch_all(pool).await?;
            rows.iter().map(sqlite_event).collect()
        }
        LogPool::Postgres(pool) => {
            let sql = format!(
                "{POSTGRES_COLUMNS} WHERE position > $1{conditions} ORDER BY position LIMIT $2"
            );
            let mut query = sqlx::query(&sql).bind(after).bind(limit);
            for bind in binds {
                query = match bind {
                    Bound::Text(text) => query.bind(text),
                    // timestamptz holds microseconds: it compares the instant as given.
                    Bound::Instant(instant, _) => query.bind(instant),
                };
            }
            let rows = query.fetch_all(pool).await?;
            rows.iter().map(postgres_event).collect()
        }
    }
}

#[cfg(test)]
mod filter_tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn sqlite_bounds_round_outwards_to_the_millisecond_in_utc() {
        let from = datetime!(2026-06-01 09:00:00.000_4 +09:00);
        assert_eq!(
            sqlite_instant(from, &Rounding::Up),
            "2026-06-01T00:00:00.001Z"
        );
        assert_eq!(
            sqlite_instant(from, &Rounding::Down),
            "2026-06-01T00:00:00.000Z"
        );
        let exact = datetime!(2026-06-01 00:00:00.123 UTC);
        assert_eq!(
            sqlite_instant(exact, &Rounding::Up),
            "2026-06-01T00:00:00.123Z"
        );
    }

    #[test]
    fn the_filter_numbers_its_parameters_after_the_position_and_the_limit() {
        let filter = LogFilter {
            aggregate_type: Some("grant".into()),
            from: None,
            until: Some(datetime!(2026-06-01 00:00 UTC)),
        };
        let (sql, binds) = filter.conditions();
        assert_eq!(sql, " AND aggregate_type = $3 AND recorded_at <= $4");
        assert_eq!(binds.len(), 2);
        assert_eq!(LogFilter::default().conditions().0, "");
    }
}
