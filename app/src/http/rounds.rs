//! Funding rounds: opening a round, reading open calls, appointing the committee, closing scoring.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use grants_domain::round::RoundSettings;
use grants_domain::{RoundId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::answers::Created;
use super::caller::MaybeActor;
use super::context::CommandContext;
use super::error::ApiError;
use super::extract::{Json, Path};
use super::openapi as doc;
use super::AppState;
use crate::policy::Staff;
use crate::service::rounds as service;

/// `POST /api/v1/rounds`: staff open a round with its settings.
#[utoipa::path(
    post,
    path = "/api/v1/rounds",
    operation_id = "rounds_open",
    tag = "rounds",
    summary = "募集回の開設 / staff open a round",
    request_body = doc::RoundSettings,
    responses((status = 201, description = "the round", body = Created)),
)]
pub async fn open(
    State(state): State<AppState>,
    staff: Staff,
    context: CommandContext,
    Json(settings): Json<RoundSettings>,
) -> Result<impl IntoResponse, ApiError> {
    let (round_id, executed) = service::open(&state, &context, &staff, settings).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: round_id.as_uuid(),
            position: executed.position,
        }),
    ))
}

/// `GET /api/v1/rounds/{id}`: a round as anyone may read it (an open call); staff and auditors also
/// see the committee.
#[utoipa::path(
    get,
    path = "/api/v1/rounds/{id}",
    operation_id = "rounds_get",
    tag = "rounds",
    summary = "募集回の参照（公開） / a round and its settings (public)",
    params(("id" = uuid::Uuid, Path, description = "the round id")),
    security((), ("bearer" = [])),
    responses((status = 200, description = "the round", body = doc::RoundRead)),
)]
pub async fn get(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    Path(id): Path<RoundId>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(service::view(&state, actor.as_ref(), id).await?))
}

/// `GET /api/v1/rounds`: every opened round, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/rounds",
    operation_id = "rounds_list",
    tag = "rounds",
    summary = "募集回の一覧（公開） / every opened round, newest first (public)",
    security((), ("bearer" = [])),
    responses((status = 200, description = "the rounds", body = Vec<doc::RoundRead>)),
)]
pub async fn list(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
) -> Result<impl IntoResponse, ApiError> {
    let rounds = service::list(&state).await?;
    Ok(Json(
        rounds
            .iter()
            .map(|(id, round, settings)| service::read_for(*id, round, settings, actor.as_ref()))
            .collect::<Vec<_>>(),
    ))
}

/// The body of `POST /api/v1/rounds/{id}/committee`: the reviewer staff appoint to the committee.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Appointment {
    #[schema(value_type = uuid::Uuid)]
    reviewer_id: UserId,
}

/// The committee after an appointment.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Committee {
    committee: Vec<UserId>,
    #[schema(value_type = doc::Position)]
    position: i64,
}

/// The answer to closing scoring.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ScoringClosed {
    scoring_closed: bool,
    #[schema(value_type = doc::Position)]
    position: i64,
}

/// `POST /api/v1/rounds/{id}/committee`: staff appoint a reviewer.
#[utoipa::path(
    post,
    path = "/api/v1/rounds/{id}/committee",
    operation_id = "rounds_appoint",
    tag = "rounds",
    summary = "審査委員の任命 / staff appoint a reviewer",
    params(("id" = uuid::Uuid, Path, description = "the round id")),
    request_body = Appointment,
    responses((status = 200, description = "the committee", body = Committee)),
)]
pub async fn appoint(
    State(state): State<AppState>,
    staff: Staff,
    context: CommandContext,
    Path(id): Path<RoundId>,
    Json(body): Json<Appointment>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = service::appoint(&state, &context, &staff, id, body.reviewer_id).await?;
    Ok(Json(Committee {
        committee: executed.state.committee.clone(),
        position: executed.position,
    }))
}

/// `POST /api/v1/rounds/{id}/scoring/close`: staff close scoring, unsealing the scores.
#[utoipa::path(
    post,
    path = "/api/v1/rounds/{id}/scoring/close",
    operation_id = "rounds_close_scoring",
    tag = "rounds",
    summary = "採点の締切（開封） / staff close scoring, unsealing the scores",
    params(("id" = uuid::Uuid, Path, description = "the round id")),
    responses((status = 200, description = "scoring is closed", body = ScoringClosed)),
)]
pub async fn close_scoring(
    State(state): State<AppState>,
    staff: Staff,
    context: CommandContext,
    Path(id): Path<RoundId>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = service::close_scoring(&state, &context, &staff, id).await?;
    Ok(Json(ScoringClosed {
        scoring_closed: executed.state.is_scoring_closed(),
        position: executed.position,
    }))
}
