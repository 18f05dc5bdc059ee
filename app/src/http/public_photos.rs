//! Activity photos the public may see (issue 17): an activity photo of a settlement report that its
//! group marked public, once staff accepted the report (`Grant::public_photos`, the domain's rule),
//! on an award the public list holds. Nothing else attached to anything ever appears here: not a
//! receipt, not an unmarked photo, not the file's name (it may name a person).

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use grants_domain::{AttachmentId, Grant, GrantId};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::ApiError;
use super::extract::Path;
use super::AppState;
use crate::service::load::existing;

/// A public activity photo: its address and what identifies its bytes, never its file name.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PublicPhoto {
    pub id: uuid::Uuid,
    /// `image/jpeg` or `image/png`.
    pub media_type: String,
    /// In bytes.
    pub size: u64,
    /// The content's SHA-256, 64 lowercase hex digits.
    pub sha256: String,
    /// Where the public fetches it.
    pub href: String,
}

/// The grant behind a public award, or `None` when it cannot be loaded (then it shows no photo).
async fn grant(state: &AppState, grant_id: GrantId) -> Option<Grant> {
    existing(&state.stores.grants, grant_id).await.ok()
}

/// The photos the public may see on the award `grant_id` (which the public list holds).
pub async fn photos_of(state: &AppState, grant_id: GrantId) -> Vec<PublicPhoto> {
    let Some(grant) = grant(state, grant_id).await else {
        return Vec::new();
    };
    grant
        .public_photos()
        .into_iter()
        .map(|one| {
            let file = &one.attachment;
            PublicPhoto {
                id: file.id.as_uuid(),
                media_type: file.media_type.as_mime().to_owned(),
                size: file.size,
                sha256: file.sha256.as_str().to_owned(),
                href: format!("/api/v1/public/awards/{grant_id}/photos/{}", file.id),
            }
        })
        .collect()
}

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
    // Only an award the public list holds (a withdrawn or unknown grant is not there).
    grants_projections::awards::find(&state.db, &grant_id.to_string())
        .await
        .map_err(ApiError::from)?
        .ok_or_else(ApiError::not_found)?;
    let grant = grant(&state, grant_id)
        .await
        .ok_or_else(ApiError::not_found)?;
    let file = grant
        .public_photos()
        .into_iter()
        .map(|one| one.attachment.clone())
        .find(|file| file.id == photo_id)
        .ok_or_else(ApiError::not_found)?;
    let bytes = state.blobs.read(&file.sha256).await?;
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
