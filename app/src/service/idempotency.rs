//! Running a command once per idempotency key, for every adapter: the JSON API's
//! `Idempotency-Key` header (`crate::http::idempotency`) and the pages' one-time form ids
//! (`crate::web::command`). A request with a key gets the answer of one execution, whether the
//! first attempt committed, failed or died with its outcome unknown.
//!
//! The first request with a key claims it with an INSERT (the primary key decides, also when two
//! copies arrive at the same time) under a fresh attempt id and a lease, runs as that attempt
//! ([`crate::store::attempt`]), and stores its answer. A copy that finds the key claimed:
//! - replays the stored answer, if there is one;
//! - is refused (`request.idempotency_key_reused`) if the key was used for a different request;
//! - waits while the lease runs; once it has run out (the holder died, or failed and gave the key
//!   back at once) takes the claim over and runs the request again *as the same attempt*. The
//!   event store then skips every command of the attempt that is already in the log and hands back
//!   its events, so a command that committed before the holder died is not run twice, and the
//!   answer is built from what it committed (the same ids; the state as it is now).
//!
//! So that no client sees an answer its key does not keep (a copy taking over later would build
//! another from the state as it is then), an answer that cannot be stored is not given: the
//! adapter answers 503, gives the key back, and the retry resumes the attempt.
//!
//! A takeover of a holder that is only slow is safe too: both executions check the log before each
//! append under optimistic concurrency, so each step is appended once; the first answer stored
//! wins and both copies answer it. Keys are scoped by the caller's credentials, so two callers never
//! share one. What an answer is (an HTTP status and body, a page's typed outcome) is the adapter's:
//! this module stores an outcome code and a text. `docs/operations.md` (Idempotency) states the
//! guarantee.

use std::time::Duration;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::ServiceError;
use crate::db::Database;
use crate::store::Attempt;
use crate::with_pool;

/// How long a claim protects its holder from a takeover. Commands take milliseconds; a holder still
/// running after this is taken over (safely, see the module doc).
const LEASE: Duration = Duration::from_secs(10);
/// How long a copy waits for an answer or a takeover before it is refused as in flight.
const WAIT: Duration = Duration::from_secs(15);

/// SHA-256 over length-prefixed parts, in hex: scopes and request fingerprints.
pub fn hex_digest(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

/// Milliseconds since the Unix epoch, the unit of `idempotency_keys.lease_until`.
fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn lease_end() -> i64 {
    now_ms() + i64::try_from(LEASE.as_millis()).unwrap_or(i64::MAX)
}

/// A key of one caller, for one request.
pub struct Claim<'a> {
    db: &'a Database,
    scope: String,
    key: String,
    request_hash: String,
}

/// What claiming a key gave.
pub enum Claimed {
    /// Run the request as this attempt.
    Run(Attempt),
    /// The key already has an answer: replay it.
    Answered(Stored),
}

/// An answer as stored: the adapter's outcome code and its record.
#[derive(Clone, Debug)]
pub struct Stored {
    /// The adapter's outcome code (the API's HTTP status, a page's own code).
    pub outcome: i32,
    /// The adapter's record of the answer (the API's body, a page's outcome), as text.
    pub record: String,
}

/// A claim as stored.
#[derive(sqlx::FromRow)]
struct ClaimRow {
    request_hash: String,
    status: Option<i32>,
    response: Option<String>,
    attempt_id: Option<String>,
    lease_until: i64,
}

impl<'a> Claim<'a> {
    /// The key `key` of the caller `scope` (a hash of its credentials) for the request whose
    /// fingerprint is `request_hash`.
    pub fn new(db: &'a Database, scope: String, key: String, request_hash: String) -> Self {
        Claim {
            db,
            scope,
            key,
            request_hash,
        }
    }
}

impl Claim<'_> {
    /// Claims the key, replays its answer, or takes it over once its lease has run out.
    pub async fn take(&self) -> Result<Claimed, ServiceError> {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut pause = Duration::from_millis(10);
        loop {
            let fresh = Uuid::now_v7();
            if self.insert(fresh).await? {
                return Ok(Claimed::Run(Attempt::first(fresh)));
            }
            // Claimed before: by an earlier copy of this request, or by another request.
            while let Some(row) = self.row().await? {
                if row.request_hash != self.request_hash {
                    return Err(ServiceError::invalid(
                        "request.idempotency_key_reused",
                        "同じ Idempotency-Key が別の内容のリクエストに使われています",
                        "this Idempotency-Key was used for a different request",
                    ));
                }
                if let (Some(outcome), Some(record)) = (row.status, row.response) {
                    return Ok(Claimed::Answered(Stored { outcome, record }));
                }
                if row.lease_until <= now_ms() {
                    // A claim from before attempts were recorded resumes under a fresh one: its
                    // commands cannot be recognised, so it runs again (docs/operations.md).
                    let attempt = row
                        .attempt_id
                        .as_deref()
                        .and_then(|id| id.parse().ok())
                        .unwrap_or(fresh);
                    if self.take_over(attempt, row.lease_until).await? {
                        tracing::info!(%attempt, "resuming an idempotent request whose holder stopped");
                        return Ok(Claimed::Run(Attempt::resumed(attempt)));
                    }
                    continue;
                }
                if tokio::time::Instant::now() >= deadline {
                    return Err(ServiceError::conflict(
                        "request.idempotency_in_flight",
                        "同じ Idempotency-Key のリクエストを処理中です",
                        "a request with this Idempotency-Key is still being processed",
                    ));
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(200));
            }
            // The row went away (an operator cleared it): claim it anew.
        }
    }

    async fn insert(&self, attempt: Uuid) -> Result<bool, ServiceError> {
        let db = self.db;
        let inserted = with_pool!(db, pool => sqlx::query(
            "INSERT INTO idempotency_keys (actor, key, request_hash, attempt_id, lease_until)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (actor, key) DO NOTHING",
        )
        .bind(&self.scope)
        .bind(&self.key)
        .bind(&self.request_hash)
        .bind(attempt.to_string())
        .bind(lease_end())
        .execute(pool)
        .await?
        .rows_affected());
        Ok(inserted == 1)
    }

    async fn row(&self) -> Result<Option<ClaimRow>, ServiceError> {
        let db = self.db;
        Ok(with_pool!(db, pool => sqlx::query_as(
            "SELECT request_hash, status, response, attempt_id, lease_until
               FROM idempotency_keys WHERE actor = $1 AND key = $2",
        )
        .bind(&self.scope)
        .bind(&self.key)
        .fetch_optional(pool)
        .await?))
    }

    /// The answer stored by whichever execution stored one.
    pub async fn stored(&self) -> Result<Option<Stored>, ServiceError> {
        Ok(self
            .row()
            .await?
            .and_then(|row| match (row.status, row.response) {
                (Some(outcome), Some(record)) => Some(Stored { outcome, record }),
                _ => None,
            }))
    }

    /// Takes over an unanswered claim whose lease ran out, if no other copy took it first.
    async fn take_over(&self, attempt: Uuid, seen_lease: i64) -> Result<bool, ServiceError> {
        let db = self.db;
        let taken = with_pool!(db, pool => sqlx::query(
            "UPDATE idempotency_keys SET attempt_id = $1, lease_until = $2
              WHERE actor = $3 AND key = $4 AND status IS NULL AND lease_until = $5",
        )
        .bind(attempt.to_string())
        .bind(lease_end())
        .bind(&self.scope)
        .bind(&self.key)
        .bind(seen_lease)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(taken == 1)
    }

    /// Ends the lease of `attempt` now, so that the next copy resumes it at once: after an answer
    /// whose outcome is unknown (a failure, which may have come after a commit). A key that cannot
    /// be given back is only logged: its lease runs out on its own.
    pub async fn give_back(&self, attempt: &Attempt) {
        if let Err(error) = self.end_lease(attempt).await {
            tracing::warn!(%error, "could not give back an idempotency key; its lease will run out");
        }
    }

    /// Stores the answer of `attempt` and says which answer the caller gives: `None` its own,
    /// `Some` the one another execution of the attempt stored first (both then say the same).
    ///
    /// An answer the key does not keep must not reach the client: a later copy of the request would
    /// take the claim over and answer from the state as it is then, which may differ from what this
    /// client saw (a draft since submitted). So when the answer cannot be stored, the key goes back
    /// and the outcome is unavailable, as after any failure: the client's retry resumes the attempt
    /// and stores the answer it gets.
    pub async fn keep(
        &self,
        attempt: &Attempt,
        status: i32,
        record: &str,
    ) -> Result<Option<Stored>, ServiceError> {
        match self.answer(attempt, status, record).await {
            Ok(true) => Ok(None),
            Ok(false) => self.stored().await,
            Err(error) => {
                tracing::error!(%error, "could not store an idempotent answer");
                self.give_back(attempt).await;
                Err(ServiceError::unavailable(error))
            }
        }
    }

    async fn end_lease(&self, attempt: &Attempt) -> Result<(), sqlx::Error> {
        let db = self.db;
        with_pool!(db, pool => sqlx::query(
            "UPDATE idempotency_keys SET lease_until = 0
              WHERE actor = $1 AND key = $2 AND attempt_id = $3 AND status IS NULL",
        )
        .bind(&self.scope)
        .bind(&self.key)
        .bind(attempt.id().to_string())
        .execute(pool)
        .await
        .map(|_| ()))
    }

    /// Stores the answer unless one is stored already (answered `false` then).
    async fn answer(
        &self,
        attempt: &Attempt,
        status: i32,
        record: &str,
    ) -> Result<bool, sqlx::Error> {
        let db = self.db;
        let stored = with_pool!(db, pool => sqlx::query(
            "UPDATE idempotency_keys SET status = $1, response = $2
              WHERE actor = $3 AND key = $4 AND status IS NULL",
        )
        .bind(status)
        .bind(record)
        .bind(&self.scope)
        .bind(&self.key)
        .execute(pool)
        .await?
        .rows_affected());
        if stored == 0 {
            tracing::debug!(attempt = %attempt.id(), "another execution stored the answer first");
        }
        Ok(stored == 1)
    }
}
