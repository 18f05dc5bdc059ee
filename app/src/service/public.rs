//! What the public reads: the list of awarded projects (rule 12: group name, project, course, fiscal
//! year, amounts and dates; never a person's name, address, phone or e-mail, never a score), one
//! award with the activity photos its group made public, the list's filters and its exports.
//!
//! Activity photos (issue 17): an activity photo of a settlement report that its group marked
//! public, once staff accepted the report (`Grant::public_photos`, the domain's rule), on an award
//! the public list holds. Nothing else attached to anything ever appears here: not a receipt, not
//! an unmarked photo, not the file's name (it may name a person).

use bytes::Bytes;
use grants_domain::attachment::Attachment;
use grants_domain::{AttachmentId, Grant, GrantId};
use grants_projections::awards::{Award, AwardQuery};
use grants_projections::public::Publisher;
use serde::Serialize;
use utoipa::ToSchema;

use super::load::existing;
use super::ServiceError;
use crate::state::AppState;

/// A public activity photo: its address and what identifies its bytes, never its file name.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PublicPhoto {
    /// The attachment's id (what its address names).
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

/// One award as the public reads it: the list's row and the activity photos its group made public.
#[derive(Serialize, ToSchema)]
#[schema(as = PublicAwardRead)]
pub struct AwardRead {
    /// The public row of the award (flattened into this object).
    #[serde(flatten)]
    pub award: Award,
    /// The activity photos its group marked public on the settlement report, once staff accepted
    /// it; no other attached file is ever listed.
    pub photos: Vec<PublicPhoto>,
}

/// The filter options of the public list.
#[derive(Serialize, ToSchema)]
pub struct AwardFilters {
    /// The fiscal years of the opened rounds, newest first.
    pub fiscal_years: Vec<i32>,
    /// The course names of the opened rounds.
    pub courses: Vec<String>,
}

/// One page of the list (or the whole of it), ordered by award date and grant.
pub async fn awards(state: &AppState, query: &AwardQuery<'_>) -> Result<Vec<Award>, ServiceError> {
    Ok(grants_projections::awards::list(&state.db, query).await?)
}

/// One awarded project with its public photos; not found unless the public list holds it.
pub async fn award(state: &AppState, grant_id: GrantId) -> Result<AwardRead, ServiceError> {
    let award = grants_projections::awards::find(&state.db, &grant_id.to_string())
        .await?
        .ok_or_else(ServiceError::not_found)?;
    let photos = photos_of(state, grant_id).await;
    Ok(AwardRead { award, photos })
}

/// The fiscal years and courses the list can be filtered by.
pub async fn filters(state: &AppState) -> Result<AwardFilters, ServiceError> {
    let (fiscal_years, courses) =
        grants_projections::directory::years_and_courses(&state.db).await?;
    Ok(AwardFilters {
        fiscal_years,
        courses,
    })
}

/// The list as a 360Giving 1.4.3 package, issued today (the service's clock, in JST).
pub fn three_sixty_giving(state: &AppState, awards: &[Award]) -> serde_json::Value {
    let issued = grants_domain::fiscal_year::jst_date(state.clock.now());
    let publisher = Publisher::placeholder(state.city_name.clone(), issued);
    grants_projections::public::three_sixty_giving(awards, &publisher)
}

/// The grant behind a public award, or `None` when it cannot be loaded (then it shows no photo).
async fn grant(state: &AppState, grant_id: GrantId) -> Option<Grant> {
    existing(&state.stores.grants, grant_id).await.ok()
}

/// The photos the public may see on the award `grant_id` (which the public list holds).
async fn photos_of(state: &AppState, grant_id: GrantId) -> Vec<PublicPhoto> {
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

/// A public activity photo and its bytes, checked against its SHA-256; not found for anything
/// else (a withdrawn or unknown grant, a file not marked public, a report not yet accepted).
pub async fn photo(
    state: &AppState,
    grant_id: GrantId,
    photo_id: AttachmentId,
) -> Result<(Attachment, Bytes), ServiceError> {
    // Only an award the public list holds.
    grants_projections::awards::find(&state.db, &grant_id.to_string())
        .await?
        .ok_or_else(ServiceError::not_found)?;
    let grant = grant(state, grant_id)
        .await
        .ok_or_else(ServiceError::not_found)?;
    let file = grant
        .public_photos()
        .into_iter()
        .map(|one| one.attachment.clone())
        .find(|file| file.id == photo_id)
        .ok_or_else(ServiceError::not_found)?;
    let bytes = state.blobs.read(&file.sha256).await?;
    Ok((file, bytes))
}
