//! The ranking of a round (rule 5) and the award decisions (rule 6).
//!
//! The decision handler reads what the round cannot know (each application's requested amount and
//! budget, and the group's grants in other rounds of the course from the directory) and passes it
//! in the command; the round counts its own awards and decides the limit and the rate (rule 1).
//!
//! After the `Round` aggregate accepts a decision (which is where the budget holds, whatever the
//! concurrency), the handler records the outcome on each application and opens each grant. Those
//! follow-up commands are idempotent in effect (a second attempt is refused by the aggregate's state);
//! moving them to a process manager driven by the log is left for the projection runner (issue 4).

use axum::extract::State;
use axum::response::IntoResponse;
use grants_domain::application::Application;
use grants_domain::review::review_id;
use grants_domain::round::{
    rank, AwardRequest, RankingEntry, Rejection, Round, RoundCommand, RoundEvent, SheetOutcome,
};
use grants_domain::{ApplicationId, ApplicationStatus, RoundId, Yen};
use serde::Deserialize;
use serde_json::json;
use time::Date;
use utoipa::ToSchema;

use super::context::CommandContext;
use super::error::ApiError;
use super::extract::{Json, Path};
use super::openapi as doc;
use super::rounds::{load_round, run_as_staff};
use super::AppState;
use crate::auth::Actor;
use crate::follow_up;
use crate::http::error::existing_for_command;
use crate::policy::{Applicant, Staff};
use crate::store::{ActorRole, Executed, Loaded};

/// The eligible applications of a round with one sheet outcome per committee member.
async fn ranking_entries(
    state: &AppState,
    round_id: RoundId,
    round: &Round,
) -> Result<Vec<RankingEntry>, ApiError> {
    let mut entries = Vec::new();
    for id in crate::queries::applications_in_round(&state.db, round_id).await? {
        let Some(application) = state.stores.applications.load(id).await? else {
            continue;
        };
        if application.status() != Some(ApplicationStatus::Eligible) {
            continue;
        }
        let mut sheets = Vec::with_capacity(round.committee.len());
        for reviewer in &round.committee {
            let review = state.stores.reviews.load(&review_id(id, *reviewer)).await?;
            sheets.push(review.map_or(SheetOutcome::Missing, |review| review.outcome()));
        }
        let requested = application
            .content()
            .map_or(Yen::ZERO, |content| content.requested_amount);
        entries.push(RankingEntry {
            application_id: id,
            requested,
            sheets,
        });
    }
    Ok(entries)
}

/// `GET /api/v1/rounds/{id}/ranking`: the fixed ranking, or a preview computed from the sealed sheets.
/// Staff always; committee members once scoring is closed; everyone else 404.
#[utoipa::path(
    get,
    path = "/api/v1/rounds/{id}/ranking",
    operation_id = "decisions_get_ranking",
    tag = "rounds",
    summary = "順位の参照 / the ranking: fixed, or a preview (staff, auditors; committee once unsealed)",
    params(("id" = uuid::Uuid, Path, description = "the round id")),
    responses((status = 200, description = "the ranking", body = doc::Ranking)),
)]
pub async fn get_ranking(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<RoundId>,
) -> Result<impl IntoResponse, ApiError> {
    let (round, settings) = load_round(&state, id).await?;
    if !crate::policy::may_see_ranking(&actor, &round) {
        return Err(ApiError::not_found());
    }
    if let Some(fixed) = &round.ranking {
        return Ok(Json(json!({
            "fixed": true,
            "rows": fixed.rows,
            "offer": fixed.offer,
            "promotions": round.promotions,
        })));
    }
    let entries = ranking_entries(&state, id, &round).await?;
    let complete: Vec<RankingEntry> = entries
        .into_iter()
        .filter(|entry| !entry.sheets.contains(&SheetOutcome::Missing))
        .collect();
    let rows = rank(
        &complete,
        settings.max_total_per_reviewer(),
        settings.pass_ratio,
        settings.budget,
        settings.floor,
        settings.rounding_unit,
    )
    .map_err(|error| ApiError::refused(&error))?;
    Ok(Json(json!({ "fixed": false, "rows": rows })))
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
    responses((status = 200, description = "the fixed ranking and the runner-up offer", body = doc::Ranking)),
)]
pub async fn fix_ranking(
    State(state): State<AppState>,
    Staff(actor): Staff,
    context: CommandContext,
    Path(id): Path<RoundId>,
) -> Result<impl IntoResponse, ApiError> {
    let round = existing_for_command(&state.stores.rounds, id).await?;
    let entries = ranking_entries(&state, id, round.aggregate()).await?;
    let command = RoundCommand::FixRanking {
        entries,
        by: actor.user_id,
        at: context.now,
    };
    let executed = run_as_staff(&state, &context, round, command, &actor).await?;
    let position =
        follow_up_at_once(&state, id, &executed, &actor, ActorRole::Staff, &context).await?;
    let fixed = executed.state.ranking.as_ref();
    Ok(Json(json!({
        "fixed": true,
        "rows": fixed.map(|ranking| &ranking.rows),
        "offer": fixed.and_then(|ranking| ranking.offer.as_ref()),
        "position": position,
    })))
}

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
    responses((status = 200, description = "the offer with its answer", body = doc::OfferAnswered)),
)]
pub async fn answer_offer(
    State(state): State<AppState>,
    Applicant(actor): Applicant,
    context: CommandContext,
    Path(id): Path<RoundId>,
    Json(body): Json<OfferAnswer>,
) -> Result<impl IntoResponse, ApiError> {
    load_round(&state, id).await?;
    let application = application_of_round(&state, id, body.application_id).await?;
    let group_id = application.aggregate().group_id();
    if !crate::policy::is_member_of(&state, &actor, group_id).await? {
        return Err(ApiError::not_found());
    }
    let command = RoundCommand::RespondToOffer {
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
    let offer = executed
        .state
        .ranking
        .as_ref()
        .and_then(|ranking| ranking.offer.as_ref());
    Ok(Json(json!({ "offer": offer, "position": position })))
}

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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Rejection)]
pub struct RejectionInput {
    #[schema(value_type = uuid::Uuid)]
    application_id: ApplicationId,
    reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    #[serde(default)]
    awards: Vec<AwardInput>,
    #[serde(default)]
    rejections: Vec<RejectionInput>,
}

/// Loads an application of this round for the decision's follow-up, or 422 naming it.
pub(super) async fn application_of_round(
    state: &AppState,
    round_id: RoundId,
    id: ApplicationId,
) -> Result<Loaded<Application>, ApiError> {
    let loaded = state.stores.applications.load_for_command(id).await?;
    if loaded
        .state()
        .is_some_and(|application| application.round_id() == round_id)
    {
        Ok(loaded)
    } else {
        Err(ApiError::invalid(
            "round.unknown_application",
            format!("申請{id}はこの募集回にありません"),
            format!("application {id} is not in this round"),
        ))
    }
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
    responses((status = 200, description = "the grants opened", body = doc::Decisions)),
)]
pub async fn decide(
    State(state): State<AppState>,
    Staff(actor): Staff,
    context: CommandContext,
    Path(id): Path<RoundId>,
    Json(body): Json<Decision>,
) -> Result<impl IntoResponse, ApiError> {
    let round = existing_for_command(&state.stores.rounds, id).await?;
    let course = round
        .aggregate()
        .opened()
        .map_err(|error| ApiError::refused(&error))?
        .course
        .clone();
    let mut awards = Vec::with_capacity(body.awards.len());
    // The applications as loaded here serve the follow-up's first attempt (fewer round trips; a
    // change in between makes its append conflict and re-run on a fresh load).
    let mut loaded = follow_up::Preloaded::new();
    for award in &body.awards {
        let found = application_of_round(&state, id, award.application_id).await?;
        let application = found.aggregate();
        let content = application.content();
        let requested = content.map_or(Yen::ZERO, |content| content.requested_amount);
        // Rule 1's count outside this round, read from the directory now; the round adds its own
        // awards and decides (a decision of another round of the course at the same instant is not
        // seen: see docs/decisions.md).
        let grants_in_other_rounds =
            crate::queries::prior_grants(&state.db, application.group_id(), &course, id).await?;
        awards.push(AwardRequest {
            application_id: award.application_id,
            grant_id: context.new_id(),
            group_id: application.group_id(),
            amount: award.amount,
            requested,
            budget: content
                .map(|content| content.budget.clone())
                .unwrap_or_default(),
            grants_in_other_rounds,
            conditions: award.conditions.clone(),
            completion_deadline: award.completion_deadline,
        });
        loaded.insert(award.application_id, found);
    }
    for rejection in &body.rejections {
        let found = application_of_round(&state, id, rejection.application_id).await?;
        loaded.insert(rejection.application_id, found);
    }
    let rejections: Vec<Rejection> = body
        .rejections
        .into_iter()
        .map(|rejection| Rejection {
            application_id: rejection.application_id,
            reason: rejection.reason,
        })
        .collect();
    let command = RoundCommand::Decide {
        awards,
        rejections: rejections.clone(),
        by: actor.user_id,
        at: context.now,
    };
    let executed = run_as_staff(&state, &context, round, command, &actor).await?;

    // Open each grant and record each outcome now (the follow-up repeats it from the log after a
    // crash; every step is idempotent).
    let metadata = context.metadata_for(&actor, ActorRole::Staff);
    let mut grants = Vec::new();
    let mut position = executed.position;
    for envelope in &executed.events {
        if let Some(appended) = follow_up::follow(
            &state,
            id,
            &executed.state,
            &envelope.payload,
            &metadata,
            &mut loaded,
        )
        .await?
        {
            position = position.max(appended);
        }
        if let RoundEvent::AwardDecided {
            application_id,
            grant_id,
            amount,
            notice_number,
            ..
        } = &envelope.payload
        {
            // The number the follow-up recorded on the grant (the fiscal year's, notice.rs).
            let notice_number = match crate::notice::number_of(&state.db, *grant_id).await? {
                Some(number) => number,
                None => notice_number.clone(),
            };
            grants.push(json!({
                "application_id": application_id,
                "grant_id": grant_id,
                "notice_number": notice_number,
                "amount": amount,
            }));
        }
    }
    Ok(Json(json!({ "grants": grants, "position": position })))
}

/// Carries out at once what a round command's events call for on the applications
/// (`follow_up`: the runner-up marked, a declined offer not adopted), so that the answer shows it;
/// the background follow-up repeats it from the log. The position of the last event appended.
pub(super) async fn follow_up_at_once(
    state: &AppState,
    round_id: RoundId,
    executed: &Executed<Round>,
    actor: &Actor,
    role: ActorRole,
    context: &CommandContext,
) -> Result<i64, ApiError> {
    let metadata = context.metadata_for(actor, role);
    let mut position = executed.position;
    for envelope in &executed.events {
        let appended = follow_up::follow(
            state,
            round_id,
            &executed.state,
            &envelope.payload,
            &metadata,
            &mut follow_up::Preloaded::new(),
        )
        .await?;
        position = position.max(appended.unwrap_or(0));
    }
    Ok(position)
}
