//! Enrolling a second factor (`crate::auth::totp`). Extensions of api.md.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use grants_domain::UserId;

use super::answers::Recorded;
use super::context::CommandContext;
use super::error::ApiError;
use super::extract::{Json, Path};
use super::openapi as doc;
use super::AppState;
use crate::auth::{totp, Actor};
use crate::policy::Staff;
use crate::service::second_factor;

/// `POST /api/v1/sessions/current/totp`: starts enrolment with a fresh secret (shown once).
#[utoipa::path(
    post,
    path = "/api/v1/sessions/current/totp",
    operation_id = "accounts_begin_totp",
    tag = "accounts",
    summary = "2段階認証の設定開始 / start enrolling a TOTP second factor",
    responses(
        (status = 201, description = "the secret for the authenticator app, as base32 and an otpauth:// URI", body = totp::Enrolment),
        (status = 409, description = "already enrolled (auth.totp_already_enrolled)", body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn begin(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<impl IntoResponse, ApiError> {
    let enrolment = second_factor::begin(&state, &actor).await?;
    Ok((StatusCode::CREATED, Json(enrolment)))
}

/// The body of `POST /api/v1/sessions/current/totp/confirm`: the app's code that confirms
/// enrolment.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpConfirmation {
    /// The authenticator app's current 6-digit code.
    code: String,
}

/// The answer to a confirmed enrolment.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Ten codes, each usable once instead of a code from the app; shown only now.
    recovery_codes: Vec<String>,
}

/// `POST /api/v1/sessions/current/totp/confirm`: confirms enrolment with a code from the app;
/// answers the ten recovery codes, once.
#[utoipa::path(
    post,
    path = "/api/v1/sessions/current/totp/confirm",
    operation_id = "accounts_confirm_totp",
    tag = "accounts",
    summary = "2段階認証の設定完了 / confirm the TOTP second factor",
    request_body = TotpConfirmation,
    responses(
        (status = 200, description = "enrolled: `recovery_codes`, each usable once instead of a code; shown only now", body = RecoveryCodes),
        (status = 422, description = "the code does not match (auth.bad_totp)", body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 409, description = "not started, or already enrolled", body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn confirm(
    State(state): State<AppState>,
    actor: Actor,
    context: CommandContext,
    Json(body): Json<TotpConfirmation>,
) -> Result<impl IntoResponse, ApiError> {
    let codes = second_factor::confirm(&state, &context, &actor, &body.code).await?;
    Ok(Json(RecoveryCodes {
        recovery_codes: codes,
    }))
}

/// `POST /api/v1/users/{id}/totp/reset`: staff remove a colleague's second factor (a lost device);
/// the colleague's sessions end and the next sign-in enrols again. Recorded on the account
/// (`SecondFactorReset`); never one's own.
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/totp/reset",
    operation_id = "users_reset_totp",
    tag = "accounts",
    summary = "2段階認証の解除（端末の紛失） / staff reset a colleague's second factor",
    params(("id" = uuid::Uuid, Path, description = "the account id")),
    responses(
        (status = 200, description = "reset: the account enrols again at its next sign-in", body = Recorded),
        (status = 409, description = "no second factor to reset (account.no_second_factor)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 422, description = "one's own (account.own_second_factor)", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn reset(
    State(state): State<AppState>,
    staff: Staff,
    context: CommandContext,
    Path(id): Path<UserId>,
) -> Result<impl IntoResponse, ApiError> {
    let position = second_factor::reset(&state, &context, &staff, id).await?;
    Ok(Json(Recorded { position }))
}
