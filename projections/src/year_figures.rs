//! The year's figures for the city (issue 16, item 9): per fiscal year and course, what the city's
//! plan (第3期市民協働推進計画) reports each year. Staff and auditors read them
//! (`GET /api/v1/figures`, its CSV, the staff page `/staff/figures`).
//!
//! # Which fiscal year a figure belongs to
//! Every figure belongs to the fiscal year of the round (募集回) its application or grant belongs to,
//! and to the round's course (コース, `RoundSettings::course`), whatever the day it happened on. A
//! grant is a single-year subsidy for a project of that year: its payments, its finalisation and its
//! refund belong to that year's project. Money that moves after 31 March (the final payment in
//! April, a refund received a year later) still counts for the project's year; splitting by the day
//! of payment would put the April payments into the next year, which the city's accounts do not do
//! either (出納整理期間, 地方自治法 第235条の5). The figures are "as of now": a refund received
//! later changes the figures of the year it belongs to.
//!
//! # The figures
//! - `applications`: applications submitted at least once (a resubmission after a return does not
//!   count again; a later withdrawal does not take it back).
//! - `awards`: awards decided (`AwardDecided`); `withdrawn` and `cancelled` count those of them
//!   the group withdrew (取下げ) or staff cancelled (交付決定の取消し).
//! - `decided`: the decided amounts (交付決定額) of the awards neither withdrawn nor cancelled, as
//!   decided or as an approved change (変更承認) set them since.
//! - `paid`: every payment made (advances and final payments, gross); `refunded`: every refund
//!   received; `net_paid`: `paid` less `refunded`, what the city spent.
//! - `finalised_grants` and `finalised`: the grants whose amount was finalised (額の確定) and the sum
//!   of their finalised amounts.
//! - `participants`: the participants the settlement reports gave (実績報告の参加者数), counted
//!   once the report is accepted, i.e. the amount finalised on it; a report returned for correction
//!   counts with the figure of its accepted resubmission.
//!
//! # How it is built
//! Three tables, one row per round (fiscal year and course, from `RoundOpened`), per application
//! (from `ApplicationDraftStarted`; `ApplicationSubmitted` marks it) and per grant (created by the
//! round's `AwardDecided`, then the grant's own events), folded from the domain's typed events
//! ([`crate::typed`]). The figures are these rows added up per fiscal year and course when read, so a
//! rebuild gives the same figures and an event of a round not (yet) known leaves no figure behind.
//!
//! # New events
//! `fold_grant` and `fold_round` are the places for events other work adds (繰上げ採択, 中止・廃止,
//! due dates, 加算金): add the event to [`READS`] and say in the `match` what it changes. A 繰上げ
//! award recorded as `AwardDecided` already counts as an award; an approval of 中止・廃止 that
//! settles on what was spent finalises (and refunds) through the events above. 加算金 and 延滞金 are
//! not refunds of the grant and belong in figures of their own.

use std::collections::{BTreeMap, BTreeSet};

use grants_domain::application::ApplicationEvent;
use grants_domain::grant::{GrantEvent, GrantStatus};
use grants_domain::round::RoundEvent;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::error::ProjectionError;
use crate::event_log::{Decode, LoggedEvent, Reads};
use crate::pool::{upsert, LogPool, Tx, MAX_PARAMETERS};
use crate::runner::{BoxFuture, Projection};
use crate::typed::decode;

/// The projection's name.
pub const NAME: &str = "year_figures";

/// Every event the figures fold; the others are not decoded.
pub const READS: &[Reads] = &[
    Reads::Event("round", "RoundOpened"),
    Reads::Event("round", "AwardDecided"),
    Reads::Event("application", "ApplicationDraftStarted"),
    Reads::Event("application", "ApplicationSubmitted"),
    Reads::Event("grant", "GrantWithdrawn"),
    Reads::Event("grant", "PaymentRecorded"),
    Reads::Event("grant", "ChangeApproved"),
    Reads::Event("grant", "SettlementReportSubmitted"),
    Reads::Event("grant", "AmountFinalised"),
    Reads::Event("grant", "RefundReceived"),
    Reads::Event("grant", "GrantCancelled"),
];

/// Builds the `year_figure_*` tables.
#[derive(Clone, Copy, Debug, Default)]
pub struct YearFigures;

impl Projection for YearFigures {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &[
            "year_figure_rounds",
            "year_figure_applications",
            "year_figure_grants",
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

/// One event of [`READS`], as the domain types it.
enum Typed {
    Round(String, RoundEvent),
    Application(String, ApplicationEvent),
    Grant(String, GrantEvent),
}

impl Typed {
    fn of(event: &LoggedEvent) -> Result<Option<Self>, ProjectionError> {
        if !Reads::any(READS, event) {
            return Ok(None);
        }
        let id = event.aggregate_id.clone();
        Ok(match event.aggregate_type.as_str() {
            "round" => Some(Typed::Round(id, decode(NAME, event)?)),
            "application" => Some(Typed::Application(id, decode(NAME, event)?)),
            "grant" => Some(Typed::Grant(id, decode(NAME, event)?)),
            _ => None,
        })
    }
}

/// A round's fiscal year and course.
#[derive(Clone, Debug, PartialEq, Eq)]
struct RoundRow {
    fiscal_year: i32,
    course: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct ApplicationRow {
    round_id: String,
    submitted: bool,
}

/// What became of an award: live, or ended by the grant's withdrawal (取下げ) or cancellation
/// (交付決定の取消し), as the domain's statuses of those name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Live,
    Withdrawn,
    Cancelled,
}

impl Outcome {
    /// The column's code: the domain's status code of an ended award, `live` otherwise.
    fn code(self) -> &'static str {
        match self {
            Outcome::Live => "live",
            Outcome::Withdrawn => GrantStatus::Withdrawn.as_str(),
            Outcome::Cancelled => GrantStatus::Cancelled.as_str(),
        }
    }

    fn of_code(code: &str) -> Self {
        [Outcome::Withdrawn, Outcome::Cancelled]
            .into_iter()
            .find(|outcome| outcome.code() == code)
            .unwrap_or(Outcome::Live)
    }

    /// The outcome after one of the grant's events, by the domain's rule of where a grant stands
    /// ([`GrantStatus::after`]): the event that makes it withdrawn or cancelled ends the award; any
    /// other leaves the outcome as it was.
    fn after(self, event: &GrantEvent) -> Self {
        match GrantStatus::after(None, event) {
            Some(GrantStatus::Withdrawn) => Outcome::Withdrawn,
            Some(GrantStatus::Cancelled) => Outcome::Cancelled,
            _ => self,
        }
    }
}

/// One grant's share of the figures.
#[derive(Clone, Debug, PartialEq, Eq)]
struct GrantRow {
    round_id: String,
    outcome: Outcome,
    decided: i64,
    paid: i64,
    finalised: Option<i64>,
    refunded: i64,
    /// The participants of the last report submitted.
    reported_participants: Option<i64>,
    /// The participants of the report the finalisation accepted.
    participants: Option<i64>,
}

/// What a batch touches, read once and written once.
#[derive(Default)]
struct Rows {
    rounds: BTreeMap<String, RoundRow>,
    applications: BTreeMap<String, ApplicationRow>,
    grants: BTreeMap<String, GrantRow>,
    changed_rounds: BTreeSet<String>,
    changed_applications: BTreeSet<String>,
    changed_grants: BTreeSet<String>,
}

async fn apply_batch(tx: &mut Tx, events: &[LoggedEvent]) -> Result<(), ProjectionError> {
    let mut typed = Vec::new();
    for event in events {
        if let Some(event) = Typed::of(event)? {
            typed.push(event);
        }
    }
    if typed.is_empty() {
        return Ok(());
    }
    let mut application_ids = BTreeSet::new();
    let mut grant_ids = BTreeSet::new();
    for event in &typed {
        match event {
            Typed::Application(id, _) => {
                application_ids.insert(id.clone());
            }
            Typed::Grant(id, _) => {
                grant_ids.insert(id.clone());
            }
            Typed::Round(..) => {}
        }
    }
    let mut rows = Rows {
        applications: load_applications(tx, &application_ids).await?,
        grants: load_grants(tx, &grant_ids).await?,
        ..Rows::default()
    };
    for event in typed {
        match event {
            Typed::Round(round_id, event) => fold_round(&mut rows, round_id, event),
            Typed::Application(id, event) => fold_application(&mut rows, id, event),
            Typed::Grant(id, event) => fold_grant(&mut rows, id, event),
        }
    }
    write(tx, &rows).await
}

/// What a round's event changes: its fiscal year and course, and the awards it decides.
fn fold_round(rows: &mut Rows, round_id: String, event: RoundEvent) {
    match event {
        RoundEvent::RoundOpened { settings, .. } => {
            let row = RoundRow {
                fiscal_year: settings.fiscal_year.year(),
                course: settings.course,
            };
            rows.rounds.insert(round_id.clone(), row);
            rows.changed_rounds.insert(round_id);
        }
        RoundEvent::AwardDecided {
            grant_id, amount, ..
        } => {
            let grant_id = grant_id.to_string();
            // A decision is recorded once per grant; a repeat would not count it again.
            rows.grants.entry(grant_id.clone()).or_insert(GrantRow {
                round_id,
                outcome: Outcome::Live,
                decided: amount.to_i64(),
                paid: 0,
                finalised: None,
                refunded: 0,
                reported_participants: None,
                participants: None,
            });
            rows.changed_grants.insert(grant_id);
        }
        // The other round events change no figure. `AwardAmended` mirrors the grant's
        // `ChangeApproved`, which the grant's fold reads; `AwardReleased` gives budget back to the
        // round, which is no figure of the year.
        _ => {}
    }
}

/// What an application's event changes: its round, and whether it was ever submitted.
fn fold_application(rows: &mut Rows, application_id: String, event: ApplicationEvent) {
    match event {
        ApplicationEvent::ApplicationDraftStarted { round_id, .. } => {
            rows.applications
                .entry(application_id.clone())
                .or_insert(ApplicationRow {
                    round_id: round_id.to_string(),
                    submitted: false,
                });
        }
        ApplicationEvent::ApplicationSubmitted { .. } => {
            let Some(row) = rows.applications.get_mut(&application_id) else {
                return;
            };
            row.submitted = true;
        }
        _ => return,
    }
    rows.changed_applications.insert(application_id);
}

/// What a grant's own event changes in its share of the figures.
fn fold_grant(rows: &mut Rows, grant_id: String, event: GrantEvent) {
    let Some(row) = rows.grants.get_mut(&grant_id) else {
        // A grant whose award the log does not hold: nothing to count it under.
        return;
    };
    let outcome = row.outcome.after(&event);
    let ended = outcome != row.outcome;
    row.outcome = outcome;
    match event {
        GrantEvent::ChangeApproved { decided_amount, .. } => row.decided = decided_amount.to_i64(),
        GrantEvent::PaymentRecorded { paid_total, .. } => row.paid = paid_total.to_i64(),
        GrantEvent::RefundReceived { refunded_total, .. } => {
            row.refunded = refunded_total.to_i64();
        }
        GrantEvent::SettlementReportSubmitted { report, .. } => {
            row.reported_participants = Some(i64::from(report.participants));
        }
        GrantEvent::AmountFinalised { finalised, .. } => {
            row.finalised = Some(finalised.to_i64());
            row.participants = row.reported_participants;
        }
        // Events of the grant that change no figure but the outcome (requests, saved reports,
        // returns, closing).
        _ if ended => {}
        _ => return,
    }
    rows.changed_grants.insert(grant_id);
}

const APPLICATION_COLUMNS: [&str; 3] = ["application_id", "round_id", "submitted"];
const GRANT_COLUMNS: [&str; 9] = [
    "grant_id",
    "round_id",
    "outcome",
    "decided",
    "paid",
    "finalised",
    "refunded",
    "reported_participants",
    "participants",
];
const ROUND_COLUMNS: [&str; 3] = ["round_id", "fiscal_year", "course"];

fn application_row<'r, R>(row: &'r R) -> Result<(String, ApplicationRow), sqlx::Error>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok((
        row.try_get(0)?,
        ApplicationRow {
            round_id: row.try_get(1)?,
            submitted: row.try_get(2)?,
        },
    ))
}

fn grant_row<'r, R>(row: &'r R) -> Result<(String, GrantRow), sqlx::Error>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let outcome: String = row.try_get(2)?;
    Ok((
        row.try_get(0)?,
        GrantRow {
            round_id: row.try_get(1)?,
            outcome: Outcome::of_code(&outcome),
            decided: row.try_get(3)?,
            paid: row.try_get(4)?,
            finalised: row.try_get(5)?,
            refunded: row.try_get(6)?,
            reported_participants: row.try_get(7)?,
            participants: row.try_get(8)?,
        },
    ))
}

async fn load_applications(
    tx: &mut Tx,
    ids: &BTreeSet<String>,
) -> Result<BTreeMap<String, ApplicationRow>, ProjectionError> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let select = format!(
        "SELECT {} FROM year_figure_applications WHERE application_id IN",
        APPLICATION_COLUMNS.join(", ")
    );
    let ids = ids.iter().map(String::as_str).collect();
    Ok(crate::fetch_in!(tx, select, ids, application_row)
        .into_iter()
        .collect())
}

async fn load_grants(
    tx: &mut Tx,
    ids: &BTreeSet<String>,
) -> Result<BTreeMap<String, GrantRow>, ProjectionError> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let select = format!(
        "SELECT {} FROM year_figure_grants WHERE grant_id IN",
        GRANT_COLUMNS.join(", ")
    );
    let ids = ids.iter().map(String::as_str).collect();
    Ok(crate::fetch_in!(tx, select, ids, grant_row)
        .into_iter()
        .collect())
}

/// The changed rows, upserted whole.
async fn write(tx: &mut Tx, rows: &Rows) -> Result<(), ProjectionError> {
    let rounds: Vec<(&String, &RoundRow)> = rows
        .changed_rounds
        .iter()
        .filter_map(|id| rows.rounds.get_key_value(id))
        .collect();
    for chunk in rounds.chunks(MAX_PARAMETERS / ROUND_COLUMNS.len()) {
        let sql = upsert("year_figure_rounds", &ROUND_COLUMNS, chunk.len());
        crate::exec_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql);
            for (id, round) in chunk {
                query = query.bind(*id).bind(round.fiscal_year).bind(&round.course);
            }
            query.execute(&mut *conn).await?
        });
    }
    let applications: Vec<(&String, &ApplicationRow)> = rows
        .changed_applications
        .iter()
        .filter_map(|id| rows.applications.get_key_value(id))
        .collect();
    for chunk in applications.chunks(MAX_PARAMETERS / APPLICATION_COLUMNS.len()) {
        let sql = upsert(
            "year_figure_applications",
            &APPLICATION_COLUMNS,
            chunk.len(),
        );
        crate::exec_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql);
            for (id, application) in chunk {
                query = query.bind(*id).bind(&application.round_id).bind(application.submitted);
            }
            query.execute(&mut *conn).await?
        });
    }
    let grants: Vec<(&String, &GrantRow)> = rows
        .changed_grants
        .iter()
        .filter_map(|id| rows.grants.get_key_value(id))
        .collect();
    for chunk in grants.chunks(MAX_PARAMETERS / GRANT_COLUMNS.len()) {
        let sql = upsert("year_figure_grants", &GRANT_COLUMNS, chunk.len());
        crate::exec_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql);
            for (id, grant) in chunk {
                query = query
                    .bind(*id)
                    .bind(&grant.round_id)
                    .bind(grant.outcome.code())
                    .bind(grant.decided)
                    .bind(grant.paid)
                    .bind(grant.finalised)
                    .bind(grant.refunded)
                    .bind(grant.reported_participants)
                    .bind(grant.participants);
            }
            query.execute(&mut *conn).await?
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reading the figures.

/// The figures of one course or one whole fiscal year (see the module comment for each).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    /// Applications submitted at least once.
    pub applications: i64,
    /// Awards decided.
    pub awards: i64,
    /// Of the awards, those withdrawn (取下げ).
    pub withdrawn: i64,
    /// Of the awards, those cancelled (交付決定の取消し).
    pub cancelled: i64,
    /// Decided amounts of the awards neither withdrawn nor cancelled, as changed since.
    #[cfg_attr(feature = "openapi", schema(value_type = grants_domain::Yen))]
    pub decided: i64,
    /// Every payment made (advances and final payments).
    #[cfg_attr(feature = "openapi", schema(value_type = grants_domain::Yen))]
    pub paid: i64,
    /// Every refund received.
    #[cfg_attr(feature = "openapi", schema(value_type = grants_domain::Yen))]
    pub refunded: i64,
    /// `paid` less `refunded`.
    pub net_paid: i64,
    /// Grants whose amount was finalised.
    pub finalised_grants: i64,
    /// Their finalised amounts.
    #[cfg_attr(feature = "openapi", schema(value_type = grants_domain::Yen))]
    pub finalised: i64,
    /// Participants of the accepted settlement reports.
    pub participants: i64,
}

impl Figures {
    fn add(&mut self, other: &Figures) {
        self.applications += other.applications;
        self.awards += other.awards;
        self.withdrawn += other.withdrawn;
        self.cancelled += other.cancelled;
        self.decided += other.decided;
        self.paid += other.paid;
        self.refunded += other.refunded;
        self.net_paid += other.net_paid;
        self.finalised_grants += other.finalised_grants;
        self.finalised += other.finalised;
        self.participants += other.participants;
    }
}

/// One course's figures in one fiscal year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseFigures {
    /// The course's name, as its round names it.
    pub course: String,
    /// Its figures.
    #[serde(flatten)]
    pub figures: Figures,
}

/// One fiscal year: each course (by name) and the year's total.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FiscalYearFigures {
    /// The fiscal year, named by the calendar year it starts in (2026 = 令和8年度).
    pub fiscal_year: i32,
    /// Each course's figures, by course name.
    pub courses: Vec<CourseFigures>,
    /// The year's figures over every course.
    pub total: Figures,
}

/// The figures of every fiscal year with a round (newest first), or of `fiscal_year` only.
pub async fn figures(
    pool: &LogPool,
    fiscal_year: Option<i32>,
) -> Result<Vec<FiscalYearFigures>, ProjectionError> {
    let year_filter = if fiscal_year.is_some() {
        " WHERE r.fiscal_year = $1"
    } else {
        ""
    };
    let courses = format!(
        "SELECT r.fiscal_year, r.course FROM year_figure_rounds r{year_filter} \
         GROUP BY r.fiscal_year, r.course"
    );
    let applications = format!(
        "SELECT r.fiscal_year, r.course, COUNT(*) FROM year_figure_applications a \
         JOIN year_figure_rounds r ON r.round_id = a.round_id{} \
         GROUP BY r.fiscal_year, r.course",
        if fiscal_year.is_some() {
            " WHERE a.submitted AND r.fiscal_year = $1"
        } else {
            " WHERE a.submitted"
        }
    );
    let grants = format!(
        "SELECT r.fiscal_year, r.course, COUNT(*), \
         CAST(SUM(CASE WHEN g.outcome = 'withdrawn' THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN g.outcome = 'cancelled' THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN g.outcome = 'live' THEN g.decided ELSE 0 END) AS BIGINT), \
         CAST(SUM(g.paid) AS BIGINT), CAST(SUM(g.refunded) AS BIGINT), COUNT(g.finalised), \
         CAST(COALESCE(SUM(g.finalised), 0) AS BIGINT), \
         CAST(COALESCE(SUM(g.participants), 0) AS BIGINT) \
         FROM year_figure_grants g JOIN year_figure_rounds r ON r.round_id = g.round_id{year_filter} \
         GROUP BY r.fiscal_year, r.course"
    );
    let mut by_course: BTreeMap<(i32, String), Figures> = BTreeMap::new();
    crate::on_pool!(pool, pool => {
        let mut query = sqlx::query(&courses);
        if let Some(year) = fiscal_year {
            query = query.bind(year);
        }
        for row in query.fetch_all(pool).await? {
            by_course.insert((row.try_get(0)?, row.try_get(1)?), Figures::default());
        }
        let mut query = sqlx::query(&applications);
        if let Some(year) = fiscal_year {
            query = query.bind(year);
        }
        for row in query.fetch_all(pool).await? {
            let key: (i32, String) = (row.try_get(0)?, row.try_get(1)?);
            by_course.entry(key).or_default().applications = row.try_get(2)?;
        }
        let mut query = sqlx::query(&grants);
        if let Some(year) = fiscal_year {
            query = query.bind(year);
        }
        for row in query.fetch_all(pool).await? {
            let key: (i32, String) = (row.try_get(0)?, row.try_get(1)?);
            let figures = by_course.entry(key).or_default();
            figures.awards = row.try_get(2)?;
            figures.withdrawn = row.try_get(3)?;
            figures.cancelled = row.try_get(4)?;
            figures.decided = row.try_get(5)?;
            figures.paid = row.try_get(6)?;
            figures.refunded = row.try_get(7)?;
            figures.net_paid = figures.paid - figures.refunded;
            figures.finalised_grants = row.try_get(8)?;
            figures.finalised = row.try_get(9)?;
            figures.participants = row.try_get(10)?;
        }
    });
    let mut years: Vec<FiscalYearFigures> = Vec::new();
    // Newest year first; courses by name within a year.
    for ((fiscal_year, course), figures) in by_course.into_iter().rev() {
        if years.last().map(|year| year.fiscal_year) != Some(fiscal_year) {
            years.push(FiscalYearFigures {
                fiscal_year,
                courses: Vec::new(),
                total: Figures::default(),
            });
        }
        if let Some(year) = years.last_mut() {
            year.total.add(&figures);
            year.courses.insert(0, CourseFigures { course, figures });
        }
    }
    Ok(years)
}

/// The CSV's header row, in column order.
pub const CSV_HEADERS: [&str; 13] = [
    "年度",
    "コース",
    "申請件数",
    "採択件数",
    "うち取下げ",
    "うち取消し",
    "交付決定額",
    "支払額",
    "返還額",
    "差引支出額",
    "確定件数",
    "確定額",
    "参加者数",
];

/// The figures as CSV, as the public list's CSV is written ([`crate::public`]): the BOM,
/// [`CSV_HEADERS`], then per fiscal year one line per course and a line `合計` for the year. Amounts
/// and counts are plain integers; the course name is made [`crate::public::spreadsheet_safe`].
pub fn figures_csv(years: &[FiscalYearFigures]) -> Vec<u8> {
    let mut out = Vec::from(crate::public::BOM.as_bytes());
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let line = |year: i32, course: &str, f: &Figures| -> Vec<String> {
            let mut cells = vec![
                year.to_string(),
                crate::public::spreadsheet_safe(course).into_owned(),
            ];
            cells.extend(
                [
                    f.applications,
                    f.awards,
                    f.withdrawn,
                    f.cancelled,
                    f.decided,
                    f.paid,
                    f.refunded,
                    f.net_paid,
                    f.finalised_grants,
                    f.finalised,
                    f.participants,
                ]
                .iter()
                .map(i64::to_string),
            );
            cells
        };
        // Writing to a `Vec` cannot fail.
        writer
            .write_record(CSV_HEADERS)
            .expect("writing CSV into memory");
        for year in years {
            for course in &year.courses {
                writer
                    .write_record(line(year.fiscal_year, &course.course, &course.figures))
                    .expect("writing CSV into memory");
            }
            writer
                .write_record(line(year.fiscal_year, "合計", &year.total))
                .expect("writing CSV into memory");
        }
        writer.flush().expect("writing CSV into memory");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn year(courses: &[(&str, i64)]) -> FiscalYearFigures {
        let mut total = Figures::default();
        let courses = courses
            .iter()
            .map(|(course, decided)| {
                let figures = Figures {
                    awards: 1,
                    decided: *decided,
                    ..Figures::default()
                };
                total.add(&figures);
                CourseFigures {
                    course: (*course).to_owned(),
                    figures,
                }
            })
            .collect();
        FiscalYearFigures {
            fiscal_year: 2026,
            courses,
            total,
        }
    }

    #[test]
    fn the_csv_has_a_line_per_course_and_the_years_total_with_formulas_neutralised() {
        let csv = String::from_utf8(figures_csv(&[year(&[
            ("=HYPERLINK(\"x\")", 300_000),
            ("ステップアップ", 286_000),
        ])]))
        .expect("UTF-8");
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines[0], CSV_HEADERS.join(","));
        assert_eq!(
            lines[1],
            "2026,\"'=HYPERLINK(\"\"x\"\")\",0,1,0,0,300000,0,0,0,0,0,0"
        );
        assert_eq!(lines[2], "2026,ステップアップ,0,1,0,0,286000,0,0,0,0,0,0");
        assert_eq!(lines[3], "2026,合計,0,2,0,0,586000,0,0,0,0,0,0");
        assert!(csv.starts_with('\u{feff}'));
    }

    #[test]
    fn outcomes_keep_their_codes() {
        for outcome in [Outcome::Live, Outcome::Withdrawn, Outcome::Cancelled] {
            assert_eq!(Outcome::of_code(outcome.code()), outcome);
        }
        // The codes the stored rows hold and the figures' statement names.
        let codes = [Outcome::Live, Outcome::Withdrawn, Outcome::Cancelled].map(Outcome::code);
        assert_eq!(codes, ["live", "withdrawn", "cancelled"]);
    }
}
