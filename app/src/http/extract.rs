//! Extractors that turn malformed input into problem+json instead of axum's plain-text rejections:
//! malformed JSON 400, wrong types and unknown fields 422, a wrong content type 415, too large 413,
//! a malformed id in the path 404 (an object with such an id cannot exist).

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;

use super::error::{ApiError, ErrorKind};

/// A JSON body with problem+json rejections. The body is first checked to be well-formed JSON (400),
/// and only then read into `T` (422 for wrong types, unknown fields, out-of-range values): serde
/// alone would report an unknown field of a truncated body before noticing that it is truncated.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(request, state).await?;
        parse(&bytes).map(Json)
    }
}

/// A JSON body that may also be absent (an empty body): for commands whose body api.md leaves out,
/// such as a grant's withdrawal, where the body only adds an optional reason.
#[derive(Debug, Clone, Default)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T, S> FromRequest<S> for OptionalJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let has_body = request
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .is_none_or(|length| length != "0");
        if !has_body
            || request
                .headers()
                .get(axum::http::header::CONTENT_TYPE)
                .is_none()
        {
            let bytes = axum::body::Bytes::from_request(request, state)
                .await
                .map_err(|_| too_large())?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJson(None));
            }
            return Err(JsonRejection::MissingJsonContentType(Default::default()).into());
        }
        let bytes = body_bytes(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        parse(&bytes).map(|value| OptionalJson(Some(value)))
    }
}

/// The body of a request declared as JSON, within the size limit.
async fn body_bytes<S: Send + Sync>(
    request: axum::extract::Request,
    state: &S,
) -> Result<axum::body::Bytes, ApiError> {
    let is_json = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        });
    if !is_json {
        return Err(JsonRejection::MissingJsonContentType(Default::default()).into());
    }
    let _ = state;
    read_limited(request.into_body(), super::BODY_LIMIT_BYTES).await
}

/// Well-formed JSON first (400), then the shape of `T` (422).
fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if let Err(error) = serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
        return Err(ApiError::bad_request(
            "JSONの形式が正しくありません",
            format!("malformed JSON: {error}"),
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        // The body's top-level field the bad value sits in (`amount`, or `expenses` for a
        // receipt line's date), so that a form shows the message beside it. An unknown or a
        // missing field of the body itself has no such field.
        let field = match error.path().iter().next() {
            Some(serde_path_to_error::Segment::Map { key }) => Some(key.clone()),
            _ => None,
        };
        let problem = ApiError::invalid(
            "request.invalid_field",
            "入力項目の型・値または項目名が正しくありません",
            format!("invalid field: {error}"),
        );
        match field {
            Some(field) => problem.with_field_name(field),
            None => problem,
        }
    })?;
    deserializer.end().map_err(|error| {
        ApiError::bad_request(
            "JSONの形式が正しくありません",
            format!("malformed JSON: {error}"),
        )
    })?;
    Ok(value)
}

fn too_large() -> ApiError {
    ApiError::new(
        ErrorKind::TooLarge,
        "request.too_large",
        "送信された内容が大きすぎます",
        "the request body is too large",
    )
}

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Path` with a 404 for ids that cannot exist.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// `axum::extract::Query` with problem+json rejections.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let detail = rejection.body_text();
        match rejection {
            JsonRejection::JsonSyntaxError(_) => ApiError::bad_request(
                "JSONの形式が正しくありません",
                format!("malformed JSON: {detail}"),
            ),
            JsonRejection::JsonDataError(_) => ApiError::invalid(
                "request.invalid_field",
                "入力項目の型・値または項目名が正しくありません",
                format!("invalid field: {detail}"),
            ),
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                ErrorKind::UnsupportedType,
                "request.content_type",
                "Content-Type: application/json で送信してください",
                "send the body as application/json",
            ),
            _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => too_large(),
            _ => ApiError::bad_request("リクエストを読み取れません", detail),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        ApiError::not_found()
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request(
            "検索条件が正しくありません",
            format!("invalid query: {}", rejection.body_text()),
        )
    }
}

/// The most of an oversized body read (and dropped) before answering 413: reading it lets the client
/// finish sending and see the answer, instead of a connection reset.
const DRAIN_LIMIT_BYTES: usize = 8 * 1024 * 1024;

/// Why a body could not be taken in.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// Larger than the limit (it was drained up to `DRAIN_LIMIT_BYTES`).
    TooLarge,
    /// The connection failed while sending it.
    Unreadable(String),
}

/// Reads a body of at most `limit` bytes; a larger one is drained (up to `DRAIN_LIMIT_BYTES`, so
/// that the client finishes sending and sees the answer) and refused. Shared by the API's bodies
/// and the pages' forms (`web::form::PageForm`), which answer the refusal each in their own way.
pub(crate) async fn read_capped(
    body: axum::body::Body,
    limit: usize,
) -> Result<axum::body::Bytes, BodyError> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut collected = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|error| BodyError::Unreadable(error.to_string()))?;
        seen += chunk.len();
        if seen <= limit {
            collected.extend_from_slice(&chunk);
        } else if seen > DRAIN_LIMIT_BYTES {
            break;
        }
    }
    if seen > limit {
        return Err(BodyError::TooLarge);
    }
    Ok(collected.into())
}

/// [`read_capped`] with the API's answers: 413, or 400 for a body that could not be read.
pub(crate) async fn read_limited(
    body: axum::body::Body,
    limit: usize,
) -> Result<axum::body::Bytes, ApiError> {
    read_capped(body, limit).await.map_err(|error| match error {
        BodyError::TooLarge => too_large(),
        BodyError::Unreadable(cause) => ApiError::bad_request("リクエストを読み取れません", cause),
    })
}

/// A body field read on its own: a value of the wrong type (a negative or a non-numeric count, a
/// malformed date) does not refuse the whole body, so that the handler can report it together with
/// what the domain's checks say about the other fields ([`ApiError::invalid_fields`]). The OpenAPI
/// document shows the field as `T` (`#[schema(value_type = T)]`).
#[derive(Debug, Clone)]
pub struct Lenient<T>(pub Option<T>);

impl<'de, T: serde::de::DeserializeOwned> serde::Deserialize<'de> for Lenient<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Ok(Lenient(serde_json::from_value(value).ok()))
    }
}

impl<T: Default> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(Some(T::default()))
    }
}

pub use crate::service::error::unreadable;
