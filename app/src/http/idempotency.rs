//! `Idempotency-Key`: the JSON API's adapter over [`crate::service::idempotency`]. A command retried
//! with the same key and body gets the answer of one execution, whether the first attempt
//! committed, failed or died with its outcome unknown (the claim, the lease, the takeover and the
//! resumed attempt are the service layer's; see its module doc).
//!
//! Here: which requests carry a key (commands with a JSON body; an upload is streamed, never held
//! to be hashed, and is safe to repeat; a command carrying a secret is never stored:
//! `KEY_NOT_KEPT`), the caller's scope (its `Authorization` header, hashed), the request's
//! fingerprint (method, path and body), and the answer stored for replay (its status, content type
//! and body; an answer 5xx gives the key back at once, since its outcome is unknown).
//! `docs/operations.md` (Idempotency) states the guarantee.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::context::IDEMPOTENCY_KEY;
use super::error::ApiError;
use super::AppState;
use crate::service::idempotency::{self, Claim, Claimed};

/// The largest answer kept for replay.
const ANSWER_LIMIT_BYTES: usize = 1024 * 1024;

/// The commands whose body or answer carries a secret (a password, a session token, a TOTP
/// secret or code), by path: each runs as if it had no key. A claim keeps a fast hash of the body
/// (over a password, a guess could be tested at SHA-256 speed instead of the password hash's) and
/// the answer in clear for replay (a session token, which the service otherwise keeps only as a
/// digest; a TOTP secret, otherwise kept encrypted; the recovery codes a confirmation shows once).
/// Repeating one is safe by its own rules: a second sign-in opens a second session, an address is
/// registered once, a reset link works once, a second enrolment replaces one not confirmed, a
/// factor is confirmed once. Uploads skip keys too, for their size.
pub const KEY_NOT_KEPT: [&str; 6] = [
    "/api/v1/accounts",
    "/api/v1/users",
    "/api/v1/sessions",
    "/api/v1/password-resets/confirm",
    "/api/v1/sessions/current/totp",
    "/api/v1/sessions/current/totp/confirm",
];

/// The scope a key is claimed in: the caller's `Authorization` header, hashed.
pub fn scope_of(authorization: &[u8]) -> String {
    idempotency::hex_digest(&[authorization])
}

/// What makes two requests under one key the same request: method, path and body, hashed.
pub fn request_hash(method: &str, path: &str, body: &[u8]) -> String {
    idempotency::hex_digest(&[method.as_bytes(), path.as_bytes(), body])
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
    let carries_secrets = KEY_NOT_KEPT.contains(&request.uri().path());
    match key {
        Some(key)
            if is_command
                && !is_upload
                && !carries_secrets
                && !key.is_empty()
                && key.len() <= 200 =>
        {
            match with_key(&state, key, request, next).await {
                Ok(response) | Err(response) => response,
            }
        }
        _ => next.run(request).await,
    }
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
    let bytes = super::extract::read_limited(body, super::BODY_LIMIT_BYTES)
        .await
        .map_err(IntoResponse::into_response)?;
    let credentials = parts
        .headers
        .get(header::AUTHORIZATION)
        .map(|value| value.as_bytes().to_vec())
        .unwrap_or_default();
    let claim = Claim::new(
        &state.db,
        scope_of(&credentials),
        key,
        request_hash(parts.method.as_str(), parts.uri.path(), &bytes),
    );
    let attempt = match claim.take().await.map_err(IntoResponse::into_response)? {
        Claimed::Run(attempt) => attempt,
        Claimed::Answered(stored) => return Ok(replayed(stored.outcome, &stored.record)),
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
        claim.give_back(&attempt).await;
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
    let record = serde_json::to_string(&stored).unwrap_or_default();
    // An answer the key does not keep is not given (`Claim::keep`): 503, and the retry resumes.
    let kept = claim
        .keep(&attempt, i32::from(parts.status.as_u16()), &record)
        .await
        .map_err(|error| ApiError::from(error).into_response())?;
    if let Some(stored) = kept {
        return Ok(replayed(stored.outcome, &stored.record));
    }
    Ok(Response::from_parts(parts, Body::from(answer)))
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
