//! A round's use cases: staff open it and appoint its committee, close scoring; anyone reads an
//! opened round (an open call). Deciding on applications is `crate::http::decisions`'s for now.

use grants_domain::account::Role;
use grants_domain::round::{Round, RoundCommand, RoundSettings};
use grants_domain::{RoundId, UserId};

use super::round_read::RoundRead;
use super::{load, CommandContext, ServiceError};
use crate::auth::Actor;
use crate::policy::Staff;
use crate::state::AppState;
use crate::store::{ActorRole, Executed, Loaded};

/// Staff open a round with its settings.
pub async fn open(
    state: &AppState,
    context: &CommandContext,
    Staff(actor): &Staff,
    settings: RoundSettings,
) -> Result<(RoundId, Executed<Round>), ServiceError> {
    let round_id: RoundId = context.new_id();
    let command = RoundCommand::Open {
        round_id,
        settings,
        by: actor.user_id,
        at: context.now,
    };
    let executed = context
        .create(
            &state.stores.rounds,
            round_id,
            command,
            actor,
            ActorRole::Staff,
        )
        .await?;
    Ok((round_id, executed))
}

/// An opened round and its settings; not found before it opens.
pub async fn read(state: &AppState, id: RoundId) -> Result<(Round, RoundSettings), ServiceError> {
    load::round(state, id).await
}

/// The read of round `id` as `actor` (anyone, or nobody) sees it: staff and auditors also see its
/// committee.
pub fn read_for(
    id: RoundId,
    round: &Round,
    settings: &RoundSettings,
    actor: Option<&Actor>,
) -> RoundRead {
    RoundRead::of(
        id,
        round,
        settings,
        actor.is_some_and(crate::policy::oversees),
    )
}

/// The read of an opened round as `actor` (anyone, or nobody) sees it; not found before it opens.
pub async fn view(
    state: &AppState,
    actor: Option<&Actor>,
    id: RoundId,
) -> Result<RoundRead, ServiceError> {
    let (round, settings) = read(state, id).await?;
    Ok(read_for(id, &round, &settings, actor))
}

/// Every opened round with its settings, newest first.
pub async fn list(state: &AppState) -> Result<Vec<(RoundId, Round, RoundSettings)>, ServiceError> {
    let mut rounds = Vec::new();
    for id in crate::queries::round_ids(&state.db)
        .await?
        .into_iter()
        .rev()
    {
        let (round, settings) = load::round(state, id).await?;
        rounds.push((id, round, settings));
    }
    Ok(rounds)
}

/// Staff appoint a reviewer to the round's committee (the account must hold the reviewer role).
pub async fn appoint(
    state: &AppState,
    context: &CommandContext,
    Staff(actor): &Staff,
    id: RoundId,
    reviewer_id: UserId,
) -> Result<Executed<Round>, ServiceError> {
    let round = load::existing_for_command(&state.stores.rounds, id).await?;
    let is_reviewer_account = crate::accounts::load(state, reviewer_id)
        .await?
        .is_some_and(|account| account.roles.contains(&Role::Reviewer));
    let command = RoundCommand::AppointReviewer {
        reviewer_id,
        is_reviewer_account,
        by: actor.user_id,
        at: context.now,
    };
    run_as_staff(state, context, round, command, actor).await
}

/// Staff close scoring, unsealing the scores.
pub async fn close_scoring(
    state: &AppState,
    context: &CommandContext,
    Staff(actor): &Staff,
    id: RoundId,
) -> Result<Executed<Round>, ServiceError> {
    let round = load::existing_for_command(&state.stores.rounds, id).await?;
    let command = RoundCommand::CloseScoring {
        by: actor.user_id,
        at: context.now,
    };
    run_as_staff(state, context, round, command, actor).await
}

/// Staff correct the round's settings after opening (募集要項の訂正) with a reason; what may change
/// is the round's rule (`round::correction`), told how many applications the round has, read from
/// the log's directory.
pub async fn correct(
    state: &AppState,
    context: &CommandContext,
    Staff(actor): &Staff,
    id: RoundId,
    settings: RoundSettings,
    reason: String,
) -> Result<Executed<Round>, ServiceError> {
    let round = load::existing_for_command(&state.stores.rounds, id).await?;
    let applications = crate::queries::applications_in_round(&state.db, id)
        .await?
        .len();
    let command = RoundCommand::Correct {
        settings,
        reason,
        applications: u32::try_from(applications).unwrap_or(u32::MAX),
        by: actor.user_id,
        at: context.now,
    };
    run_as_staff(state, context, round, command, actor).await
}

/// Runs a staff command on a round loaded for it (`load::existing_for_command`).
pub async fn run_as_staff(
    state: &AppState,
    context: &CommandContext,
    round: Loaded<Round>,
    command: RoundCommand,
    actor: &Actor,
) -> Result<Executed<Round>, ServiceError> {
    context
        .run_loaded(
            &state.stores.rounds,
            round,
            command,
            actor,
            ActorRole::Staff,
        )
        .await
}
