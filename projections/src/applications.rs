//! The list of applications (`GET /api/v1/applications?round_id=&status=`): one row per application.
//!
//! Built from the application's events (drafts, submissions, screening, withdrawal, the round's
//! outcome), folded as the domain's typed events ([`crate::typed`]) with the domain's one rule of
//! where an application stands ([`ApplicationStatus::after`]), and the group names of
//! `GroupRegistered`, which this projection keeps in its own `application_groups` table so that a
//! rebuild needs nothing else (only the name is read: the group's contact data never is). The
//! table holds the api.md status strings. Only what a list shows is kept: the plan, budget and
//! contact data stay in the log.

use std::collections::{BTreeMap, BTreeSet};

use grants_domain::application::{ApplicationEvent, ApplicationStatus};
use grants_domain::group::PublicGroupEvent;
use serde::Serialize;
use sqlx::Row;
use time::OffsetDateTime;

use crate::error::ProjectionError;
use crate::event_log::{Decode, LoggedEvent, Reads};
use crate::pool::{placeholders, text_pair, upsert, upsert_pairs, LogPool, Tx, MAX_PARAMETERS};
use crate::runner::{take_carried, BoxFuture, Carry, Projection};
use crate::typed::decode;

/// The projection's name.
pub const NAME: &str = "applications";

/// One application as the lists show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ApplicationListRow))]
pub struct ApplicationRow {
    /// The application's id (a UUID).
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub application_id: String,
    /// The round applied to.
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub round_id: String,
    /// The applying group.
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub group_id: String,
    /// The group's name from its `GroupRegistered`; `None` until that event has been read.
    pub group_name: Option<String>,
    /// The project's title as last drafted or submitted.
    pub title: String,
    /// Where the application stands (the domain's `ApplicationStatus::after`).
    pub status: ApplicationStatus,
    /// The subsidy the group asks for, in integer yen.
    #[cfg_attr(feature = "openapi", schema(value_type = grants_domain::Yen))]
    pub requested_amount: i64,
    /// The maximum computed at the last submission (rule 3); none before the first.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<grants_domain::Yen>))]
    pub max_amount: Option<i64>,
    /// The first submission; a resubmission after a return keeps it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    /// Set once the application is awarded.
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub grant_id: Option<String>,
    /// The position of the last event applied to this row.
    pub updated_position: i64,
}

/// The events the list folds: an application's, and a group's registration for its name; the
/// others are not decoded.
pub const READS: &[Reads] = &[
    Reads::Stream("application"),
    Reads::Event("group", "GroupRegistered"),
];

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
        Box::pin(apply_batch(tx, events, None))
    }

    /// A rebuild carries the groups whose applications it wrote without a name, so that a later
    /// batch's `GroupRegistered` updates rows of earlier batches only for those: in a log the service
    /// writes, a group registers before it applies, the set stays empty and no batch runs the
    /// `UPDATE`. Run on every batch, that `UPDATE` joined the whole `application_groups` table
    /// whenever the planner misjudged the tables mid-rebuild, and a rebuild took 45 s instead of 8
    /// (docs/benchmarks.md).
    fn apply_rebuild_batch<'a>(
        &'a self,
        tx: &'a mut Tx,
        events: &'a [LoggedEvent],
        carry: &'a mut Carry,
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(async move {
            let mut unnamed = take_carried::<Unnamed>(carry).unwrap_or_default();
            apply_batch(tx, events, Some(&mut unnamed)).await?;
            *carry = Some(Box::new(unnamed));
            Ok(())
        })
    }
}

/// The groups of the applications a rebuild has written without a group name so far.
#[derive(Debug, Default)]
struct Unnamed(BTreeSet<String>);

/// Applies a batch in memory and writes it in a few statements, whatever its length: the rows the
/// batch touches are read in one query, the events fold into them in log order, and the changed
/// rows and group names are written back in one statement each. A rebuild otherwise spent its time
/// on one round trip per event (docs/benchmarks.md). The result is the same as applying the events
/// one by one, which `projections/tests/rebuild.rs` checks across different batch boundaries.
///
/// `unnamed`, in a rebuild: the groups of rows already written without a name (see
/// [`Applications::apply_rebuild_batch`]); `None` in a live step, where any row may need a name.
async fn apply_batch(
    tx: &mut Tx,
    events: &[LoggedEvent],
    unnamed: Option<&mut Unnamed>,
) -> Result<(), ProjectionError> {
    let mut application_ids = BTreeSet::new();
    let mut group_ids = BTreeSet::new();
    let mut registers_groups = false;
    let mut read = Vec::new();
    for event in events {
        let Some(typed) = read_event(event)? else {
            continue;
        };
        match &typed {
            Read::Application(application_event) => {
                application_ids.insert(event.aggregate_id.as_str());
                if let ApplicationEvent::ApplicationDraftStarted { group_id, .. } =
                    &**application_event
                {
                    group_ids.insert(group_id.to_string());
                }
            }
            Read::GroupNamed(_) => registers_groups = true,
        }
        read.push((event, typed));
    }
    if application_ids.is_empty() && !registers_groups {
        return Ok(());
    }
    let mut rows = load_rows(tx, &application_ids).await?;
    let mut names = load_names(tx, &group_ids).await?;
    let mut renamed = BTreeMap::new();
    let mut changed = BTreeSet::new();
    for (event, typed) in read {
        fold(
            event,
            typed,
            &mut rows,
            &mut names,
            &mut renamed,
            &mut changed,
        );
    }
    upsert_pairs(tx, "application_groups", ["group_id", "name"], &renamed).await?;
    let changed: Vec<&ApplicationRow> = changed.iter().filter_map(|id| rows.get(id)).collect();
    write_rows(tx, &changed).await?;
    match unnamed {
        None => rename_groups(tx, &renamed).await?,
        Some(Unnamed(unnamed)) => {
            // Rows of earlier batches can only lack the names this batch brings.
            let earlier: BTreeMap<String, String> = renamed
                .into_iter()
                .filter(|(group_id, _)| unnamed.remove(group_id))
                .collect();
            rename_groups(tx, &earlier).await?;
            unnamed.extend(
                changed
                    .iter()
                    .filter(|row| row.group_name.is_none())
                    .map(|row| row.group_id.clone()),
            );
        }
    }
    Ok(())
}

/// One event of the log, as this read model reads it.
enum Read {
    Application(Box<ApplicationEvent>),
    /// A group registered under this name.
    GroupNamed(String),
}

/// The event as the domain's type, if [`READS`] names it (the others are not decoded).
fn read_event(event: &LoggedEvent) -> Result<Option<Read>, ProjectionError> {
    if !Reads::any(READS, event) {
        return Ok(None);
    }
    Ok(match event.aggregate_type.as_str() {
        "application" => Some(Read::Application(Box::new(decode(NAME, event)?))),
        "group" => match decode(NAME, event)? {
            // Only the name: the group's contact data is never read.
            PublicGroupEvent::GroupRegistered { name, .. } => Some(Read::GroupNamed(name)),
        },
        _ => None,
    })
}

/// One event applied to the rows and names in memory.
fn fold(
    event: &LoggedEvent,
    typed: Read,
    rows: &mut BTreeMap<String, ApplicationRow>,
    names: &mut BTreeMap<String, String>,
    renamed: &mut BTreeMap<String, String>,
    changed: &mut BTreeSet<String>,
) {
    let id = event.aggregate_id.as_str();
    let position = event.position;
    let application_event = match typed {
        Read::GroupNamed(name) => {
            for row in rows.values_mut().filter(|row| row.group_id == id) {
                row.group_name = Some(name.clone());
                changed.insert(row.application_id.clone());
            }
            names.insert(id.to_owned(), name.clone());
            renamed.insert(id.to_owned(), name);
            return;
        }
        Read::Application(application_event) => *application_event,
    };
    if let ApplicationEvent::ApplicationDraftStarted {
        round_id,
        group_id,
        content,
        ..
    } = &application_event
    {
        let group_id = group_id.to_string();
        let group_name = names.get(&group_id).cloned();
        rows.insert(
            id.to_owned(),
            ApplicationRow {
                application_id: id.to_owned(),
                round_id: round_id.to_string(),
                group_id,
                group_name,
                title: content.title.clone(),
                status: ApplicationStatus::Draft,
                requested_amount: content.requested_amount.to_i64(),
                max_amount: None,
                submitted_at: None,
                grant_id: None,
                updated_position: position,
            },
        );
        changed.insert(id.to_owned());
        return;
    }
    // An event for an application this read model never saw started changes nothing.
    let Some(row) = rows.get_mut(id) else {
        return;
    };
    if let Some(status) = ApplicationStatus::after(Some(row.status), &application_event) {
        row.status = status;
    }
    match application_event {
        ApplicationEvent::ApplicationDraftSaved { content, .. } => {
            row.title = content.title;
            row.requested_amount = content.requested_amount.to_i64();
        }
        ApplicationEvent::ApplicationSubmitted {
            requested_amount,
            max_amount,
            at,
            ..
        }
        | ApplicationEvent::ApplicationResubmitted {
            requested_amount,
            max_amount,
            at,
            ..
        } => {
            row.requested_amount = requested_amount.to_i64();
            row.max_amount = Some(max_amount.to_i64());
            row.submitted_at = row
                .submitted_at
                .or(Some(at.to_offset(time::UtcOffset::UTC)));
        }
        ApplicationEvent::ApplicationAwarded { grant_id, .. } => {
            row.grant_id = Some(grant_id.to_string());
        }
        _ => {}
    }
    row.updated_position = position;
    changed.insert(id.to_owned());
}

async fn load_rows(
    tx: &mut Tx,
    ids: &BTreeSet<&str>,
) -> Result<BTreeMap<String, ApplicationRow>, ProjectionError> {
    let select = format!("{SELECT} WHERE application_id IN");
    let rows = crate::fetch_in!(tx, select, ids.iter().copied().collect(), read);
    Ok(rows
        .into_iter()
        .map(|row| (row.application_id.clone(), row))
        .collect())
}

async fn load_names(
    tx: &mut Tx,
    group_ids: &BTreeSet<String>,
) -> Result<BTreeMap<String, String>, ProjectionError> {
    let select = "SELECT group_id, name FROM application_groups WHERE group_id IN";
    let ids = group_ids.iter().map(String::as_str).collect();
    Ok(crate::fetch_in!(tx, select, ids, text_pair)
        .into_iter()
        .collect())
}

/// The rows of applications of other batches whose group was (re)named in this one. Rows that
/// already hold the name (those this batch wrote, folded with it) are left alone: updating them
/// anyway wrote every application of a rebuild twice, each time into all three indexes.
async fn rename_groups(
    tx: &mut Tx,
    renamed: &BTreeMap<String, String>,
) -> Result<(), ProjectionError> {
    let ids: Vec<&String> = renamed.keys().collect();
    for chunk in ids.chunks(MAX_PARAMETERS) {
        let sql = format!(
            "UPDATE applications SET group_name = g.name FROM application_groups g
             WHERE g.group_id = applications.group_id AND applications.group_id IN ({})
               AND applications.group_name IS DISTINCT FROM g.name",
            placeholders(1, chunk.len())
        );
        crate::exec_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(&mut *conn).await?
        });
    }
    Ok(())
}

/// The changed rows, upserted whole.
async fn write_rows(tx: &mut Tx, rows: &[&ApplicationRow]) -> Result<(), ProjectionError> {
    const COLUMNS: [&str; 11] = [
        "application_id",
        "round_id",
        "group_id",
        "group_name",
        "title",
        "status",
        "requested_amount",
        "max_amount",
        "submitted_at",
        "grant_id",
        "updated_position",
    ];
    for chunk in rows.chunks(MAX_PARAMETERS / COLUMNS.len()) {
        let sql = upsert("applications", &COLUMNS, chunk.len());
        crate::exec_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql);
            for row in chunk {
                query = query
                    .bind(&row.application_id)
                    .bind(&row.round_id)
                    .bind(&row.group_id)
                    .bind(&row.group_name)
                    .bind(&row.title)
                    .bind(row.status.as_str())
                    .bind(row.requested_amount)
                    .bind(row.max_amount)
                    .bind(row.submitted_at)
                    .bind(&row.grant_id)
                    .bind(row.updated_position);
            }
            query.execute(&mut *conn).await?
        });
    }
    Ok(())
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
        status: crate::typed::status(row.try_get(5)?)?,
        requested_amount: row.try_get(6)?,
        max_amount: row.try_get(7)?,
        submitted_at: row.try_get(8)?,
        grant_id: row.try_get(9)?,
        updated_position: row.try_get(10)?,
    })
}
