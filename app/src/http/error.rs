//! The one mapping of the service layer's errors to RFC 9457 problem+json.
//!
//! Every domain refusal, malformed input, missing object and store failure reaches the API as a
//! [`ServiceError`]; its [`ErrorKind`] picks the status here, and no handler builds a status code by
//! hand.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

pub use crate::service::error::RETRY_AFTER_OUTAGE_SECONDS;
pub use crate::service::load::{existing, existing_for_command};
pub use crate::service::{ErrorKind, Problem, ServiceError};

/// The API's name for the service layer's error: handlers return it, and it answers as problem+json.
pub type ApiError = ServiceError;

/// The status each kind of failure answers with.
pub fn status(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Malformed => StatusCode::BAD_REQUEST,
        ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::NotSignedIn => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Gone => StatusCode::GONE,
        ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::UnsupportedType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorKind::TooMany => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The problem+json body of an error.
pub fn body(problem: &Problem) -> Value {
    let status = status(problem.kind);
    let mut body = json!({
        "type": format!("urn:grants:problem:{}", problem.code),
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": format!("{} / {}", problem.detail_ja, problem.detail_en),
        "code": problem.code,
        "detail_ja": problem.detail_ja,
        "detail_en": problem.detail_en,
    });
    if let Some(field) = &problem.field {
        body["field"] = json!(field);
    }
    if let Some(errors) = &problem.errors {
        // One `{field, code, detail_ja, detail_en}` per refusal.
        body["errors"] = errors
            .iter()
            .map(|one| {
                json!({
                    "field": one.field,
                    "code": one.code,
                    "detail_ja": one.message_ja,
                    "detail_en": one.message_en,
                })
            })
            .collect();
    }
    body
}

impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        let mut response = (
            status(self.kind),
            [(header::CONTENT_TYPE, "application/problem+json")],
            body(&self).to_string(),
        )
            .into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, seconds.into());
        }
        response
    }
}
