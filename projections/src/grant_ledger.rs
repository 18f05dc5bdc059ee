//! The grant ledger (`GET /api/v1/grants/{id}`, the round's list of grants and the paged grant list
//! `GET /api/v1/grants`): per grant, what was decided, paid, finalised and is still owed either way.
//!
//! Built from the round's `AwardDecided` and the grant's `GrantDecided` (whichever comes first creates
//! the row; `GrantDecided` fields are read from `decision.X` or `X`), then every grant event that moves
//! money or status. The amounts follow the grant aggregate:
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

use grants_domain::grant::GrantStatus;
use grants_domain::money::Yen;
use serde::Serialize;
use sqlx::Row;
use time::Date;

use crate::error::ProjectionError;
use crate::event_log::{LoggedEvent, Reads};
use crate::payload::Fields;
use crate::pool::{upsert, Conditions, LogPool, Tx, MAX_PARAMETERS};
use crate::runner::{BoxFuture, Projection};

/// The projection's name.
pub const NAME: &str = "grant_ledger";

/// One grant's money and status (the grant read of api.md, plus its round and group).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LedgerRow {
    pub grant_id: String,
    pub application_id: Option<String>,
    pub round_id: Option<String>,
    pub group_id: Option<String>,
    /// decided, withdrawn, in_progress, report_submitted, report_returned, finalised, refund_due,
    /// closed, cancelled.
    pub status: String,
    pub decided_amount: i64,
    pub decided_on: Option<Date>,
    pub notice_number: Option<String>,
    /// Paid, net of refunds received.
    pub paid_total: i64,
    pub finalised_amount: Option<i64>,
    pub refund_due: i64,
    pub payable: i64,
    pub completion_deadline: Option<Date>,
    /// The position of the last event applied to this row.
    pub updated_position: i64,
    /// What of the advances requested waits for staff to pay it (zero when no request is open).
    pub open_advance: i64,
}

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

    /// What `grant_of` matches on.
    fn reads(&self) -> Option<&'static [Reads]> {
        Some(&[
            Reads::Stream("grant"),
            Reads::Event("round", "AwardDecided"),
            Reads::Event("round", "AwardAmended"),
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
        self.row.payable = payable(
            &self.row.status,
            self.row.finalised_amount,
            self.row.paid_total,
        );
        self.row.open_advance = open_advance(
            &self.row.status,
            self.advances_requested,
            self.advances_paid,
        );
        self.row.updated_position = position;
    }
}

/// The domain's rule ([`grants_domain::grant::payable`]) on the ledger's columns: yen as integers,
/// the status as the API's string.
fn payable(status: &str, finalised: Option<i64>, net_paid: i64) -> i64 {
    let net_paid = yen(net_paid).unwrap_or(Yen::ZERO);
    grants_domain::grant::payable(status_of(status), finalised.and_then(yen), net_paid).to_i64()
}

/// The domain's rule ([`grants_domain::grant::open_advance`]) on the ledger's columns.
fn open_advance(status: &str, requested: i64, paid: i64) -> i64 {
    let (requested, paid) = (
        yen(requested).unwrap_or(Yen::ZERO),
        yen(paid).unwrap_or(Yen::ZERO),
    );
    grants_domain::grant::open_advance(requested, paid, status_of(status)).to_i64()
}

/// The status as the domain names it, from the API's string the row keeps.
fn status_of(status: &str) -> Option<GrantStatus> {
    serde_json::from_value::<GrantStatus>(serde_json::Value::from(status)).ok()
}

fn yen(amount: i64) -> Option<Yen> {
    Yen::new(amount).ok()
}

/// The decision's columns, as `AwardDecided` or `GrantDecided` give them.
struct Decided {
    application_id: Option<String>,
    round_id: Option<String>,
    group_id: Option<String>,
    amount: i64,
    decided_on: Date,
    notice_number: Option<String>,
    completion_deadline: Option<Date>,
}

impl Decided {
    fn read(fields: &Fields<'_>, round_id: Option<String>) -> Result<Self, ProjectionError> {
        Ok(Decided {
            application_id: fields.optional_text("application_id"),
            round_id: round_id.or_else(|| fields.optional_text("round_id")),
            group_id: fields.optional_text("group_id"),
            amount: fields.amount("amount")?,
            decided_on: fields.date("decided_on")?,
            // A round's award carries no number since the fiscal year numbers them (the grant's
            // `GrantDecided` does).
            notice_number: fields
                .optional_text("notice_number")
                .filter(|number| !number.is_empty()),
            completion_deadline: fields.date("completion_deadline").ok(),
        })
    }

    fn entry(self, grant_id: String, position: i64) -> Entry {
        Entry {
            row: LedgerRow {
                grant_id,
                application_id: self.application_id,
                round_id: self.round_id,
                group_id: self.group_id,
                status: "decided".to_owned(),
                decided_amount: self.amount,
                decided_on: Some(self.decided_on),
                notice_number: self.notice_number,
                paid_total: 0,
                finalised_amount: None,
                refund_due: 0,
                payable: 0,
                completion_deadline: self.completion_deadline,
                updated_position: position,
                open_advance: 0,
            },
            paid_gross: 0,
            refunded_total: 0,
            advances_requested: 0,
            advances_paid: 0,
        }
    }
}

/// Applies a batch in memory and writes it in two statements, whatever its length: the rows the
/// batch touches are read in one query, the events fold into them in log order, and the changed
/// rows are upserted whole (one statement per event made rebuilds slow, docs/benchmarks.md).
async fn apply_batch(tx: &mut Tx, events: &[LoggedEvent]) -> Result<(), ProjectionError> {
    let mut grant_ids = BTreeSet::new();
    for event in events {
        if let Some(grant_id) = grant_of(event)? {
            grant_ids.insert(grant_id);
        }
    }
    if grant_ids.is_empty() {
        return Ok(());
    }
    let mut entries = load(tx, &grant_ids).await?;
    let mut changed = BTreeSet::new();
    for event in events {
        fold(event, &mut entries, &mut changed)?;
    }
    let changed: Vec<&Entry> = changed.iter().filter_map(|id| entries.get(id)).collect();
    write(tx, &changed).await
}

/// The grant an event is about, if this read model cares about the event.
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

/// One event applied to the rows in memory. An event about a grant the ledger has no row for
/// changes nothing (as an `UPDATE` of no row would not).
fn fold(
    event: &LoggedEvent,
    entries: &mut BTreeMap<String, Entry>,
    changed: &mut BTreeSet<String>,
) -> Result<(), ProjectionError> {
    let fields = Fields::new(NAME, event);
    let Some(grant_id) = grant_of(event)? else {
        return Ok(());
    };
    let position = event.position;
    match (event.aggregate_type.as_str(), event.event_type.as_str()) {
        ("round", "AwardDecided") => {
            let decided = Decided::read(&fields, Some(event.aggregate_id.clone()))?;
            entries
                .entry(grant_id.clone())
                .or_insert_with(|| decided.entry(grant_id.clone(), position));
        }
        ("round", "AwardAmended") => {
            let amount = fields.amount("new_amount")?;
            if let Some(entry) = entries.get_mut(&grant_id) {
                entry.row.decided_amount = amount;
            }
        }
        ("grant", "GrantDecided") => {
            let decided = Decided::read(&fields, None)?;
            match entries.get_mut(&grant_id) {
                Some(entry) => {
                    let row = &mut entry.row;
                    row.application_id = decided.application_id.or(row.application_id.take());
                    row.round_id = decided.round_id.or(row.round_id.take());
                    row.group_id = decided.group_id.or(row.group_id.take());
                    row.decided_amount = decided.amount;
                    row.decided_on = Some(decided.decided_on);
                    row.notice_number = decided.notice_number.or(row.notice_number.take());
                    row.completion_deadline = decided
                        .completion_deadline
                        .or(row.completion_deadline.take());
                }
                None => {
                    entries.insert(grant_id.clone(), decided.entry(grant_id.clone(), position));
                }
            }
        }
        ("grant", event_type) => {
            let change = GrantChange::read(event_type, &fields)?;
            let Some(change) = change else {
                return Ok(());
            };
            if let Some(entry) = entries.get_mut(&grant_id) {
                change.apply(entry);
            }
        }
        _ => return Ok(()),
    }
    if let Some(entry) = entries.get_mut(&grant_id) {
        entry.settle(position);
        changed.insert(grant_id);
    }
    Ok(())
}

/// What one of the grant's own events changes in its row.
enum GrantChange {
    Status(&'static str),
    AdvanceRequested {
        requested_total: i64,
    },
    Payment {
        paid_gross: i64,
        /// The amount, when the payment is an advance.
        advance: Option<i64>,
    },
    Change {
        decided_amount: i64,
        completion_deadline: Date,
    },
    Finalised {
        finalised: i64,
        refund_due: i64,
    },
    Refund {
        outstanding: i64,
        refunded_total: i64,
    },
    Cancelled {
        refund: i64,
    },
    /// 中止・廃止 approved: the project ended on the new completion deadline.
    Discontinued {
        completion_deadline: Date,
    },
}

impl GrantChange {
    fn read(event_type: &str, fields: &Fields<'_>) -> Result<Option<Self>, ProjectionError> {
        Ok(Some(match event_type {
            "GrantWithdrawn" => GrantChange::Status("withdrawn"),
            "AdvanceRequested" => GrantChange::AdvanceRequested {
                requested_total: fields.amount("requested_total")?,
            },
            "PaymentRecorded" => GrantChange::Payment {
                paid_gross: fields.amount("paid_total")?,
                advance: match fields.optional_text("kind").as_deref() {
                    Some("advance") => Some(fields.amount("amount")?),
                    _ => None,
                },
            },
            "ChangeApproved" => GrantChange::Change {
                decided_amount: fields.amount("decided_amount")?,
                completion_deadline: fields.date("completion_deadline")?,
            },
            "SettlementReportSubmitted" => GrantChange::Status("report_submitted"),
            "SettlementReportReturned" => GrantChange::Status("report_returned"),
            "AmountFinalised" => GrantChange::Finalised {
                finalised: fields.amount("finalised")?,
                refund_due: fields.optional_amount("refund_due").unwrap_or(0),
            },
            "RefundReceived" => GrantChange::Refund {
                outstanding: fields.amount("outstanding")?,
                refunded_total: fields.amount("refunded_total")?,
            },
            "GrantClosed" => GrantChange::Status("closed"),
            "GrantCancelled" => GrantChange::Cancelled {
                refund: fields.amount("refund_amount")?,
            },
            "DiscontinuationRequested" => GrantChange::Status("discontinuation_requested"),
            "DiscontinuationApproved" => GrantChange::Discontinued {
                completion_deadline: fields.date("discontinued_on")?,
            },
            // A refusal returns the grant to where it was, which the event names.
            "DiscontinuationRefused" => match fields.optional_text("resumes").as_deref() {
                Some("in_progress") => GrantChange::Status("in_progress"),
                _ => GrantChange::Status("decided"),
            },
            _ => return Ok(None),
        }))
    }

    fn apply(self, entry: &mut Entry) {
        let row = &mut entry.row;
        // The first advance request or payment starts the work.
        let start_work = |row: &mut LedgerRow| {
            if row.status == "decided" {
                row.status = "in_progress".to_owned();
            }
        };
        match self {
            GrantChange::Status(status) => row.status = status.to_owned(),
            GrantChange::AdvanceRequested { requested_total } => {
                entry.advances_requested = requested_total;
                start_work(row);
            }
            GrantChange::Payment {
                paid_gross,
                advance,
            } => {
                entry.paid_gross = paid_gross;
                entry.advances_paid += advance.unwrap_or(0);
                start_work(row);
            }
            GrantChange::Change {
                decided_amount,
                completion_deadline,
            } => {
                row.decided_amount = decided_amount;
                row.completion_deadline = Some(completion_deadline);
            }
            GrantChange::Finalised {
                finalised,
                refund_due,
            } => {
                row.finalised_amount = Some(finalised);
                row.refund_due = refund_due;
                row.status = if refund_due > 0 {
                    "refund_due"
                } else {
                    "finalised"
                }
                .to_owned();
            }
            GrantChange::Refund {
                outstanding,
                refunded_total,
            } => {
                row.refund_due = outstanding;
                entry.refunded_total = refunded_total;
            }
            GrantChange::Cancelled { refund } => {
                row.refund_due = refund;
                row.status = "cancelled".to_owned();
            }
            GrantChange::Discontinued {
                completion_deadline,
            } => {
                row.completion_deadline = Some(completion_deadline);
                row.status = "discontinued".to_owned();
            }
        }
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
                    .bind(&row.status)
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
    pub status: Option<&'a str>,
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
pub struct ListedGrant {
    #[serde(flatten)]
    pub ledger: LedgerRow,
    pub title: Option<String>,
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
        status: row.try_get(4)?,
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
