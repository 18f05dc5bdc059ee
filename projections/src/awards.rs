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

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use time::Date;

use crate::error::ProjectionError;
use crate::event_log::{LoggedEvent, Reads};
use crate::payload::{parse_date, Fields};
use crate::pool::{text_pair, upsert, upsert_pairs, Conditions, LogPool, Tx, MAX_PARAMETERS};
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

    /// What `grant_of` and `fold` match on.
    fn reads(&self) -> Option<&'static [Reads]> {
        Some(&[
            Reads::Stream("grant"),
            Reads::Event("round", "AwardDecided"),
            Reads::Event("round", "AwardAmended"),
            Reads::Event("group", "GroupRegistered"),
        ])
    }

    fn apply_batch<'a>(
        &'a self,
        tx: &'a mut Tx,
        events: &'a [LoggedEvent],
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(apply_batch(tx, events))
    }
}

/// The grant an event is about, if the public list cares about the event.
fn grant_of(event: &LoggedEvent) -> Result<Option<String>, ProjectionError> {
    let fields = Fields::new(NAME, event);
    Ok(
        match (event.aggregate_type.as_str(), event.event_type.as_str()) {
            ("round", "AwardDecided" | "AwardAmended") => Some(fields.text("grant_id")?),
            ("grant", "GrantDecided") => Some(
                fields
                    .optional_text("grant_id")
                    .unwrap_or_else(|| event.aggregate_id.clone()),
            ),
            ("grant", _) => Some(event.aggregate_id.clone()),
            _ => None,
        },
    )
}

/// Applies a batch in memory and writes it in a few statements, whatever its length: the rows and
/// registration numbers the batch needs are read once, the events fold into them in log order, and
/// what changed is upserted in one statement per table (docs/benchmarks.md).
async fn apply_batch(tx: &mut Tx, events: &[LoggedEvent]) -> Result<(), ProjectionError> {
    let mut grant_ids = BTreeSet::new();
    let mut group_ids = BTreeSet::new();
    for event in events {
        if let Some(grant_id) = grant_of(event)? {
            grant_ids.insert(grant_id);
            if let Some(group_id) = Fields::new(NAME, event).optional_text("group_id") {
                group_ids.insert(group_id);
            }
        }
    }
    let registers_groups = events
        .iter()
        .any(|event| event.aggregate_type == "group" && event.event_type == "GroupRegistered");
    if grant_ids.is_empty() && !registers_groups {
        return Ok(());
    }
    let mut awards = load_awards(tx, &grant_ids).await?;
    let mut numbers = load_numbers(tx, &group_ids).await?;
    let mut renumbered = BTreeMap::new();
    let mut changed = BTreeSet::new();
    for event in events {
        fold(
            event,
            &mut awards,
            &mut numbers,
            &mut renumbered,
            &mut changed,
        )?;
    }
    upsert_pairs(
        tx,
        "award_groups",
        ["group_id", "registration_number"],
        &renumbered,
    )
    .await?;
    let changed: Vec<&Award> = changed.iter().filter_map(|id| awards.get(id)).collect();
    write_awards(tx, &changed).await
}

/// One event applied to the rows and registration numbers in memory. An event about a grant the
/// list has no row for changes nothing.
fn fold(
    event: &LoggedEvent,
    awards: &mut BTreeMap<String, Award>,
    numbers: &mut BTreeMap<String, String>,
    renumbered: &mut BTreeMap<String, String>,
    changed: &mut BTreeSet<String>,
) -> Result<(), ProjectionError> {
    let fields = Fields::new(NAME, event);
    if (event.aggregate_type.as_str(), event.event_type.as_str()) == ("group", "GroupRegistered") {
        // Only the registration number: the group's contact data is never read.
        if let Some(number) = fields.optional_text("registration_number") {
            numbers.insert(event.aggregate_id.clone(), number.clone());
            renumbered.insert(event.aggregate_id.clone(), number);
        }
        return Ok(());
    }
    let Some(grant_id) = grant_of(event)? else {
        return Ok(());
    };
    let number_of = |numbers: &BTreeMap<String, String>| {
        fields
            .optional_text("group_id")
            .and_then(|group| numbers.get(&group).cloned())
    };
    let award = awards.get_mut(&grant_id);
    match (event.event_type.as_str(), award) {
        ("AwardDecided", award) => {
            let amount = fields.amount("amount")?;
            let decided_on = fields.date("decided_on")?;
            if award.is_none() {
                let registration_number = number_of(numbers);
                awards.insert(
                    grant_id.clone(),
                    Award {
                        grant_id: grant_id.clone(),
                        fiscal_year: None,
                        course: None,
                        group_name: None,
                        title: None,
                        summary: None,
                        amount_awarded: amount,
                        award_date: Some(decided_on),
                        amount_finalised: None,
                        status: "decided".to_owned(),
                        registration_number,
                        planned_start: None,
                        planned_end: None,
                    },
                );
            }
        }
        ("AwardAmended", award) => {
            let amount = fields.amount("new_amount")?;
            if let Some(award) = award {
                award.amount_awarded = amount;
            }
        }
        ("GrantDecided", award) => {
            let fiscal_year = fields
                .optional_amount("fiscal_year")
                .and_then(|year| i32::try_from(year).ok());
            let amount = fields.amount("amount")?;
            let decided_on = fields.date("decided_on")?;
            let (planned_start, planned_end) = period(fields.get("planned_period"));
            let registration_number = number_of(numbers);
            let decided = Award {
                grant_id: grant_id.clone(),
                fiscal_year,
                course: fields.optional_text("course"),
                group_name: fields.optional_text("group_name"),
                title: fields.optional_text("title"),
                summary: fields.optional_text("summary"),
                amount_awarded: amount,
                award_date: Some(decided_on),
                amount_finalised: None,
                status: "decided".to_owned(),
                registration_number,
                planned_start,
                planned_end,
            };
            match award {
                // The decision's fields replace the round's; status and settlement stay.
                Some(award) => {
                    *award = Award {
                        registration_number: decided
                            .registration_number
                            .or(award.registration_number.take()),
                        amount_finalised: award.amount_finalised,
                        status: std::mem::take(&mut award.status),
                        ..decided
                    };
                }
                None => {
                    awards.insert(grant_id.clone(), decided);
                }
            }
        }
        (event_type, award) => {
            let Some(change) = AwardChange::read(event_type, &fields)? else {
                return Ok(());
            };
            if let Some(award) = award {
                change.apply(award);
            }
        }
    }
    if awards.contains_key(&grant_id) {
        changed.insert(grant_id);
    }
    Ok(())
}

/// What one of the grant's later events changes in its public row.
enum AwardChange {
    Status(&'static str),
    StartWork,
    Amount(i64, (Option<Date>, Option<Date>)),
    Period((Option<Date>, Option<Date>)),
    Finalised { finalised: i64, refund_due: i64 },
}

impl AwardChange {
    fn read(event_type: &str, fields: &Fields<'_>) -> Result<Option<Self>, ProjectionError> {
        Ok(Some(match event_type {
            "ChangeApproved" => AwardChange::Amount(
                fields.amount("decided_amount")?,
                period(fields.get("period")),
            ),
            "ChangeNotified" => AwardChange::Period(period(fields.get("period"))),
            "AdvanceRequested" | "PaymentRecorded" => AwardChange::StartWork,
            "SettlementReportSubmitted" => AwardChange::Status("report_submitted"),
            "SettlementReportReturned" => AwardChange::Status("report_returned"),
            "AmountFinalised" => AwardChange::Finalised {
                finalised: fields.amount("finalised")?,
                refund_due: fields.optional_amount("refund_due").unwrap_or(0),
            },
            "GrantWithdrawn" => AwardChange::Status("withdrawn"),
            "GrantClosed" => AwardChange::Status("closed"),
            "GrantCancelled" => AwardChange::Status("cancelled"),
            // The public sees an approved 中止・廃止, not the request (which may be refused).
            "DiscontinuationApproved" => AwardChange::Status("discontinued"),
            _ => return Ok(None),
        }))
    }

    fn apply(self, award: &mut Award) {
        // The planned project period after a change, when the event carries one.
        let set_period = |award: &mut Award, (start, end): (Option<Date>, Option<Date>)| {
            if start.is_some() || end.is_some() {
                award.planned_start = start;
                award.planned_end = end;
            }
        };
        match self {
            AwardChange::Status(status) => award.status = status.to_owned(),
            AwardChange::StartWork => {
                if award.status == "decided" {
                    award.status = "in_progress".to_owned();
                }
            }
            AwardChange::Amount(amount, period) => {
                award.amount_awarded = amount;
                set_period(award, period);
            }
            AwardChange::Period(period) => set_period(award, period),
            AwardChange::Finalised {
                finalised,
                refund_due,
            } => {
                award.amount_finalised = Some(finalised);
                award.status = if refund_due > 0 {
                    "refund_due"
                } else {
                    "finalised"
                }
                .to_owned();
            }
        }
    }
}

async fn load_awards(
    tx: &mut Tx,
    grant_ids: &BTreeSet<String>,
) -> Result<BTreeMap<String, Award>, ProjectionError> {
    let select = format!("{SELECT} WHERE grant_id IN");
    let ids = grant_ids.iter().map(String::as_str).collect();
    Ok(crate::fetch_in!(tx, select, ids, award)
        .into_iter()
        .map(|award| (award.grant_id.clone(), award))
        .collect())
}

async fn load_numbers(
    tx: &mut Tx,
    group_ids: &BTreeSet<String>,
) -> Result<BTreeMap<String, String>, ProjectionError> {
    let select = "SELECT group_id, registration_number FROM award_groups WHERE group_id IN";
    let ids = group_ids.iter().map(String::as_str).collect();
    Ok(crate::fetch_in!(tx, select, ids, text_pair)
        .into_iter()
        .collect())
}

/// The changed rows, upserted whole.
async fn write_awards(tx: &mut Tx, awards: &[&Award]) -> Result<(), ProjectionError> {
    for chunk in awards.chunks(MAX_PARAMETERS / COLUMNS.len()) {
        let sql = upsert("awards", &COLUMNS, chunk.len());
        crate::exec_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql);
            for award in chunk {
                query = query
                    .bind(&award.grant_id)
                    .bind(award.fiscal_year)
                    .bind(&award.course)
                    .bind(&award.group_name)
                    .bind(&award.title)
                    .bind(&award.summary)
                    .bind(award.amount_awarded)
                    .bind(award.award_date)
                    .bind(award.amount_finalised)
                    .bind(&award.status)
                    .bind(&award.registration_number)
                    .bind(award.planned_start)
                    .bind(award.planned_end);
            }
            query.execute(&mut *conn).await?
        });
    }
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
    let mut conditions = Conditions::default();
    if query.fiscal_year.is_some() {
        let year = conditions.parameter();
        conditions.push(format!("fiscal_year = {year}"));
    }
    if query.course.is_some() {
        let course = conditions.parameter();
        conditions.push(format!("course = {course}"));
    }
    if query.after.is_some() {
        let after = conditions.parameter();
        conditions.push(format!(
            "(award_date, grant_id) > (SELECT award_date, grant_id FROM awards WHERE grant_id = {after})"
        ));
    }
    let mut sql = format!(
        "{SELECT}{} ORDER BY award_date, grant_id",
        conditions.clause()
    );
    if query.limit.is_some() {
        sql.push_str(&format!(" LIMIT {}", conditions.parameter()));
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
