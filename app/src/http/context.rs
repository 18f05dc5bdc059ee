//! The [`CommandContext`] of a request, read from its headers (`X-Request-Id`, `Idempotency-Key`) and
//! from the attempt the idempotency layer runs it as.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::error::ApiError;
use super::REQUEST_ID;
pub use crate::service::context::CommandContext;
use crate::state::AppState;
use crate::store::Attempt;

/// The request header that carries the caller's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

impl FromRequestParts<AppState> for CommandContext {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let idempotency_key = header(IDEMPOTENCY_KEY);
        if let Some(key) = &idempotency_key {
            if key.is_empty() || key.len() > 200 {
                return Err(ApiError::bad_request(
                    "Idempotency-Key は1〜200文字にしてください",
                    "the Idempotency-Key must have 1 to 200 characters",
                ));
            }
        }
        Ok(CommandContext {
            request_id: header(REQUEST_ID.as_str()).unwrap_or_default(),
            idempotency_key,
            // The service's clock (`crate::clock`): tests move it past a window instead of
            // waiting for it to close.
            now: state.clock.now(),
            attempt: parts.extensions.get::<Attempt>().cloned(),
        })
    }
}
