//! Correcting a round after opening (`round::correction`): staff send the corrected settings with
//! a reason. The round is told how many applications it has, read from the log's directory.

use axum::extract::State;
use axum::response::IntoResponse;
use grants_domain::round::{RoundCommand, RoundSettings};
use grants_domain::RoundId;
use serde::Deserialize;
use utoipa::ToSchema;

use super::context::CommandContext;
use super::error::{existing_for_command, ApiError};
use super::extract::{Json, Path};
use super::openapi as doc;
use super::AppState;
use crate::policy::Staff;
use crate::service::rounds::run_as_staff;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundCorrection {
    /// The whole settings as corrected.
    #[schema(value_type = doc::RoundSettings)]
    settings: RoundSettings,
    /// Why (shown with the round).
    reason: String,
}

/// `POST /api/v1/rounds/{id}/corrections`: staff correct the round's settings after opening.
#[utoipa::path(
    post,
    path = "/api/v1/rounds/{id}/corrections",
    operation_id = "rounds_correct",
    tag = "rounds",
    summary = "募集要項の訂正 / staff correct a round after opening (extend the window, fix the text, raise the budget)",
    params(("id" = uuid::Uuid, Path, description = "the round id")),
    request_body = RoundCorrection,
    responses((status = 200, description = "the corrected round", body = doc::RoundRead)),
)]
pub async fn correct(
    State(state): State<AppState>,
    Staff(actor): Staff,
    context: CommandContext,
    Path(id): Path<RoundId>,
    Json(body): Json<RoundCorrection>,
) -> Result<impl IntoResponse, ApiError> {
    let round = existing_for_command(&state.stores.rounds, id).await?;
    let applications = crate::queries::applications_in_round(&state.db, id)
        .await?
        .len();
    let command = RoundCommand::Correct {
        settings: body.settings,
        reason: body.reason,
        applications: u32::try_from(applications).unwrap_or(u32::MAX),
        by: actor.user_id,
        at: context.now,
    };
    let executed = run_as_staff(&state, &context, round, command, &actor).await?;
    let settings = executed
        .state
        .settings
        .clone()
        .ok_or_else(ApiError::not_found)?;
    let mut body = crate::service::rounds::read_for(id, &executed.state, &settings, Some(&actor));
    body.position = Some(executed.position);
    Ok(Json(body))
}
