//! The ranking of a round (rule 5) and the award decisions (rule 6), with the runner-up's answer.
//!
//! A decision reads what the round cannot know (each application's requested amount and budget,
//! and the group's grants in other rounds of the course from the directory) and passes it in the
//! command; the round counts its own awards and decides the limit and the rate (rule 1).
//!
//! After the `Round` aggregate accepts a command (which is where the budget holds, whatever the
//! concurrency), its follow-up (`crate::follow_up`: each grant opened, each outcome recorded on its
//! application, the runner-up marked) runs at once, so that the answer shows it; the follow-up's
//! background run repeats it from the log after a crash, and every step is idempotent.

use grants_domain::application::Application;
use grants_domain::review::review_id;
use grants_domain::round::{
    rank, AwardRequest, RankRow, RankingEntry, Rejection, Round, RoundCommand, RoundEvent,
    RunnerUpOffer, SheetOutcome,
};
use grants_domain::{ApplicationId, ApplicationStatus, GrantId, RoundId, Yen};
use time::Date;

use super::rounds::run_as_staff;
use super::{load, CommandContext, ServiceError};
use crate::auth::Actor;
use crate::follow_up;
use crate::policy::{Applicant, Staff};
use crate::state::AppState;
use crate::store::{ActorRole, Executed, Loaded};

/// The eligible applications of a round with one sheet outcome per committee member.
async fn ranking_entries(
    state: &AppState,
    round_id: RoundId,
    round: &Round,
) -> Result<Vec<RankingEntry>, ServiceError> {
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

/// A round's ranking as its readers see it.
pub enum Ranking {
    /// Fixed by staff: the round holds it, with its runner-up offer and promotions.
    Fixed(Box<Round>),
    /// Computed now from the complete sealed sheets; nothing is recorded.
    Preview(Vec<RankRow>),
}

/// The fixed ranking, or a preview computed from the sealed sheets: staff and auditors always,
/// committee members once scoring is closed; not found for anyone else.
pub async fn ranking(
    state: &AppState,
    actor: &Actor,
    id: RoundId,
) -> Result<Ranking, ServiceError> {
    let (round, settings) = load::round(state, id).await?;
    if !crate::policy::may_see_ranking(actor, &round) {
        return Err(ServiceError::not_found());
    }
    if round.ranking.is_some() {
        return Ok(Ranking::Fixed(Box::new(round)));
    }
    let complete: Vec<RankingEntry> = ranking_entries(state, id, &round)
        .await?
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
    .map_err(|error| ServiceError::refused(&error))?;
    Ok(Ranking::Preview(rows))
}

/// What a round command did: the round as it is now, and the position of the last event it and
/// its follow-up appended.
pub struct Followed {
    /// The round after the command and its follow-up.
    pub round: Round,
    /// The log position of the last event appended.
    pub position: i64,
}

/// Staff fix the ranking once scoring is closed (the runner-up's 7 days run from here).
pub async fn fix_ranking(
    state: &AppState,
    context: &CommandContext,
    Staff(actor): &Staff,
    id: RoundId,
) -> Result<Followed, ServiceError> {
    let round = load::existing_for_command(&state.stores.rounds, id).await?;
    let entries = ranking_entries(state, id, round.aggregate()).await?;
    let command = RoundCommand::FixRanking {
        entries,
        by: actor.user_id,
        at: context.now,
    };
    let executed = run_as_staff(state, context, round, command, actor).await?;
    let position =
        follow_up_at_once(state, id, &executed, actor, ActorRole::Staff, context).await?;
    Ok(Followed {
        round: executed.state,
        position,
    })
}

/// The runner-up's group accepts or declines the remainder offered; a declined offer leaves the
/// application not adopted. Answers the offer with its answer.
pub async fn answer_offer(
    state: &AppState,
    context: &CommandContext,
    applicant: &Applicant,
    id: RoundId,
    application_id: ApplicationId,
    accept: bool,
) -> Result<(Option<RunnerUpOffer>, i64), ServiceError> {
    let command = RoundCommand::RespondToOffer {
        application_id,
        accept,
        by: applicant.0.user_id,
        at: context.now,
    };
    let (round, position) = respond(state, context, applicant, id, application_id, command).await?;
    Ok((round.ranking.and_then(|ranking| ranking.offer), position))
}

/// An offer's answer by the group of `application_id` (not found for anyone else): runs the
/// round's `command` and its follow-up at once; answers the round and the last position appended.
pub async fn respond(
    state: &AppState,
    context: &CommandContext,
    Applicant(actor): &Applicant,
    id: RoundId,
    application_id: ApplicationId,
    command: RoundCommand,
) -> Result<(Round, i64), ServiceError> {
    load::round(state, id).await?;
    let application = application_of_round(state, id, application_id).await?;
    if !crate::policy::is_member_of(state, actor, application.aggregate().group_id()).await? {
        return Err(ServiceError::not_found());
    }
    let executed = context
        .run(
            &state.stores.rounds,
            id,
            command,
            actor,
            ActorRole::Applicant,
        )
        .await?;
    let position =
        follow_up_at_once(state, id, &executed, actor, ActorRole::Applicant, context).await?;
    Ok((executed.state, position))
}

/// An award staff decide.
pub struct AwardAsked {
    /// The application awarded.
    pub application_id: ApplicationId,
    /// The decided amount (交付決定額), in integer yen.
    pub amount: Yen,
    /// The award's conditions (交付条件), in text.
    pub conditions: String,
    /// The day the project must be completed by (JST).
    pub completion_deadline: Date,
}

/// A grant a decision opened.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = DecidedGrant)]
pub struct Opened {
    /// The application awarded.
    pub application_id: ApplicationId,
    /// The grant opened for it.
    pub grant_id: GrantId,
    /// The 文書番号 the follow-up recorded on the grant (the fiscal year's, `crate::notice`).
    pub notice_number: String,
    /// The decided amount, in integer yen.
    pub amount: Yen,
}

/// What a decision did: the grants it opened, and the position of the last event appended.
pub struct Decided {
    /// The grants opened, one per award.
    pub grants: Vec<Opened>,
    /// The log position of the last event appended.
    pub position: i64,
}

/// Loads an application of this round for a decision or its follow-up; refused naming it if it is
/// not in the round.
pub async fn application_of_round(
    state: &AppState,
    round_id: RoundId,
    id: ApplicationId,
) -> Result<Loaded<Application>, ServiceError> {
    in_round(
        round_id,
        id,
        state.stores.applications.load_for_command(id).await?,
    )
}

/// The application `id` as loaded, or refused naming it if it is not in the round.
fn in_round(
    round_id: RoundId,
    id: ApplicationId,
    loaded: Loaded<Application>,
) -> Result<Loaded<Application>, ServiceError> {
    if loaded
        .state()
        .is_some_and(|application| application.round_id() == round_id)
    {
        Ok(loaded)
    } else {
        Err(ServiceError::invalid(
            "round.unknown_application",
            format!("申請{id}はこの募集回にありません"),
            format!("application {id} is not in this round"),
        ))
    }
}

/// Staff decide awards and rejections, all or nothing.
pub async fn decide(
    state: &AppState,
    context: &CommandContext,
    Staff(actor): &Staff,
    id: RoundId,
    awards_asked: Vec<AwardAsked>,
    rejections: Vec<Rejection>,
) -> Result<Decided, ServiceError> {
    // The round and every application it decides, read together (one read of the log when all
    // are kept in memory: `Store::load_for_command_with`).
    let decided: Vec<ApplicationId> = awards_asked
        .iter()
        .map(|award| award.application_id)
        .chain(rejections.iter().map(|rejection| rejection.application_id))
        .collect();
    let (round, applications) = state
        .stores
        .rounds
        .load_for_command_with(
            id,
            &state.stores.applications,
            &decided.iter().map(ToString::to_string).collect::<Vec<_>>(),
        )
        .await;
    let round = load::found_for_command(round?)?;
    let course = round
        .aggregate()
        .opened()
        .map_err(|error| ServiceError::refused(&error))?
        .course
        .clone();
    let mut applications = decided.into_iter().zip(applications);
    let mut awards = Vec::with_capacity(awards_asked.len());
    // The applications as loaded here serve the follow-up's first attempt (fewer round trips; a
    // change in between makes its append conflict and re-run on a fresh load).
    let mut loaded = follow_up::Preloaded::new();
    for (award, (application_id, found)) in awards_asked.into_iter().zip(applications.by_ref()) {
        let found = in_round(id, application_id, found?)?;
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
            conditions: award.conditions,
            completion_deadline: award.completion_deadline,
        });
        loaded.insert(award.application_id, found);
    }
    for (application_id, found) in applications {
        loaded.insert(application_id, in_round(id, application_id, found?)?);
    }
    let command = RoundCommand::Decide {
        awards,
        rejections,
        by: actor.user_id,
        at: context.now,
    };
    let executed = run_as_staff(state, context, round, command, actor).await?;

    // Open each grant and record each outcome now (the follow-up repeats it from the log after a
    // crash; every step is idempotent).
    let metadata = context.metadata_for(actor, ActorRole::Staff);
    let (followed, position) = follow_each(state, id, &executed, &metadata, &mut loaded).await?;
    let grants = executed
        .events
        .iter()
        .zip(followed)
        .filter_map(|(envelope, followed)| match &envelope.payload {
            RoundEvent::AwardDecided {
                application_id,
                grant_id,
                amount,
                notice_number,
                ..
            } => Some(Opened {
                application_id: *application_id,
                grant_id: *grant_id,
                notice_number: followed
                    .notice_number
                    .unwrap_or_else(|| notice_number.clone()),
                amount: *amount,
            }),
            _ => None,
        })
        .collect();
    Ok(Decided { grants, position })
}

/// Carries out at once what a round command's events call for on the applications
/// (`follow_up`: the runner-up marked, a declined offer not adopted), so that the answer shows it;
/// the background follow-up repeats it from the log. The position of the last event appended.
pub async fn follow_up_at_once(
    state: &AppState,
    round_id: RoundId,
    executed: &Executed<Round>,
    actor: &Actor,
    role: ActorRole,
    context: &CommandContext,
) -> Result<i64, ServiceError> {
    let metadata = context.metadata_for(actor, role);
    let mut preloaded = follow_up::Preloaded::new();
    let (_, position) = follow_each(state, round_id, executed, &metadata, &mut preloaded).await?;
    Ok(position)
}

/// Follows up each event `executed` appended, in order, and marks it followed for the background
/// run (`follow_up::FollowedAtOnce`): what each did, beside its event, and the position of the
/// last event appended (the command's own if the follow-up appended none).
async fn follow_each(
    state: &AppState,
    round_id: RoundId,
    executed: &Executed<Round>,
    metadata: &crate::store::CommandMetadata,
    preloaded: &mut follow_up::Preloaded,
) -> Result<(Vec<follow_up::FollowedUp>, i64), ServiceError> {
    let mut followed = Vec::with_capacity(executed.events.len());
    let mut position = executed.position;
    for envelope in &executed.events {
        let done = follow_up::follow(
            state,
            round_id,
            &executed.state,
            &envelope.payload,
            metadata,
            preloaded,
        )
        .await?;
        state.followed_at_once.mark(round_id, envelope.sequence);
        position = position.max(done.appended.unwrap_or(0));
        followed.push(done);
    }
    Ok((followed, position))
}
