//! Activity photos the public may see (issue 17), served with their type and checksum; which photos
//! are public is `crate::service::public`'s (the domain's rule).

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use grants_domain::{AttachmentId, GrantId};

use super::error::ApiError;
use super::extract::Path;
use super::AppState;
use crate::service::public;

/// `GET /api/v1/public/awards/{id}/photos/{photo_id}`: a public activity photo, checked against its
/// SHA-256; 404 for anything else.
#[utoipa::path(
    get,
    path = "/api/v1/public/awards/{id}/photos/{photo_id}",
    operation_id = "public_award_photo",
    tag = "public",
    summary = "交付決定事業の公開写真 / an activity photo the group made public (checksum verified)",
    params(
        ("id" = uuid::Uuid, Path, description = "the grant"),
        ("photo_id" = uuid::Uuid, Path, description = "the photo (an attachment id)"),
    ),
    security(()),
    responses(
        (status = 200, description = "the photo (image/jpeg or image/png), inline"),
        (status = 404, description = "no such public photo: never one the group did not mark public, nor before staff accepted the report", body = super::openapi::Problem),
    ),
)]
pub async fn photo(
    State(state): State<AppState>,
    Path((grant_id, photo_id)): Path<(GrantId, AttachmentId)>,
) -> Result<Response, ApiError> {
    let (file, bytes) = public::photo(&state, grant_id, photo_id).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.media_type.as_mime()),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"sha256-{}\"", file.sha256)) {
        headers.insert(header::ETAG, etag);
    }
    Ok(response)
}
