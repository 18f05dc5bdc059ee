//! The list of applications (`GET /api/v1/applications?round_id=&status=`): one row per application.
//!
//! Built from the application's events (drafts, submissions, screening, withdrawal, the round's
//! outcome) and the group names of `GroupRegistered`, which this projection keeps in its own
//! `application_groups` table so that a rebuild needs nothing else. `status` holds the api.md status
//! strings. Only what a list shows is kept: the plan, budget and contact data stay in the log.

use serde::Serialize;
use sqlx::Row;
use time::OffsetDateTime;

use crate::error::ProjectionError;
use crate::event_log::LoggedEvent;
use crate::payload::Fields;
use crate::pool::{LogPool, Tx};
use crate::runner::{BoxFuture, Projection};

/// The projection's name.
pub const NAME: &str = "applications";

/// One application as the lists show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApplicationRow {
    pub application_id: String,
    pub round_id: String,
    pub group_id: String,
    pub group_name: Option<String>,
    pub title: String,
    /// draft, submitted, returned, eligible, ineligible, withdrawn, awarded, runner_up, not_adopted.
    pub status: String,
    pub requested_amount: i64,
    /// The maximum computed at the last submission (rule 3); none before the first.
    pub max_amount: Option<i64>,
    /// The first submission; a resubmission after a return keeps it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    /// Set once the application is awarded.
    pub grant_id: Option<String>,
    /// The position of the last event applied to this row.
    pub updated_position: i64,
}

/// Builds the `applications` table.
#[derive(Clone, Copy, Debug, Default)]
pub struct Applications;

impl Projection for Applications {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &["applications", "application_groups"]
    }

    fn apply<'a>(
        &'a self,
        tx: &'a mut Tx,
        event: &'a LoggedEvent,
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(apply(tx, event))
    }
}

async fn apply(tx: &mut Tx, event: &LoggedEvent) -> Result<(), ProjectionError> {
    let fields = Fields::new(NAME, event);
    let id = event.aggregate_id.as_str();
    let position = event.position;
    match (event.aggregate_type.as_str(), event.event_type.as_str()) {
        ("group", "GroupRegistered") => {
            // Only the name: the group's contact data is never read.
            let name = fields.text("name")?;
            crate::exec_tx!(&mut *tx, conn => sqlx::query(
                "INSERT INTO application_groups (group_id, name) VALUES ($1, $2)
                 ON CONFLICT (group_id) DO UPDATE SET name = excluded.name",
            )
            .bind(id)
            .bind(&name)
            .execute(&mut *conn)
            .await?);
            crate::exec_tx!(&mut *tx, conn => sqlx::query(
                "UPDATE applications SET group_name = $2 WHERE group_id = $1",
            )
            .bind(id)
            .bind(&name)
            .execute(&mut *conn)
            .await?);
        }
        ("application", "ApplicationDraftStarted") => {
            let round_id = fields.text("round_id")?;
            let group_id = fields.text("group_id")?;
            let title = content_title(&fields)?;
            let requested = content_amount(&fields)?;
            crate::exec_tx!(tx, conn => sqlx::query(
                "INSERT INTO applications (application_id, round_id, group_id, group_name, title, status,
                   requested_amount, updated_position)
                 VALUES ($1, $2, $3, (SELECT name FROM application_groups WHERE group_id = $3), $4,
                   'draft', $5, $6)
                 ON CONFLICT (application_id) DO UPDATE SET round_id = excluded.round_id,
                   group_id = excluded.group_id, group_name = excluded.group_name,
                   title = excluded.title, requested_amount = excluded.requested_amount,
                   updated_position = excluded.updated_position",
            )
            .bind(id)
            .bind(&round_id)
            .bind(&group_id)
            .bind(&title)
            .bind(requested)
            .bind(position)
            .execute(&mut *conn)
            .await?);
        }
        ("application", "ApplicationDraftSaved") => {
            let title = content_title(&fields)?;
            let requested = content_amount(&fields)?;
            crate::exec_tx!(tx, conn => sqlx::query(
                "UPDATE applications SET title = $2, requested_amount = $3, updated_position = $4
                 WHERE application_id = $1",
            )
            .bind(id)
            .bind(&title)
            .bind(requested)
            .bind(position)
            .execute(&mut *conn)
            .await?);
        }
        ("application", "ApplicationSubmitted" | "ApplicationResubmitted") => {
            let requested = fields.amount("requested_amount")?;
            let max = fields.amount("max_amount")?;
            let at = fields.instant("at")?;
            crate::exec_tx!(tx, conn => sqlx::query(
                "UPDATE applications SET status = 'submitted', requested_amount = $2, max_amount = $3,
                   submitted_at = coalesce(submitted_at, $4), updated_position = $5
                 WHERE application_id = $1",
            )
            .bind(id)
            .bind(requested)
            .bind(max)
            .bind(at)
            .bind(position)
            .execute(&mut *conn)
            .await?);
        }
        ("application", "ApplicationAwarded") => {
            let grant_id = fields.text("grant_id")?;
            crate::exec_tx!(tx, conn => sqlx::query(
                "UPDATE applications SET status = 'awarded', grant_id = $2, updated_position = $3
                 WHERE application_id = $1",
            )
            .bind(id)
            .bind(&grant_id)
            .bind(position)
            .execute(&mut *conn)
            .await?);
        }
        ("application", event_type) => {
            let status = match event_type {
                "ApplicationScreenedEligible" => "eligible",
                "ApplicationScreenedIneligible" => "ineligible",
                "ApplicationReturned" => "returned",
                "ApplicationWithdrawn" => "withdrawn",
                "ApplicationRunnerUp" => "runner_up",
                "ApplicationNotAdopted" => "not_adopted",
                _ => return Ok(()),
            };
            crate::exec_tx!(tx, conn => sqlx::query(
                "UPDATE applications SET status = $2, updated_position = $3 WHERE application_id = $1",
            )
            .bind(id)
            .bind(status)
            .bind(position)
            .execute(&mut *conn)
            .await?);
        }
        _ => {}
    }
    Ok(())
}

fn content_title(fields: &Fields<'_>) -> Result<String, ProjectionError> {
    fields
        .at(&["content", "title"])
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| fields.missing("content.title"))
}

fn content_amount(fields: &Fields<'_>) -> Result<i64, ProjectionError> {
    fields
        .at(&["content", "requested_amount"])
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| fields.missing("content.requested_amount"))
}

const SELECT: &str = "SELECT application_id, round_id, group_id, group_name, title, status, \
                      requested_amount, max_amount, submitted_at, grant_id, updated_position \
                      FROM applications";

/// The applications, optionally of one round, in one status and of some groups only (an applicant
/// sees their own groups' applications: pass their group ids; an empty slice matches nothing),
/// oldest first.
pub async fn list(
    pool: &LogPool,
    round_id: Option<&str>,
    status: Option<&str>,
    group_ids: Option<&[String]>,
) -> Result<Vec<ApplicationRow>, ProjectionError> {
    let mut sql =
        format!("{SELECT} WHERE ($1 IS NULL OR round_id = $1) AND ($2 IS NULL OR status = $2)");
    if let Some(ids) = group_ids {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (3..ids.len() + 3).map(|i| format!("${i}")).collect();
        sql.push_str(&format!(" AND group_id IN ({})", placeholders.join(", ")));
    }
    sql.push_str(" ORDER BY application_id");
    let ids = group_ids.unwrap_or_default();
    let rows = crate::on_pool!(pool, pool => {
        let mut query = sqlx::query(&sql).bind(round_id).bind(status);
        for id in ids {
            query = query.bind(id);
        }
        let rows = query.fetch_all(pool).await?;
        rows.iter().map(read).collect::<Result<Vec<_>, sqlx::Error>>()?
    });
    Ok(rows)
}

/// One application, if the projection has seen it.
pub async fn get(
    pool: &LogPool,
    application_id: &str,
) -> Result<Option<ApplicationRow>, ProjectionError> {
    let sql = format!("{SELECT} WHERE application_id = $1");
    let row = crate::on_pool!(pool, pool => {
        let row = sqlx::query(&sql).bind(application_id).fetch_optional(pool).await?;
        row.as_ref().map(read).transpose()?
    });
    Ok(row)
}

fn read<'r, R>(row: &'r R) -> Result<ApplicationRow, sqlx::Error>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    OffsetDateTime: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(ApplicationRow {
        application_id: row.try_get(0)?,
        round_id: row.try_get(1)?,
        group_id: row.try_get(2)?,
        group_name: row.try_get(3)?,
        title: row.try_get(4)?,
        status: row.try_get(5)?,
        requested_amount: row.try_get(6)?,
        max_amount: row.try_get(7)?,
        submitted_at: row.try_get(8)?,
        grant_id: row.try_get(9)?,
        updated_position: row.try_get(10)?,
    })
}
