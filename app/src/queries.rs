//! Questions the command side asks of the whole log, answered by scanning it.
//!
//! These are stop-gaps until the checkpointed read models of `projections/` (issue 4) exist: they read
//! the event table directly and are correct but linear in the number of round events.

use grants_domain::round::RoundEvent;
use grants_domain::{GroupId, RoundId};

use crate::db::Database;

/// The `payload` column as text on either backend.
async fn round_payloads(
    db: &Database,
    event_type: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    match db {
        Database::Sqlite(pool) => {
            sqlx::query_as(
                "SELECT aggregate_id, payload FROM events
                  WHERE aggregate_type = 'round' AND event_type = $1 ORDER BY position",
            )
            .bind(event_type)
            .fetch_all(pool)
            .await
        }
        Database::Postgres(pool) => {
            sqlx::query_as(
                "SELECT aggregate_id, payload::text FROM events
                  WHERE aggregate_type = 'round' AND event_type = $1 ORDER BY position",
            )
            .bind(event_type)
            .fetch_all(pool)
            .await
        }
    }
}

/// Every opened round, oldest first.
pub async fn round_ids(db: &Database) -> Result<Vec<RoundId>, sqlx::Error> {
    Ok(round_payloads(db, "RoundOpened")
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
    let courses: std::collections::HashMap<String, String> = round_payloads(db, "RoundOpened")
        .await?
        .into_iter()
        .filter_map(|(id, payload)| match serde_json::from_str(&payload) {
            Ok(RoundEvent::RoundOpened { settings, .. }) => Some((id, settings.course)),
            _ => None,
        })
        .collect();
    let this_round = this_round.to_string();
    let count = round_payloads(db, "AwardDecided")
        .await?
        .into_iter()
        .filter(|(round, _)| *round != this_round && courses.get(round).map(String::as_str) == Some(course))
        .filter(|(_, payload)| {
            matches!(serde_json::from_str(payload), Ok(RoundEvent::AwardDecided { group_id: g, .. }) if g == group_id)
        })
        .count();
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}
