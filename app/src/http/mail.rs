//! The mail outbox and the in-app notices (app/src/mail; extensions of api.md, listed in
//! docs/decisions.md):
//! - `GET /api/v1/mail?state=undelivered|all` (staff): the outbox's mails, with each one's tries and
//!   last error, so a failing delivery is seen. Addresses are personal data: staff only.
//! - `GET /api/v1/notices` (signed in): the caller's notices, newest first, and how many are unread.
//! - `POST /api/v1/notices/read` (signed in): marks one of the caller's notices read.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;
use super::extract::{Json, Query};
use super::AppState;
use crate::auth::Actor;
use crate::mail::{Notices, Outbox};
use crate::policy::Staff;

/// Which mails: those not yet delivered (the default), or the latest whatever their state.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MailState {
    /// The mails not yet delivered (waiting or failing).
    #[default]
    Undelivered,
    /// The latest mails, whatever their state.
    All,
}

/// The query of `GET /api/v1/mail`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MailFilter {
    /// `undelivered` (default) or `all`.
    #[param(value_type = Option<MailState>)]
    state: Option<MailState>,
}

/// `GET /api/v1/mail` (staff).
#[utoipa::path(
    get,
    path = "/api/v1/mail",
    operation_id = "mail_outbox",
    tag = "mail",
    summary = "メールの送信状況（職員のみ） / the mail outbox: tries and failures (staff only)",
    params(MailFilter),
    responses(
        (status = 200, description = "the mails, newest event first, and how many are failing", body = Outbox),
        (status = 403, description = "staff only", body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn outbox(
    State(state): State<AppState>,
    staff: Staff,
    Query(filter): Query<MailFilter>,
) -> Result<axum::Json<Outbox>, ApiError> {
    let undelivered = matches!(filter.state.unwrap_or_default(), MailState::Undelivered);
    Ok(axum::Json(
        crate::mail::outbox(&state.db, &staff, undelivered).await?,
    ))
}

/// `GET /api/v1/notices` (signed in).
#[utoipa::path(
    get,
    path = "/api/v1/notices",
    operation_id = "notices_list",
    tag = "mail",
    summary = "自分へのお知らせ / the caller's notices, newest first, and the unread count",
    responses(
        (status = 200, description = "the caller's notices (at most 100) and how many are unread", body = Notices),
    ),
)]
pub async fn notices(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<axum::Json<Notices>, ApiError> {
    Ok(axum::Json(
        crate::mail::notices_of(&state.db, actor.user_id).await?,
    ))
}

/// Which notice to mark read.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// The notice's `id`.
    pub id: String,
}

/// `POST /api/v1/notices/read` (signed in): marks the caller's notice read; a notice the caller
/// does not have is left alone (the answer is the same, so it tells nothing of others' notices).
#[utoipa::path(
    post,
    path = "/api/v1/notices/read",
    operation_id = "notices_mark_read",
    tag = "mail",
    summary = "お知らせを既読にする / marks one of the caller's notices read",
    request_body = MarkRead,
    responses(
        (status = 204, description = "the notice is read"),
    ),
)]
pub async fn mark_read(
    State(state): State<AppState>,
    actor: Actor,
    Json(body): Json<MarkRead>,
) -> Result<StatusCode, ApiError> {
    crate::mail::mark_read(&state.db, actor.user_id, &body.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
