//! The directory: the few facts the command side looks up on every request, indexed, and answered
//! exactly as the whole log would answer them.
//!
//! | question | facts (one row per event) | table |
//! |---|---|---|
//! | which rounds exist, oldest first | `RoundOpened`: the round, its course and fiscal year | `directory_rounds` |
//! | which groups a user belongs to | `MemberAdded` adds the group and the member's account, `MemberRemoved` deletes it | `directory_members` |
//! | which groups a coordinator (中間支援) helps | `CoordinatorConsented` adds the group and the coordinator's account, `CoordinatorConsentWithdrawn` deletes it | `directory_coordinators` |
//! | how many grants a group had in a course (rule 1, which also picks the rate) | `AwardDecided`: the round, application and group | `directory_awards` |
//! | which applications a round has | `ApplicationDraftStarted`: the application and its round | `directory_applications` |
//!
//! A member account removed from a group (`MemberRemoved`, issue 18) loses its row, so the group
//! leaves its lists at once (the tail below folds a removal not yet projected); added again, it gets
//! a new row at the new position. Rule 1's count has always been "every `AwardDecided` of the group
//! in another round of the same course" (a later `AwardReleased` or `GrantWithdrawn` does not
//! un-count it), so the other tables only grow. Events are
//! folded as the domain's typed events, through the domain's upcasters ([`crate::typed`]), like
//! the other read models; an event of these types that does not load is skipped (and logged), as the
//! scans this replaces skipped a payload that did not parse. One difference from those scans: they
//! deserialised `ApplicationDraftStarted` with the domain's type and no upcaster, so a version 1.0
//! draft (no `beneficiaries`) was silently missing from its round's applications although the store
//! loads it; here it is upcast and listed.
//!
//! # Exact for the command side: rows plus the tail, in one snapshot
//! A read model trails the log, and the command side must not decide on a stale answer (a group's
//! third grant must choose the third rate even if its second was decided a millisecond ago). So every
//! question here is answered from ONE database snapshot as
//!
//! > the directory's rows + the events of the same four types after the directory's checkpoint,
//! > converted by the same `fact` function the projection applies.
//!
//! The snapshot: a read transaction that reads the checkpoint first, then the tail of the log, then
//! the tables. On PostgreSQL it is `REPEATABLE READ, READ ONLY` (one snapshot for every statement);
//! on SQLite (WAL) a read transaction sees one snapshot from its first read on. Rule 1's question,
//! which every draft asks, is one statement on PostgreSQL instead (checkpoint, rows and tail in
//! one query, whose snapshot is one all the same): one round trip instead of five.
//!
//! Why rows + tail is exactly the set of facts visible in the snapshot:
//! - The runner writes rows and checkpoint in one transaction, so in any snapshot the rows are
//!   exactly the facts of the events at or before the checkpoint cursor.
//! - SQLite: one writer and positions in commit order, so the events after the checkpoint are those
//!   with a higher position.
//! - PostgreSQL: the log order is `(transaction_id, position)` ([`crate::event_log`]). The runner only
//!   moves its checkpoint over rows of transactions older than every running one, so every committed
//!   row at or below the checkpoint cursor was applied; every row above it was not. The tail reads
//!   every row above the cursor that the snapshot sees, with no `xmin` filter
//!   ([`event_log::read_tail`]): a committed event whose transaction id is above that of a
//!   transaction still running is counted here although the runner leaves it for later.
//!
//! So the answer equals what the old full scan of the log returned in the same snapshot, while a
//! query costs an index lookup plus the (normally tiny) tail. If the projection is stopped or far
//! behind the answer stays exact and only gets slower, costing about what the old scan did (a read
//! of every event of the four types) when the directory has never run. Waiting for the runner to reach the head (`wait_for`)
//! was rejected: it needs a runner to be running, and on PostgreSQL any long transaction in the
//! cluster holds the runner back, which would stall every command.
//!
//! One more order fact the prior-grant count relies on: a round's `RoundOpened` is always at or
//! before the checkpoint when one of its `AwardDecided` is, because the transaction that decides an
//! award loaded the opened round first and so got a higher transaction id (each aggregate's events
//! are in sequence order in the log).

use std::collections::HashMap;

use grants_domain::application::ApplicationEvent;
use grants_domain::group::GroupEvent;
use grants_domain::round::RoundEvent;
use serde::Serialize;
use sqlx::Row;

use crate::checkpoint;
use crate::error::ProjectionError;
use crate::event_log::{self, Decode, LoggedEvent, Reads};
use crate::pool::{insert_new, LogPool, Tx, MAX_PARAMETERS};
use crate::runner::{BoxFuture, Projection};
use crate::typed::decode;

/// The projection's name.
pub const NAME: &str = "directory";

/// The events the directory is made of (the others are not decoded).
pub const READS: &[Reads] = &[
    Reads::Event("round", "RoundOpened"),
    Reads::Event("group", "MemberAdded"),
    Reads::Event("group", "MemberRemoved"),
    Reads::Event("group", "CoordinatorConsented"),
    Reads::Event("group", "CoordinatorConsentWithdrawn"),
    Reads::Event("round", "AwardDecided"),
    Reads::Event("application", "ApplicationDraftStarted"),
];

/// The tail [`round_ids`] reads: a part of [`READS`], as are the four below (a test holds them to
/// it, so a renamed event fails a test instead of leaving a lookup blind to the tail).
const ROUND_FACTS: &[Reads] = &[Reads::Event("round", "RoundOpened")];
/// The tail [`groups_of`] reads.
const MEMBER_FACTS: &[Reads] = &[
    Reads::Event("group", "MemberAdded"),
    Reads::Event("group", "MemberRemoved"),
];
/// The tail [`groups_helped`] reads.
const COORDINATOR_FACTS: &[Reads] = &[
    Reads::Event("group", "CoordinatorConsented"),
    Reads::Event("group", "CoordinatorConsentWithdrawn"),
];
/// The tail [`applications_in_round`] reads.
const APPLICATION_FACTS: &[Reads] = &[Reads::Event("application", "ApplicationDraftStarted")];
/// The tail [`prior_awards`] reads: rule 1's facts.
const AWARD_FACTS: &[Reads] = &[
    Reads::Event("round", "RoundOpened"),
    Reads::Event("round", "AwardDecided"),
];

/// The event types a tail of `facts` holds (the log's `event_type` column).
fn event_types(facts: &[Reads]) -> Vec<&'static str> {
    facts
        .iter()
        .filter_map(|fact| match fact {
            Reads::Event(_, event_type) => Some(*event_type),
            Reads::Stream(_) => None,
        })
        .collect()
}

/// Builds the `directory_*` tables.
#[derive(Clone, Copy, Debug, Default)]
pub struct Directory;

impl Projection for Directory {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &[
            "directory_rounds",
            "directory_members",
            "directory_coordinators",
            "directory_awards",
            "directory_applications",
        ]
    }

    fn reads(&self) -> Option<&'static [Reads]> {
        Some(READS)
    }

    /// The text only: the typed events are deserialised from it ([`crate::typed::decode`]).
    fn decode(&self) -> Decode {
        Decode::Text
    }

    fn apply_batch<'a>(
        &'a self,
        tx: &'a mut Tx,
        events: &'a [LoggedEvent],
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(apply_batch(tx, events))
    }
}

/// One fact of the directory, read from one event.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Fact {
    Round {
        round_id: String,
        course: String,
        fiscal_year: Option<i64>,
        position: i64,
    },
    Member {
        group_id: String,
        user_id: String,
        position: i64,
    },
    MemberRemoved {
        group_id: String,
        user_id: String,
    },
    Coordinator {
        group_id: String,
        user_id: String,
        position: i64,
    },
    CoordinatorWithdrawn {
        group_id: String,
        user_id: String,
    },
    Award {
        round_id: String,
        application_id: String,
        group_id: String,
        position: i64,
    },
    Application {
        application_id: String,
        round_id: String,
        position: i64,
    },
}

/// The directory's fact in `event`, if it holds one (the projection and the tail both use this),
/// read from the domain's typed event ([`crate::typed`]). An event of [`READS`] that does not load
/// as the domain's event is an error, which the projection logs and skips and the tail skips.
fn fact(event: &LoggedEvent) -> Result<Option<Fact>, ProjectionError> {
    if !Reads::any(READS, event) {
        return Ok(None);
    }
    let id = || event.aggregate_id.clone();
    let position = event.position;
    Ok(match event.aggregate_type.as_str() {
        "round" => match decode(NAME, event)? {
            RoundEvent::RoundOpened { settings, .. } => Some(Fact::Round {
                round_id: id(),
                course: settings.course,
                fiscal_year: Some(i64::from(settings.fiscal_year.year())),
                position,
            }),
            RoundEvent::AwardDecided {
                application_id,
                group_id,
                ..
            } => Some(Fact::Award {
                round_id: id(),
                application_id: application_id.to_string(),
                group_id: group_id.to_string(),
                position,
            }),
            _ => None,
        },
        "group" => match decode(NAME, event)? {
            GroupEvent::MemberAdded { user_id, .. } => Some(Fact::Member {
                group_id: id(),
                user_id: user_id.to_string(),
                position,
            }),
            GroupEvent::MemberRemoved { user_id, .. } => Some(Fact::MemberRemoved {
                group_id: id(),
                user_id: user_id.to_string(),
            }),
            GroupEvent::CoordinatorConsented { coordinator, .. } => Some(Fact::Coordinator {
                group_id: id(),
                user_id: coordinator.to_string(),
                position,
            }),
            GroupEvent::CoordinatorConsentWithdrawn { coordinator, .. } => {
                Some(Fact::CoordinatorWithdrawn {
                    group_id: id(),
                    user_id: coordinator.to_string(),
                })
            }
            _ => None,
        },
        "application" => match decode(NAME, event)? {
            ApplicationEvent::ApplicationDraftStarted { round_id, .. } => Some(Fact::Application {
                application_id: id(),
                round_id: round_id.to_string(),
                position,
            }),
            _ => None,
        },
        _ => None,
    })
}

/// The facts of `events` the tail reads, those that do not load left out (see [`fact`]).
fn facts_of<'e>(events: impl IntoIterator<Item = &'e LoggedEvent>) -> Vec<Fact> {
    events
        .into_iter()
        .filter_map(|event| fact(event).ok().flatten())
        .collect()
}

/// The batch's facts, inserted with one statement per table (each fact is written once and never
/// changes: a repeated key keeps its first row, as `ON CONFLICT DO NOTHING` does).
async fn apply_batch(tx: &mut Tx, events: &[LoggedEvent]) -> Result<(), ProjectionError> {
    let mut rounds = Vec::new();
    let mut members = Vec::new();
    // The member accounts removed in this batch: their rows go before the batch's additions are
    // inserted, so that one removed and added again gets the new row.
    let mut removed = Vec::new();
    // The same for the coordinators: a new consent keeps the row of the first (its position).
    let mut coordinators: Vec<(String, String, i64)> = Vec::new();
    let mut withdrawn = Vec::new();
    let mut awards = Vec::new();
    let mut applications = Vec::new();
    for event in events {
        let fact = match fact(event) {
            Ok(fact) => fact,
            Err(error) => {
                tracing::warn!(
                    projection = NAME,
                    event_type = %event.event_type,
                    position = event.position,
                    %error,
                    "event does not load as the domain's; skipped"
                );
                continue;
            }
        };
        match fact {
            Some(Fact::Round {
                round_id,
                course,
                fiscal_year,
                position,
            }) => rounds.push((
                round_id,
                course,
                fiscal_year.and_then(|year| i32::try_from(year).ok()),
                position,
            )),
            Some(Fact::Member {
                group_id,
                user_id,
                position,
            }) => {
                members.retain(|(group, user, _)| (group, user) != (&group_id, &user_id));
                members.push((group_id, user_id, position));
            }
            Some(Fact::MemberRemoved { group_id, user_id }) => {
                members.retain(|(group, user, _)| (group, user) != (&group_id, &user_id));
                removed.push((group_id, user_id));
            }
            Some(Fact::Coordinator {
                group_id,
                user_id,
                position,
            }) => {
                let known = coordinators
                    .iter()
                    .any(|(group, user, _)| (group, user) == (&group_id, &user_id));
                if !known {
                    coordinators.push((group_id, user_id, position));
                }
            }
            Some(Fact::CoordinatorWithdrawn { group_id, user_id }) => {
                coordinators.retain(|(group, user, _)| (group, user) != (&group_id, &user_id));
                withdrawn.push((group_id, user_id));
            }
            Some(Fact::Award {
                round_id,
                application_id,
                group_id,
                position,
            }) => awards.push((round_id, application_id, group_id, position)),
            Some(Fact::Application {
                application_id,
                round_id,
                position,
            }) => applications.push((application_id, round_id, position)),
            None => {}
        }
    }
    for chunk in rounds.chunks(MAX_PARAMETERS / 4) {
        let sql = insert_new(
            "directory_rounds",
            &["round_id", "course", "fiscal_year", "opened_position"],
            "round_id",
            chunk.len(),
        );
        crate::exec_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql);
            for (round_id, course, fiscal_year, position) in chunk {
                query = query.bind(round_id).bind(course).bind(fiscal_year).bind(position);
            }
            query.execute(&mut *conn).await?
        });
    }
    for (group_id, user_id) in &removed {
        crate::exec_tx!(&mut *tx, conn => sqlx::query(
            "DELETE FROM directory_members WHERE group_id = $1 AND user_id = $2",
        )
        .bind(group_id)
        .bind(user_id)
        .execute(&mut *conn)
        .await?);
    }
    for chunk in members.chunks(MAX_PARAMETERS / 3) {
        let sql = insert_new(
            "directory_members",
            &["group_id", "user_id", "added_position"],
            "group_id, user_id",
            chunk.len(),
        );
        crate::exec_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql);
            for (group_id, user_id, position) in chunk {
                query = query.bind(group_id).bind(user_id).bind(position);
            }
            query.execute(&mut *conn).await?
        });
    }
    for (group_id, user_id) in &withdrawn {
        crate::exec_tx!(&mut *tx, conn => sqlx::query(
            "DELETE FROM directory_coordinators WHERE group_id = $1 AND user_id = $2",
        )
        .bind(group_id)
        .bind(user_id)
        .execute(&mut *conn)
        .await?);
    }
    for chunk in coordinators.chunks(MAX_PARAMETERS / 3) {
        let sql = insert_new(
            "directory_coordinators",
            &["group_id", "user_id", "consented_position"],
            "group_id, user_id",
            chunk.len(),
        );
        crate::exec_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql);
            for (group_id, user_id, position) in chunk {
                query = query.bind(group_id).bind(user_id).bind(position);
            }
            query.execute(&mut *conn).await?
        });
    }
    for chunk in awards.chunks(MAX_PARAMETERS / 4) {
        let sql = insert_new(
            "directory_awards",
            &["round_id", "application_id", "group_id", "decided_position"],
            "round_id, application_id",
            chunk.len(),
        );
        crate::exec_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql);
            for (round_id, application_id, group_id, position) in chunk {
                query = query.bind(round_id).bind(application_id).bind(group_id).bind(position);
            }
            query.execute(&mut *conn).await?
        });
    }
    for chunk in applications.chunks(MAX_PARAMETERS / 3) {
        let sql = insert_new(
            "directory_applications",
            &["application_id", "round_id", "started_position"],
            "application_id",
            chunk.len(),
        );
        crate::exec_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql);
            for (application_id, round_id, position) in chunk {
                query = query.bind(application_id).bind(round_id).bind(position);
            }
            query.execute(&mut *conn).await?
        });
    }
    Ok(())
}

/// One snapshot of the directory: an open read transaction and the facts of the log after the
/// projection's checkpoint in it (see the module doc).
struct View {
    tx: Tx,
    tail: Vec<Fact>,
}

impl View {
    /// Opens the snapshot and reads the tail of the given event types.
    async fn open(pool: &LogPool, facts: &[Reads]) -> Result<View, ProjectionError> {
        let mut tx = pool.begin_snapshot().await?;
        let after = checkpoint::load(&mut tx, NAME).await?;
        let tail = facts_of(&event_log::read_tail(&mut tx, after, &event_types(facts)).await?);
        Ok(View { tx, tail })
    }

    /// `(id, position)` rows of a query with the given text parameters.
    async fn rows(
        &mut self,
        sql: &str,
        params: &[&str],
    ) -> Result<Vec<(String, i64)>, ProjectionError> {
        let rows = crate::on_tx!(&mut self.tx, conn => {
            let mut query = sqlx::query(sql);
            for param in params {
                query = query.bind(*param);
            }
            query
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        Ok(rows)
    }

    async fn close(self) -> Result<(), ProjectionError> {
        self.tx.rollback().await?;
        Ok(())
    }
}

/// Ids in position order (the old scans' `ORDER BY position`).
fn in_log_order(mut found: Vec<(String, i64)>) -> Vec<String> {
    found.sort_by_key(|(_, position)| *position);
    found.into_iter().map(|(id, _)| id).collect()
}

/// Every opened round, oldest first.
pub async fn round_ids(pool: &LogPool) -> Result<Vec<String>, ProjectionError> {
    let mut view = View::open(pool, ROUND_FACTS).await?;
    let mut found = view
        .rows(
            "SELECT round_id, opened_position FROM directory_rounds",
            &[],
        )
        .await?;
    found.extend(view.tail.drain(..).filter_map(|fact| match fact {
        Fact::Round {
            round_id, position, ..
        } => Some((round_id, position)),
        _ => None,
    }));
    view.close().await?;
    Ok(in_log_order(found))
}

/// The groups `user_id` was added to, in the order they were added.
pub async fn groups_of(pool: &LogPool, user_id: &str) -> Result<Vec<String>, ProjectionError> {
    let mut view = View::open(pool, MEMBER_FACTS).await?;
    let mut found = view
        .rows(
            "SELECT group_id, added_position FROM directory_members WHERE user_id = $1",
            &[user_id],
        )
        .await?;
    // The tail in log order: an addition after the rows, a removal takes the group out again.
    for fact in view.tail.drain(..) {
        match fact {
            Fact::Member {
                group_id,
                user_id: member,
                position,
            } if member == user_id => {
                found.retain(|(group, _)| *group != group_id);
                found.push((group_id, position));
            }
            Fact::MemberRemoved {
                group_id,
                user_id: member,
            } if member == user_id => found.retain(|(group, _)| *group != group_id),
            _ => {}
        }
    }
    view.close().await?;
    Ok(in_log_order(found))
}

/// The groups that consented to the coordinator `user_id` and have not withdrawn it, in the order
/// of their first consent.
pub async fn groups_helped(pool: &LogPool, user_id: &str) -> Result<Vec<String>, ProjectionError> {
    let mut view = View::open(pool, COORDINATOR_FACTS).await?;
    let mut found = view
        .rows(
            "SELECT group_id, consented_position FROM directory_coordinators WHERE user_id = $1",
            &[user_id],
        )
        .await?;
    for fact in view.tail.drain(..) {
        match fact {
            Fact::Coordinator {
                group_id,
                user_id: coordinator,
                position,
            } if coordinator == user_id && !found.iter().any(|(group, _)| *group == group_id) => {
                found.push((group_id, position));
            }
            Fact::CoordinatorWithdrawn {
                group_id,
                user_id: coordinator,
            } if coordinator == user_id => found.retain(|(group, _)| *group != group_id),
            _ => {}
        }
    }
    view.close().await?;
    Ok(in_log_order(found))
}

/// Every application started in `round_id`, oldest first.
pub async fn applications_in_round(
    pool: &LogPool,
    round_id: &str,
) -> Result<Vec<String>, ProjectionError> {
    let mut view = View::open(pool, APPLICATION_FACTS).await?;
    let mut found = view
        .rows(
            "SELECT application_id, started_position FROM directory_applications
              WHERE round_id = $1",
            &[round_id],
        )
        .await?;
    found.extend(view.tail.drain(..).filter_map(|fact| match fact {
        Fact::Application {
            application_id,
            round_id: round,
            position,
        } if round == round_id => Some((application_id, position)),
        _ => None,
    }));
    view.close().await?;
    Ok(in_log_order(found))
}

/// The awards `group_id` received, each as (round, that round's course), in log order: the facts
/// behind rule 1's count of prior grants, which the domain makes
/// (`grants_domain::group::prior_grant_count`). Every draft asks it.
pub async fn prior_awards(
    pool: &LogPool,
    group_id: &str,
) -> Result<Vec<(String, String)>, ProjectionError> {
    if let LogPool::Postgres(pool) = pool {
        if let Some(awards) = prior_awards_in_one_statement(pool, group_id).await? {
            return Ok(awards);
        }
    }
    let mut view = View::open(pool, AWARD_FACTS).await?;
    // The rows hold the log up to the checkpoint, the tail what came after it: in that order.
    let mut awards: Vec<(String, String)> = crate::on_tx!(&mut view.tx, conn => sqlx::query_as(
        "SELECT a.round_id, r.course FROM directory_awards a
           JOIN directory_rounds r ON r.round_id = a.round_id
          WHERE a.group_id = $1 ORDER BY a.decided_position",
    )
    .bind(group_id)
    .fetch_all(&mut *conn)
    .await?);
    let (courses, tail_awards) = awards_in_tail(group_id, std::mem::take(&mut view.tail));
    for round_id in tail_awards {
        let course = match courses.get(&round_id) {
            Some(found) => Some(found.clone()),
            None => crate::on_tx!(&mut view.tx, conn => sqlx::query_scalar(
                "SELECT course FROM directory_rounds WHERE round_id = $1",
            )
            .bind(&round_id)
            .fetch_optional(&mut *conn)
            .await?),
        };
        if let Some(course) = course {
            awards.push((round_id, course));
        }
    }
    view.close().await?;
    Ok(awards)
}

/// The most tail events [`prior_awards_in_one_statement`] reads; a longer tail (a directory far
/// behind the log, as after `grants replay` starts) is read by the transaction of several
/// statements instead.
pub const ONE_STATEMENT_TAIL: i64 = 1_000;

/// [`prior_awards`] on PostgreSQL in one statement instead of a read transaction of five (issue 20:
/// they were half of a draft's statements); `None` when the tail is longer than
/// [`ONE_STATEMENT_TAIL`]. The same snapshot argument holds (module doc): a statement reads one
/// snapshot in every isolation level, its subqueries included, so the checkpoint, the rows and the
/// tail read here are as consistent as in the `REPEATABLE READ` transaction. The directory's course
/// of each tail award's round comes with it (`known_course`), where the other path asks a second
/// query.
///
/// The tail starts at the checkpoint read by two scalar subqueries and is walked in the index's
/// order with a limit. Its first form joined the checkpoint as a CTE, and PostgreSQL, which cannot
/// know the checkpoint when it plans the join, scanned the whole `events` table for the two event
/// types on every draft: 4 ms with 15,000 events, growing with the log (docs/benchmarks.md,
/// session 15). As written here it reads the index from the checkpoint on (0.1 ms, the generic and
/// the custom plan alike).
async fn prior_awards_in_one_statement(
    pool: &sqlx::PgPool,
    group_id: &str,
) -> Result<Option<Vec<(String, String)>>, ProjectionError> {
    let sql = format!(
        "WITH awarded AS (
             SELECT coalesce(array_agg(a.round_id ORDER BY a.decided_position), '{{}}') AS rounds,
                    coalesce(array_agg(r.course ORDER BY a.decided_position), '{{}}') AS courses
               FROM directory_awards a JOIN directory_rounds r ON r.round_id = a.round_id
              WHERE a.group_id = $1
         )
         SELECT awarded.rounds, awarded.courses, tail.*, known.course AS known_course
           FROM awarded
           LEFT JOIN ({}
                       WHERE (events.transaction_id, events.position)
                             > ((SELECT coalesce(max(transaction_id), 0) FROM projection_checkpoints
                                  WHERE name = $2)::text::xid8,
                                (SELECT coalesce(max(position), 0) FROM projection_checkpoints
                                  WHERE name = $2))
                         AND events.event_type = ANY($3)
                       ORDER BY events.transaction_id, events.position
                       LIMIT $4) tail ON true
           LEFT JOIN directory_rounds known ON known.round_id = tail.aggregate_id
          ORDER BY tail.transaction_id, tail.position",
        event_log::POSTGRES_COLUMNS
    );
    let rows = sqlx::query(&sql)
        .bind(group_id)
        .bind(NAME)
        .bind(event_types(AWARD_FACTS))
        .bind(ONE_STATEMENT_TAIL)
        .fetch_all(pool)
        .await?;
    let Some(first) = rows.first() else {
        return Ok(Some(Vec::new()));
    };
    let rounds: Vec<String> = first.try_get("rounds")?;
    let courses: Vec<String> = first.try_get("courses")?;
    let mut awards: Vec<(String, String)> = rounds.into_iter().zip(courses).collect();
    let mut tail = Vec::new();
    let mut tail_events: i64 = 0;
    let mut known: HashMap<String, String> = HashMap::new();
    for row in &rows {
        if row.try_get::<Option<i64>, _>("position")?.is_none() {
            continue; // no tail: the one row of the left join
        }
        tail_events += 1;
        let event = event_log::postgres_event(row)?;
        if let Some(course) = row.try_get::<Option<String>, _>("known_course")? {
            known.insert(event.aggregate_id.clone(), course);
        }
        tail.extend(facts_of([&event]));
    }
    if tail_events >= ONE_STATEMENT_TAIL {
        return Ok(None);
    }
    let (courses, tail_awards) = awards_in_tail(group_id, tail);
    for round_id in tail_awards {
        if let Some(course) = courses.get(&round_id).or_else(|| known.get(&round_id)) {
            awards.push((round_id, course.clone()));
        }
    }
    Ok(Some(awards))
}

/// The courses of the rounds opened in `tail`, and the rounds of `group_id`'s awards in it, in
/// log order.
fn awards_in_tail(
    group_id: &str,
    tail: impl IntoIterator<Item = Fact>,
) -> (HashMap<String, String>, Vec<String>) {
    let mut courses: HashMap<String, String> = HashMap::new();
    let mut tail_awards = Vec::new();
    for fact in tail {
        match fact {
            Fact::Round {
                round_id, course, ..
            } => {
                courses.insert(round_id, course);
            }
            Fact::Award {
                round_id,
                group_id: group,
                ..
            } if group == group_id => tail_awards.push(round_id),
            _ => {}
        }
    }
    (courses, tail_awards)
}

/// Every row of the directory's tables in key order, for comparing a live directory with its
/// rebuild (tests, the crash test). The questions above never need them all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Rows {
    /// (round, course, fiscal year, position of `RoundOpened`).
    pub rounds: Vec<(String, String, Option<i32>, i64)>,
    /// (group, user, position of `MemberAdded`).
    pub members: Vec<(String, String, i64)>,
    /// (group, coordinator, position of its first `CoordinatorConsented`).
    pub coordinators: Vec<(String, String, i64)>,
    /// (round, application, group, position of `AwardDecided`).
    pub awards: Vec<(String, String, String, i64)>,
    /// (application, round, position of `ApplicationDraftStarted`).
    pub applications: Vec<(String, String, i64)>,
}

/// The directory's rows as they are (without the tail: this is the read model, not an answer).
pub async fn rows(pool: &LogPool) -> Result<Rows, ProjectionError> {
    let rows = crate::on_pool!(pool, pool => Rows {
        rounds: sqlx::query_as(
            "SELECT round_id, course, fiscal_year, opened_position FROM directory_rounds
              ORDER BY round_id",
        )
        .fetch_all(pool)
        .await?,
        members: sqlx::query_as(
            "SELECT group_id, user_id, added_position FROM directory_members
              ORDER BY group_id, user_id",
        )
        .fetch_all(pool)
        .await?,
        coordinators: sqlx::query_as(
            "SELECT group_id, user_id, consented_position FROM directory_coordinators
              ORDER BY group_id, user_id",
        )
        .fetch_all(pool)
        .await?,
        awards: sqlx::query_as(
            "SELECT round_id, application_id, group_id, decided_position FROM directory_awards
              ORDER BY round_id, application_id",
        )
        .fetch_all(pool)
        .await?,
        applications: sqlx::query_as(
            "SELECT application_id, round_id, started_position FROM directory_applications
              ORDER BY application_id",
        )
        .fetch_all(pool)
        .await?,
    });
    Ok(rows)
}

/// The fiscal years (newest first) and course names (in name order) of every opened round: the
/// filter options of the public awards list. A plain read of the table, with no tail: it may miss a
/// round opened a moment ago, which only delays a new option in a filter.
pub async fn years_and_courses(pool: &LogPool) -> Result<(Vec<i32>, Vec<String>), ProjectionError> {
    let (years, courses) = crate::on_pool!(pool, pool => {
        let years: Vec<i32> = sqlx::query_scalar(
            "SELECT DISTINCT fiscal_year FROM directory_rounds WHERE fiscal_year IS NOT NULL
             ORDER BY fiscal_year DESC",
        )
        .fetch_all(pool)
        .await?;
        let courses: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT course FROM directory_rounds ORDER BY course")
                .fetch_all(pool)
                .await?;
        (years, courses)
    });
    Ok((years, courses))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every lookup's tail names events the directory reads, one by one: so the `READS` test in
    /// `typed.rs` (each is one of the domain's events) covers them too.
    #[test]
    fn every_tail_is_a_part_of_what_the_directory_reads() {
        for facts in [
            ROUND_FACTS,
            MEMBER_FACTS,
            COORDINATOR_FACTS,
            APPLICATION_FACTS,
            AWARD_FACTS,
        ] {
            for fact in facts {
                assert!(matches!(fact, Reads::Event(..)), "{fact:?}");
                assert!(READS.contains(fact), "{fact:?}");
            }
            assert_eq!(event_types(facts).len(), facts.len());
        }
    }
}
