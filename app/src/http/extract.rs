//! Extractors that turn malformed input into problem+json instead of axum's plain-text rejections:
//! malformed JSON 400, wrong types and unknown fields 422, a wrong content type 415, too large 413,
//! a malformed id in the path 404 (an object with such an id cannot exist).

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;

use super::error::ApiError;

/// `axum::Json` with problem+json rejections.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

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
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "request.content_type",
                "Content-Type: application/json で送信してください",
                "send the body as application/json",
            ),
            _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request.too_large",
                "送信された内容が大きすぎます",
                "the request body is too large",
            ),
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
