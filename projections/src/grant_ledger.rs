//! The grant ledger (`GET /api/v1/grants/{id}`, the round's list of grants and the paged grant list
//! `GET /api/v1/grants`): per grant, what was decided, paid, finalised and is still owed either way.
//!
//! Built from the round's `AwardDecided` and the grant's `GrantDecided` (whichever comes first creates
//! the row), then every grant event, folded as the domain's typed events ([`crate::typed`]). Where
//! the grant stands is the domain's rule of transitions ([`GrantStatus::after`]), and the amounts
//! follow the grant aggregate:
//! - `paid_total` is net of refunds received: the last `PaymentRecorded.paid_total` less the last
//!   `RefundReceived.refunded_total` (never below zero);
//! - `refund_due` is what the group still owes: set by `AmountFinalised` and `GrantCancelled`, lowered
//!   by `RefundReceived.outstanding`;
//! - `payable` is what the city still owes: the finalised amount less `paid_total` while the grant is
//!   `finalised`, zero in any other status (the domain's rule, `grants_domain::grant::payable`);
//! - `open_advance` is what of the advances requested waits for staff to pay it: the last
//!   `AdvanceRequested.requested_total` less the advances paid (`PaymentRecorded` of kind `advance`),
//!   while an advance may still be recorded (the domain's rule, `grants_domain::grant::open_advance`).

use std::collections::{BTreeMap, BTreeSet};

use grants_domain::grant::{GrantEvent, GrantStatus, PaymentKind};
use grants_domain::money::Yen;
use grants_domain::round::RoundEvent;
use serde::Serialize;
use sqlx::Row;
use time::Date;

use crate::error::ProjectionError;
use crate::event_log::{Decode, LoggedEvent, Reads};
use crate::pool::{upsert, Conditions, LogPool, Tx, MAX_PARAMETERS};
use crate::runner::{BoxFuture, Projection};
use crate::typed::decode;

/// The projection's name.
pub const NAME: &str = "grant_ledger";

/// One grant's money and status (the grant read of api.md, plus its round and group).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerRow {
    /// The grant's id (a UUID).
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub grant_id: String,
    /// The application the grant was awarded on.
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub application_id: Option<String>,
    /// The round that awarded it.
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub round_id: Option<String>,
    /// The grantee group.
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub group_id: Option<String>,
    /// Where the grant stands (the domain's `GrantStatus::after`).
    pub status: GrantStatus,
    /// The amount decided (交付決定額) in integer yen, as changed since.
    #[cfg_attr(feature = "openapi", schema(value_type = grants_domain::Yen))]
    pub decided_amount: i64,
    /// The JST day of the decision.
    pub decided_on: Option<Date>,
    /// The decision notice's document number (文書番号); `None` when the decision gave none.
    pub notice_number: Option<String>,
    /// Paid, net of refunds received.
    #[cfg_attr(feature = "openapi", schema(value_type = grants_domain::Yen))]
    pub paid_total: i64,
    /// The amount fixed after the settlement report (額の確定) in integer yen; `None` until finalised.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<grants_domain::Yen>))]
    pub finalised_amount: Option<i64>,
    /// What the group still owes back, in integer yen (from the finalisation or a cancellation,
    /// less refunds received).
    #[cfg_attr(feature = "openapi", schema(value_type = grants_domain::Yen))]
    pub refund_due: i64,
    /// What the city still owes the group, in integer yen: the finalised amount less `paid_total`
    /// while `finalised`, zero otherwise.
    #[cfg_attr(feature = "openapi", schema(value_type = grants_domain::Yen))]
    pub payable: i64,
    /// The last day for the project to be completed (JST), as decided or changed since.
    pub completion_deadline: Option<Date>,
    /// The position of the last event applied to this row.
    pub updated_position: i64,
    /// What of the advances requested waits for staff to pay it (zero when no request is open).
    #[cfg_attr(feature = "openapi", schema(value_type = grants_domain::Yen))]
    pub open_advance: i64,
}

/// The events the ledger folds (the others are not decoded): a grant's, and the round's award and
/// its amendment.
pub const READS: &[Reads] = &[
    Reads::Stream("grant"),
    Reads::Event("round", "AwardDecided"),
    Reads::Event("round", "AwardAmended"),
];

/// Builds the `grant_ledger` table.
#[derive(Clone, Copy, Debug, Default)]
pub struct GrantLedger;

impl Projection for GrantLedger {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &["grant_ledger"]
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

/// Every column of a ledger row: the public [`LedgerRow`] and the gross amounts behind its totals.
#[derive(Clone, Debug)]
struct Entry {
    row: LedgerRow,
    paid_gross: i64,
    refunded_total: i64,
    /// Every advance requested, and every advance paid (gross).
    advances_requested: i64,
    advances_paid: i64,
}

impl Entry {
    /// Recomputes the derived amounts from the stored ones.
    fn settle(&mut self, position: i64) {
        self.row.paid_total = (self.paid_gross - self.refunded_total).max(0);
        let status = Some(self.row.status);
        let net_paid = yen(self.row.paid_total);
        self.row.payable =
            grants_domain::grant::payable(status, self.row.finalised_amount.map(yen), net_paid)
                .to_i64();
        self.row.open_advance = grants_domain::grant::open_advance(
            yen(self.advances_requested),
            yen(self.advances_paid),
            status,
        )
        .to_i64();
        self.row.updated_position = position;
    }
}

/// An amount of the row as the domain's yen (the row only ever holds yen the events gave).
fn yen(amount: i64) -> Yen {
    Yen::new(amount).unwrap_or(Yen::ZERO)
}

/// A new row, as the round's `AwardDecided` or the grant's `GrantDecided` creates it.
#[allow(clippy::too_many_arguments)]
fn decided_entry(
    grant_id: String,
    application_id: String,
    round_id: String,
    group_id: String,
    amount: Yen,
    decided_on: Date,
    notice_number: Option<String>,
    completion_deadline: Date,
    position: i64,
) -> Entry {
    Entry {
        row: LedgerRow {
            grant_id,
            application_id: Some(application_id),
            round_id: Some(round_id),
            group_id: Some(group_id),
            status: GrantStatus::Decided,
            decided_amount: amount.to_i64(),
            decided_on: Some(decided_on),
            notice_number,
            paid_total: 0,
            finalised_amount: None,
            refund_due: 0,
            payable: 0,
            completion_deadline: Some(completion_deadline),
            updated_position: position,
            open_advance: 0,
        },
        paid_gross: 0,
        refunded_total: 0,
        advances_requested: 0,
        advances_paid: 0,
    }
}

/// One event of the log, as this read model reads it.
enum Read {
    Round(Box<RoundEvent>),
    Grant(Box<GrantEvent>),
}

/// The event as the domain's type, with the grant it is about, if this read model cares about it.
fn read_event(event: &LoggedEvent) -> Result<Option<(String, Read)>, ProjectionError> {
    if !Reads::any(READS, event) {
        return Ok(None);
    }
    Ok(match event.aggregate_type.as_str() {
        "round" => {
            let round_event: RoundEvent = decode(NAME, event)?;
            match &round_event {
                RoundEvent::AwardDecided { grant_id, .. }
                | RoundEvent::AwardAmended { grant_id, .. } => {
                    Some((grant_id.to_string(), Read::Round(Box::new(round_event))))
                }
                _ => None,
            }
        }
        "grant" => {
            let grant_event: GrantEvent = decode(NAME, event)?;
            let grant_id = match &grant_event {
                GrantEvent::GrantDecided { decision, .. } => decision.grant_id.to_string(),
                _ => event.aggregate_id.clone(),
            };
            Some((grant_id, Read::Grant(Box::new(grant_event))))
        }
        _ => None,
    })
}

/// Applies a batch in memory and writes it in two statements, whatever its length: the rows the
/// batch touches are read in one query, the events fold into them in log order, and the changed
/// rows are upserted whole (one statement per event made rebuilds slow, docs/benchmarks.md).
async fn apply_batch(tx: &mut Tx, events: &[LoggedEvent]) -> Result<(), ProjectionError> {
    let mut read = Vec::new();
    for event in events {
        if let Some((grant_id, typed)) = read_event(event)? {
            read.push((grant_id, event, typed));
        }
    }
    if read.is_empty() {
        return Ok(());
    }
    let grant_ids: BTreeSet<String> = read.iter().map(|(id, ..)| id.clone()).collect();
    let mut entries = load(tx, &grant_ids).await?;
    let mut changed = BTreeSet::new();
    for (grant_id, event, typed) in read {
        if fold(&grant_id, event, typed, &mut entries) {
            if let Some(entry) = entries.get_mut(&grant_id) {
                entry.settle(event.position);
                changed.insert(grant_id);
            }
        }
    }
    let changed: Vec<&Entry> = changed.iter().filter_map(|id| entries.get(id)).collect();
    write(tx, &changed).await
}

/// One event applied to the rows in memory; whether it touched a row. An event about a grant the
/// ledger has no row for changes nothing (as an `UPDATE` of no row would not).
fn fold(
    grant_id: &str,
    event: &LoggedEvent,
    typed: Read,
    entries: &mut BTreeMap<String, Entry>,
) -> bool {
    match typed {
        Read::Round(round_event) => fold_round(grant_id, event, *round_event, entries),
        Read::Grant(grant_event) => fold_grant(grant_id, event, *grant_event, entries),
    }
}

/// The round's award creates the row (unless the grant's decision came first) or amends it.
fn fold_round(
    grant_id: &str,
    event: &LoggedEvent,
    round_event: RoundEvent,
    entries: &mut BTreeMap<String, Entry>,
) -> bool {
    match round_event {
        RoundEvent::AwardDecided {
            application_id,
            group_id,
            amount,
            notice_number,
            completion_deadline,
            decided_on,
            ..
        } => {
            entries.entry(grant_id.to_owned()).or_insert_with(|| {
                decided_entry(
                    grant_id.to_owned(),
                    application_id.to_string(),
                    event.aggregate_id.clone(),
                    group_id.to_string(),
                    amount,
                    decided_on,
                    // A round's award carries no number since the fiscal year numbers them (the
                    // grant's `GrantDecided` does).
                    Some(notice_number).filter(|number| !number.is_empty()),
                    completion_deadline,
                    event.position,
                )
            });
            true
        }
        RoundEvent::AwardAmended { new_amount, .. } => {
            let Some(entry) = entries.get_mut(grant_id) else {
                return false;
            };
            entry.row.decided_amount = new_amount.to_i64();
            true
        }
        _ => false,
    }
}

/// The grant's decision creates the row or completes it; its other events move it.
fn fold_grant(
    grant_id: &str,
    event: &LoggedEvent,
    grant_event: GrantEvent,
    entries: &mut BTreeMap<String, Entry>,
) -> bool {
    let GrantEvent::GrantDecided {
        decision,
        decided_on,
        ..
    } = grant_event
    else {
        let Some(entry) = entries.get_mut(grant_id) else {
            return false;
        };
        apply(entry, &grant_event);
        return true;
    };
    let notice_number = Some(decision.notice_number).filter(|number| !number.is_empty());
    match entries.get_mut(grant_id) {
        Some(entry) => {
            let row = &mut entry.row;
            row.application_id = Some(decision.application_id.to_string());
            row.round_id = Some(decision.round_id.to_string());
            row.group_id = Some(decision.group_id.to_string());
            row.decided_amount = decision.amount.to_i64();
            row.decided_on = Some(decided_on);
            row.notice_number = notice_number.or(row.notice_number.take());
            row.completion_deadline = Some(decision.completion_deadline);
        }
        None => {
            let entry = decided_entry(
                grant_id.to_owned(),
                decision.application_id.to_string(),
                decision.round_id.to_string(),
                decision.group_id.to_string(),
                decision.amount,
                decided_on,
                notice_number,
                decision.completion_deadline,
                event.position,
            );
            entries.insert(grant_id.to_owned(), entry);
        }
    }
    true
}

/// What one of the grant's own events changes in its row: where it stands (the domain's rule) and
/// the amounts it carries.
fn apply(entry: &mut Entry, event: &GrantEvent) {
    let row = &mut entry.row;
    if let Some(status) = GrantStatus::after(Some(row.status), event) {
        row.status = status;
    }
    match event {
        GrantEvent::AdvanceRequested {
            requested_total, ..
        } => entry.advances_requested = requested_total.to_i64(),
        GrantEvent::PaymentRecorded {
            amount,
            kind,
            paid_total,
            ..
        } => {
            entry.paid_gross = paid_total.to_i64();
            if *kind == PaymentKind::Advance {
                entry.advances_paid += amount.to_i64();
            }
        }
        GrantEvent::ChangeApproved {
            decided_amount,
            completion_deadline,
            ..
        } => {
            row.decided_amount = decided_amount.to_i64();
            row.completion_deadline = Some(*completion_deadline);
        }
        GrantEvent::AmountFinalised {
            finalised,
            refund_due,
            ..
        } => {
            row.finalised_amount = Some(finalised.to_i64());
            row.refund_due = refund_due.to_i64();
        }
        GrantEvent::RefundReceived {
            outstanding,
            refunded_total,
            ..
        } => {
            row.refund_due = outstanding.to_i64();
            entry.refunded_total = refunded_total.to_i64();
        }
        GrantEvent::GrantCancelled { refund_amount, .. } => {
            row.refund_due = refund_amount.to_i64();
        }
        // 中止・廃止 approved: the project ended on the new completion deadline.
        GrantEvent::DiscontinuationApproved {
            discontinued_on, ..
        } => row.completion_deadline = Some(*discontinued_on),
        _ => {}
    }
}

/// Every column of the table, in the order [`entry`] reads and [`write`] binds them.
const ALL_COLUMNS: [&str; 19] = [
    "grant_id",
    "application_id",
    "round_id",
    "group_id",
    "status",
    "decided_amount",
    "decided_on",
    "notice_number",
    "paid_total",
    "finalised_amount",
    "refund_due",
    "payable",
    "completion_deadline",
    "updated_position",
    "open_advance",
    "paid_gross",
    "refunded_total",
    "advances_requested",
    "advances_paid",
];

/// An [`Entry`] from a row of [`ALL_COLUMNS`], on either backend.
fn entry<'r, R>(row: &'r R) -> Result<Entry, sqlx::Error>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Date: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Entry {
        row: read(row)?,
        paid_gross: row.try_get(15)?,
        refunded_total: row.try_get(16)?,
        advances_requested: row.try_get(17)?,
        advances_paid: row.try_get(18)?,
    })
}

async fn load(
    tx: &mut Tx,
    grant_ids: &BTreeSet<String>,
) -> Result<BTreeMap<String, Entry>, ProjectionError> {
    let select = format!(
        "SELECT {} FROM grant_ledger WHERE grant_id IN",
        ALL_COLUMNS.join(", ")
    );
    let ids = grant_ids.iter().map(String::as_str).collect();
    Ok(crate::fetch_in!(tx, select, ids, entry)
        .into_iter()
        .map(|entry| (entry.row.grant_id.clone(), entry))
        .collect())
}

/// The changed rows, upserted whole.
async fn write(tx: &mut Tx, entries: &[&Entry]) -> Result<(), ProjectionError> {
    for chunk in entries.chunks(MAX_PARAMETERS / ALL_COLUMNS.len()) {
        let sql = upsert("grant_ledger", &ALL_COLUMNS, chunk.len());
        crate::exec_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql);
            for entry in chunk {
                let row = &entry.row;
                query = query
                    .bind(&row.grant_id)
                    .bind(&row.application_id)
                    .bind(&row.round_id)
                    .bind(&row.group_id)
                    .bind(row.status.as_str())
                    .bind(row.decided_amount)
                    .bind(row.decided_on)
                    .bind(&row.notice_number)
                    .bind(row.paid_total)
                    .bind(row.finalised_amount)
                    .bind(row.refund_due)
                    .bind(row.payable)
                    .bind(row.completion_deadline)
                    .bind(row.updated_position)
                    .bind(row.open_advance)
                    .bind(entry.paid_gross)
                    .bind(entry.refunded_total)
                    .bind(entry.advances_requested)
                    .bind(entry.advances_paid);
            }
            query.execute(&mut *conn).await?
        });
    }
    Ok(())
}

const SELECT: &str = "SELECT grant_id, application_id, round_id, group_id, status, decided_amount, \
                      decided_on, notice_number, paid_total, finalised_amount, refund_due, payable, \
                      completion_deadline, updated_position, open_advance FROM grant_ledger";

/// One grant, if the projection has seen it.
pub async fn get(pool: &LogPool, grant_id: &str) -> Result<Option<LedgerRow>, ProjectionError> {
    let sql = format!("{SELECT} WHERE grant_id = $1");
    let row = crate::on_pool!(pool, pool => {
        let row = sqlx::query(&sql).bind(grant_id).fetch_optional(pool).await?;
        row.as_ref().map(read).transpose()?
    });
    Ok(row)
}

/// The grants of one round, in grant id order.
pub async fn list_by_round(
    pool: &LogPool,
    round_id: &str,
) -> Result<Vec<LedgerRow>, ProjectionError> {
    let sql = format!("{SELECT} WHERE round_id = $1 ORDER BY grant_id");
    let rows = crate::on_pool!(pool, pool => {
        let rows = sqlx::query(&sql).bind(round_id).fetch_all(pool).await?;
        rows.iter().map(read).collect::<Result<Vec<_>, sqlx::Error>>()?
    });
    Ok(rows)
}

/// The longest page [`list`] answers.
pub const MAX_PAGE: u32 = 1_000;

/// Which grants to list (`GET /api/v1/grants`): optional filters and one keyset page in grant id
/// order (grant ids are UUIDv7, so this is also the order of decision).
#[derive(Clone, Copy, Debug, Default)]
pub struct GrantQuery<'a> {
    /// Only grants in this status (its api.md string, e.g. `finalised`).
    pub status: Option<&'a str>,
    /// Only grants of this round.
    pub round_id: Option<&'a str>,
    /// Only these groups' grants (an applicant's own); `None` for every group, an empty slice for
    /// none at all.
    pub group_ids: Option<&'a [String]>,
    /// Only grants after this one (the last grant of the previous page).
    pub after: Option<&'a str>,
    /// Only grants with an advance request waiting to be paid ([`LedgerRow::open_advance`]).
    pub open_advance: bool,
    /// At most this many grants (capped at [`MAX_PAGE`]).
    pub limit: u32,
}

/// One row of the grant list: the ledger row, with the project's title and the group's name from
/// the public awards list (both public under rule 12; `None` until that read model has the grant).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = GrantListRow))]
pub struct ListedGrant {
    /// The grant's money and status.
    #[serde(flatten)]
    pub ledger: LedgerRow,
    /// The project's title; `None` until the awards list has the grant.
    pub title: Option<String>,
    /// The group's name; `None` until the awards list has the grant.
    pub group_name: Option<String>,
}

/// One page of grants, in grant id order.
pub async fn list(
    pool: &LogPool,
    query: &GrantQuery<'_>,
) -> Result<Vec<ListedGrant>, ProjectionError> {
    let groups = query.group_ids.unwrap_or_default();
    if query.group_ids.is_some() && groups.is_empty() {
        return Ok(Vec::new());
    }
    let mut conditions = Conditions::default();
    if query.status.is_some() {
        let status = conditions.parameter();
        conditions.push(format!("l.status = {status}"));
    }
    if query.round_id.is_some() {
        let round = conditions.parameter();
        conditions.push(format!("l.round_id = {round}"));
    }
    if !groups.is_empty() {
        let list: Vec<String> = groups.iter().map(|_| conditions.parameter()).collect();
        conditions.push(format!("l.group_id IN ({})", list.join(", ")));
    }
    if query.open_advance {
        conditions.push("l.open_advance > 0".to_owned());
    }
    if query.after.is_some() {
        let after = conditions.parameter();
        conditions.push(format!("l.grant_id > {after}"));
    }
    let sql = format!(
        "SELECT l.grant_id, l.application_id, l.round_id, l.group_id, l.status, \
         l.decided_amount, l.decided_on, l.notice_number, l.paid_total, \
         l.finalised_amount, l.refund_due, l.payable, l.completion_deadline, \
         l.updated_position, l.open_advance, a.title, a.group_name \
         FROM grant_ledger l LEFT JOIN awards a ON a.grant_id = l.grant_id{} \
         ORDER BY l.grant_id LIMIT {}",
        conditions.clause(),
        conditions.parameter()
    );
    let limit = i64::from(query.limit.clamp(1, MAX_PAGE));
    let rows = crate::on_pool!(pool, pool => {
        let mut statement = sqlx::query(&sql);
        if let Some(status) = query.status {
            statement = statement.bind(status);
        }
        if let Some(round) = query.round_id {
            statement = statement.bind(round);
        }
        for group in groups {
            statement = statement.bind(group);
        }
        if let Some(after) = query.after {
            statement = statement.bind(after);
        }
        let rows = statement.bind(limit).fetch_all(pool).await?;
        rows.iter()
            .map(|row| {
                Ok::<_, sqlx::Error>(ListedGrant {
                    ledger: read(row)?,
                    title: row.try_get(15)?,
                    group_name: row.try_get(16)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?
    });
    Ok(rows)
}

fn read<'r, R>(row: &'r R) -> Result<LedgerRow, sqlx::Error>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Date: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(LedgerRow {
        grant_id: row.try_get(0)?,
        application_id: row.try_get(1)?,
        round_id: row.try_get(2)?,
        group_id: row.try_get(3)?,
        status: crate::typed::status(row.try_get(4)?)?,
        decided_amount: row.try_get(5)?,
        decided_on: row.try_get(6)?,
        notice_number: row.try_get(7)?,
        paid_total: row.try_get(8)?,
        finalised_amount: row.try_get(9)?,
        refund_due: row.try_get(10)?,
        payable: row.try_get(11)?,
        completion_deadline: row.try_get(12)?,
        updated_position: row.try_get(13)?,
        open_advance: row.try_get(14)?,
    })
}
