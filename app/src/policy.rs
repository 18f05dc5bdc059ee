//! Who may call what: the role each route requires, checked before anything of the request is read.
//!
//! A route names its guard in its signature (`Staff(actor): Staff`), so the role check runs as an
//! extractor, before the path's object is loaded and before the body is parsed: a caller without the
//! role gets 401 (not signed in) or 403 (wrong role), never a hint about the body's shape. Whether the
//! caller may touch one particular object (their own group's application, their committee's round) is
//! decided with the object, and answers 404 so that nobody learns what exists
//! (`http::groups::visible_group`, `http::applications::visible_application`,
//! `http::grants::visible_grant`, `http::reviews::committee_context`).
//!
//! | role | may |
//! |---|---|
//! | applicant | register groups, draft/submit/withdraw their groups' applications, act on their groups' grants |
//! | reviewer | declare conflicts and score on their committees' applications; rankings once unsealed |
//! | staff | everything except scoring |
//! | auditor | read everything, change nothing |
//! | public | open calls, the public list, sign-up and sign-in |

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use grants_domain::account::Role;

use crate::auth::Actor;
use crate::http::error::ApiError;
use crate::http::AppState;

macro_rules! guard {
    ($(#[$doc:meta])* $name:ident, [$($role:expr),+]) => {
        $(#[$doc])*
        pub struct $name(pub Actor);

        impl $name {
            pub const ROLES: &'static [Role] = &[$($role),+];
        }

        impl FromRequestParts<AppState> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, Self::Rejection> {
                let actor = Actor::from_request_parts(parts, state).await?;
                if Self::ROLES.iter().any(|role| actor.has(*role)) {
                    Ok($name(actor))
                } else {
                    Err(ApiError::forbidden())
                }
            }
        }
    };
}

guard!(
    /// City staff (市民協働推進課).
    Staff,
    [Role::Staff]
);
guard!(
    /// A member of a citizen group.
    Applicant,
    [Role::Applicant]
);
guard!(
    /// A review committee member (審査委員).
    Reviewer,
    [Role::Reviewer]
);
guard!(
    /// Those who read the whole history: auditors and staff.
    Overseer,
    [Role::Auditor, Role::Staff]
);
