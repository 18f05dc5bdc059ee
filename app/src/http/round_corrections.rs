//! Correcting a round after opening (`round::correction`): staff send the corrected settings with
//! a reason (`service::rounds::correct`).

use axum::extract::State;
use axum::response::IntoResponse;
use grants_domain::round::RoundSettings;
use grants_domain::RoundId;
use serde::Deserialize;
use utoipa::ToSchema;

use super::context::CommandContext;
use super::error::ApiError;
use super::extract::{Json, Path};
use super::openapi as doc;
use super::AppState;
use crate::policy::Staff;
use crate::service::rounds as service;

/// The body of `POST /api/v1/rounds/{id}/corrections`: staff correct a round after opening
/// (募集要項の訂正).
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
    staff: Staff,
    context: CommandContext,
    Path(id): Path<RoundId>,
    Json(body): Json<RoundCorrection>,
) -> Result<impl IntoResponse, ApiError> {
    let executed =
        service::correct(&state, &context, &staff, id, body.settings, body.reason).await?;
    let settings = executed
        .state
        .settings
        .clone()
        .ok_or_else(ApiError::not_found)?;
    let mut body = service::read_for(id, &executed.state, &settings, Some(&staff.0));
    body.position = Some(executed.position);
    Ok(Json(body))
}
