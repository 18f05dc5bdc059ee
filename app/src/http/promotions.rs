//! 繰上げ採択 (promotion, `grants_domain::round::promotion`): staff offer the budget that came back to
//! a round to the next passing application in rank order; its group accepts or declines. The round
//! decides who is next and how much; this handler only reads the candidate's requested amount.
//!
//! Accepting does not award: staff then decide the award through `POST /api/v1/rounds/{id}/decisions`
//! like any other, which opens the grant through the decision follow-up, once. A declined offer
//! records the application as not adopted, as a declined runner-up offer does.

use axum::extract::State;
use axum::response::IntoResponse;
use grants_domain::fiscal_year::jst_date;
use grants_domain::round::RoundCommand;
use grants_domain::{ApplicationId, ApplicationStatus, RoundId, Yen};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::context::CommandContext;
use super::decisions::{application_of_round, follow_up_at_once};
use super::error::{existing_for_command, ApiError};
use super::extract::{Json, Path};
use super::openapi as doc;
use super::rounds::{load_round, run_as_staff};
use super::AppState;
use crate::policy::{Applicant, Staff};
use crate::store::ActorRole;

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
    responses((status = 201, description = "the offer made", body = doc::PromotionMade)),
)]
pub async fn offer(
    State(state): State<AppState>,
    Staff(actor): Staff,
    context: CommandContext,
    Path(id): Path<RoundId>,
) -> Result<impl IntoResponse, ApiError> {
    let round = existing_for_command(&state.stores.rounds, id).await?;
    // The candidates' eligibility is a fact of their applications: a withdrawn one is skipped.
    let mut withdrawn = Vec::new();
    for candidate in round.aggregate().promotion_candidates() {
        let application = super::error::existing(&state.stores.applications, candidate).await?;
        if application.status() != Some(ApplicationStatus::Eligible) {
            withdrawn.push(candidate);
        }
    }
    let next = round
        .aggregate()
        .next_promotion(jst_date(context.now), &withdrawn)
        .map_err(|error| ApiError::refused(&error))?;
    let application = application_of_round(&state, id, next.application_id).await?;
    let requested = application
        .aggregate()
        .content()
        .map_or(Yen::ZERO, |content| content.requested_amount);
    let command = RoundCommand::OfferPromotion {
        application_id: next.application_id,
        requested,
        withdrawn,
        by: actor.user_id,
        at: context.now,
    };
    let executed = run_as_staff(&state, &context, round, command, &actor).await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(json!({
            "promotion": executed.state.promotion_of(next.application_id),
            "position": executed.position,
        })),
    ))
}

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
    responses((status = 200, description = "the offer with its answer", body = doc::PromotionMade)),
)]
pub async fn answer(
    State(state): State<AppState>,
    Applicant(actor): Applicant,
    context: CommandContext,
    Path(id): Path<RoundId>,
    Json(body): Json<PromotionAnswer>,
) -> Result<impl IntoResponse, ApiError> {
    load_round(&state, id).await?;
    let application = application_of_round(&state, id, body.application_id).await?;
    if !crate::policy::is_member_of(&state, &actor, application.aggregate().group_id()).await? {
        return Err(ApiError::not_found());
    }
    let command = RoundCommand::RespondToPromotion {
        application_id: body.application_id,
        accept: body.accept,
        by: actor.user_id,
        at: context.now,
    };
    let executed = context
        .run(
            &state.stores.rounds,
            id,
            command,
            &actor,
            ActorRole::Applicant,
        )
        .await?;
    let position = follow_up_at_once(
        &state,
        id,
        &executed,
        &actor,
        ActorRole::Applicant,
        &context,
    )
    .await?;
    Ok(Json(json!({
        "promotion": executed.state.promotion_of(body.application_id),
        "position": position,
    })))
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
    responses((status = 200, description = "the offers", body = doc::ApplicationPromotion)),
)]
pub async fn of_application(
    State(state): State<AppState>,
    actor: crate::auth::Actor,
    Path(id): Path<ApplicationId>,
) -> Result<impl IntoResponse, ApiError> {
    let application = super::error::existing(&state.stores.applications, id).await?;
    let group_id = application.group_id();
    if !crate::policy::oversees(&actor)
        && !crate::policy::is_member_of(&state, &actor, group_id).await?
    {
        return Err(ApiError::not_found());
    }
    let (round, _) = load_round(&state, application.round_id()).await?;
    let offer = round.promotion_of(id);
    let runner_up_offer = round
        .ranking
        .as_ref()
        .and_then(|ranking| ranking.offer.as_ref())
        .filter(|offer| offer.application_id == id);
    Ok(Json(json!({
        "round_id": application.round_id(),
        "offer": offer,
        "runner_up_offer": runner_up_offer,
    })))
}
