//! The one mapping of the service layer's errors to RFC 9457 problem+json.
//!
//! Every domain refusal, malformed input, missing object and store failure reaches the API as a
//! [`ServiceError`]; its [`ErrorKind`] picks the status here, and no handler builds a status code by
//! hand.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

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

/// RFC 9457 problem details, with a stable code and the rule in Japanese and English: the body of
/// every error answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Problem)]
pub struct ProblemDetails {
    /// `urn:grants:problem:<code>`.
    #[schema(example = "urn:grants:problem:request.not_found")]
    r#type: String,
    #[schema(example = "Not Found")]
    title: &'static str,
    #[schema(example = 404)]
    status: u16,
    /// `detail_ja / detail_en`.
    detail: String,
    #[schema(example = "request.not_found")]
    code: String,
    detail_ja: String,
    detail_en: String,
    /// The input field the rule is about, when it names one (`title`, `requested_amount`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "requested_amount")]
    field: Option<String>,
    /// Every refusal of an input field found at once, each beside its field in a form: on 422
    /// answers to a refused command (one entry or more; `code`, `field` and `detail_*` above
    /// are those of the first).
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<FieldError>>,
}

/// One refusal of an input field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldError {
    /// The body's field (`email`, `member_count`, `summary`), or null when the rule names none.
    #[schema(example = "email")]
    field: Option<&'static str>,
    #[schema(example = "group.malformed_email")]
    code: &'static str,
    detail_ja: String,
    detail_en: String,
}

/// The problem+json body of an error.
pub fn body(problem: &Problem) -> ProblemDetails {
    let status = status(problem.kind);
    ProblemDetails {
        r#type: format!("urn:grants:problem:{}", problem.code),
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail: format!("{} / {}", problem.detail_ja, problem.detail_en),
        code: problem.code.clone(),
        detail_ja: problem.detail_ja.clone(),
        detail_en: problem.detail_en.clone(),
        field: problem.field.as_ref().map(|field| field.to_string()),
        errors: problem.errors.as_ref().map(|errors| {
            errors
                .iter()
                .map(|one| FieldError {
                    field: one.field,
                    code: one.code,
                    detail_ja: one.message_ja.clone(),
                    detail_en: one.message_en.clone(),
                })
                .collect()
        }),
    }
}

impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        let mut response = (
            status(self.kind),
            [(header::CONTENT_TYPE, "application/problem+json")],
            serde_json::to_string(&body(&self)).expect("a problem serialises"),
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
