//! Questions the command side asks of the whole log, answered by scanning it.
//!
//! These are stop-gaps until the checkpointed read models of `projections/` (issue 4) exist: they read
//! the event table directly and are correct but linear in the number of round events.

use grants_domain::application::ApplicationEvent;
use grants_domain::group::GroupEvent;
use grants_domain::round::RoundEvent;
use grants_domain::{ApplicationId, GroupId, RoundId, UserId};

use crate::db::Database;
use crate::with_pool;

/// The `payload` column as text on either backend, for one event type of one aggregate type.
async fn payloads(
    db: &Database,
    aggregate_type: &str,
    event_type: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    // CAST(... AS TEXT) reads the json column of PostgreSQL and the text column of SQLite alike.
    with_pool!(db, pool => sqlx::query_as(
        "SELECT aggregate_id, CAST(payload AS TEXT) FROM events
          WHERE aggregate_type = $1 AND event_type = $2 ORDER BY position",
    )
    .bind(aggregate_type)
    .bind(event_type)
    .fetch_all(pool)
    .await)
}

/// Every opened round, oldest first.
pub async fn round_ids(db: &Database) -> Result<Vec<RoundId>, sqlx::Error> {
    Ok(payloads(db, "round", "RoundOpened")
        .await?
        .into_iter()
        .filter_map(|(id, _)| id.parse().ok())
        .collect())
}

/// How many grants a group received in earlier rounds of the same course (rule 1's grant count, which
/// also chooses the rate). Rounds are matched by course name.
pub async fn prior_grants(
    db: &Database,
    group_id: GroupId,
    course: &str,
    this_round: RoundId,
) -> Result<u32, sqlx::Error> {
    let courses: std::collections::HashMap<String, String> = payloads(db, "round", "RoundOpened")
        .await?
        .into_iter()
        .filter_map(|(id, payload)| match serde_json::from_str(&payload) {
            Ok(RoundEvent::RoundOpened { settings, .. }) => Some((id, settings.course)),
            _ => None,
        })
        .collect();
    let this_round = this_round.to_string();
    let count = payloads(db, "round", "AwardDecided")
        .await?
        .into_iter()
        .filter(|(round, _)| *round != this_round && courses.get(round).map(String::as_str) == Some(course))
        .filter(|(_, payload)| {
            matches!(serde_json::from_str(payload), Ok(RoundEvent::AwardDecided { group_id: g, .. }) if g == group_id)
        })
        .count();
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

/// Every application started in a round, oldest first.
pub async fn applications_in_round(
    db: &Database,
    round_id: RoundId,
) -> Result<Vec<ApplicationId>, sqlx::Error> {
    Ok(payloads(db, "application", "ApplicationDraftStarted")
        .await?
        .into_iter()
        .filter(|(_, payload)| {
            matches!(serde_json::from_str(payload), Ok(ApplicationEvent::ApplicationDraftStarted { round_id: r, .. }) if r == round_id)
        })
        .filter_map(|(id, _)| id.parse().ok())
        .collect())
}

/// The groups a user is a member of.
pub async fn groups_of(db: &Database, user_id: UserId) -> Result<Vec<GroupId>, sqlx::Error> {
    Ok(payloads(db, "group", "MemberAdded")
        .await?
        .into_iter()
        .filter(|(_, payload)| {
            matches!(serde_json::from_str(payload), Ok(GroupEvent::MemberAdded { user_id: u, .. }) if u == user_id)
        })
        .filter_map(|(id, _)| id.parse().ok())
        .collect())
}
