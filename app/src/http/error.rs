//! One error type for the HTTP layer and its one mapping to RFC 9457 problem+json.
//!
//! Every domain refusal, malformed input, missing object and store failure becomes a `Problem` here;
//! no handler builds a status code by hand. Internal failures are logged with their cause and answered
//! with a generic 500 that reveals nothing.

use std::borrow::Cow;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use grants_domain::{FieldRefusal, Refusal, RefusalKind};
use serde_json::{json, Value};

use crate::store::StoreError;

/// How long a client is asked to wait before retrying during a database outage.
pub const RETRY_AFTER_OUTAGE_SECONDS: u64 = 2;

/// An error answer (boxed: it travels in every handler's `Result`).
#[derive(Debug)]
pub struct ApiError(Box<Problem>);

/// The content of an error answer: a status, a stable code and the rule in Japanese and English.
#[derive(Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub code: String,
    pub title: &'static str,
    pub detail_ja: String,
    pub detail_en: String,
    /// The input field the problem is about, when the rule names one (for forms).
    pub field: Option<Cow<'static, str>>,
    pub errors: Option<Value>,
    /// Seconds to wait, sent as `Retry-After` (429 and 503 answers).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: impl Into<String>,
        detail_ja: impl Into<String>,
        detail_en: impl Into<String>,
    ) -> Self {
        ApiError(Box::new(Problem {
            status,
            code: code.into(),
            title: status.canonical_reason().unwrap_or("Error"),
            detail_ja: detail_ja.into(),
            detail_en: detail_en.into(),
            field: None,
            errors: None,
            retry_after: None,
        }))
    }

    /// Names the input field the problem is about (shown beside that field in forms).
    pub fn with_field(mut self, field: &'static str) -> Self {
        self.0.field = Some(Cow::Borrowed(field));
        self
    }

    /// Names an input field known only at run time (the body field a malformed value sits in).
    pub fn with_field_name(mut self, field: String) -> Self {
        self.0.field = Some(Cow::Owned(field));
        self
    }

    pub fn with_errors(mut self, errors: Value) -> Self {
        self.0.errors = Some(errors);
        self
    }

    /// Too many failed attempts: try again after `wait`.
    pub fn too_many_attempts(wait: std::time::Duration) -> Self {
        let seconds = wait.as_secs().max(1);
        let mut error = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "auth.too_many_attempts",
            format!("ログインの失敗が続いたため、{seconds}秒後にもう一度お試しください"),
            format!("too many failed sign-ins; try again in {seconds} s"),
        );
        error.0.retry_after = Some(seconds);
        error
    }

    /// Too many sign-ups from one address: try again after `wait`.
    pub fn too_many_sign_ups(wait: std::time::Duration) -> Self {
        let seconds = wait.as_secs().max(1);
        let mut error = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "auth.too_many_sign_ups",
            format!("同じ接続元からの登録が続いたため、{seconds}秒後にもう一度お試しください"),
            format!("too many sign-ups from this address; try again in {seconds} s"),
        );
        error.0.retry_after = Some(seconds);
        error
    }

    pub fn bad_request(detail_ja: impl Into<String>, detail_en: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "request.malformed",
            detail_ja,
            detail_en,
        )
    }

    pub fn invalid(
        code: impl Into<String>,
        detail_ja: impl Into<String>,
        detail_en: impl Into<String>,
    ) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail_ja, detail_en)
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "request.not_found",
            "指定されたものは見つかりません",
            "the requested object does not exist",
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "auth.not_signed_in",
            "ログインしてください",
            "sign in first",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "auth.forbidden",
            "この操作を行う権限がありません",
            "you may not do this",
        )
    }

    pub fn conflict(
        code: impl Into<String>,
        detail_ja: impl Into<String>,
        detail_en: impl Into<String>,
    ) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail_ja, detail_en)
    }

    /// A failure that is ours, not the client's: logged in full, answered without detail.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server.internal",
            "サーバーで問題が発生しました。時間をおいて再度お試しください",
            "the server failed; please try again later",
        )
    }

    /// The database is out of reach for now (down, restarting, every connection busy): 503 with
    /// `Retry-After`, so that clients retry; nothing was changed that the retry would double (see
    /// `docs/operations.md`, Idempotency).
    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %cause, "database unavailable");
        let mut error = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server.unavailable",
            "ただいまデータベースに接続できません。しばらくしてから再度お試しください",
            "the database is unavailable; please try again shortly",
        );
        error.0.retry_after = Some(RETRY_AFTER_OUTAGE_SECONDS);
        error
    }

    /// A domain refusal, with the status its kind calls for.
    pub fn refused(refusal: &dyn Refusal) -> Self {
        let status = match (refusal.code(), refusal.kind()) {
            // A file over its limit, or of a type not accepted: the statuses HTTP has for them.
            ("attachment.file_too_large", _) => StatusCode::PAYLOAD_TOO_LARGE,
            ("attachment.unsupported_type", _) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            (_, RefusalKind::State) => StatusCode::CONFLICT,
            (_, RefusalKind::Rule | RefusalKind::Invalid) => StatusCode::UNPROCESSABLE_ENTITY,
        };
        let mut error = Self::new(
            status,
            refusal.code(),
            refusal.message_ja(),
            refusal.message_en(),
        );
        error.0.field = refusal.field().map(Cow::Borrowed);
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            error.0.errors = Some(errors_json(&refusal.each()));
        }
        error
    }

    /// Several refusals of one body's fields found at once (values that could not be read, and
    /// what the domain's checks said about the others): 422, the first as `code` and `field`,
    /// every one in `errors`.
    pub fn invalid_fields(found: &[FieldRefusal]) -> Self {
        let Some(first) = found.first() else {
            return Self::invalid(
                "request.invalid_field",
                "入力項目の型・値または項目名が正しくありません",
                "invalid field",
            );
        };
        let ja: Vec<&str> = found.iter().map(|one| one.message_ja.as_str()).collect();
        let en: Vec<&str> = found.iter().map(|one| one.message_en.as_str()).collect();
        let mut error = Self::invalid(first.code, ja.join("。"), en.join("; "));
        error.0.field = first.field.map(Cow::Borrowed);
        error.0.errors = Some(errors_json(found));
        error
    }
}

/// The `errors` member: one `{field, code, detail_ja, detail_en}` per refusal.
fn errors_json(found: &[FieldRefusal]) -> Value {
    found
        .iter()
        .map(|one| {
            json!({
                "field": one.field,
                "code": one.code,
                "detail_ja": one.message_ja,
                "detail_en": one.message_en,
            })
        })
        .collect()
}

impl Problem {
    /// The problem+json body.
    pub fn body(&self) -> Value {
        let mut body = json!({
            "type": format!("urn:grants:problem:{}", self.code),
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": format!("{} / {}", self.detail_ja, self.detail_en),
            "code": self.code,
            "detail_ja": self.detail_ja,
            "detail_en": self.detail_en,
        });
        if let Some(field) = &self.field {
            body["field"] = json!(field);
        }
        if let Some(errors) = &self.errors {
            body["errors"] = errors.clone();
        }
        body
    }
}

impl std::ops::Deref for ApiError {
    type Target = Problem;
    fn deref(&self) -> &Problem {
        &self.0
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body().to_string();
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
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

impl<E: Refusal> From<StoreError<E>> for ApiError {
    fn from(error: StoreError<E>) -> Self {
        match error {
            StoreError::Refused(refusal) => ApiError::refused(&refusal),
            StoreError::Conflict => ApiError::conflict(
                "store.concurrent_change",
                "同時に別の変更が行われました。もう一度お試しください",
                "a concurrent change won; please try again",
            ),
            StoreError::Unavailable(cause) => ApiError::unavailable(cause),
            StoreError::Storage(cause) => ApiError::internal(cause),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        if grants_projections::is_outage(&error) {
            ApiError::unavailable(error)
        } else {
            ApiError::internal(error)
        }
    }
}

impl From<grants_projections::ProjectionError> for ApiError {
    fn from(error: grants_projections::ProjectionError) -> Self {
        if error.is_outage() {
            ApiError::unavailable(error)
        } else {
            ApiError::internal(error)
        }
    }
}

impl From<crate::audit::AuditError> for ApiError {
    fn from(error: crate::audit::AuditError) -> Self {
        match error {
            crate::audit::AuditError::Log(error) => error.into(),
            other => ApiError::internal(other),
        }
    }
}

/// An aggregate that must exist: 404 for an id with no events.
pub async fn existing<A>(
    store: &crate::store::Store<A>,
    id: impl std::fmt::Display,
) -> Result<A, ApiError>
where
    A: cqrs_es::Aggregate<Services = ()> + Clone,
    A::Command: Clone,
    A::Error: Refusal,
{
    store.load(id).await?.ok_or_else(ApiError::not_found)
}

/// An aggregate loaded for a command (`Store::load_for_command`), or 404 when it has no events.
pub async fn existing_for_command<A>(
    store: &crate::store::Store<A>,
    id: impl std::fmt::Display,
) -> Result<crate::store::Loaded<A>, ApiError>
where
    A: cqrs_es::Aggregate<Services = ()> + Clone,
    A::Command: Clone,
    A::Error: Refusal,
{
    let loaded = store.load_for_command(id).await?;
    match loaded.state() {
        Some(_) => Ok(loaded),
        None => Err(ApiError::not_found()),
    }
}
