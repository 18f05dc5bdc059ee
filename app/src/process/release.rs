//! A grant gives budget back to its round: a withdrawal frees the whole decided amount, a
//! finalisation below the decided amount frees the difference, an approved change that lowers the
//! amount frees what it released (the rule is `Grant::budget_freed_by`). A discontinued grant
//! (中止・廃止) frees its budget the same way, when the report of what was spent is finalised; staff
//! may then offer it on (繰上げ採択). The round records it as `AwardReleased`
//! (`RoundCommand::ReleaseAward`).
//!
//! The grant's handler releases at once (its answer's round then shows the budget back); the
//! background run ([`run`]) repeats it from the log, so a crash between the grant's commit and the
//! round's loses nothing. Both run the release of one grant event as one attempt whose id is derived
//! from the event (`store::attempt`): the round's stream is searched for that attempt before the
//! append, under the stream's optimistic concurrency, so the release is appended exactly once however
//! many followers meet the event.

use std::sync::Arc;

use grants_domain::grant::GrantEvent;
use grants_domain::round::RoundCommand;
use grants_domain::{Grant, GrantId, UserId};
use grants_projections::LoggedEvent;

use super::{actor_of, failure};
use crate::service::ServiceError;
use crate::state::AppState;
use crate::store::{ActorRole, Attempt, CommandMetadata, Position};

/// The process's checkpoint in `projection_checkpoints`.
pub const NAME: &str = "budget_release";

/// The attempt that releases what event `sequence` of grant `grant_id` frees: the same for every
/// follower of that event.
fn attempt_for(grant_id: GrantId, sequence: i64) -> Attempt {
    super::derived_attempt(b"budget-release/", grant_id.as_uuid(), sequence)
}

/// Gives back to the round what `event` (event `sequence` of `grant`, whose state is `grant` with the
/// event applied) frees; the position of the round's event if this call appended it.
pub async fn follow(
    state: &AppState,
    grant: &Grant,
    sequence: i64,
    event: &GrantEvent,
    actor_id: UserId,
) -> Result<Option<Position>, ServiceError> {
    let freed = grant.budget_freed_by(std::slice::from_ref(event));
    if freed.is_zero() {
        return Ok(None);
    }
    let metadata = CommandMetadata {
        actor_id,
        actor_role: ActorRole::System,
        on_behalf_of: None,
        request_id: format!("release:{}:{sequence}", grant.grant_id),
        idempotency_key: None,
        recorded_at: time::OffsetDateTime::now_utc(),
        attempt: Some(attempt_for(grant.grant_id, sequence)),
    };
    let command = RoundCommand::ReleaseAward {
        application_id: grant.application_id,
        amount: freed,
        by: actor_id,
        at: metadata.recorded_at,
    };
    let executed = state
        .stores
        .rounds
        .execute(grant.round_id, command, &metadata)
        .await?;
    Ok(Some(executed.position))
}

/// The background run: every grant event that frees budget, from the log.
pub async fn run(state: AppState, shutdown: impl std::future::Future<Output = ()>) {
    super::run(state, NAME, shutdown, follow_logged).await;
}

async fn follow_logged(state: AppState, logged: Arc<LoggedEvent>) -> anyhow::Result<()> {
    if logged.aggregate_type != <Grant as cqrs_es::Aggregate>::TYPE {
        return Ok(());
    }
    let event: GrantEvent = serde_json::from_value(logged.payload.clone())?;
    if !matches!(
        event,
        GrantEvent::GrantWithdrawn { .. }
            | GrantEvent::AmountFinalised { .. }
            | GrantEvent::ChangeApproved { .. }
    ) {
        return Ok(());
    }
    let grant_id: GrantId = logged.aggregate_id.parse()?;
    let grant = crate::service::load::existing(&state.stores.grants, grant_id)
        .await
        .map_err(failure)?;
    follow(&state, &grant, logged.sequence, &event, actor_of(&logged))
        .await
        .map_err(failure)?;
    Ok(())
}
