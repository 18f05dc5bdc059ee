//! `Idempotency-Key`: a command retried with the same key gets the first answer, and appends nothing.
//!
//! The first request with a key claims it with an INSERT (the primary key decides, also when two copies
//! arrive at the same time), runs, and stores its status and body. A copy that finds the key claimed
//! waits for that answer and replays it; a copy with a different body or path under the same key is
//! refused with 422. Keys are scoped by the caller's credentials, so two callers never share one. A
//! server failure (5xx) releases the key, since such an answer is not one a retry should get again.
//!
//! Left for later: a claim whose owner died mid-command stays unanswered; after `WAIT` the copy gets a
//! 409 and the operator can clear the row. The events carry the key in their metadata for that audit.

use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::context::IDEMPOTENCY_KEY;
use super::error::ApiError;
use super::AppState;
use crate::with_pool;

/// How long a copy waits for the first request's answer.
const WAIT: Duration = Duration::from_secs(15);
/// The largest answer kept for replay.
const ANSWER_LIMIT_BYTES: usize = 1024 * 1024;

fn hex_digest(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
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
    match key {
        Some(key) if is_command && !key.is_empty() && key.len() <= 200 => {
            match with_key(&state, key, request, next).await {
                Ok(response) | Err(response) => response,
            }
        }
        _ => next.run(request).await,
    }
}

async fn with_key(
    state: &AppState,
    key: String,
    request: Request,
    next: Next,
) -> Result<Response, Response> {
    let (parts, body) = request.into_parts();
    let bytes = super::extract::read_limited(body)
        .await
        .map_err(IntoResponse::into_response)?;
    let credentials = parts
        .headers
        .get(header::AUTHORIZATION)
        .map(|value| value.as_bytes().to_vec())
        .unwrap_or_default();
    let scope = hex_digest(&[&credentials]);
    let request_hash = hex_digest(&[
        parts.method.as_str().as_bytes(),
        parts.uri.path().as_bytes(),
        &bytes,
    ]);
    let db = &state.db;
    let claimed = with_pool!(db, pool => sqlx::query(
        "INSERT INTO idempotency_keys (actor, key, request_hash) VALUES ($1, $2, $3)
         ON CONFLICT (actor, key) DO NOTHING",
    )
    .bind(&scope)
    .bind(&key)
    .bind(&request_hash)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))
    .map_err(|error| ApiError::internal(error).into_response())?;

    if claimed == 0 {
        return replay(state, &scope, &key, &request_hash).await;
    }

    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (parts, body) = response.into_parts();
    let answer = to_bytes(body, ANSWER_LIMIT_BYTES)
        .await
        .map_err(|error| ApiError::internal(error).into_response())?;
    let stored = if parts.status.is_server_error() {
        with_pool!(db, pool => sqlx::query("DELETE FROM idempotency_keys WHERE actor = $1 AND key = $2")
            .bind(&scope)
            .bind(&key)
            .execute(pool)
            .await
            .map(|_| ()))
    } else {
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("application/json")
            .to_owned();
        let record = serde_json::json!({
            "content_type": content_type,
            "body": String::from_utf8_lossy(&answer),
        })
        .to_string();
        with_pool!(db, pool => sqlx::query(
            "UPDATE idempotency_keys SET status = $1, response = $2 WHERE actor = $3 AND key = $4",
        )
        .bind(i32::from(parts.status.as_u16()))
        .bind(record)
        .bind(&scope)
        .bind(&key)
        .execute(pool)
        .await
        .map(|_| ()))
    };
    if let Err(error) = stored {
        tracing::error!(%error, "could not store an idempotent answer");
    }
    Ok(Response::from_parts(parts, Body::from(answer)))
}

/// Waits for the first request's answer and returns it again.
async fn replay(
    state: &AppState,
    scope: &str,
    key: &str,
    request_hash: &str,
) -> Result<Response, Response> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let db = &state.db;
        let row: Option<(String, Option<i32>, Option<String>)> = with_pool!(db, pool => sqlx::query_as(
            "SELECT request_hash, status, response FROM idempotency_keys WHERE actor = $1 AND key = $2",
        )
        .bind(scope)
        .bind(key)
        .fetch_optional(pool)
        .await)
        .map_err(|error| ApiError::internal(error).into_response())?;
        match row {
            Some((hash, _, _)) if hash != request_hash => {
                return Err(ApiError::invalid(
                    "request.idempotency_key_reused",
                    "同じ Idempotency-Key が別の内容のリクエストに使われています",
                    "this Idempotency-Key was used for a different request",
                )
                .into_response());
            }
            Some((_, Some(status), Some(record))) => return Ok(replayed(status, &record)),
            // Released after a server failure: the caller may retry.
            None => {
                return Err(ApiError::conflict(
                    "request.idempotency_retry",
                    "前回のリクエストは失敗しました。もう一度お試しください",
                    "the first request with this key failed; retry",
                )
                .into_response())
            }
            Some(_) if tokio::time::Instant::now() >= deadline => {
                return Err(ApiError::conflict(
                    "request.idempotency_in_flight",
                    "同じ Idempotency-Key のリクエストを処理中です",
                    "a request with this Idempotency-Key is still being processed",
                )
                .into_response())
            }
            Some(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

fn replayed(status: i32, record: &str) -> Response {
    let record: serde_json::Value = serde_json::from_str(record).unwrap_or_default();
    let status = u16::try_from(status)
        .ok()
        .and_then(|status| StatusCode::from_u16(status).ok())
        .unwrap_or(StatusCode::OK);
    let content_type = record["content_type"]
        .as_str()
        .unwrap_or("application/json");
    let body = record["body"].as_str().unwrap_or("").to_owned();
    let mut response = (status, body).into_response();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
