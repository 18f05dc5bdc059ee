//! E-mail address verification (`crate::auth::verification`): use a mailed link, or ask for a new
//! one. Extensions of api.md.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::ToSchema;

use super::answers::Accepted;
use super::caller::ClientAddr;
use super::context::CommandContext;
use super::error::ApiError;
use super::extract::Json;
use super::AppState;
use crate::auth::{verification, Actor};

/// The body of `POST /api/v1/email-verifications`: the mailed link's token.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    /// The token of the mailed link.
    token: String,
}

/// `POST /api/v1/email-verifications`: proves the address with the mailed link; the account
/// records `EmailVerified`.
#[utoipa::path(
    post,
    path = "/api/v1/email-verifications",
    operation_id = "accounts_verify_email",
    tag = "accounts",
    summary = "メールアドレスの確認 / verify the e-mail address with a mailed link",
    request_body = Verification,
    security(()),
    responses(
        (status = 204, description = "the address is verified"),
        (status = 410, description = "the link has expired (7 days) or was used (account.verification_link_expired, account.verification_link_used)", body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "an unknown link (account.verification_link_unknown)", body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn verify(
    State(state): State<AppState>,
    context: CommandContext,
    Json(body): Json<Verification>,
) -> Result<impl IntoResponse, ApiError> {
    verification::confirm(&state, &body.token, &context).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/sessions/current/email-verification`: mails the signed-in user a new link.
#[utoipa::path(
    post,
    path = "/api/v1/sessions/current/email-verification",
    operation_id = "accounts_resend_verification",
    tag = "accounts",
    summary = "確認のメールの再送 / mail a new verification link",
    responses(
        (status = 202, description = "a new link is mailed (valid 7 days, once)", body = Accepted),
        (status = 409, description = "the address is already verified (account.email_already_verified)", body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 429, description = "too many requests", body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn resend(
    State(state): State<AppState>,
    actor: Actor,
    ClientAddr(client): ClientAddr,
) -> Result<impl IntoResponse, ApiError> {
    verification::resend(&state, &actor, client).await?;
    Ok((StatusCode::ACCEPTED, Json(Accepted { accepted: true })))
}
