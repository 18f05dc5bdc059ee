//! Who is calling: the extractors that read the caller from a request (`Authorization: Bearer`) and
//! the role guards of `crate::policy` (`Staff(actor): Staff` in a handler's signature), so the role
//! check runs before the path's object is loaded and before the body is parsed.

use std::net::IpAddr;

use crate::auth::{totp, Actor, ClientIp};
use crate::policy::{Applicant, GroupHelper, Overseer, Reviewer, Staff};
use crate::service::caller::{signed_in, Enrolment};
use crate::service::ServiceError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The bearer token of a request, if any.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|token| !token.is_empty())
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = ServiceError;

    /// A signed-in caller, or 401.
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers).ok_or_else(ServiceError::unauthorized)?;
        let enrolment = if totp::open_before_enrolment(parts.uri.path()) {
            Enrolment::NotRequired
        } else {
            Enrolment::Required
        };
        signed_in(state, token, enrolment).await
    }
}

/// The caller if signed in, or nobody (the public); a bad token is still a 401.
pub struct MaybeActor(pub Option<Actor>);

impl FromRequestParts<AppState> for MaybeActor {
    type Rejection = ServiceError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if bearer_token(&parts.headers).is_none() {
            return Ok(MaybeActor(None));
        }
        Actor::from_request_parts(parts, state)
            .await
            .map(|actor| MaybeActor(Some(actor)))
    }
}

macro_rules! guard_extractor {
    ($($guard:ident),+) => {$(
        impl FromRequestParts<AppState> for $guard {
            type Rejection = ServiceError;

            /// A signed-in caller with one of the guard's roles: 401 without one, 403 with another.
            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, Self::Rejection> {
                $guard::admit(Actor::from_request_parts(parts, state).await?)
            }
        }
    )+};
}

guard_extractor!(Staff, Applicant, GroupHelper, Reviewer, Overseer);

/// The client's address, if known (absent for in-process calls that carry none).
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts.extensions.get::<ClientIp>().map(|client| client.0),
        ))
    }
}
