//! The ranking of a round (rule 5) and the award decisions (rule 6): requests read, answers written;
//! the use cases are `crate::service::decisions`'s.

use axum::extract::State;
use axum::response::IntoResponse;
use grants_domain::round::{PromotionOffer, RankRow, Rejection, Round, RunnerUpOffer};
use grants_domain::{ApplicationId, RoundId, Yen};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use super::context::CommandContext;
use super::error::ApiError;
use super::extract::{Json, Path};
use super::openapi as doc;
use super::AppState;
use crate::auth::Actor;
use crate::policy::{Applicant, Staff};
use crate::service::decisions::{self as service, Ranking};

/// `GET /api/v1/rounds/{id}/ranking`: the fixed ranking, or a preview computed from the sealed sheets.
/// Staff always; committee members once scoring is closed; everyone else 404.
#[utoipa::path(
    get,
    path = "/api/v1/rounds/{id}/ranking",
    operation_id = "decisions_get_ranking",
    tag = "rounds",
    summary = "順位の参照 / the ranking: fixed, or a preview (staff, auditors; committee once unsealed)",
    params(("id" = uuid::Uuid, Path, description = "the round id")),
    responses((status = 200, description = "the ranking", body = RankingRead)),
)]
pub async fn get_ranking(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<RoundId>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(match service::ranking(&state, &actor, id).await? {
        Ranking::Fixed(round) => RankingRead::fixed(&round),
        Ranking::Preview(rows) => RankingRead {
            fixed: false,
            rows: Some(rows),
            offer: None,
            promotions: None,
            position: None,
        },
    }))
}

/// `POST /api/v1/rounds/{id}/ranking`: staff fix the ranking once scoring is closed (an extension of
/// api.md: the runner-up's 7 days run from here).
#[utoipa::path(
    post,
    path = "/api/v1/rounds/{id}/ranking",
    operation_id = "decisions_fix_ranking",
    tag = "rounds",
    summary = "順位の確定 / staff fix the ranking once scoring is closed",
    params(("id" = uuid::Uuid, Path, description = "the round id")),
    responses((status = 200, description = "the fixed ranking and the runner-up offer", body = RankingRead)),
)]
pub async fn fix_ranking(
    State(state): State<AppState>,
    staff: Staff,
    context: CommandContext,
    Path(id): Path<RoundId>,
) -> Result<impl IntoResponse, ApiError> {
    let followed = service::fix_ranking(&state, &context, &staff, id).await?;
    Ok(Json(RankingRead {
        promotions: None,
        position: Some(followed.position),
        ..RankingRead::fixed(&followed.round)
    }))
}

/// A round's ranking: fixed (with the runner-up offer and the promotions made since), or a preview
/// of the rows fixing would produce now.
#[derive(Serialize, ToSchema)]
#[schema(as = Ranking)]
pub struct RankingRead {
    fixed: bool,
    /// Null only on a fixed ranking a round lacks (never after fixing).
    rows: Option<Vec<RankRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    offer: Option<Option<RunnerUpOffer>>,
    /// The 繰上げ採択 offers made since, in order (fixed rankings only; an extension).
    #[serde(skip_serializing_if = "Option::is_none")]
    promotions: Option<Vec<PromotionOffer>>,
    /// Present on the answer to fixing the ranking.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<doc::Position>)]
    position: Option<i64>,
}

impl RankingRead {
    fn fixed(round: &Round) -> Self {
        let fixed = round.ranking.as_ref();
        RankingRead {
            fixed: true,
            rows: fixed.map(|ranking| ranking.rows.clone()),
            offer: Some(fixed.and_then(|ranking| ranking.offer.clone())),
            promotions: Some(round.promotions.clone()),
            position: None,
        }
    }
}

/// The answer to the runner-up's answer: the offer as it now stands.
#[derive(Serialize, ToSchema)]
pub struct OfferAnswered {
    offer: Option<RunnerUpOffer>,
    #[schema(value_type = doc::Position)]
    position: i64,
}

/// The answer to a decision: the grants it opened.
#[derive(Serialize, ToSchema)]
pub struct Decisions {
    grants: Vec<service::Opened>,
    #[schema(value_type = doc::Position)]
    position: i64,
}

/// The body of `POST /api/v1/rounds/{id}/runner-up-offer`: the runner-up's group accepts or
/// declines the remainder.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferAnswer {
    #[schema(value_type = uuid::Uuid)]
    application_id: ApplicationId,
    accept: bool,
}

/// `POST /api/v1/rounds/{id}/runner-up-offer`: the runner-up's group accepts or declines the
/// remainder offered (an extension of api.md). A declined offer leaves the application not adopted.
#[utoipa::path(
    post,
    path = "/api/v1/rounds/{id}/runner-up-offer",
    operation_id = "decisions_answer_offer",
    tag = "rounds",
    summary = "繰上げ提示への回答 / the runner-up accepts or declines the remainder",
    params(("id" = uuid::Uuid, Path, description = "the round id")),
    request_body = OfferAnswer,
    responses((status = 200, description = "the offer with its answer", body = OfferAnswered)),
)]
pub async fn answer_offer(
    State(state): State<AppState>,
    applicant: Applicant,
    context: CommandContext,
    Path(id): Path<RoundId>,
    Json(body): Json<OfferAnswer>,
) -> Result<impl IntoResponse, ApiError> {
    let (offer, position) = service::answer_offer(
        &state,
        &context,
        &applicant,
        id,
        body.application_id,
        body.accept,
    )
    .await?;
    Ok(Json(OfferAnswered { offer, position }))
}

/// One award in a decision: the application, its amount and terms.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Award)]
pub struct AwardInput {
    /// An application of this round; its group may not pass the round's `max_grants_per_group`,
    /// counted at this decision with the round's awards and the earlier awards of this body (422
    /// `round.grant_limit_reached`).
    #[schema(value_type = uuid::Uuid)]
    application_id: ApplicationId,
    /// The decided amount: a multiple of the round's `rounding_unit` (422 `round.off_rounding_unit`,
    /// naming it rounded down), at most the requested amount and rule 3's maximum at the rate of
    /// the group's grants counted at this decision.
    #[schema(value_type = doc::Yen)]
    amount: Yen,
    #[serde(default)]
    conditions: String,
    completion_deadline: Date,
}

/// One rejection (不交付) in a decision: the application and staff's reason.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Rejection)]
pub struct RejectionInput {
    #[schema(value_type = uuid::Uuid)]
    application_id: ApplicationId,
    reason: String,
}

/// The body of `POST /api/v1/rounds/{id}/decisions`: awards and rejections, applied all or nothing.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    #[serde(default)]
    awards: Vec<AwardInput>,
    #[serde(default)]
    rejections: Vec<RejectionInput>,
}

/// `POST /api/v1/rounds/{id}/decisions`: staff decide awards and rejections, all or nothing.
#[utoipa::path(
    post,
    path = "/api/v1/rounds/{id}/decisions",
    operation_id = "decisions_decide",
    tag = "rounds",
    summary = "交付・不交付の決定 / staff decide awards and rejections, all or nothing",
    params(("id" = uuid::Uuid, Path, description = "the round id")),
    request_body = Decision,
    responses((status = 200, description = "the grants opened", body = Decisions)),
)]
pub async fn decide(
    State(state): State<AppState>,
    staff: Staff,
    context: CommandContext,
    Path(id): Path<RoundId>,
    Json(body): Json<Decision>,
) -> Result<impl IntoResponse, ApiError> {
    let awards = body
        .awards
        .into_iter()
        .map(|award| service::AwardAsked {
            application_id: award.application_id,
            amount: award.amount,
            conditions: award.conditions,
            completion_deadline: award.completion_deadline,
        })
        .collect();
    let rejections = body
        .rejections
        .into_iter()
        .map(|rejection| Rejection {
            application_id: rejection.application_id,
            reason: rejection.reason,
        })
        .collect();
    let decided = service::decide(&state, &context, &staff, id, awards, rejections).await?;
    Ok(Json(Decisions {
        grants: decided.grants,
        position: decided.position,
    }))
}
