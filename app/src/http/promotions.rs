//! 繰上げ採択 (promotion): requests read, answers written; the use cases, and what they decide, are
//! `crate::service::promotions`'s. Accepting does not award: staff then decide the award through
//! `POST /api/v1/rounds/{id}/decisions` like any other.

use axum::extract::State;
use axum::response::IntoResponse;
use grants_domain::round::{PromotionOffer, RunnerUpOffer};
use grants_domain::{ApplicationId, RoundId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::context::CommandContext;
use super::error::ApiError;
use super::extract::{Json, Path};
use super::openapi as doc;
use super::AppState;
use crate::policy::{Applicant, Staff};
use crate::service::promotions as service;

/// `POST /api/v1/rounds/{id}/promotions`: staff offer the money that came back to the next passing
/// application in rank order (an extension of api.md). No body: the round names the application
/// and the amount (`min(requested, free budget)` rounded down to the rounding unit), or refuses
/// with the rule (fiscal year over, first decisions pending, an offer open, nobody left, not
/// enough budget).
#[utoipa::path(
    post,
    path = "/api/v1/rounds/{id}/promotions",
    operation_id = "promotions_offer",
    tag = "rounds",
    summary = "繰上げ採択の打診 / staff offer returned budget to the next application in rank order",
    params(("id" = uuid::Uuid, Path, description = "the round id")),
    responses((status = 201, description = "the offer made", body = PromotionMade)),
)]
pub async fn offer(
    State(state): State<AppState>,
    staff: Staff,
    context: CommandContext,
    Path(id): Path<RoundId>,
) -> Result<impl IntoResponse, ApiError> {
    let (promotion, position) = service::offer(&state, &context, &staff, id).await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(PromotionMade {
            promotion,
            position,
        }),
    ))
}

/// The body of `POST /api/v1/rounds/{id}/promotion-offer`: the group accepts or declines the
/// promotion (繰上げ採択).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionAnswer {
    #[schema(value_type = uuid::Uuid)]
    application_id: ApplicationId,
    accept: bool,
}

/// `POST /api/v1/rounds/{id}/promotion-offer`: the promoted application's group accepts or declines
/// by the offer's last day (an extension of api.md).
#[utoipa::path(
    post,
    path = "/api/v1/rounds/{id}/promotion-offer",
    operation_id = "promotions_answer",
    tag = "rounds",
    summary = "繰上げ採択の打診への回答 / the group accepts or declines a promotion offer",
    params(("id" = uuid::Uuid, Path, description = "the round id")),
    request_body = PromotionAnswer,
    responses((status = 200, description = "the offer with its answer", body = PromotionMade)),
)]
pub async fn answer(
    State(state): State<AppState>,
    applicant: Applicant,
    context: CommandContext,
    Path(id): Path<RoundId>,
    Json(body): Json<PromotionAnswer>,
) -> Result<impl IntoResponse, ApiError> {
    let (promotion, position) = service::answer(
        &state,
        &context,
        &applicant,
        id,
        body.application_id,
        body.accept,
    )
    .await?;
    Ok(Json(PromotionMade {
        promotion,
        position,
    }))
}

/// `GET /api/v1/applications/{id}/promotion-offer`: the promotion offer made to an application, for
/// its group (and staff, auditors); `offer` is null when there is none (an extension of api.md).
/// The remainder offered to it as runner-up comes alongside (`runner_up_offer`), so that the group
/// reads every offer it may answer in one place.
#[utoipa::path(
    get,
    path = "/api/v1/applications/{id}/promotion-offer",
    operation_id = "promotions_of_application",
    tag = "applications",
    summary = "繰上げ採択・次点への打診の参照 / the offers made to an application (promotion, runner-up)",
    params(("id" = uuid::Uuid, Path, description = "the application id")),
    responses((status = 200, description = "the offers", body = ApplicationPromotion)),
)]
pub async fn of_application(
    State(state): State<AppState>,
    actor: crate::auth::Actor,
    Path(id): Path<ApplicationId>,
) -> Result<impl IntoResponse, ApiError> {
    let offers = service::of_application(&state, &actor, id).await?;
    Ok(Json(ApplicationPromotion {
        round_id: offers.round_id,
        offer: offers.promotion,
        runner_up_offer: offers.runner_up,
    }))
}

/// The offers made to one application.
#[derive(Serialize, ToSchema)]
pub struct ApplicationPromotion {
    round_id: RoundId,
    /// Null when the application was never offered a promotion.
    offer: Option<PromotionOffer>,
    /// The remainder offered to the application as runner-up (次点); null for every other.
    runner_up_offer: Option<RunnerUpOffer>,
}

/// A promotion offer as made or answered, with the position of its event.
#[derive(Serialize, ToSchema)]
pub struct PromotionMade {
    promotion: Option<PromotionOffer>,
    #[schema(value_type = doc::Position)]
    position: i64,
}
