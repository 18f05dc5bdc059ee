//! What follows a round's ranking and decisions, on the applications and grants:
//! - `RankingFixed` with a runner-up offer marks that application the runner-up (次点);
//! - `RunnerUpOfferDeclined` and `PromotionDeclined` mark the application not adopted;
//! - each `AwardDecided` opens its `Grant` and marks its application awarded;
//! - each `ApplicationRejected` marks the application not adopted.
//!
//! The decision handler does this at once, so its answer names the grants. [`run`] does the same from
//! the log in the background (a process manager with its own checkpoint), so that a crash between the
//! round's commit and these commands is repaired when the service runs again. Every step is
//! idempotent: a grant already opened, or an outcome already recorded, is skipped.

use std::collections::HashMap;
use std::sync::Arc;

use grants_domain::amount::AmountTerms;
use grants_domain::application::{ApplicationCommand, DecisionOutcome};
use grants_domain::grant::{GrantCommand, GrantDecision, Period as GrantPeriod};
use grants_domain::round::{Round, RoundEvent};
use grants_domain::{Application, ApplicationId, ApplicationStatus, GrantId, RoundId};
use grants_projections::LoggedEvent;

use crate::process::{actor_of, failure};
use crate::service::load::{existing, existing_for_command};
use crate::service::ServiceError;
use crate::state::AppState;
use crate::store::{ActorRole, CommandMetadata, Loaded, Position};

/// The follow-up's checkpoint in `projection_checkpoints`.
pub const NAME: &str = "decision_follow_up";

/// Applications the caller already loaded for the follow-up (the decision handler does).
pub type Preloaded = HashMap<ApplicationId, Loaded<Application>>;

/// The round events this process's handlers have followed up at once, every command each calls for
/// committed ([`FollowedAtOnce::mark`]), so that the background run skips them instead of loading
/// the grant and the application to find that out (three reads an award). Facts only ever added
/// after the commits and never stale (a follow-up done stays done); after a restart the memo is
/// empty and the background run checks the log's state as before, which is what repairs a crash
/// between the round's commit and the follow-up. At most [`FollowedAtOnce::CAPACITY`] entries (a
/// handler that follows up an event the background run has passed already leaves one behind): a
/// full memo is emptied, which only costs those checks again.
#[derive(Debug, Default)]
pub struct FollowedAtOnce(std::sync::Mutex<std::collections::HashSet<(RoundId, usize)>>);

impl FollowedAtOnce {
    /// The most events the memo holds.
    pub const CAPACITY: usize = 10_000;

    /// Records that the round event `sequence` of `round_id` has been followed up.
    pub fn mark(&self, round_id: RoundId, sequence: usize) {
        let mut followed = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if followed.len() >= Self::CAPACITY {
            followed.clear();
        }
        followed.insert((round_id, sequence));
    }

    /// Whether the event was followed up at once (forgotten now: the background run passes an event
    /// once).
    fn take(&self, round_id: RoundId, sequence: usize) -> bool {
        let mut followed = self.0.lock().unwrap_or_else(|e| e.into_inner());
        followed.remove(&(round_id, sequence))
    }
}

/// What following up one round event did.
#[derive(Debug, Default)]
pub struct FollowedUp {
    /// The position of the last event it appended, if it appended any.
    pub appended: Option<Position>,
    /// An award's notice number (the grant's, from the register), for the decision's answer.
    pub notice_number: Option<String>,
}

impl From<Option<Position>> for FollowedUp {
    fn from(appended: Option<Position>) -> Self {
        FollowedUp {
            appended,
            notice_number: None,
        }
    }
}

/// Carries out what one round event calls for. `round` is the round's state with the event
/// applied (its settings give the grant's terms); an application found in `preloaded` is taken
/// from there instead of loaded again.
pub async fn follow(
    state: &AppState,
    round_id: RoundId,
    round: &Round,
    event: &RoundEvent,
    metadata: &CommandMetadata,
    preloaded: &mut Preloaded,
) -> Result<FollowedUp, ServiceError> {
    match event {
        RoundEvent::AwardDecided {
            application_id,
            grant_id,
            amount,
            rate,
            notice_number,
            conditions,
            completion_deadline,
            ..
        } => {
            let loaded = take_application(state, preloaded, *application_id).await?;
            let application = loaded.aggregate();
            let settings = round
                .opened()
                .map_err(|error| ServiceError::refused(&error))?;
            let content = application.content().ok_or_else(ServiceError::not_found)?;
            // The rate the decision counted (rule 1's count at the decision); a decision stored
            // before it was recorded kept the draft's rate.
            let draft_terms = application
                .terms()
                .copied()
                .ok_or_else(ServiceError::not_found)?;
            let terms = AmountTerms {
                rate: rate.unwrap_or(draft_terms.rate),
                ..draft_terms
            };
            // The fiscal year's number from the notice register (notice.rs); a decision stored
            // before fiscal-year numbering carries the round's own number, which its grant keeps.
            let notice_number = if notice_number.is_empty() {
                crate::notice::assign(
                    &state.db,
                    state.projections.gate(),
                    *grant_id,
                    settings.fiscal_year,
                    &state.notice_prefix,
                )
                .await?
            } else {
                notice_number.clone()
            };
            let group_name = crate::service::load::group_name(state, application.group_id())
                .await?
                .unwrap_or_default();
            let decision = GrantDecision {
                grant_id: *grant_id,
                application_id: *application_id,
                round_id,
                group_id: application.group_id(),
                fiscal_year: settings.fiscal_year,
                course: settings.course.clone(),
                title: content.title.clone(),
                summary: content.summary.clone(),
                group_name,
                amount: *amount,
                notice_number: notice_number.clone(),
                conditions: conditions.clone(),
                completion_deadline: *completion_deadline,
                terms,
                advance_cap_ratio: settings.advance_cap_ratio,
                change_threshold_ratio: settings.change_threshold_ratio,
                settlement_days: settings.settlement_days,
                settlement_grace_date: settings.settlement_grace_date,
                planned: content.budget.clone(),
                planned_period: GrantPeriod {
                    start: content.period.start,
                    end: content.period.end,
                },
            };
            let command = GrantCommand::Decide {
                decision,
                by: metadata.actor_id,
                at: metadata.recorded_at,
            };
            // The grant id is fresh, so its first append is the check that no other follower (the
            // handler, or the background run) opened it; if one did, the domain refuses.
            let position = match state
                .stores
                .grants
                .create(grant_id, command, metadata)
                .await
            {
                Ok(executed) => Some(executed.position),
                Err(refused) => {
                    if !grant_opened(state, *grant_id).await? {
                        return Err(refused.into());
                    }
                    None
                }
            };
            let outcome = DecisionOutcome::Awarded {
                grant_id: *grant_id,
                amount: *amount,
            };
            let recorded =
                record(state, loaded, outcome, ApplicationStatus::Awarded, metadata).await?;
            Ok(FollowedUp {
                appended: recorded.or(position),
                notice_number: Some(notice_number),
            })
        }
        RoundEvent::ApplicationRejected {
            application_id,
            reason,
            ..
        } => {
            let outcome = DecisionOutcome::Rejected {
                reason: reason.clone(),
            };
            let loaded = take_application(state, preloaded, *application_id).await?;
            record(
                state,
                loaded,
                outcome,
                ApplicationStatus::NotAdopted,
                metadata,
            )
            .await
            .map(FollowedUp::from)
        }
        RoundEvent::RankingFixed { rows, .. } => {
            let Some(runner_up) = rows.iter().find(|row| row.remainder_offer.is_some()) else {
                return Ok(FollowedUp::default());
            };
            let loaded = take_application(state, preloaded, runner_up.application_id).await?;
            // Only an application the ranking found eligible becomes the runner-up: one that has
            // answered meanwhile (a later follower of the ranking) is left as it is.
            if loaded.aggregate().status() != Some(ApplicationStatus::Eligible) {
                return Ok(FollowedUp::default());
            }
            let (outcome, reached) = (DecisionOutcome::RunnerUp, ApplicationStatus::RunnerUp);
            record(state, loaded, outcome, reached, metadata)
                .await
                .map(FollowedUp::from)
        }
        RoundEvent::RunnerUpOfferDeclined { application_id, .. }
        | RoundEvent::PromotionDeclined { application_id, .. } => {
            let loaded = take_application(state, preloaded, *application_id).await?;
            let (outcome, reached) = (DecisionOutcome::NotAdopted, ApplicationStatus::NotAdopted);
            record(state, loaded, outcome, reached, metadata)
                .await
                .map(FollowedUp::from)
        }
        _ => Ok(FollowedUp::default()),
    }
}

async fn load_application(
    state: &AppState,
    id: ApplicationId,
) -> Result<grants_domain::Application, ServiceError> {
    existing(&state.stores.applications, id).await
}

/// The application as the caller preloaded it, or loaded now for the command.
async fn take_application(
    state: &AppState,
    preloaded: &mut Preloaded,
    id: ApplicationId,
) -> Result<Loaded<Application>, ServiceError> {
    match preloaded.remove(&id) {
        Some(loaded) => Ok(loaded),
        None => existing_for_command(&state.stores.applications, id).await,
    }
}

/// Whether the grant was opened (decided) already.
async fn grant_opened(state: &AppState, id: GrantId) -> Result<bool, ServiceError> {
    Ok(state
        .stores
        .grants
        .load(id)
        .await?
        .is_some_and(|grant| grant.is_decided()))
}

/// Whether everything `event` calls for is done already: the grant opened and the outcome recorded.
/// The background run meets most decisions after the handler has carried them out; this check costs
/// two loads where carrying one out again would cost the round's, the application's and the group's,
/// and a refused append.
async fn already_followed(state: &AppState, event: &RoundEvent) -> Result<bool, ServiceError> {
    let (application_id, reached) = match event {
        RoundEvent::AwardDecided {
            application_id,
            grant_id,
            ..
        } => {
            if !grant_opened(state, *grant_id).await? {
                return Ok(false);
            }
            (*application_id, ApplicationStatus::Awarded)
        }
        RoundEvent::ApplicationRejected { application_id, .. }
        | RoundEvent::RunnerUpOfferDeclined { application_id, .. }
        | RoundEvent::PromotionDeclined { application_id, .. } => {
            (*application_id, ApplicationStatus::NotAdopted)
        }
        // The runner-up's step checks the application's status itself.
        RoundEvent::RankingFixed { .. } => return Ok(false),
        _ => return Ok(true),
    };
    let application = load_application(state, application_id).await?;
    Ok(application.status() == Some(reached))
}

/// Records an outcome unless the application already shows it (also when another follower records
/// it at the same moment).
async fn record(
    state: &AppState,
    loaded: Loaded<Application>,
    outcome: DecisionOutcome,
    reached: ApplicationStatus,
    metadata: &CommandMetadata,
) -> Result<Option<Position>, ServiceError> {
    let shows_it = |application: &Application| application.status() == Some(reached);
    if shows_it(loaded.aggregate()) {
        return Ok(None);
    }
    let application_id = loaded.aggregate().id();
    let command = ApplicationCommand::RecordOutcome {
        outcome,
        by: metadata.actor_id,
        at: metadata.recorded_at,
    };
    match state
        .stores
        .applications
        .execute_loaded(loaded, command, metadata)
        .await
    {
        Ok(executed) => Ok(Some(executed.position)),
        Err(refused) if shows_it(&load_application(state, application_id).await?) => {
            drop(refused);
            Ok(None)
        }
        Err(refused) => Err(refused.into()),
    }
}

/// Follows round decisions from the log until `shutdown` (a process of `crate::process`).
pub async fn run(state: AppState, shutdown: impl std::future::Future<Output = ()>) {
    crate::process::run(state, NAME, shutdown, follow_logged).await;
}

async fn follow_logged(state: AppState, logged: Arc<LoggedEvent>) -> anyhow::Result<()> {
    if logged.aggregate_type != <Round as cqrs_es::Aggregate>::TYPE {
        return Ok(());
    }
    let round_event: RoundEvent = serde_json::from_value(logged.payload.clone())?;
    if !matches!(
        round_event,
        RoundEvent::AwardDecided { .. }
            | RoundEvent::ApplicationRejected { .. }
            | RoundEvent::RankingFixed { .. }
            | RoundEvent::RunnerUpOfferDeclined { .. }
            | RoundEvent::PromotionDeclined { .. }
    ) {
        return Ok(());
    }
    let round_id: RoundId = logged.aggregate_id.parse()?;
    let sequence = usize::try_from(logged.sequence)?;
    if state.followed_at_once.take(round_id, sequence) {
        return Ok(());
    }
    let metadata = CommandMetadata {
        attempt: None,
        actor_id: actor_of(&logged),
        actor_role: ActorRole::System,
        on_behalf_of: None,
        request_id: format!("follow-up:{}", logged.position),
        idempotency_key: None,
        recorded_at: time::OffsetDateTime::now_utc(),
    };
    if already_followed(&state, &round_event)
        .await
        .map_err(failure)?
    {
        return Ok(());
    }
    let round = existing(&state.stores.rounds, round_id)
        .await
        .map_err(failure)?;
    follow(
        &state,
        round_id,
        &round,
        &round_event,
        &metadata,
        &mut Preloaded::new(),
    )
    .await
    .map_err(failure)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_background_run_skips_an_event_followed_at_once_once_and_a_full_memo_forgets() {
        let memo = FollowedAtOnce::default();
        let round = RoundId::new();
        memo.mark(round, 7);
        assert!(
            !memo.take(round, 6),
            "an event not followed at once is checked"
        );
        assert!(memo.take(round, 7));
        assert!(
            !memo.take(round, 7),
            "the background run passes an event once"
        );
        for sequence in 0..FollowedAtOnce::CAPACITY {
            memo.mark(round, sequence);
        }
        memo.mark(RoundId::new(), 1);
        assert!(!memo.take(round, 0), "a full memo is emptied");
    }
}
