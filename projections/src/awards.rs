//! The public list of awarded projects (`GET /api/v1/public/awards`): one row per grant.
//!
//! Built from the round's `AwardDecided` and the grant's `GrantDecided` (with the registration number
//! from the group's `GroupRegistered`, kept in `award_groups`), then kept current by the grant's later
//! events (amount and period changes, work started, settlement, finalisation, withdrawal,
//! cancellation, closing). Payloads are read as JSON, not as the domain's types, so that a reshaped
//! event still projects: `GrantDecided` fields are taken from `decision.X` when present, else from `X`.
//!
//! Rule 12: only the group's name and registration number (public in municipal grant lists), the
//! project's title, summary and planned period, course, fiscal year, amounts, dates and status are
//! kept. Never a person's name, address, phone or e-mail, never a score: the columns below are all
//! there is, and nothing else from an event is copied. [`crate::public`] turns these rows into the
//! CSV and 360Giving exports.

use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use time::Date;

use crate::error::ProjectionError;
use crate::event_log::LoggedEvent;
use crate::payload::{parse_date, Fields};
use crate::pool::{LogPool, Tx};
use crate::runner::{BoxFuture, Projection};

/// The projection's name.
pub const NAME: &str = "awards";

/// The columns of the public list, in order: the whole public surface of this read model.
pub const COLUMNS: [&str; 13] = [
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
    "registration_number",
    "planned_start",
    "planned_end",
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
    /// The group's registration number under the city's ordinance (public, not personal data).
    pub registration_number: Option<String>,
    /// The planned project period (事業期間), as decided or changed since.
    pub planned_start: Option<Date>,
    pub planned_end: Option<Date>,
}

/// Builds the `awards` table.
#[derive(Clone, Copy, Debug, Default)]
pub struct Awards;

impl Projection for Awards {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &["awards", "award_groups"]
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
    let grant = event.aggregate_id.as_str();
    match (event.aggregate_type.as_str(), event.event_type.as_str()) {
        ("group", "GroupRegistered") => {
            // Only the registration number: the group's contact data is never read.
            if let Some(number) = fields.optional_text("registration_number") {
                crate::exec_tx!(tx, conn => sqlx::query(
                    "INSERT INTO award_groups (group_id, registration_number) VALUES ($1, $2)
                     ON CONFLICT (group_id) DO UPDATE SET registration_number = excluded.registration_number",
                )
                .bind(&event.aggregate_id)
                .bind(&number)
                .execute(&mut *conn)
                .await?);
            }
        }
        ("round", "AwardDecided") => {
            let grant_id = fields.text("grant_id")?;
            let amount = fields.amount("amount")?;
            let decided_on = fields.date("decided_on")?;
            crate::exec_tx!(tx, conn => sqlx::query(
                "INSERT INTO awards (grant_id, amount_awarded, award_date, status, registration_number)
                 VALUES ($1, $2, $3, 'decided',
                   (SELECT registration_number FROM award_groups WHERE group_id = $4))
                 ON CONFLICT (grant_id) DO NOTHING",
            )
            .bind(&grant_id)
            .bind(amount)
            .bind(decided_on)
            .bind(fields.optional_text("group_id"))
            .execute(&mut *conn)
            .await?);
        }
        ("round", "AwardAmended") => {
            let grant_id = fields.text("grant_id")?;
            let amount = fields.amount("new_amount")?;
            set_amount(tx, &grant_id, amount).await?;
        }
        ("grant", "GrantDecided") => {
            let grant_id = fields
                .optional_text("grant_id")
                .unwrap_or_else(|| grant.to_owned());
            let fiscal_year = fields
                .optional_amount("fiscal_year")
                .and_then(|year| i32::try_from(year).ok());
            let amount = fields.amount("amount")?;
            let decided_on = fields.date("decided_on")?;
            let (start, end) = period(fields.get("planned_period"));
            crate::exec_tx!(tx, conn => sqlx::query(
                "INSERT INTO awards (grant_id, fiscal_year, course, group_name, title, summary,
                   amount_awarded, award_date, status, registration_number, planned_start, planned_end)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'decided',
                   (SELECT registration_number FROM award_groups WHERE group_id = $9), $10, $11)
                 ON CONFLICT (grant_id) DO UPDATE SET fiscal_year = excluded.fiscal_year,
                   course = excluded.course, group_name = excluded.group_name,
                   title = excluded.title, summary = excluded.summary,
                   amount_awarded = excluded.amount_awarded, award_date = excluded.award_date,
                   registration_number = coalesce(excluded.registration_number, awards.registration_number),
                   planned_start = excluded.planned_start, planned_end = excluded.planned_end",
            )
            .bind(&grant_id)
            .bind(fiscal_year)
            .bind(fields.optional_text("course"))
            .bind(fields.optional_text("group_name"))
            .bind(fields.optional_text("title"))
            .bind(fields.optional_text("summary"))
            .bind(amount)
            .bind(decided_on)
            .bind(fields.optional_text("group_id"))
            .bind(start)
            .bind(end)
            .execute(&mut *conn)
            .await?);
        }
        ("grant", "ChangeApproved") => {
            let amount = fields.amount("decided_amount")?;
            set_amount(tx, grant, amount).await?;
            set_period(tx, grant, fields.get("period")).await?;
        }
        ("grant", "ChangeNotified") => set_period(tx, grant, fields.get("period")).await?,
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
            let finalised = fields.amount("finalised")?;
            let refund_due = fields.optional_amount("refund_due").unwrap_or(0);
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

/// The planned project period after a change, when the event carries one.
async fn set_period(
    tx: &mut Tx,
    grant_id: &str,
    period_value: Option<&Value>,
) -> Result<(), ProjectionError> {
    let (start, end) = period(period_value);
    if start.is_none() && end.is_none() {
        return Ok(());
    }
    crate::exec_tx!(tx, conn => sqlx::query(
        "UPDATE awards SET planned_start = $2, planned_end = $3 WHERE grant_id = $1",
    )
    .bind(grant_id)
    .bind(start)
    .bind(end)
    .execute(&mut *conn)
    .await?);
    Ok(())
}

/// The first and last day of a `{start, end}` period.
fn period(value: Option<&Value>) -> (Option<Date>, Option<Date>) {
    let day = |field: &str| value.and_then(|v| v.get(field)).and_then(parse_date);
    (day("start"), day("end"))
}

/// The most awards one page of the public list holds.
pub const MAX_PAGE: u32 = 1_000;

/// Which awards to list: an optional fiscal year and course, and optionally one keyset page.
#[derive(Clone, Copy, Debug, Default)]
pub struct AwardQuery<'a> {
    pub fiscal_year: Option<i32>,
    pub course: Option<&'a str>,
    /// Only awards after this grant in the list's order (the last grant of the previous page).
    /// A grant that is not in the list gives an empty page.
    pub after: Option<&'a str>,
    /// At most this many awards (capped at [`MAX_PAGE`]); `None` lists them all (the exports).
    pub limit: Option<u32>,
}

impl<'a> AwardQuery<'a> {
    /// The whole list, optionally for one fiscal year and course.
    pub fn filtered(fiscal_year: Option<i32>, course: Option<&'a str>) -> Self {
        AwardQuery {
            fiscal_year,
            course,
            ..AwardQuery::default()
        }
    }
}

const SELECT: &str = "SELECT grant_id, fiscal_year, course, group_name, title, summary, \
    amount_awarded, award_date, amount_finalised, status, registration_number, planned_start, \
    planned_end FROM awards";

/// The public list ordered by award date and grant, as `query` filters and pages it.
///
/// Keyset paging on `(award_date, grant_id)`: each page is an index range scan
/// (`awards_listing`, `awards_year_listing`, `awards_year_course_listing`), however deep it is. The
/// statement only names the filters that are set, so the planner sees which index fits.
pub async fn list(pool: &LogPool, query: &AwardQuery<'_>) -> Result<Vec<Award>, ProjectionError> {
    let mut conditions = Vec::new();
    let mut placeholders = 0;
    let mut next = || {
        placeholders += 1;
        format!("${placeholders}")
    };
    if query.fiscal_year.is_some() {
        conditions.push(format!("fiscal_year = {}", next()));
    }
    if query.course.is_some() {
        conditions.push(format!("course = {}", next()));
    }
    if query.after.is_some() {
        conditions.push(format!(
            "(award_date, grant_id) > (SELECT award_date, grant_id FROM awards WHERE grant_id = {})",
            next()
        ));
    }
    let mut sql = SELECT.to_owned();
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    sql.push_str(" ORDER BY award_date, grant_id");
    if query.limit.is_some() {
        sql.push_str(&format!(" LIMIT {}", next()));
    }
    let limit = query.limit.map(|limit| i64::from(limit.min(MAX_PAGE)));
    let awards = crate::on_pool!(pool, pool => {
        let mut statement = sqlx::query(&sql);
        if let Some(year) = query.fiscal_year {
            statement = statement.bind(year);
        }
        if let Some(course) = query.course {
            statement = statement.bind(course);
        }
        if let Some(after) = query.after {
            statement = statement.bind(after);
        }
        if let Some(limit) = limit {
            statement = statement.bind(limit);
        }
        statement.fetch_all(pool).await?.iter().map(award).collect::<Result<Vec<_>, _>>()?
    });
    Ok(awards)
}

/// One awarded project by its grant id.
pub async fn find(pool: &LogPool, grant_id: &str) -> Result<Option<Award>, ProjectionError> {
    let sql = format!("{SELECT} WHERE grant_id = $1");
    let found = crate::on_pool!(pool, pool => {
        match sqlx::query(&sql).bind(grant_id).fetch_optional(pool).await? {
            Some(row) => Some(award(&row)?),
            None => None,
        }
    });
    Ok(found)
}

/// An [`Award`] from a row of [`SELECT`], on either backend.
fn award<'r, R>(row: &'r R) -> Result<Award, sqlx::Error>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Date: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
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
        registration_number: row.try_get(10)?,
        planned_start: row.try_get(11)?,
        planned_end: row.try_get(12)?,
    })
}
