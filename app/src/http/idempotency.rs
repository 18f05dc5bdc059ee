//! `Idempotency-Key`: a command retried with the same key and body gets the answer of one execution,
//! whether the first attempt committed, failed or died with its outcome unknown.
//!
//! The first request with a key claims it with an INSERT (the primary key decides, also when two
//! copies arrive at the same time) under a fresh attempt id and a lease, runs as that attempt
//! ([`crate::store::attempt`]), and stores its status and body. A copy that finds the key claimed:
//! - replays the stored answer, if there is one;
//! - is refused with 422 if the key was used for a different method, path or body;
//! - waits while the lease runs; once it has run out (the holder died, or answered 5xx and gave the
//!   key back at once) takes the claim over and runs the request again *as the same attempt*. The
//!   event store then skips every command of the attempt that is already in the log and hands back
//!   its events, so a command that committed before the holder died is not run twice, and the
//!   answer is built from what it committed (the same ids; the state as it is now).
//!
//! A takeover of a holder that is only slow is safe too: both executions check the log before each
//! append under optimistic concurrency, so each step is appended once; the first answer stored
//! wins and both copies answer it. Keys are scoped by the caller's credentials, so two callers never
//! share one. `docs/operations.md` (Idempotency) states the guarantee.

use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::context::IDEMPOTENCY_KEY;
use super::error::ApiError;
use super::AppState;
use crate::db::Database;
use crate::store::Attempt;
use crate::with_pool;

/// How long a claim protects its holder from a takeover. Commands take milliseconds; a holder still
/// running after this is taken over (safely, see the module doc).
const LEASE: Duration = Duration::from_secs(10);
/// How long a copy waits for an answer or a takeover before answering 409.
const WAIT: Duration = Duration::from_secs(15);
/// The largest answer kept for replay.
const ANSWER_LIMIT_BYTES: usize = 1024 * 1024;

fn hex_digest(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

/// The scope a key is claimed in: the caller's `Authorization` header, hashed.
pub fn scope_of(authorization: &[u8]) -> String {
    hex_digest(&[authorization])
}

/// What makes two requests under one key the same request: method, path and body, hashed.
pub fn request_hash(method: &str, path: &str, body: &[u8]) -> String {
    hex_digest(&[method.as_bytes(), path.as_bytes(), body])
}

/// Milliseconds since the Unix epoch, the unit of `idempotency_keys.lease_until`.
fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn lease_end() -> i64 {
    now_ms() + i64::try_from(LEASE.as_millis()).unwrap_or(i64::MAX)
}

/// The middleware: passes through requests without a key and reads.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let is_command = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let key = request
        .headers()
        .get(IDEMPOTENCY_KEY)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    // An upload is streamed, never held in memory to be hashed; it is safe to repeat (the same
    // bytes are stored once, and the domain refuses the same content twice on one object).
    let is_upload = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("multipart/form-data"));
    match key {
        Some(key) if is_command && !is_upload && !key.is_empty() && key.len() <= 200 => {
            match with_key(&state, key, request, next).await {
                Ok(response) | Err(response) => response,
            }
        }
        _ => next.run(request).await,
    }
}

/// A key of one caller, for one request.
struct Claim<'a> {
    db: &'a Database,
    scope: String,
    key: String,
    request_hash: String,
}

/// What claiming a key gave.
enum Claimed {
    /// Run the request as this attempt.
    Run(Attempt),
    /// The key already has an answer (or is refused): send this.
    Answer(Response),
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

/// An answer as stored for replay.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredAnswer {
    content_type: String,
    body: String,
}

async fn with_key(
    state: &AppState,
    key: String,
    request: Request,
    next: Next,
) -> Result<Response, Response> {
    let (mut parts, body) = request.into_parts();
    let limit = super::extract::body_limit(&parts.extensions);
    let bytes = super::extract::read_limited(body, limit)
        .await
        .map_err(IntoResponse::into_response)?;
    let credentials = parts
        .headers
        .get(header::AUTHORIZATION)
        .map(|value| value.as_bytes().to_vec())
        .unwrap_or_default();
    let claim = Claim {
        db: &state.db,
        scope: scope_of(&credentials),
        key,
        request_hash: request_hash(parts.method.as_str(), parts.uri.path(), &bytes),
    };
    let attempt = match claim.take().await.map_err(IntoResponse::into_response)? {
        Claimed::Run(attempt) => attempt,
        Claimed::Answer(answer) => return Ok(answer),
    };
    parts.extensions.insert(attempt.clone());

    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (parts, body) = response.into_parts();
    let answer = to_bytes(body, ANSWER_LIMIT_BYTES)
        .await
        .map_err(|error| ApiError::internal(error).into_response())?;
    if parts.status.is_server_error() {
        // The outcome is unknown (a commit may have landed before the failure): give the key back
        // at once, so the client's retry resumes this attempt without waiting for the lease.
        if let Err(error) = claim.give_back(&attempt).await {
            tracing::warn!(%error, "could not give back an idempotency key; its lease will run out");
        }
        return Ok(Response::from_parts(parts, Body::from(answer)));
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("application/json")
        .to_owned();
    let stored = StoredAnswer {
        content_type,
        body: String::from_utf8_lossy(&answer).into_owned(),
    };
    match claim
        .answer(&attempt, i32::from(parts.status.as_u16()), &stored)
        .await
    {
        Ok(true) => {}
        // Another execution of the same attempt (a takeover) answered first: both say the same.
        Ok(false) => {
            if let Ok(Some(row)) = claim.row().await {
                if let (Some(status), Some(record)) = (row.status, row.response) {
                    return Ok(replayed(status, &record));
                }
            }
        }
        Err(error) => tracing::error!(%error, "could not store an idempotent answer"),
    }
    Ok(Response::from_parts(parts, Body::from(answer)))
}

impl Claim<'_> {
    /// Claims the key, replays its answer, or takes it over once its lease has run out.
    async fn take(&self) -> Result<Claimed, ApiError> {
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
                    return Err(ApiError::invalid(
                        "request.idempotency_key_reused",
                        "同じ Idempotency-Key が別の内容のリクエストに使われています",
                        "this Idempotency-Key was used for a different request",
                    ));
                }
                if let (Some(status), Some(record)) = (row.status, &row.response) {
                    return Ok(Claimed::Answer(replayed(status, record)));
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
                    return Err(ApiError::conflict(
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

    async fn insert(&self, attempt: Uuid) -> Result<bool, ApiError> {
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

    async fn row(&self) -> Result<Option<ClaimRow>, ApiError> {
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

    /// Takes over an unanswered claim whose lease ran out, if no other copy took it first.
    async fn take_over(&self, attempt: Uuid, seen_lease: i64) -> Result<bool, ApiError> {
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

    /// Ends the lease of `attempt` now, so that the next copy resumes it at once.
    async fn give_back(&self, attempt: &Attempt) -> Result<(), sqlx::Error> {
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
        answer: &StoredAnswer,
    ) -> Result<bool, sqlx::Error> {
        let db = self.db;
        let record = serde_json::to_string(answer).unwrap_or_default();
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

fn replayed(status: i32, record: &str) -> Response {
    let record: StoredAnswer = serde_json::from_str(record).unwrap_or(StoredAnswer {
        content_type: "application/json".to_owned(),
        body: String::new(),
    });
    let status = u16::try_from(status)
        .ok()
        .and_then(|status| StatusCode::from_u16(status).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = (status, record.body).into_response();
    if let Ok(value) = HeaderValue::from_str(&record.content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
