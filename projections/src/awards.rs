//! The public list of awarded projects (`GET /api/v1/public/awards`): one row per grant.
//!
//! Built from the round's `AwardDecided` and the grant's `GrantDecided` (with the registration number
//! from the group's `GroupRegistered`, kept in `award_groups`), then kept current by the grant's later
//! events (amount and period changes, work started, settlement, finalisation, withdrawal,
//! cancellation, closing). The round's and the grant's events are read as the domain's typed events
//! (with the upcasters, `crate::typed`), and the row's status is the domain's rule for what the public
//! sees (`GrantStatus::public_after`). Of `GroupRegistered` only the registration number is read
//! (as the domain's `PublicGroupEvent`): the group's contact data is never decoded here.
//!
//! Rule 12: only the group's name and registration number (public in municipal grant lists), the
//! project's title, summary and planned period, course, fiscal year, amounts, dates and status are
//! kept. Never a person's name, address, phone or e-mail, never a score: the columns below are all
//! there is, and nothing else from an event is copied. [`crate::public`] turns these rows into the
//! CSV and 360Giving exports.

use std::collections::{BTreeMap, BTreeSet};

use grants_domain::grant::{GrantEvent, GrantStatus, Period};
use grants_domain::group::PublicGroupEvent;
use grants_domain::round::RoundEvent;
use serde::Serialize;
use sqlx::Row;
use time::Date;

use crate::error::ProjectionError;
use crate::event_log::{Decode, LoggedEvent, Reads};
use crate::pool::{text_pair, upsert, upsert_pairs, Conditions, LogPool, Tx, MAX_PARAMETERS};
use crate::runner::{BoxFuture, Projection};
use crate::typed::{decode, status};

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

/// One awarded project as the public sees it (no personal data, no scores).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PublicAward))]
pub struct Award {
    /// The grant's id (a UUID).
    pub grant_id: String,
    /// The fiscal year, named by the calendar year it starts in; `None` until the grant's
    /// `GrantDecided` is read (the round's `AwardDecided` may come first).
    pub fiscal_year: Option<i32>,
    /// The round's course (e.g. ステップアップ); `None` like the fiscal year.
    pub course: Option<String>,
    /// The group's name (public under rule 12).
    pub group_name: Option<String>,
    /// The project's title.
    pub title: Option<String>,
    /// The project's public summary.
    pub summary: Option<String>,
    /// The amount awarded (交付決定額) in integer yen, as decided or changed since.
    #[cfg_attr(feature = "openapi", schema(value_type = grants_domain::Yen))]
    pub amount_awarded: i64,
    /// The JST day of the decision.
    pub award_date: Option<Date>,
    /// The amount fixed after the settlement report (額の確定) in integer yen; `None` until finalised.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<grants_domain::Yen>))]
    pub amount_finalised: Option<i64>,
    /// Where the grant stands, as the public sees it (`GrantStatus::public_after`).
    pub status: GrantStatus,
    /// The group's registration number under the city's ordinance (public, not personal data).
    pub registration_number: Option<String>,
    /// The planned project period (事業期間), as decided or changed since.
    pub planned_start: Option<Date>,
    /// The planned end of the project period.
    pub planned_end: Option<Date>,
}

/// The events the list folds (the others are not decoded): a grant's, the round's award and its
/// amendment, and a group's registration for its number.
pub const READS: &[Reads] = &[
    Reads::Stream("grant"),
    Reads::Event("round", "AwardDecided"),
    Reads::Event("round", "AwardAmended"),
    Reads::Event("group", "GroupRegistered"),
];

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

/// The event as the domain's type, if the public list folds it: a round's award or amendment, or
/// any of a grant's events.
enum Read {
    Round(Box<RoundEvent>),
    Grant(Box<GrantEvent>),
    /// A group's registration number (of `GroupRegistered`, only what is public is decoded).
    Registered(String),
}

fn read_event(event: &LoggedEvent) -> Result<Option<Read>, ProjectionError> {
    if !Reads::any(READS, event) {
        return Ok(None);
    }
    Ok(match event.aggregate_type.as_str() {
        "round" => Some(Read::Round(Box::new(decode(NAME, event)?))),
        "grant" => Some(Read::Grant(Box::new(decode(NAME, event)?))),
        "group" => match decode(NAME, event)? {
            PublicGroupEvent::GroupRegistered {
                registration_number,
                ..
            } => Some(Read::Registered(registration_number)),
        },
        _ => None,
    })
}

/// The grant an event is about, and its group where the event names it.
fn grant_of(event: &LoggedEvent, read: &Read) -> Option<(String, Option<String>)> {
    match read {
        Read::Round(round_event) => match &**round_event {
            RoundEvent::AwardDecided {
                grant_id, group_id, ..
            } => Some((grant_id.to_string(), Some(group_id.to_string()))),
            RoundEvent::AwardAmended { grant_id, .. } => Some((grant_id.to_string(), None)),
            _ => None,
        },
        Read::Grant(grant_event) => Some(match &**grant_event {
            GrantEvent::GrantDecided { decision, .. } => (
                decision.grant_id.to_string(),
                Some(decision.group_id.to_string()),
            ),
            _ => (event.aggregate_id.clone(), None),
        }),
        Read::Registered(_) => None,
    }
}

/// Applies a batch in memory and writes it in a few statements, whatever its length: the rows and
/// registration numbers the batch needs are read once, the events fold into them in log order, and
/// what changed is upserted in one statement per table (docs/benchmarks.md).
async fn apply_batch(tx: &mut Tx, events: &[LoggedEvent]) -> Result<(), ProjectionError> {
    let mut read = Vec::new();
    let mut grant_ids = BTreeSet::new();
    let mut group_ids = BTreeSet::new();
    for event in events {
        let Some(typed) = read_event(event)? else {
            continue;
        };
        if let Some((grant_id, group_id)) = grant_of(event, &typed) {
            grant_ids.insert(grant_id);
            group_ids.extend(group_id);
        }
        read.push((event, typed));
    }
    if read.is_empty() {
        return Ok(());
    }
    let mut awards = load_awards(tx, &grant_ids).await?;
    let mut numbers = load_numbers(tx, &group_ids).await?;
    let mut renumbered = BTreeMap::new();
    let mut changed = BTreeSet::new();
    for (event, typed) in read {
        if let Read::Registered(number) = typed {
            // Only the registration number: the group's contact data is never read.
            numbers.insert(event.aggregate_id.clone(), number.clone());
            renumbered.insert(event.aggregate_id.clone(), number);
            continue;
        }
        let Some((grant_id, group_id)) = grant_of(event, &typed) else {
            continue;
        };
        let number = group_id.and_then(|group| numbers.get(&group).cloned());
        fold(&grant_id, typed, number, &mut awards);
        if awards.contains_key(&grant_id) {
            changed.insert(grant_id);
        }
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

/// One event of the grant `grant_id` applied to the rows in memory; `number` is its group's
/// registration number where the event names the group. An event about a grant the list has no row
/// for changes nothing.
fn fold(grant_id: &str, read: Read, number: Option<String>, awards: &mut BTreeMap<String, Award>) {
    match read {
        Read::Round(round_event) => match *round_event {
            RoundEvent::AwardDecided {
                amount, decided_on, ..
            } => {
                awards.entry(grant_id.to_owned()).or_insert_with(|| Award {
                    grant_id: grant_id.to_owned(),
                    fiscal_year: None,
                    course: None,
                    group_name: None,
                    title: None,
                    summary: None,
                    amount_awarded: amount.to_i64(),
                    award_date: Some(decided_on),
                    amount_finalised: None,
                    status: GrantStatus::Decided,
                    registration_number: number,
                    planned_start: None,
                    planned_end: None,
                });
            }
            RoundEvent::AwardAmended { new_amount, .. } => {
                if let Some(award) = awards.get_mut(grant_id) {
                    award.amount_awarded = new_amount.to_i64();
                }
            }
            _ => {}
        },
        Read::Grant(grant_event) => {
            if let GrantEvent::GrantDecided {
                decision,
                decided_on,
                ..
            } = &*grant_event
            {
                let decided = Award {
                    grant_id: grant_id.to_owned(),
                    fiscal_year: Some(decision.fiscal_year.year()),
                    course: Some(decision.course.clone()),
                    group_name: Some(decision.group_name.clone()),
                    title: Some(decision.title.clone()),
                    summary: Some(decision.summary.clone()),
                    amount_awarded: decision.amount.to_i64(),
                    award_date: Some(*decided_on),
                    amount_finalised: None,
                    status: GrantStatus::Decided,
                    registration_number: number,
                    planned_start: Some(decision.planned_period.start),
                    planned_end: Some(decision.planned_period.end),
                };
                match awards.get_mut(grant_id) {
                    // The decision's fields replace the round's; status and settlement stay.
                    Some(award) => {
                        *award = Award {
                            registration_number: decided
                                .registration_number
                                .or(award.registration_number.take()),
                            amount_finalised: award.amount_finalised,
                            status: award.status,
                            ..decided
                        };
                    }
                    None => {
                        awards.insert(grant_id.to_owned(), decided);
                    }
                }
                return;
            }
            if let Some(award) = awards.get_mut(grant_id) {
                apply(award, &grant_event);
            }
        }
        Read::Registered(_) => {}
    }
}

/// What one of the grant's later events changes in its public row: the status by the domain's rule,
/// the amount and period after a change, the finalised amount.
fn apply(award: &mut Award, event: &GrantEvent) {
    if let Some(status) = GrantStatus::public_after(Some(award.status), event) {
        award.status = status;
    }
    match event {
        GrantEvent::ChangeApproved {
            decided_amount,
            period,
            ..
        } => {
            award.amount_awarded = decided_amount.to_i64();
            set_period(award, period);
        }
        GrantEvent::ChangeNotified { period, .. } => set_period(award, period),
        GrantEvent::AmountFinalised { finalised, .. } => {
            award.amount_finalised = Some(finalised.to_i64());
        }
        _ => {}
    }
}

/// The planned project period after a change.
fn set_period(award: &mut Award, period: &Period) {
    award.planned_start = Some(period.start);
    award.planned_end = Some(period.end);
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
                    .bind(award.status.as_str())
                    .bind(&award.registration_number)
                    .bind(award.planned_start)
                    .bind(award.planned_end);
            }
            query.execute(&mut *conn).await?
        });
    }
    Ok(())
}

/// The most awards one page of the public list holds.
pub const MAX_PAGE: u32 = 1_000;

/// Which awards to list: an optional fiscal year and course, and optionally one keyset page.
#[derive(Clone, Copy, Debug, Default)]
pub struct AwardQuery<'a> {
    /// Only awards of this fiscal year (named by the calendar year it starts in).
    pub fiscal_year: Option<i32>,
    /// Only awards of this course.
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
        status: status(row.try_get(9)?)?,
        registration_number: row.try_get(10)?,
        planned_start: row.try_get(11)?,
        planned_end: row.try_get(12)?,
    })
}
