//! Password reset by an e-mailed one-time link (`crate::auth::reset`): ask for a link, then use it.
//! Extensions of api.md.

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

/// The body of `POST /api/v1/password-resets`: the address to mail a reset link to.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// The account's e-mail address.
    email: String,
}

/// `POST /api/v1/password-resets`: mails a one-time link to the account with this address, if
/// there is one. The answer is the same either way.
#[utoipa::path(
    post,
    path = "/api/v1/password-resets",
    operation_id = "accounts_request_password_reset",
    tag = "accounts",
    summary = "パスワード再設定のリンクの送信 / mail a password reset link",
    request_body = ResetRequest,
    security(()),
    responses(
        (status = 202, description = "accepted: a link is mailed if the address has an account (valid 30 minutes, once)", body = Accepted),
        (status = 429, description = "too many requests for this address or from this client", body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn request(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Json(body): Json<ResetRequest>,
) -> Result<impl IntoResponse, ApiError> {
    crate::service::password_reset::request(&state, &body.email, client).await?;
    Ok((StatusCode::ACCEPTED, Json(Accepted { accepted: true })))
}

/// The body of `POST /api/v1/password-resets/confirm`: the mailed link's token and the new
/// password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirmation {
    /// The token of the mailed link.
    token: String,
    /// The new password (12 to 256 characters, not a common one).
    password: String,
}

/// `POST /api/v1/password-resets/confirm`: sets a new password with a mailed link; the link is
/// then used, the account's other links void and its sessions ended, and the account records
/// `PasswordReset` (no secret in it).
#[utoipa::path(
    post,
    path = "/api/v1/password-resets/confirm",
    operation_id = "accounts_confirm_password_reset",
    tag = "accounts",
    summary = "パスワードの再設定 / set a new password with a mailed link",
    request_body = ResetConfirmation,
    security(()),
    responses(
        (status = 204, description = "the password is replaced; sign in with it"),
        (status = 410, description = "the link has expired or was used (account.reset_link_expired, account.reset_link_used)", body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "an unknown link (account.reset_link_unknown) or a weak password (account.weak_password)", body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn confirm(
    State(state): State<AppState>,
    context: CommandContext,
    Json(body): Json<ResetConfirmation>,
) -> Result<impl IntoResponse, ApiError> {
    crate::service::password_reset::confirm(&state, &context, &body.token, body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
