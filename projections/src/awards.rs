//! The public list of awarded projects (`GET /api/v1/public/awards`): one row per grant.
//!
//! Built from the round's `AwardDecided` and the grant's `GrantDecided`, then kept current by the
//! grant's later events (amount changes, work started, settlement, finalisation, withdrawal,
//! cancellation, closing). Payloads are read as JSON, not as the domain's types, so that a reshaped
//! event still projects: `GrantDecided` fields are taken from `decision.X` when present, else from `X`.
//!
//! Rule 12: only the group's name, the project's title and summary, course, fiscal year, amounts,
//! dates and status are kept. Never a person's name, address, phone or e-mail, never a score: the
//! columns below are all there is, and nothing else from an event is copied.

use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use time::Date;

use crate::error::ProjectionError;
use crate::event_log::LoggedEvent;
use crate::pool::{LogPool, Tx};
use crate::runner::{BoxFuture, Projection};

/// The projection's name.
pub const NAME: &str = "awards";

/// The columns of the public list, in order: the whole public surface of this read model.
pub const COLUMNS: [&str; 10] = [
    "grant_id",
    "fiscal_year",
    "course",
    "group_name",
    "title",
    "summary",
    "amount_awarded",
    "award_date",
    "amount_finalised",
    "status",
];

/// One awarded project as the public sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Award {
    pub grant_id: String,
    pub fiscal_year: Option<i32>,
    pub course: Option<String>,
    pub group_name: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub amount_awarded: i64,
    pub award_date: Option<Date>,
    pub amount_finalised: Option<i64>,
    pub status: String,
}

/// Builds the `awards` table.
#[derive(Clone, Copy, Debug, Default)]
pub struct Awards;

impl Projection for Awards {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &["awards"]
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
    let body = event.body();
    let grant = event.aggregate_id.as_str();
    match (event.aggregate_type.as_str(), event.event_type.as_str()) {
        ("round", "AwardDecided") => {
            let grant_id = text(event, body, "grant_id")?;
            let amount = amount(event, body, "amount")?;
            let decided_on = date(event, body, "decided_on")?;
            crate::exec_tx!(tx, conn => sqlx::query(
                "INSERT INTO awards (grant_id, amount_awarded, award_date, status)
                 VALUES ($1, $2, $3, 'decided') ON CONFLICT (grant_id) DO NOTHING",
            )
            .bind(&grant_id)
            .bind(amount)
            .bind(decided_on)
            .execute(&mut *conn)
            .await?);
        }
        ("round", "AwardAmended") => {
            let grant_id = text(event, body, "grant_id")?;
            let amount = amount(event, body, "new_amount")?;
            set_amount(tx, &grant_id, amount).await?;
        }
        ("grant", "GrantDecided") => {
            let grant_id = optional_text(body, "grant_id").unwrap_or_else(|| grant.to_owned());
            let fiscal_year = decision(body, "fiscal_year")
                .and_then(Value::as_i64)
                .and_then(|year| i32::try_from(year).ok());
            let amount = amount(event, body, "amount")?;
            let decided_on = date(event, body, "decided_on")?;
            crate::exec_tx!(tx, conn => sqlx::query(
                "INSERT INTO awards (grant_id, fiscal_year, course, group_name, title, summary,
                   amount_awarded, award_date, status)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'decided')
                 ON CONFLICT (grant_id) DO UPDATE SET fiscal_year = excluded.fiscal_year,
                   course = excluded.course, group_name = excluded.group_name,
                   title = excluded.title, summary = excluded.summary,
                   amount_awarded = excluded.amount_awarded, award_date = excluded.award_date",
            )
            .bind(&grant_id)
            .bind(fiscal_year)
            .bind(optional_text(body, "course"))
            .bind(optional_text(body, "group_name"))
            .bind(optional_text(body, "title"))
            .bind(optional_text(body, "summary"))
            .bind(amount)
            .bind(decided_on)
            .execute(&mut *conn)
            .await?);
        }
        ("grant", "ChangeApproved") => {
            let amount = amount(event, body, "decided_amount")?;
            set_amount(tx, grant, amount).await?;
        }
        ("grant", "AdvanceRequested" | "PaymentRecorded") => {
            crate::exec_tx!(tx, conn => sqlx::query(
                "UPDATE awards SET status = 'in_progress' WHERE grant_id = $1 AND status = 'decided'",
            )
            .bind(grant)
            .execute(&mut *conn)
            .await?);
        }
        ("grant", "SettlementReportSubmitted") => set_status(tx, grant, "report_submitted").await?,
        ("grant", "SettlementReportReturned") => set_status(tx, grant, "report_returned").await?,
        ("grant", "AmountFinalised") => {
            let finalised = amount(event, body, "finalised")?;
            let refund_due = body.get("refund_due").and_then(Value::as_i64).unwrap_or(0);
            let status = if refund_due > 0 {
                "refund_due"
            } else {
                "finalised"
            };
            crate::exec_tx!(tx, conn => sqlx::query(
                "UPDATE awards SET amount_finalised = $2, status = $3 WHERE grant_id = $1",
            )
            .bind(grant)
            .bind(finalised)
            .bind(status)
            .execute(&mut *conn)
            .await?);
        }
        ("grant", "GrantWithdrawn") => set_status(tx, grant, "withdrawn").await?,
        ("grant", "GrantClosed") => set_status(tx, grant, "closed").await?,
        ("grant", "GrantCancelled") => set_status(tx, grant, "cancelled").await?,
        _ => {}
    }
    Ok(())
}

async fn set_status(tx: &mut Tx, grant_id: &str, status: &str) -> Result<(), ProjectionError> {
    crate::exec_tx!(tx, conn => sqlx::query("UPDATE awards SET status = $2 WHERE grant_id = $1")
        .bind(grant_id)
        .bind(status)
        .execute(&mut *conn)
        .await?);
    Ok(())
}

async fn set_amount(tx: &mut Tx, grant_id: &str, amount: i64) -> Result<(), ProjectionError> {
    crate::exec_tx!(tx, conn => sqlx::query("UPDATE awards SET amount_awarded = $2 WHERE grant_id = $1")
        .bind(grant_id)
        .bind(amount)
        .execute(&mut *conn)
        .await?);
    Ok(())
}

/// A field of a decision: `decision.X` (the reshaped `GrantDecided`) or `X`.
fn decision<'v>(body: &'v Value, field: &str) -> Option<&'v Value> {
    body.get("decision")
        .and_then(|decision| decision.get(field))
        .or_else(|| body.get(field))
}

fn optional_text(body: &Value, field: &str) -> Option<String> {
    decision(body, field)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn missing(event: &LoggedEvent, field: &str) -> ProjectionError {
    ProjectionError::Event {
        projection: NAME,
        event_type: event.event_type.clone(),
        position: event.position,
        detail: format!("no valid `{field}`"),
    }
}

fn text(event: &LoggedEvent, body: &Value, field: &str) -> Result<String, ProjectionError> {
    optional_text(body, field).ok_or_else(|| missing(event, field))
}

fn amount(event: &LoggedEvent, body: &Value, field: &str) -> Result<i64, ProjectionError> {
    decision(body, field)
        .and_then(Value::as_i64)
        .ok_or_else(|| missing(event, field))
}

fn date(event: &LoggedEvent, body: &Value, field: &str) -> Result<Date, ProjectionError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    decision(body, field)
        .and_then(Value::as_str)
        .and_then(|text| Date::parse(text, &format).ok())
        .ok_or_else(|| missing(event, field))
}

/// The public list, optionally for one fiscal year and course, ordered by award date and grant.
pub async fn list(
    pool: &LogPool,
    fiscal_year: Option<i32>,
    course: Option<&str>,
) -> Result<Vec<Award>, ProjectionError> {
    let sql = "SELECT grant_id, fiscal_year, course, group_name, title, summary, amount_awarded, \
               award_date, amount_finalised, status FROM awards \
               WHERE ($1 IS NULL OR fiscal_year = $1) AND ($2 IS NULL OR course = $2) \
               ORDER BY award_date, grant_id";
    let awards = crate::on_pool!(pool, pool => {
        let rows = sqlx::query(sql).bind(fiscal_year).bind(course).fetch_all(pool).await?;
        rows.iter()
            .map(|row| -> Result<Award, sqlx::Error> {
                Ok(Award {
                    grant_id: row.try_get(0)?,
                    fiscal_year: row.try_get(1)?,
                    course: row.try_get(2)?,
                    group_name: row.try_get(3)?,
                    title: row.try_get(4)?,
                    summary: row.try_get(5)?,
                    amount_awarded: row.try_get(6)?,
                    award_date: row.try_get(7)?,
                    amount_finalised: row.try_get(8)?,
                    status: row.try_get(9)?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?
    });
    Ok(awards)
}
