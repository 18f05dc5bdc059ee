//! Grants after the award: reading one (its group, staff and auditors; 404 for everyone else).

use axum::extract::State;
use axum::response::IntoResponse;
use grants_domain::account::Role;
use grants_domain::{Grant, GrantId};
use serde_json::{json, Value};

use super::error::ApiError;
use super::extract::{Json, Path};
use super::AppState;
use crate::auth::Actor;

/// The grant read of api.md. `paid_total` is what was paid net of refunds received.
pub fn grant_json(grant: &Grant) -> Value {
    json!({
        "grant_id": grant.grant_id,
        "application_id": grant.application_id,
        "status": grant.status,
        "decided_amount": grant.decided_amount(),
        "decided_on": grant.decided_on(),
        "notice_number": grant.notice_number(),
        "paid_total": grant.net_paid(),
        "finalised_amount": grant.finalised_amount,
        "refund_due": grant.refund_due(),
        "payable": grant.payable(),
        "completion_deadline": grant.completion_deadline(),
    })
}

/// `GET /api/v1/grants/{id}`.
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<GrantId>,
) -> Result<impl IntoResponse, ApiError> {
    let grant = state
        .stores
        .grants
        .load(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let insider = actor.has(Role::Staff) || actor.has(Role::Auditor);
    let member = state
        .stores
        .groups
        .load(grant.group_id)
        .await?
        .is_some_and(|group| group.is_member(actor.user_id));
    if !(insider || member) {
        return Err(ApiError::not_found());
    }
    Ok(Json(grant_json(&grant)))
}
