//! The change-approval saga: staff approve a change that raises a grant's amount; the round holds the
//! increase first (`ChangeReserved`, see `grants_domain::round::reservation`), then the grant records
//! the approval (`ChangeApproved`); should the grant refuse after all, the reservation is cancelled
//! (`ChangeReservationCancelled`) and the increase goes back to the budget. A cut or a rejection
//! touches the grant alone (a cut's release follows from the log, [`super::release`]).
//!
//! The handler reserves and then runs [`follow`] at once, so its answer shows the grant approved; the
//! background run ([`run`]) follows every `ChangeReserved` in the log, so a crash between the round's
//! commit and the grant's loses nothing. Both carry out the steps of one reservation as one attempt
//! derived from the round's event, so each step is appended exactly once however many followers meet
//! the event.

use std::sync::Arc;

use grants_domain::grant::{GrantCommand, GrantError};
use grants_domain::round::{RoundCommand, RoundEvent};
use grants_domain::{ChangeRequestId, Grant, GrantId, Round, RoundId, UserId, Yen};
use grants_projections::LoggedEvent;
use time::OffsetDateTime;

use super::{derived_attempt, failure};
use crate::service::load::{existing, existing_for_command};
use crate::service::ServiceError;
use crate::state::AppState;
use crate::store::{ActorRole, Attempt, CommandMetadata, Executed, StoreError};

/// The process's checkpoint in `projection_checkpoints`.
pub const NAME: &str = "change_approval";

/// A change's raise as the round reserved it: what the grant's step needs.
#[derive(Clone, Debug)]
pub struct Reserved {
    /// The round that reserved the raise.
    pub round_id: RoundId,
    /// The round event's sequence in the round's stream.
    pub sequence: i64,
    /// The grant whose change is approved.
    pub grant_id: GrantId,
    /// The change request approved.
    pub change_request_id: ChangeRequestId,
    /// The award's amount the round raised from: the grant must still hold it.
    pub previous_amount: Yen,
    /// The decided amount after the raise, in integer yen.
    pub new_amount: Yen,
    /// Staff's reason for approving, which the grant's approval records.
    pub reason: String,
    /// The staff member who approved.
    pub by: UserId,
    /// When staff approved (UTC).
    pub at: OffsetDateTime,
}

impl Reserved {
    /// The reservation `event` records, if it is one.
    pub fn from_event(round_id: RoundId, sequence: i64, event: &RoundEvent) -> Option<Self> {
        match event {
            RoundEvent::ChangeReserved {
                grant_id,
                change_request_id,
                previous_amount,
                new_amount,
                reason,
                by,
                at,
                ..
            } => Some(Reserved {
                round_id,
                sequence,
                grant_id: *grant_id,
                change_request_id: *change_request_id,
                previous_amount: *previous_amount,
                new_amount: *new_amount,
                reason: reason.clone(),
                by: *by,
                at: *at,
            }),
            _ => None,
        }
    }

    fn attempt(&self) -> Attempt {
        derived_attempt(b"change-approval/", self.round_id.as_uuid(), self.sequence)
    }

    fn metadata(&self) -> CommandMetadata {
        CommandMetadata {
            actor_id: self.by,
            actor_role: ActorRole::System,
            on_behalf_of: None,
            request_id: format!("change:{}:{}", self.round_id, self.sequence),
            idempotency_key: None,
            recorded_at: OffsetDateTime::now_utc(),
            attempt: Some(self.attempt()),
        }
    }
}

/// How the saga of one reservation ended.
pub enum Outcome {
    /// The grant recorded the approval.
    Approved(Box<Executed<Grant>>),
    /// The grant refused; the reservation is cancelled.
    Refused(GrantError),
}

/// Carries out what follows the reservation: the grant's approval, or the cancellation if the grant
/// refuses. Running it again for the same reservation appends nothing more.
pub async fn follow(state: &AppState, reserved: &Reserved) -> Result<Outcome, ServiceError> {
    let round: Round = existing(&state.stores.rounds, reserved.round_id).await?;
    let metadata = reserved.metadata();
    if round
        .reservation(reserved.change_request_id)
        .is_some_and(|reservation| reservation.cancelled)
    {
        // Cancelled by an earlier follower; answer with the grant's refusal again.
        let grant: Grant = existing(&state.stores.grants, reserved.grant_id).await?;
        let refusal = grant
            .increase_to_reserve(
                reserved.change_request_id,
                true,
                Some(reserved.new_amount),
                &reserved.reason,
            )
            .err()
            .unwrap_or(GrantError::ChangeAlreadyDecided);
        return Ok(Outcome::Refused(refusal));
    }
    let grant = existing_for_command(&state.stores.grants, reserved.grant_id).await?;
    let command = GrantCommand::DecideChange {
        change_request_id: reserved.change_request_id,
        approved: true,
        new_amount: Some(reserved.new_amount),
        reason: reserved.reason.clone(),
        reserved_from: Some(reserved.previous_amount),
        by: reserved.by,
        at: reserved.at,
    };
    match state
        .stores
        .grants
        .execute_loaded(grant, command, &metadata)
        .await
    {
        Ok(executed) => Ok(Outcome::Approved(Box::new(executed))),
        Err(StoreError::Refused(refusal)) => {
            cancel(state, reserved, &refusal, &metadata).await?;
            Ok(Outcome::Refused(refusal))
        }
        Err(other) => Err(other.into()),
    }
}

/// Gives the reserved increase back, because the grant refused with `refusal`.
async fn cancel(
    state: &AppState,
    reserved: &Reserved,
    refusal: &GrantError,
    metadata: &CommandMetadata,
) -> Result<(), ServiceError> {
    tracing::info!(round = %reserved.round_id, change_request = %reserved.change_request_id, %refusal, "the grant refused a reserved change; cancelling the reservation");
    let command = RoundCommand::CancelReservation {
        change_request_id: reserved.change_request_id,
        reason: refusal.to_string(),
        by: reserved.by,
        at: metadata.recorded_at,
    };
    match state
        .stores
        .rounds
        .execute(reserved.round_id, command, metadata)
        .await
    {
        Ok(_) | Err(StoreError::Refused(grants_domain::RoundError::ReservationCancelled)) => Ok(()),
        Err(other) => Err(other.into()),
    }
}

/// The background run: every reservation in the log.
pub async fn run(state: AppState, shutdown: impl std::future::Future<Output = ()>) {
    super::run(state, NAME, shutdown, follow_logged).await;
}

async fn follow_logged(state: AppState, logged: Arc<LoggedEvent>) -> anyhow::Result<()> {
    if logged.aggregate_type != <Round as cqrs_es::Aggregate>::TYPE {
        return Ok(());
    }
    let event: RoundEvent = serde_json::from_value(logged.payload.clone())?;
    let round_id: RoundId = logged.aggregate_id.parse()?;
    let Some(reserved) = Reserved::from_event(round_id, logged.sequence, &event) else {
        return Ok(());
    };
    follow(&state, &reserved).await.map_err(failure)?;
    Ok(())
}
