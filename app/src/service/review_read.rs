//! The review read: a committee member's own scoresheet on one application, built from the review
//! aggregate in one place; its OpenAPI schema is derived from this type.

use std::collections::BTreeMap;

use grants_domain::criteria::Score;
use grants_domain::review::Review;
use grants_domain::{ApplicationId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

/// A committee member's own scoresheet.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = ReviewSheet)]
pub struct ReviewRead {
    /// The application scored; null before the sheet's first event.
    pub application_id: Option<ApplicationId>,
    /// The committee member whose sheet this is; null before the sheet's first event.
    pub reviewer_id: Option<UserId>,
    /// null before the declaration.
    pub conflict: Option<bool>,
    /// The reviewer's note on the conflict declaration.
    pub note: String,
    /// Points by criterion key.
    pub scores: BTreeMap<String, Score>,
    /// The reviewer's comment on the application.
    pub comment: String,
    /// Whether the reviewer sealed the sheet (no changes after).
    pub sealed: bool,
    /// The sealed total; null until sealed.
    pub total: Option<u32>,
    /// Present on the answer to a command: the log position of its last event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
}

impl ReviewRead {
    /// The read of `review`.
    pub fn of(review: &Review) -> Self {
        ReviewRead {
            application_id: review.application_id,
            reviewer_id: review.reviewer_id,
            conflict: review.conflict,
            note: review.note.clone(),
            scores: review.scores.clone(),
            comment: review.comment.clone(),
            sealed: review.is_sealed(),
            total: review.sealed_total,
            position: None,
        }
    }
}
