//! A committee member's scoresheet on one application: requests read, answers written; the use cases
//! are `crate::service::reviews`'s.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::IntoResponse;
use grants_domain::review::Review;
use grants_domain::ApplicationId;
use serde::Deserialize;
use utoipa::ToSchema;

use super::context::CommandContext;
use super::error::ApiError;
use super::extract::{Json, Path};
use super::AppState;
use crate::policy::Reviewer;
use crate::service::review_read::ReviewRead;
use crate::service::reviews as service;
use crate::store::Executed;

/// The answer to a command on a sheet: its read, with the position of the command's last event.
fn answer(executed: &Executed<Review>) -> Json<ReviewRead> {
    let mut read = ReviewRead::of(&executed.state);
    read.position = Some(executed.position);
    Json(read)
}

/// The body of `POST /api/v1/applications/{id}/conflict-declaration`: a committee member declares a
/// conflict of interest, or none.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ConflictDeclaration)]
pub struct Declaration {
    conflict: bool,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/applications/{id}/conflict-declaration`.
#[utoipa::path(
    post,
    path = "/api/v1/applications/{id}/conflict-declaration",
    operation_id = "reviews_declare",
    tag = "reviews",
    summary = "利害関係の申告 / a committee member declares a conflict of interest or none",
    params(("id" = uuid::Uuid, Path, description = "the application id")),
    request_body = Declaration,
    responses((status = 200, description = "the scoresheet", body = ReviewRead)),
)]
pub async fn declare(
    State(state): State<AppState>,
    reviewer: Reviewer,
    context: CommandContext,
    Path(id): Path<ApplicationId>,
    Json(body): Json<Declaration>,
) -> Result<impl IntoResponse, ApiError> {
    let executed =
        service::declare(&state, &context, &reviewer, id, body.conflict, body.note).await?;
    Ok(answer(&executed))
}

/// The body of `PUT /api/v1/applications/{id}/my-review`: a committee member's draft scores, by
/// criterion key.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Scores {
    scores: BTreeMap<String, u32>,
    #[serde(default)]
    comment: String,
}

/// `PUT /api/v1/applications/{id}/my-review`: save one's own draft scores.
#[utoipa::path(
    put,
    path = "/api/v1/applications/{id}/my-review",
    operation_id = "reviews_save",
    tag = "reviews",
    summary = "自分の採点の保存 / save one's own draft scores",
    params(("id" = uuid::Uuid, Path, description = "the application id")),
    request_body = Scores,
    responses((status = 200, description = "the scoresheet", body = ReviewRead)),
)]
pub async fn save(
    State(state): State<AppState>,
    reviewer: Reviewer,
    context: CommandContext,
    Path(id): Path<ApplicationId>,
    Json(body): Json<Scores>,
) -> Result<impl IntoResponse, ApiError> {
    let executed =
        service::save(&state, &context, &reviewer, id, body.scores, body.comment).await?;
    Ok(answer(&executed))
}

/// `POST /api/v1/applications/{id}/my-review/submit`: seal one's own scoresheet.
#[utoipa::path(
    post,
    path = "/api/v1/applications/{id}/my-review/submit",
    operation_id = "reviews_seal",
    tag = "reviews",
    summary = "採点票の提出（封印） / seal one's own scoresheet",
    params(("id" = uuid::Uuid, Path, description = "the application id")),
    responses((status = 200, description = "the sealed scoresheet", body = ReviewRead)),
)]
pub async fn seal(
    State(state): State<AppState>,
    reviewer: Reviewer,
    context: CommandContext,
    Path(id): Path<ApplicationId>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(answer(
        &service::seal(&state, &context, &reviewer, id).await?,
    ))
}

/// `GET /api/v1/applications/{id}/my-review`: one's own sheet (404 before anything was declared).
#[utoipa::path(
    get,
    path = "/api/v1/applications/{id}/my-review",
    operation_id = "reviews_mine",
    tag = "reviews",
    summary = "自分の採点票 / one's own scoresheet",
    params(("id" = uuid::Uuid, Path, description = "the application id")),
    responses((status = 200, description = "the scoresheet", body = ReviewRead)),
)]
pub async fn mine(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Path(id): Path<ApplicationId>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(ReviewRead::of(
        &service::mine(&state, &reviewer, id).await?,
    )))
}
