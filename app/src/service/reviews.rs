//! A committee member's scoresheet on one application: conflict declaration, draft scores, sealing
//! (rule 4). The committee membership and whether scoring is open are facts read from the round;
//! the `Review` aggregate decides.

use std::collections::BTreeMap;

use grants_domain::review::{review_id, Review, ReviewCommand};
use grants_domain::ApplicationId;

use super::{load, CommandContext, ServiceError};
use crate::auth::Actor;
use crate::policy::{committee_round, Reviewer};
use crate::state::AppState;
use crate::store::{ActorRole, Executed};

/// A member of the round's committee declares a conflict of interest with the application, or
/// none.
pub async fn declare(
    state: &AppState,
    context: &CommandContext,
    Reviewer(actor): &Reviewer,
    id: ApplicationId,
    conflict: bool,
    note: String,
) -> Result<Executed<Review>, ServiceError> {
    let (round, _, round_id) = committee_round(state, actor, id).await?;
    let command = ReviewCommand::DeclareConflict {
        application_id: id,
        round_id,
        reviewer_id: actor.user_id,
        is_committee_member: round.committee.contains(&actor.user_id),
        conflict,
        note,
        at: context.now,
    };
    run(state, context, actor, id, command).await
}

/// A member saves their own draft scores, per criterion, with a comment.
pub async fn save(
    state: &AppState,
    context: &CommandContext,
    Reviewer(actor): &Reviewer,
    id: ApplicationId,
    scores: BTreeMap<String, u32>,
    comment: String,
) -> Result<Executed<Review>, ServiceError> {
    let (round, settings, _) = committee_round(state, actor, id).await?;
    let command = ReviewCommand::SaveScores {
        scores,
        comment,
        criteria: settings.criteria,
        scoring_open: !round.is_scoring_closed(),
        at: context.now,
    };
    run(state, context, actor, id, command).await
}

/// A member seals their own scoresheet.
pub async fn seal(
    state: &AppState,
    context: &CommandContext,
    Reviewer(actor): &Reviewer,
    id: ApplicationId,
) -> Result<Executed<Review>, ServiceError> {
    let (round, settings, _) = committee_round(state, actor, id).await?;
    let command = ReviewCommand::Seal {
        criteria: settings.criteria,
        scoring_open: !round.is_scoring_closed(),
        at: context.now,
    };
    run(state, context, actor, id, command).await
}

/// A member's own sheet; not found before anything was declared.
pub async fn mine(
    state: &AppState,
    Reviewer(actor): &Reviewer,
    id: ApplicationId,
) -> Result<Review, ServiceError> {
    committee_round(state, actor, id).await?;
    load::existing(&state.stores.reviews, review_id(id, actor.user_id)).await
}

async fn run(
    state: &AppState,
    context: &CommandContext,
    actor: &Actor,
    id: ApplicationId,
    command: ReviewCommand,
) -> Result<Executed<Review>, ServiceError> {
    context
        .run(
            &state.stores.reviews,
            review_id(id, actor.user_id),
            command,
            actor,
            ActorRole::Reviewer,
        )
        .await
}
