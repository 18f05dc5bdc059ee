//! The event store: one cqrs-es `PersistedEventStore` per aggregate, on sqlite-es or postgres-es.
//!
//! Commands run through [`Store::execute`]: load the aggregate from its events, let the domain's
//! `handle` decide, append the events with optimistic concurrency, and answer with the global position
//! of the last appended event. A conflicting append (another command won the race on the same
//! aggregate) is retried from a fresh load a bounded number of times, so the rule is checked again
//! against the winner's state: never lost, never doubled.
//!
//! This is what `CqrsFramework::execute_with_metadata` does, minus its in-process query dispatch: read
//! models do not hang on that dispatch (a crash between commit and dispatch would lose updates); they
//! catch up from the log by position instead.

pub mod attempt;
pub mod metadata;
pub mod postgres_log;
pub mod sealing;

use std::collections::HashMap;
use std::sync::Arc;

use cqrs_es::persist::{EventStoreAggregateContext, PersistedEventRepository, PersistedEventStore};
use cqrs_es::{Aggregate, AggregateError, EventEnvelope, EventStore};
use sqlite_es::SqliteEventRepository;

use crate::db::Database;
use crate::personal::Keys;
pub use attempt::Attempt;
use grants_domain::account::Account;
use grants_domain::group::Group;
use grants_domain::{Application, Grant, Review, Round};
use grants_projections::WriteGate;
pub use metadata::{ActorRole, CommandMetadata};
use postgres_log::PostgresLog;
use sealing::Sealing;

/// The event stores of every aggregate.
#[derive(Clone)]
pub struct Stores {
    /// Accounts (the roles, the second factor, a password reset recorded).
    pub accounts: Arc<Store<Account>>,
    /// Citizen groups and their members.
    pub groups: Arc<Store<Group>>,
    /// Applications.
    pub applications: Arc<Store<Application>>,
    /// Grants, from the award to the refund.
    pub grants: Arc<Store<Grant>>,
    /// Rounds (募集), with their budgets and committees.
    pub rounds: Arc<Store<Round>>,
    /// Committee members' scoresheets.
    pub reviews: Arc<Store<Review>>,
}

impl Stores {
    /// The stores of `database`, whose appends take turns at a gate of their own (see
    /// [`Stores::with_gate`]).
    pub fn new(database: &Database) -> Self {
        Self::with_gate(database, WriteGate::for_pool(&database.clone()))
    }

    /// The stores of `database`, whose appends take turns at `gate` (on SQLite) with the other
    /// writers sharing it: the service shares one with its projection runner.
    pub fn with_gate(database: &Database, gate: WriteGate) -> Self {
        let events = Sourcing::Events;
        // A grant gathers an event per saved settlement report, payment and change, and a round
        // one per screening, appointment and award: the two long streams.
        let snapshots = Sourcing::Snapshots(SNAPSHOT_EVERY);
        let upcasters = grants_domain::upcasting::upcasters;
        // Groups and rounds are read by other aggregates' commands (a draft reads both), accounts
        // by every mail the outbox addresses, applications and grants by the followers after each
        // command: their reads are served from memory, brought up to date from the log on every
        // use (an erasure is an event, so a cached account is erased on its next read like any
        // other). A command's own state after its append is kept too, so a follower reading the
        // aggregate right after finds it current.
        Stores {
            accounts: Store::build(database, upcasters(), events, gate.clone())
                .with_read_cache(database, upcasters()),
            groups: Store::build(database, upcasters(), events, gate.clone())
                .with_read_cache(database, upcasters()),
            applications: Store::build(database, upcasters(), events, gate.clone())
                .with_read_cache(database, upcasters()),
            grants: Store::build(database, vec![], snapshots, gate.clone())
                .with_read_cache(database, vec![]),
            rounds: Store::build(database, upcasters(), snapshots, gate.clone())
                .with_read_cache(database, upcasters()),
            reviews: Store::build(database, vec![], events, gate),
        }
    }
}

/// How many events a snapshot of a long stream lags at most.
pub const SNAPSHOT_EVERY: usize = 20;

/// How an aggregate's state is rebuilt when a command or a read loads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sourcing {
    /// From all its events (one query): right for short streams.
    Events,
    /// From the snapshot row (cqrs-es's `snapshots` table, written in the same transaction as the
    /// events each time the stream crosses a multiple of `n`) and the events after it: two queries,
    /// however long the stream. The events stay the truth: a snapshot that no longer deserialises
    /// is ignored and the stream replayed, and deleting every snapshot is always safe
    /// (`docs/operations.md`).
    Snapshots(usize),
}

/// How many times a command is re-run after losing an optimistic-concurrency race.
const MAX_ATTEMPTS: usize = 8;

/// A position in the global event log.
pub type Position = i64;

/// What went wrong when running a command.
#[derive(Debug, thiserror::Error)]
pub enum StoreError<E: std::error::Error> {
    /// The domain refused the command.
    #[error(transparent)]
    Refused(E),
    /// Other commands kept winning the race on this aggregate.
    #[error("the aggregate kept changing concurrently; try again")]
    Conflict,
    /// The database is out of reach for now (`grants_projections::is_outage`): try again later.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The event store failed otherwise (a serialisation or a query).
    #[error("event store failure: {0}")]
    Storage(String),
}

impl<E: std::error::Error> StoreError<E> {
    /// A failure of cqrs-es's store, told apart by whether the database was out of reach.
    fn from_aggregate(error: AggregateError<E>) -> Self {
        let outage = match &error {
            AggregateError::DatabaseConnectionError(_) => true,
            AggregateError::UnexpectedError(cause) => cause
                .downcast_ref::<sqlx::Error>()
                .is_some_and(grants_projections::is_outage),
            _ => false,
        };
        if outage {
            StoreError::Unavailable(error.to_string())
        } else {
            StoreError::Storage(error.to_string())
        }
    }

    /// A failure of one of our own queries on the log.
    fn from_sqlx(error: sqlx::Error) -> Self {
        if grants_projections::is_outage(&error) {
            StoreError::Unavailable(error.to_string())
        } else {
            StoreError::Storage(error.to_string())
        }
    }
}

/// The result of an accepted command.
#[derive(Debug)]
pub struct Executed<A: Aggregate> {
    /// The aggregate's state after the command.
    pub state: A,
    /// The events the command appended.
    pub events: Vec<EventEnvelope<A>>,
    /// The global log position of the last event of this aggregate, for read-your-writes.
    pub position: Position,
}

enum Backend<A: Aggregate> {
    Sqlite(PersistedEventStore<Sealing<SqliteEventRepository>, A>),
    Postgres(PersistedEventStore<Sealing<PostgresLog>, A>),
}

/// The event store of one aggregate type.
pub struct Store<A: Aggregate> {
    backend: Backend<A>,
    database: Database,
    gate: WriteGate,
    sourcing: Sourcing,
    /// Aggregates kept for [`Store::load`] (see [`Store::with_read_cache`]).
    read_cache: Option<ReadCache<A>>,
}

/// The repository a read cache reads the events after its copy from (the store's own, a second
/// handle on the same pool).
enum Reader {
    Sqlite(Sealing<SqliteEventRepository>),
    Postgres(Sealing<PostgresLog>),
}

/// At most this many aggregates in a read cache's newer generation; when it is full it becomes the
/// older one and the older one is dropped (so at most twice this many are kept).
const READ_CACHE_CAPACITY: usize = 10_000;

struct ReadCache<A> {
    reader: Reader,
    upcasters: Vec<Box<dyn cqrs_es::persist::EventUpcaster>>,
    entries: std::sync::Mutex<Generations<A>>,
}

/// The kept copies by aggregate id, in two generations: a copy kept or used lately is in the newer,
/// and a full newer generation replaces the older. A cache that was emptied when full (as it was
/// until session 22) made every command and follower after it read whole streams again, thousands at
/// once under load; now only the copies unused for a whole generation go.
struct Generations<A> {
    newer: HashMap<String, Kept<A>>,
    older: HashMap<String, Kept<A>>,
}

impl<A> Default for Generations<A> {
    fn default() -> Self {
        Generations {
            newer: HashMap::new(),
            older: HashMap::new(),
        }
    }
}

impl<A> Generations<A> {
    fn get(&self, id: &str) -> Option<&Kept<A>> {
        self.newer.get(id).or_else(|| self.older.get(id))
    }

    /// The copy of `id`, moved into the newer generation if it was in the older: it was used.
    fn used(&mut self, id: &str) -> Option<&Kept<A>> {
        if !self.newer.contains_key(id) {
            let copy = self.older.remove(id)?;
            self.insert(id.to_owned(), copy);
        }
        self.newer.get(id)
    }

    /// Keeps `copy` in the newer generation, which becomes the older when full.
    fn insert(&mut self, id: String, copy: Kept<A>) {
        if self.newer.len() >= READ_CACHE_CAPACITY && !self.newer.contains_key(&id) {
            self.older = std::mem::take(&mut self.newer);
        }
        self.older.remove(&id);
        self.newer.insert(id, copy);
    }
}

/// The events read after several kept copies at once, by stream.
struct NewerByStream(HashMap<(String, String), Vec<cqrs_es::persist::SerializedEvent>>);

impl NewerByStream {
    /// The events of the stream `(kind, id)`, in order; none when it has no newer events.
    fn take(&mut self, kind: &str, id: &str) -> Vec<cqrs_es::persist::SerializedEvent> {
        self.0
            .remove(&(kind.to_owned(), id.to_owned()))
            .unwrap_or_default()
    }
}

/// The events of each stream `(aggregate type, id, sequence)` after its sequence, with one
/// statement (`PostgresLog::events_after_each`), personal fields opened, by stream: the one read
/// behind `Store::load_two`, `Store::load_for_command_with` and `Store::load_each`.
async fn newer_of_each(
    reader: &Sealing<PostgresLog>,
    streams: &[(&str, &str, usize)],
) -> Result<NewerByStream, cqrs_es::persist::PersistenceError> {
    let read = reader.inner().events_after_each(streams).await;
    let mut by_stream: HashMap<(String, String), Vec<_>> = HashMap::new();
    for event in reader.opened(read).await? {
        let stream = (event.aggregate_type.clone(), event.aggregate_id.clone());
        by_stream.entry(stream).or_default().push(event);
    }
    Ok(NewerByStream(by_stream))
}

/// An aggregate kept in memory: its state after the event `sequence`, and the number of the
/// stream's snapshot as last seen (what a command's snapshot write checks; see
/// [`Store::load_for_command`]).
#[derive(Clone)]
struct Kept<A> {
    sequence: usize,
    snapshot: Option<usize>,
    state: A,
}

impl<A: Aggregate> Kept<A> {
    /// The copy as a command's load of the stream `id`.
    fn loaded(self, id: String) -> Loaded<A> {
        Loaded {
            context: EventStoreAggregateContext {
                aggregate_id: id,
                aggregate: self.state,
                current_sequence: self.sequence,
                current_snapshot: self.snapshot,
            },
        }
    }
}

impl<A: Clone> ReadCache<A> {
    /// The events of `id` after `sequence`, as the log holds them (personal fields opened).
    async fn newer<B: Aggregate>(
        &self,
        id: &str,
        sequence: usize,
    ) -> Result<Vec<cqrs_es::persist::SerializedEvent>, StoreError<B::Error>> {
        match &self.reader {
            Reader::Sqlite(reader) => reader.get_last_events::<B>(id, sequence).await,
            Reader::Postgres(reader) => reader.get_last_events::<B>(id, sequence).await,
        }
        .map_err(|error| StoreError::from_aggregate(AggregateError::from(error)))
    }

    fn get(&self, id: &str) -> Option<Kept<A>> {
        self.with(id, Kept::clone)
    }

    /// What `look` sees in the copy of `id`, without cloning it, or `None` when none is kept.
    fn with<T>(&self, id: &str, look: impl FnOnce(&Kept<A>) -> T) -> Option<T> {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .used(id)
            .map(look)
    }

    /// Keeps `copy` unless a newer one is kept; `fresh` (a load of the whole stream and its
    /// snapshot) also replaces one of the same sequence, whose snapshot number may be older.
    fn put(&self, id: String, copy: Kept<A>, fresh: bool) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.get(&id).is_some_and(|known| {
            known.sequence > copy.sequence || (known.sequence == copy.sequence && !fresh)
        }) {
            return;
        }
        entries.insert(id, copy);
    }
}

impl<A> Store<A>
where
    A: Aggregate<Services = ()> + Clone,
    A::Command: Clone,
{
    /// A store of its own (its appends take turns only with each other; see [`Stores::new`]).
    pub fn new(
        database: &Database,
        upcasters: Vec<Box<dyn cqrs_es::persist::EventUpcaster>>,
        sourcing: Sourcing,
    ) -> Arc<Self> {
        Self::build(
            database,
            upcasters,
            sourcing,
            WriteGate::for_pool(&database.clone()),
        )
    }

    fn build(
        database: &Database,
        upcasters: Vec<Box<dyn cqrs_es::persist::EventUpcaster>>,
        sourcing: Sourcing,
        gate: WriteGate,
    ) -> Arc<Self> {
        fn store<R, A>(repository: R, sourcing: Sourcing) -> PersistedEventStore<R, A>
        where
            R: cqrs_es::persist::PersistedEventRepository,
            A: Aggregate,
        {
            match sourcing {
                Sourcing::Events => PersistedEventStore::new_event_store(repository),
                Sourcing::Snapshots(every) => {
                    PersistedEventStore::new_snapshot_store(repository, every)
                }
            }
        }
        // Personal fields are sealed on append and opened on load (crate::personal).
        let keys = Keys::new(database);
        let backend = match database {
            Database::Sqlite(pool) => Backend::Sqlite(
                store(
                    Sealing::new(SqliteEventRepository::new(pool.clone()), keys),
                    sourcing,
                )
                .with_upcasters(upcasters),
            ),
            Database::Postgres(pool) => Backend::Postgres(
                store(Sealing::new(PostgresLog::new(pool.clone()), keys), sourcing)
                    .with_upcasters(upcasters),
            ),
        };
        Arc::new(Store {
            backend,
            database: database.clone(),
            gate,
            sourcing,
            read_cache: None,
        })
    }

    /// Keeps the aggregates [`Store::load`] reads in memory, each with the sequence of its last
    /// event; every later `load` of one reads only the events after that sequence (one indexed
    /// query, normally answering no rows) and applies them. So a read is exactly as fresh as an
    /// uncached one (the log is asked every time), minus the work of reading and opening the whole
    /// stream (a group's sealed contact needs its key: one query more). A command's load
    /// ([`Store::load_for_command`]) is brought up to date the same way, and the state a command
    /// leaves is kept ([`Store::execute_loaded`]); a command's append stays the check that nothing
    /// was appended since, and a command re-run after a lost race loads on its own.
    fn with_read_cache(
        self: Arc<Self>,
        database: &Database,
        upcasters: Vec<Box<dyn cqrs_es::persist::EventUpcaster>>,
    ) -> Arc<Self> {
        let mut store = Arc::into_inner(self).expect("a store being built has one owner");
        let keys = Keys::new(database);
        let reader = match database {
            Database::Sqlite(pool) => {
                Reader::Sqlite(Sealing::new(SqliteEventRepository::new(pool.clone()), keys))
            }
            Database::Postgres(pool) => {
                Reader::Postgres(Sealing::new(PostgresLog::new(pool.clone()), keys))
            }
        };
        store.read_cache = Some(ReadCache {
            reader,
            upcasters,
            entries: std::sync::Mutex::default(),
        });
        Arc::new(store)
    }

    /// Runs a command against the aggregate `id`, retrying lost optimistic-concurrency races.
    pub async fn execute(
        &self,
        id: impl std::fmt::Display,
        command: A::Command,
        metadata: &CommandMetadata,
    ) -> Result<Executed<A>, StoreError<A::Error>> {
        let loaded = self.load_for_command(id).await?;
        self.execute_loaded(loaded, command, metadata).await
    }

    /// Runs a command that starts a new aggregate under a fresh id, without loading it first: the
    /// append of its first event is the check that nothing is there yet. Should the id be taken
    /// after all, the append conflicts and the command is re-run on the loaded aggregate, whose
    /// domain refuses a second start. One round trip less than [`Store::execute`].
    pub async fn create(
        &self,
        id: impl std::fmt::Display,
        command: A::Command,
        metadata: &CommandMetadata,
    ) -> Result<Executed<A>, StoreError<A::Error>> {
        self.execute_loaded(Loaded::blank(id), command, metadata)
            .await
    }

    /// Loads an aggregate for a command: the caller may read its state (to check who may act on
    /// it) and then hand it to [`Store::execute_loaded`], so the aggregate is read once per command.
    ///
    /// Where the store keeps copies, a kept one is brought up to date with the events after it
    /// (one indexed query, as [`Store::load`] does) instead of reading the snapshot and the events
    /// after it (two): the state is exactly as fresh. Its snapshot number may be older than the
    /// table's (another instance wrote one); the command's snapshot write then conflicts, nothing
    /// is committed, and the command is re-run on a load of its own ([`Store::load_uncached`]).
    ///
    /// Not on SQLite for a stream with snapshots: sqlite-es commits the events before it checks
    /// that its snapshot write found the number it expected, so a stale number there would commit
    /// the command and still report a conflict (and the retry would run it twice).
    pub async fn load_for_command(
        &self,
        id: impl std::fmt::Display,
    ) -> Result<Loaded<A>, StoreError<A::Error>> {
        let id = id.to_string();
        if matches!(
            (&self.backend, self.sourcing),
            (Backend::Sqlite(_), Sourcing::Snapshots(_))
        ) {
            return self.load_uncached(&id).await;
        }
        self.load_kept(id).await
    }

    /// The kept copy of `id` brought up to date with the events after it, or a load of its own
    /// when none is kept.
    async fn load_kept(&self, id: String) -> Result<Loaded<A>, StoreError<A::Error>> {
        let Some((cache, copy)) = self
            .read_cache
            .as_ref()
            .and_then(|cache| cache.get(&id).map(|copy| (cache, copy)))
        else {
            return self.load_uncached(&id).await;
        };
        let newer = cache.newer::<A>(&id, copy.sequence).await?;
        let copy = self.caught_up(cache, id.clone(), copy, newer)?;
        Ok(copy.loaded(id))
    }

    /// Loads an aggregate from the log (its snapshot and the events after it, or all its events),
    /// as a process without a kept copy does, and keeps it where the store keeps copies.
    pub async fn load_uncached(&self, id: &str) -> Result<Loaded<A>, StoreError<A::Error>> {
        let context = match &self.backend {
            Backend::Sqlite(store) => store.load_aggregate(id).await,
            Backend::Postgres(store) => store.load_aggregate(id).await,
        }
        .map_err(StoreError::from_aggregate)?;
        if let Some(cache) = &self.read_cache {
            if context.current_sequence > 0 {
                let copy = Kept {
                    sequence: context.current_sequence,
                    snapshot: context.current_snapshot,
                    state: context.aggregate.clone(),
                };
                cache.put(id.to_owned(), copy, true);
            }
        }
        Ok(Loaded { context })
    }

    /// Runs a command on an aggregate loaded by [`Store::load_for_command`]. The first attempt
    /// uses that state; the append's optimistic check fails if anything was appended since, and the
    /// command is then re-run from a fresh load, so the rules are checked against the winner's state.
    ///
    /// A command of an idempotent request ([`CommandMetadata::attempt`]) is recorded with its
    /// attempt and step; when the request is a resumption, or after a lost race, the stream is first
    /// searched for that step, and a step already committed is answered from its events instead of
    /// being run again ([`attempt`]).
    pub async fn execute_loaded(
        &self,
        loaded: Loaded<A>,
        command: A::Command,
        metadata: &CommandMetadata,
    ) -> Result<Executed<A>, StoreError<A::Error>> {
        let id = loaded.context.aggregate_id.clone();
        let mut recorded = metadata.to_map();
        let step = metadata.attempt.as_ref().map(|attempt| {
            let step = attempt.next_step(A::TYPE, &id);
            recorded.insert(attempt::ATTEMPT_ID.to_owned(), attempt.id().to_string());
            recorded.insert(attempt::ATTEMPT_STEP.to_owned(), step.to_string());
            (attempt, step)
        });
        let mut next = Some(loaded);
        for retry in 0..MAX_ATTEMPTS {
            if let Some((attempt, step)) = step {
                if attempt.is_resuming() || retry > 0 {
                    if let Some(done) = self.committed_step(&id, attempt, step).await? {
                        return Ok(done);
                    }
                }
            }
            let context = match next.take() {
                Some(loaded) => loaded.context,
                None => self.load_uncached(&id).await?.context,
            };
            let before = (context.current_sequence, context.current_snapshot);
            let (outcome, appended) = match &self.backend {
                Backend::Sqlite(store) => {
                    let _turn = self.gate.enter().await;
                    let outcome =
                        execute_once(store, context, command.clone(), recorded.clone()).await;
                    (outcome, None)
                }
                Backend::Postgres(store) => {
                    postgres_log::capture_position(execute_once(
                        store,
                        context,
                        command.clone(),
                        recorded.clone(),
                    ))
                    .await
                }
            };
            match outcome {
                Ok((state, events)) => {
                    // PostgreSQL's append answers its position; SQLite's is asked (no round trip).
                    let position = match appended {
                        Some(position) => position,
                        None => self.last_position(&id).await?,
                    };
                    self.remember(&id, before, events.len(), &state);
                    return Ok(Executed {
                        state,
                        events,
                        position,
                    });
                }
                Err(AggregateError::AggregateConflict) => {
                    tracing::debug!(aggregate = A::TYPE, id, "optimistic lock lost, retrying");
                    // Randomised, growing back-off, so the racers do not collide again in step.
                    let ceiling_ms = 2u64 << retry.min(6);
                    let pause = rand::Rng::gen_range(&mut rand::thread_rng(), 0..ceiling_ms);
                    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                }
                Err(AggregateError::UserError(refusal)) => {
                    return Err(StoreError::Refused(refusal))
                }
                Err(other) => return Err(StoreError::from_aggregate(other)),
            }
        }
        Err(StoreError::Conflict)
    }

    /// The step `step` of `attempt` on the stream `id`, if an execution of the attempt committed it:
    /// the aggregate's state now, the step's events and the stream's last position.
    async fn committed_step(
        &self,
        id: &str,
        attempt: &Attempt,
        step: u32,
    ) -> Result<Option<Executed<A>>, StoreError<A::Error>> {
        let events = match &self.backend {
            Backend::Sqlite(store) => store.load_events(id).await,
            Backend::Postgres(store) => store.load_events(id).await,
        }
        .map_err(StoreError::from_aggregate)?;
        let (attempt_id, step) = (attempt.id().to_string(), step.to_string());
        let events: Vec<EventEnvelope<A>> = events
            .into_iter()
            .filter(|event| {
                event.metadata.get(attempt::ATTEMPT_ID) == Some(&attempt_id)
                    && event.metadata.get(attempt::ATTEMPT_STEP) == Some(&step)
            })
            .collect();
        if events.is_empty() {
            return Ok(None);
        }
        tracing::info!(aggregate = A::TYPE, id, %attempt_id, step, "step already committed by this attempt");
        let state = self.load_for_command(id).await?.context.aggregate;
        let position = self.last_position(id).await?;
        Ok(Some(Executed {
            state,
            events,
            position,
        }))
    }

    /// The current state of an aggregate, or `None` if it has no events (from the read cache,
    /// brought up to date from the log, where the store keeps one: `Store::with_read_cache`).
    pub async fn load(
        &self,
        id: impl std::fmt::Display,
    ) -> Result<Option<A>, StoreError<A::Error>> {
        Ok(self.load_kept(id.to_string()).await?.into_state())
    }

    /// The state of `id`, at least as fresh as its event `seen` (a follower's batch holds that
    /// event): the copy in memory when it has that event already (a command of this process
    /// appended it and kept its state, or a read caught up to it), else as [`Store::load`] reads it.
    /// Not for a command's rules: a newer event may be in the log (the follower's next batch
    /// brings it), so only a follower acting on the events up to `seen` uses it.
    pub async fn load_seen(
        &self,
        id: impl std::fmt::Display,
        seen: usize,
    ) -> Result<Option<A>, StoreError<A::Error>> {
        let id = id.to_string();
        if let Some(copy) = self.read_cache.as_ref().and_then(|cache| cache.get(&id)) {
            if copy.sequence >= seen {
                return Ok(Some(copy.state));
            }
        }
        self.load(id).await
    }

    /// Loads each of `wanted`, an id and the event `seen` a follower acts on if any: with an event,
    /// as [`Store::load_seen`] does (no read when the copy in memory has it), without, as
    /// [`Store::load`] does; but the kept copies that must ask the log are brought up to date with
    /// one read for all of them on PostgreSQL (a batch of mails reads its groups together, then
    /// their members), and only the ids with no copy kept are read one by one. The answer holds
    /// each id that has events, as its own load gives it; an id asked twice is read once, as fresh
    /// as the stricter ask.
    pub async fn load_each(
        &self,
        wanted: &[(String, Option<usize>)],
    ) -> Result<HashMap<String, A>, StoreError<A::Error>> {
        let mut asks: HashMap<&str, Option<usize>> = HashMap::with_capacity(wanted.len());
        for (id, seen) in wanted {
            asks.entry(id.as_str())
                .and_modify(|ask| {
                    *ask = match (*ask, *seen) {
                        (Some(one), Some(other)) => Some(one.max(other)),
                        _ => None,
                    }
                })
                .or_insert(*seen);
        }
        let mut loaded = HashMap::with_capacity(asks.len());
        let mut to_catch_up = Vec::new();
        let mut alone = Vec::new();
        for (id, seen) in asks {
            match self.read_cache.as_ref().and_then(|cache| cache.get(id)) {
                Some(copy) if seen.is_some_and(|seen| copy.sequence >= seen) => {
                    loaded.insert(id.to_owned(), copy.state);
                }
                Some(copy) => to_catch_up.push((id, copy)),
                None => alone.push(id),
            }
        }
        match (&self.read_cache, to_catch_up.is_empty()) {
            (
                Some(
                    cache @ ReadCache {
                        reader: Reader::Postgres(reader),
                        ..
                    },
                ),
                false,
            ) => {
                let streams: Vec<(&str, &str, usize)> = to_catch_up
                    .iter()
                    .map(|(id, copy)| (A::TYPE, *id, copy.sequence))
                    .collect();
                let mut newer = newer_of_each(reader, &streams)
                    .await
                    .map_err(|error| StoreError::from_aggregate(AggregateError::from(error)))?;
                for (id, copy) in to_catch_up {
                    let newer = newer.take(A::TYPE, id);
                    let copy = self.caught_up(cache, id.to_owned(), copy, newer)?;
                    loaded.insert(id.to_owned(), copy.state);
                }
            }
            _ => alone.extend(to_catch_up.into_iter().map(|(id, _)| id)),
        }
        for id in alone {
            if let Some(state) = self.load(id).await? {
                loaded.insert(id.to_owned(), state);
            }
        }
        Ok(loaded)
    }

    /// A fact of the copy of `id` kept in memory, as it is, without asking the log: only for a fact
    /// that no event after the aggregate's first changes (a group's name, an application's group),
    /// or `None` when none is kept.
    pub fn kept_with<T>(
        &self,
        id: impl std::fmt::Display,
        fact: impl FnOnce(&A) -> T,
    ) -> Option<T> {
        let cache = self.read_cache.as_ref()?;
        cache.with(&id.to_string(), |copy| fact(&copy.state))
    }

    /// Keeps `state`, what a command on the aggregate `id` at `before` (its sequence and snapshot
    /// number) left after appending `appended` events, where the store keeps copies: exactly what
    /// a load would rebuild, with the snapshot number the append wrote if it wrote one.
    fn remember(&self, id: &str, before: (usize, Option<usize>), appended: usize, state: &A) {
        let Some(cache) = &self.read_cache else {
            return;
        };
        let (sequence, mut snapshot) = before;
        if let Sourcing::Snapshots(every) = self.sourcing {
            // cqrs-es writes a snapshot when the events cross a multiple of `every`.
            if appended >= every - sequence % every {
                snapshot = Some(snapshot.map_or(1, |number| number + 1));
            }
        }
        let sequence = sequence + appended;
        if sequence > 0 {
            let copy = Kept {
                sequence,
                snapshot,
                state: state.clone(),
            };
            cache.put(id.to_owned(), copy, false);
        }
    }

    /// Loads `id` here and `other_id` in `other` as [`Store::load`] does, but with one read of the
    /// log for both when both are kept copies on PostgreSQL (a draft reads its group and its
    /// round: one round trip instead of two). Each answer is exactly what its own `load` gives.
    pub async fn load_two<B>(
        &self,
        id: impl std::fmt::Display,
        other: &Store<B>,
        other_id: impl std::fmt::Display,
    ) -> (
        Result<Option<A>, StoreError<A::Error>>,
        Result<Option<B>, StoreError<B::Error>>,
    )
    where
        B: Aggregate<Services = ()> + Clone,
        B::Command: Clone,
    {
        let (id, other_id) = (id.to_string(), other_id.to_string());
        match self
            .caught_up_with(&id, other, std::slice::from_ref(&other_id))
            .await
        {
            Some((mine, mut theirs)) => (
                mine.map(|copy| Some(copy.state)),
                theirs
                    .pop()
                    .expect("one copy asked, one answered")
                    .map(|copy| Some(copy.state)),
            ),
            None => (self.load(&id).await, other.load(&other_id).await),
        }
    }

    /// Loads `id` here and each of `other_ids` in `other` for a command, as
    /// [`Store::load_for_command`] does for each, but with one read of the log for all of them when
    /// each is a kept copy on PostgreSQL (a decision reads its round and the applications it
    /// decides; a group's command on its application reads the application and the group). Each
    /// answer is exactly what its own `load_for_command` gives, in the order asked.
    pub async fn load_for_command_with<B>(
        &self,
        id: impl std::fmt::Display,
        other: &Store<B>,
        other_ids: &[String],
    ) -> (
        Result<Loaded<A>, StoreError<A::Error>>,
        Vec<Result<Loaded<B>, StoreError<B::Error>>>,
    )
    where
        B: Aggregate<Services = ()> + Clone,
        B::Command: Clone,
    {
        let id = id.to_string();
        if let Some((mine, theirs)) = self.caught_up_with(&id, other, other_ids).await {
            let theirs = other_ids
                .iter()
                .zip(theirs)
                .map(|(other_id, copy)| copy.map(|copy| copy.loaded(other_id.clone())))
                .collect();
            return (mine.map(|copy| copy.loaded(id)), theirs);
        }
        let mine = self.load_for_command(id).await;
        let mut theirs = Vec::with_capacity(other_ids.len());
        for other_id in other_ids {
            theirs.push(other.load_for_command(other_id).await);
        }
        (mine, theirs)
    }

    /// The kept copies of `id` here and of `other_ids` in `other` brought up to date with one read
    /// of the log, in the order asked. `None` (and nothing read) unless each is kept, none is asked
    /// twice and the log is PostgreSQL's, and `None` when the read fails: the caller then loads
    /// each on its own, which answers its own error. On PostgreSQL a command's load is a kept
    /// copy's catch-up ([`Store::load_for_command`]), so the answers serve commands and queries
    /// alike.
    async fn caught_up_with<B>(
        &self,
        id: &str,
        other: &Store<B>,
        other_ids: &[String],
    ) -> Option<(
        Result<Kept<A>, StoreError<A::Error>>,
        Vec<Result<Kept<B>, StoreError<B::Error>>>,
    )>
    where
        B: Aggregate<Services = ()> + Clone,
        B::Command: Clone,
    {
        let (cache, other_cache) = (self.read_cache.as_ref()?, other.read_cache.as_ref()?);
        let Reader::Postgres(reader) = &cache.reader else {
            return None;
        };
        let mine = cache.get(id)?;
        let theirs = other_ids
            .iter()
            .map(|other_id| other_cache.get(other_id))
            .collect::<Option<Vec<_>>>()?;
        let streams: Vec<(&str, &str, usize)> = std::iter::once((A::TYPE, id, mine.sequence))
            .chain(
                other_ids
                    .iter()
                    .zip(&theirs)
                    .map(|(other_id, copy)| (B::TYPE, other_id.as_str(), copy.sequence)),
            )
            .collect();
        // A stream asked twice would be answered twice; each is caught up on its own then.
        let mut asked = std::collections::HashSet::new();
        if !streams
            .iter()
            .all(|&(kind, id, _)| asked.insert((kind, id)))
        {
            return None;
        }
        let mut newer = newer_of_each(reader, &streams).await.ok()?;
        let here = newer.take(A::TYPE, id);
        let mine = self.caught_up(cache, id.to_owned(), mine, here);
        let theirs = other_ids
            .iter()
            .zip(theirs)
            .map(|(other_id, copy)| {
                let there = newer.take(B::TYPE, other_id);
                other.caught_up(other_cache, other_id.clone(), copy, there)
            })
            .collect();
        Some((mine, theirs))
    }

    /// A kept copy with the `newer` events read after it applied (upcast first), kept again for
    /// the next read.
    fn caught_up(
        &self,
        cache: &ReadCache<A>,
        id: String,
        mut copy: Kept<A>,
        newer: Vec<cqrs_es::persist::SerializedEvent>,
    ) -> Result<Kept<A>, StoreError<A::Error>> {
        if newer.is_empty() {
            return Ok(copy);
        }
        for event in newer {
            let event = cache.upcasters.iter().fold(event, |event, upcaster| {
                if upcaster.can_upcast(&event.event_type, &event.event_version) {
                    upcaster.upcast(event)
                } else {
                    event
                }
            });
            let envelope = EventEnvelope::<A>::try_from(event)
                .map_err(|error| StoreError::from_aggregate(AggregateError::from(error)))?;
            copy.sequence = envelope.sequence;
            copy.state.apply(envelope.payload);
        }
        cache.put(id, copy.clone(), false);
        Ok(copy)
    }

    async fn last_position(&self, id: &str) -> Result<Position, StoreError<A::Error>> {
        let position: Option<i64> = crate::with_pool!(&self.database, pool => sqlx::query_scalar(
            "SELECT max(position) FROM events WHERE aggregate_type = $1 AND aggregate_id = $2",
        )
        .bind(A::TYPE)
        .bind(id)
        .fetch_one(pool)
        .await
        .map_err(StoreError::from_sqlx)?);
        Ok(position.unwrap_or(0))
    }
}

async fn execute_once<A, ES>(
    store: &ES,
    context: EventStoreAggregateContext<A>,
    command: A::Command,
    metadata: std::collections::HashMap<String, String>,
) -> Result<(A, Vec<EventEnvelope<A>>), AggregateError<A::Error>>
where
    A: Aggregate<Services = ()> + Clone,
    ES: EventStore<A, AC = EventStoreAggregateContext<A>>,
{
    // The domain applies its events to the aggregate it handles the command on. Handle on a copy:
    // the snapshot store applies the committed events to the context's aggregate itself, so the
    // context must keep the state from before the command (or a snapshot holds them twice).
    let mut state = context.aggregate.clone();
    let sink = cqrs_es::event_sink::EventSink::default();
    state
        .handle(command, &(), &sink)
        .await
        .map_err(AggregateError::UserError)?;
    let events = sink.collect().await;
    let committed = store.commit(events, context, metadata).await?;
    Ok((state, committed))
}

/// An aggregate as loaded for a command (see [`Store::load_for_command`]).
pub struct Loaded<A: Aggregate> {
    context: EventStoreAggregateContext<A>,
}

impl<A: Aggregate> Loaded<A> {
    /// An aggregate with no events under `id`, taken as loaded without asking the database: for a
    /// command that starts it under a fresh id (see [`Store::create`]).
    pub fn blank(id: impl std::fmt::Display) -> Self {
        Loaded {
            context: EventStoreAggregateContext {
                aggregate_id: id.to_string(),
                aggregate: A::default(),
                current_sequence: 0,
                current_snapshot: None,
            },
        }
    }

    /// Its state, or `None` if it has no events yet.
    pub fn state(&self) -> Option<&A> {
        (self.context.current_sequence > 0).then_some(&self.context.aggregate)
    }

    /// Its state; the aggregate's default when it has no events yet.
    pub fn aggregate(&self) -> &A {
        &self.context.aggregate
    }

    /// Its state, or `None` if it has no events yet.
    pub fn into_state(self) -> Option<A> {
        (self.context.current_sequence > 0).then_some(self.context.aggregate)
    }
}

#[cfg(test)]
mod tests {
    use super::{Generations, Kept, READ_CACHE_CAPACITY};

    fn copy(sequence: usize) -> Kept<()> {
        Kept {
            sequence,
            snapshot: None,
            state: (),
        }
    }

    /// Given a full newer generation, when one more copy is kept, then the full one becomes the
    /// older (still answered) instead of every copy being dropped; a copy used from the older one
    /// moves to the newer and outlives the next turn, an unused one goes.
    #[test]
    fn a_full_cache_drops_only_the_copies_unused_for_a_generation() {
        let mut kept = Generations::default();
        for n in 0..READ_CACHE_CAPACITY {
            kept.insert(n.to_string(), copy(n));
        }
        kept.insert("one more".to_owned(), copy(1));
        assert_eq!(kept.newer.len(), 1);
        assert_eq!(kept.get("0").map(|copy| copy.sequence), Some(0));
        assert_eq!(kept.used("7").map(|copy| copy.sequence), Some(7));

        for n in 0..READ_CACHE_CAPACITY {
            kept.insert(format!("next {n}"), copy(n));
        }
        assert!(kept.get("7").is_some(), "used in the last generation");
        assert!(kept.get("0").is_none(), "unused for a whole generation");
        assert!(kept.newer.len() + kept.older.len() <= 2 * READ_CACHE_CAPACITY);
    }

    /// A copy kept again moves out of the older generation: never two copies of one id.
    #[test]
    fn a_copy_kept_again_leaves_the_older_generation() {
        let mut kept = Generations::default();
        for n in 0..=READ_CACHE_CAPACITY {
            kept.insert(n.to_string(), copy(n));
        }
        kept.insert("3".to_owned(), copy(30));
        assert!(!kept.older.contains_key("3"));
        assert_eq!(kept.get("3").map(|copy| copy.sequence), Some(30));
    }
}
