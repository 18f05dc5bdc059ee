//! Loading the aggregates a use case works on: an id with no events is "not found" for every caller.

use grants_domain::group::Group;
use grants_domain::round::RoundSettings;
use grants_domain::{FiscalYear, GroupId, Refusal, Round, RoundId};

use super::ServiceError;
use crate::state::AppState;
use crate::store::{Loaded, Store};

/// An aggregate that must exist: not found for an id with no events.
pub async fn existing<A>(store: &Store<A>, id: impl std::fmt::Display) -> Result<A, ServiceError>
where
    A: cqrs_es::Aggregate<Services = ()> + Clone,
    A::Command: Clone,
    A::Error: Refusal,
{
    store.load(id).await?.ok_or_else(ServiceError::not_found)
}

/// An aggregate that must exist, at least as fresh as its event `seen`, for a follower acting on
/// the events up to it (`Store::load_seen`: no read when the copy in memory has that event); with
/// no event named, as [`existing`] reads it.
pub async fn existing_seen<A>(
    store: &Store<A>,
    id: impl std::fmt::Display,
    seen: Option<i64>,
) -> Result<A, ServiceError>
where
    A: cqrs_es::Aggregate<Services = ()> + Clone,
    A::Command: Clone,
    A::Error: Refusal,
{
    let Some(seen) = seen else {
        return existing(store, id).await;
    };
    store
        .load_seen(id, seen_in_stream(seen))
        .await?
        .ok_or_else(ServiceError::not_found)
}

/// A logged event's sequence as the store counts a stream's events: what a follower that saw the
/// event asks a copy to hold at least (`Store::load_seen`, `Store::load_each`).
pub fn seen_in_stream(sequence: i64) -> usize {
    usize::try_from(sequence).unwrap_or(usize::MAX)
}

/// A group's name (団体名), `None` for an id with no events: only its registration sets it
/// (`GroupEvent::GroupRegistered`), so a copy kept in memory has the log's, and the log is read only
/// when no copy is kept.
pub async fn group_name(state: &AppState, id: GroupId) -> Result<Option<String>, ServiceError> {
    let name = |group: &Group| group.name().to_owned();
    match state.stores.groups.kept_with(id, name) {
        Some(name) => Ok(Some(name)),
        None => Ok(state.stores.groups.load(id).await?.as_ref().map(name)),
    }
}

/// A round's fiscal year (年度), `None` for a round never opened, not found for an id with no
/// events: it is never corrected
/// (`RoundError::NeverCorrected`), so a copy kept in memory has the log's, and the log is read only
/// when no opened copy is kept.
pub async fn fiscal_year(
    state: &AppState,
    id: RoundId,
) -> Result<Option<FiscalYear>, ServiceError> {
    let fiscal_year = |round: &Round| round.settings.as_ref().map(|settings| settings.fiscal_year);
    match state.stores.rounds.kept_with(id, fiscal_year).flatten() {
        Some(year) => Ok(Some(year)),
        None => Ok(fiscal_year(&existing(&state.stores.rounds, id).await?)),
    }
}

/// An aggregate loaded for a command (`Store::load_for_command`), or not found when it has no events.
pub async fn existing_for_command<A>(
    store: &Store<A>,
    id: impl std::fmt::Display,
) -> Result<Loaded<A>, ServiceError>
where
    A: cqrs_es::Aggregate<Services = ()> + Clone,
    A::Command: Clone,
    A::Error: Refusal,
{
    found_for_command(store.load_for_command(id).await?)
}

/// An aggregate as loaded for a command, or not found when it has no events.
pub fn found_for_command<A: cqrs_es::Aggregate>(
    loaded: Loaded<A>,
) -> Result<Loaded<A>, ServiceError> {
    match loaded.state() {
        Some(_) => Ok(loaded),
        None => Err(ServiceError::not_found()),
    }
}

/// An opened round and its settings, or not found.
pub async fn round(state: &AppState, id: RoundId) -> Result<(Round, RoundSettings), ServiceError> {
    opened(existing(&state.stores.rounds, id).await?)
}

/// A group and an opened round with its settings, read together (`Store::load_two`: one read of
/// the log for both copies in memory), each not found when it has no events.
pub async fn group_and_round(
    state: &AppState,
    group_id: GroupId,
    round_id: RoundId,
) -> Result<(Group, (Round, RoundSettings)), ServiceError> {
    let (group, round) = state
        .stores
        .groups
        .load_two(group_id, &state.stores.rounds, round_id)
        .await;
    let group = group?.ok_or_else(ServiceError::not_found)?;
    Ok((group, opened(round?.ok_or_else(ServiceError::not_found)?)?))
}

/// A round with its settings, or not found when it was never opened.
fn opened(round: Round) -> Result<(Round, RoundSettings), ServiceError> {
    let settings = round.settings.clone().ok_or_else(ServiceError::not_found)?;
    Ok((round, settings))
}
