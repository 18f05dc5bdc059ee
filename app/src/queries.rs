//! Questions the command side asks of the whole log: which rounds exist, which groups a user belongs
//! to, how many grants a group had in a course (rule 1's count, which also chooses the rate), and which
//! applications a round has.
//!
//! They are answered by the `directory` read model (`grants_projections::directory`): its indexed
//! rows plus the few events after its checkpoint, read in one database snapshot. So the answers are
//! exactly what a scan of the whole log would give at that moment, even when the projection lags or is
//! stopped, while a request costs an index lookup instead of parsing every round, member or
//! application event. See the module doc of `grants_projections::directory` for why that is exact.

use grants_domain::group::{prior_grant_count, PriorAward};
use grants_domain::{ApplicationId, GroupId, RoundId, UserId};
use grants_projections::{directory, ProjectionError};

use crate::db::Database;

/// The directory's errors in the terms the handlers already answer (a database error).
fn database_error(error: ProjectionError) -> sqlx::Error {
    match error {
        ProjectionError::Database(error) => error,
        other => sqlx::Error::Decode(Box::new(other)),
    }
}

/// Ids that parse, in the order given (an unparsable id is skipped, as the log scans did).
fn parsed<T: std::str::FromStr>(ids: Vec<String>) -> Vec<T> {
    ids.into_iter().filter_map(|id| id.parse().ok()).collect()
}

/// Every opened round, oldest first.
pub async fn round_ids(db: &Database) -> Result<Vec<RoundId>, sqlx::Error> {
    let ids = directory::round_ids(db).await.map_err(database_error)?;
    Ok(parsed(ids))
}

/// Rule 1's count of the group's prior grants in `course` for an application to `this_round`:
/// the directory gives the awards, the domain counts them.
pub async fn prior_grants(
    db: &Database,
    group_id: GroupId,
    course: &str,
    this_round: RoundId,
) -> Result<u32, sqlx::Error> {
    let awards: Vec<PriorAward> = directory::prior_awards(db, &group_id.to_string())
        .await
        .map_err(database_error)?
        .into_iter()
        .filter_map(|(round_id, course)| {
            Some(PriorAward {
                round_id: round_id.parse().ok()?,
                course,
            })
        })
        .collect();
    Ok(prior_grant_count(&awards, course, this_round))
}

/// Every application started in a round, oldest first.
pub async fn applications_in_round(
    db: &Database,
    round_id: RoundId,
) -> Result<Vec<ApplicationId>, sqlx::Error> {
    let ids = directory::applications_in_round(db, &round_id.to_string())
        .await
        .map_err(database_error)?;
    Ok(parsed(ids))
}

/// The groups that consented to a coordinator (中間支援), in the order of their consent.
pub async fn groups_helped(db: &Database, user_id: UserId) -> Result<Vec<GroupId>, sqlx::Error> {
    let ids = directory::groups_helped(db, &user_id.to_string())
        .await
        .map_err(database_error)?;
    Ok(parsed(ids))
}

/// The groups a user is a member of, in the order they were added.
pub async fn groups_of(db: &Database, user_id: UserId) -> Result<Vec<GroupId>, sqlx::Error> {
    let ids = directory::groups_of(db, &user_id.to_string())
        .await
        .map_err(database_error)?;
    Ok(parsed(ids))
}
