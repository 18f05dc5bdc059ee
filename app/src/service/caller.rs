//! Who is calling, for every adapter: a session token turned into the signed-in [`Actor`], with the
//! one check every use case needs before it runs (staff and auditors enrol a second factor first).
//! The JSON API reads the token from `Authorization: Bearer` (`crate::http::caller`), the pages from
//! their session cookie (`crate::web::caller`); both end here.

use grants_domain::account::Role;
use time::OffsetDateTime;

use super::ServiceError;
use crate::auth::{actor_for_token, totp, Actor};
use crate::state::AppState;

/// Whether what the caller asks for is open to staff and auditors who have not yet enrolled a
/// second factor (signing out, enrolling, verifying the address: `totp::open_before_enrolment`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enrolment {
    /// Only enrolled staff and auditors may go on (every use case but the few below).
    Required,
    /// Open before enrolment.
    NotRequired,
}

/// The actor signed in under `token`, or 401 (`NotSignedIn`) for an unknown, expired or revoked
/// session; 403 for staff and auditors who must enrol a second factor first.
pub async fn signed_in(
    state: &AppState,
    token: &str,
    enrolment: Enrolment,
) -> Result<Actor, ServiceError> {
    let actor = actor_for_token(&state.db, &state.sessions, token, OffsetDateTime::now_utc())
        .await?
        .ok_or_else(ServiceError::unauthorized)?;
    if enrolment == Enrolment::Required
        && state.require_staff_totp
        && (actor.has(Role::Staff) || actor.has(Role::Auditor))
        && !totp::enrolled(&state.db, actor.user_id).await?
    {
        return Err(totp::enrolment_required());
    }
    Ok(actor)
}
