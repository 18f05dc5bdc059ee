//! Sessions served from memory for a short while (issue 20): the caller of every request is read
//! from the `sessions` and `credentials` tables once and then answered from here for at most
//! [`LIFETIME`], unless a revocation removed it first.
//!
//! # What bounds the staleness
//! Every write that ends a session or changes what an actor is (sign-out, password reset, the second
//! factor's reset, an account's erasure) goes through [`revoked_tx`] (or [`revoked`]):
//! - in this process, at once and before the write's answer: every cache of the process drops the
//!   token or the user's entries ([`revoke_in_process`]);
//! - on PostgreSQL, to every other instance: the revoking transaction runs `pg_notify` on
//!   [`CHANNEL`], which PostgreSQL delivers at commit, and only if it commits, to each instance's
//!   listener ([`listen`]). (An erasure's writes are several statements; its notification is one
//!   more right after them, so a crash in between leaves [`LIFETIME`] as the bound.) A
//!   cache serves nothing while its listener is not connected (before the first `LISTEN`, after a
//!   lost connection: the entries are dropped then), so a revocation is never missed silently; the
//!   only window is the notification's delivery, well under a millisecond between commit and
//!   receipt on one host. The sign-out's answer waits (at most [`ECHO_WAIT`]) until its own
//!   instance's listener has received the notification, so when it answers PostgreSQL has sent it
//!   to every listener.
//! - on SQLite the service is one process (the file's single writer), so the in-process revocation
//!   reaches every cache; a command-line tool run beside it (`grants` erasure) is bounded by
//!   [`LIFETIME`].
//!
//! A lookup that raced with a revocation (read the row before it, would store after it) does not
//! store: every revocation moves [`SessionCache`]'s generation, and an entry is stored only if the
//! generation did not move while the row was read.
//!
//! `tests/tests/two_instances.rs` shows a sign-out on one instance refused on the other at once, on
//! both backends.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use grants_domain::UserId;

use super::Actor;
use crate::db::Database;

/// How long an entry is served from memory at most.
pub const LIFETIME: Duration = Duration::from_secs(10);
/// The PostgreSQL channel of revocations.
pub const CHANNEL: &str = "grants_sessions";
/// How long a sign-out waits for its own notification to come back.
pub const ECHO_WAIT: Duration = Duration::from_millis(200);
/// At most this many entries; a full cache is emptied (a new entry is one query away).
const CAPACITY: usize = 100_000;

/// What a revocation removes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revocation {
    /// One session, by its token's digest.
    Token(String),
    /// Every session of an account.
    User(UserId),
}

impl Revocation {
    fn payload(&self) -> String {
        match self {
            Revocation::Token(digest) => format!("t:{digest}"),
            Revocation::User(user) => format!("u:{user}"),
        }
    }

    fn parse(payload: &str) -> Option<Self> {
        match payload.split_once(':')? {
            ("t", digest) => Some(Revocation::Token(digest.to_owned())),
            ("u", user) => user.parse().ok().map(Revocation::User),
            _ => None,
        }
    }
}

struct Entry {
    actor: Actor,
    expires_at: i64,
    stored: Instant,
}

/// The sessions of one service instance, by token digest.
pub struct SessionCache {
    entries: Mutex<HashMap<String, Entry>>,
    /// Moves on every revocation (see the module doc).
    generation: AtomicU64,
    /// Whether entries may be served: always on SQLite; on PostgreSQL only while the listener is
    /// connected.
    serving: AtomicBool,
    /// Sign-outs waiting for their notification to come back.
    echoes: Mutex<HashMap<String, tokio::sync::oneshot::Sender<()>>>,
}

static CACHES: Mutex<Vec<Weak<SessionCache>>> = Mutex::new(Vec::new());

impl SessionCache {
    /// A cache for a service on `db`: serving at once on SQLite, once [`listen`] has connected on
    /// PostgreSQL.
    pub fn new(db: &Database) -> Arc<Self> {
        let cache = Arc::new(SessionCache {
            entries: Mutex::default(),
            generation: AtomicU64::new(0),
            serving: AtomicBool::new(matches!(db, Database::Sqlite(_))),
            echoes: Mutex::default(),
        });
        let mut caches = CACHES.lock().unwrap_or_else(|e| e.into_inner());
        caches.retain(|cache| cache.strong_count() > 0);
        caches.push(Arc::downgrade(&cache));
        cache
    }

    /// The generation to hand back to [`SessionCache::store`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The actor of a live session, if served from memory.
    pub fn get(&self, digest: &str, now: i64) -> Option<Actor> {
        if !self.serving.load(Ordering::SeqCst) {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = entries.get(digest)?;
        (entry.expires_at > now && entry.stored.elapsed() < LIFETIME).then(|| entry.actor.clone())
    }

    /// Keeps a session read from the database, unless a revocation came since `generation`.
    pub fn store(&self, digest: String, actor: Actor, expires_at: i64, generation: u64) {
        if !self.serving.load(Ordering::SeqCst) {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        // Checked under the lock that revocations take, so none slips between check and insert.
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(
            digest,
            Entry {
                actor,
                expires_at,
                stored: Instant::now(),
            },
        );
    }

    fn revoke(&self, revocation: &Revocation) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::SeqCst);
        match revocation {
            Revocation::Token(digest) => {
                entries.remove(digest);
            }
            Revocation::User(user) => entries.retain(|_, entry| entry.actor.user_id != *user),
        }
    }

    fn stop_serving(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        self.serving.store(false, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }

    fn start_serving(&self) {
        self.serving.store(true, Ordering::SeqCst);
    }

    fn echoed(&self, payload: &str) {
        let waiting = self
            .echoes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(payload);
        if let Some(waiting) = waiting {
            let _ = waiting.send(());
        }
    }

    fn expect_echo(&self, payload: &str) -> Option<tokio::sync::oneshot::Receiver<()>> {
        if !self.serving.load(Ordering::SeqCst) {
            return None;
        }
        let (send, receive) = tokio::sync::oneshot::channel();
        self.echoes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(payload.to_owned(), send);
        Some(receive)
    }
}

/// Drops what `revocation` names from every cache of this process.
pub fn revoke_in_process(revocation: &Revocation) {
    let caches: Vec<Arc<SessionCache>> = CACHES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter_map(Weak::upgrade)
        .collect();
    for cache in caches {
        cache.revoke(revocation);
    }
}

/// Announces `revocation` inside `tx` (PostgreSQL: delivered to every instance at commit; SQLite:
/// nothing to send). The caller revokes in process with [`revoke_in_process`] once `tx` committed.
pub async fn revoked_tx(
    tx: &mut grants_projections::Tx,
    revocation: &Revocation,
) -> Result<(), sqlx::Error> {
    if let grants_projections::Tx::Postgres(conn) = tx {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(revocation.payload())
            .execute(&mut **conn)
            .await?;
    }
    Ok(())
}

/// Announces `revocation` after its write committed (a statement of its own), and revokes it in
/// process. Used where the revoking writes are not one transaction (an erasure): a crash between
/// the write and this leaves the other instances' entries to expire within [`LIFETIME`].
pub async fn revoked(db: &Database, revocation: &Revocation) -> Result<(), sqlx::Error> {
    revoke_in_process(revocation);
    if let Database::Postgres(pool) = db {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(revocation.payload())
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// A revocation about to be sent by this instance, whose return through its own listener the
/// sender may wait for ([`Echo::heard`]).
pub struct Echo(Option<tokio::sync::oneshot::Receiver<()>>);

impl SessionCache {
    /// Starts waiting for `revocation` to come back (PostgreSQL, while listening); call before the
    /// transaction that sends it commits.
    pub fn echo(&self, db: &Database, revocation: &Revocation) -> Echo {
        match db {
            Database::Postgres(_) => Echo(self.expect_echo(&revocation.payload())),
            Database::Sqlite(_) => Echo(None),
        }
    }
}

impl Echo {
    /// Waits, at most [`ECHO_WAIT`], until the listener heard the revocation: PostgreSQL has then
    /// sent it to every listening instance.
    pub async fn heard(self) {
        if let Some(waiting) = self.0 {
            let _ = tokio::time::timeout(ECHO_WAIT, waiting).await;
        }
    }
}

/// PostgreSQL: listens for revocations until `shutdown`, serving from `cache` only while connected.
/// SQLite: returns at once (nothing to listen to).
pub async fn listen(
    db: Database,
    cache: Arc<SessionCache>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let Database::Postgres(pool) = db else {
        return;
    };
    tokio::pin!(shutdown);
    let mut failures: u32 = 0;
    loop {
        let connected = async {
            let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let mut listener = tokio::select! {
            biased;
            () = &mut shutdown => return,
            connected = connected => match connected {
                Ok(listener) => listener,
                Err(error) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(%error, "the session revocation listener cannot connect; sessions are read from the database");
                    let pause = Duration::from_millis(100).saturating_mul(1 << failures.min(6));
                    tokio::select! {
                        biased;
                        () = &mut shutdown => return,
                        () = tokio::time::sleep(pause) => continue,
                    }
                }
            },
        };
        failures = 0;
        cache.start_serving();
        loop {
            let received = tokio::select! {
                biased;
                () = &mut shutdown => {
                    cache.stop_serving();
                    return;
                }
                received = listener.try_recv() => received,
            };
            match received {
                Ok(Some(notification)) => {
                    let payload = notification.payload();
                    if let Some(revocation) = Revocation::parse(payload) {
                        cache.revoke(&revocation);
                    }
                    cache.echoed(payload);
                }
                Ok(None) | Err(_) => {
                    // The connection was lost: notifications may have been missed meanwhile.
                    cache.stop_serving();
                    tracing::warn!(
                        "the session revocation listener lost its connection; reconnecting"
                    );
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serving() -> SessionCache {
        SessionCache {
            entries: Mutex::default(),
            generation: AtomicU64::new(0),
            serving: AtomicBool::new(true),
            echoes: Mutex::default(),
        }
    }

    fn actor() -> Actor {
        Actor {
            user_id: uuid::Uuid::now_v7().into(),
            display_name: "申請 花子".into(),
            roles: Default::default(),
        }
    }

    #[test]
    fn an_entry_expires_with_its_session() {
        let cache = serving();
        cache.store("a".into(), actor(), 1_000, cache.generation());
        assert!(cache.get("a", 999).is_some());
        assert!(cache.get("a", 1_000).is_none());
    }

    #[test]
    fn a_revocation_drops_the_token_or_every_session_of_the_user() {
        let cache = serving();
        let (one, other) = (actor(), actor());
        for (digest, actor) in [("a", &one), ("b", &one), ("c", &other)] {
            cache.store(digest.into(), actor.clone(), i64::MAX, cache.generation());
        }
        cache.revoke(&Revocation::Token("c".into()));
        assert!(cache.get("c", 0).is_none());
        cache.revoke(&Revocation::User(one.user_id));
        assert!(cache.get("a", 0).is_none() && cache.get("b", 0).is_none());
    }

    #[test]
    fn a_read_that_raced_with_a_revocation_is_not_kept() {
        let cache = serving();
        let before = cache.generation();
        cache.revoke(&Revocation::Token("a".into()));
        cache.store("a".into(), actor(), i64::MAX, before);
        assert!(cache.get("a", 0).is_none());
    }

    #[test]
    fn nothing_is_served_while_not_listening() {
        let cache = serving();
        cache.store("a".into(), actor(), i64::MAX, cache.generation());
        cache.stop_serving();
        assert!(cache.get("a", 0).is_none());
        cache.start_serving();
        assert!(cache.get("a", 0).is_none(), "entries from before are gone");
    }

    #[test]
    fn payloads_read_back() {
        let user: UserId = uuid::Uuid::now_v7().into();
        for revocation in [Revocation::Token("abc".into()), Revocation::User(user)] {
            assert_eq!(Revocation::parse(&revocation.payload()), Some(revocation));
        }
        assert_eq!(Revocation::parse("x:1"), None);
    }
}
