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
//!   `finalised`, zero in any other status.

use serde::Serialize;
use sqlx::Row;
use time::Date;

use crate::error::ProjectionError;
use crate::event_log::LoggedEvent;
use crate::payload::Fields;
use crate::pool::{LogPool, Tx};
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

    fn apply<'a>(
        &'a self,
        tx: &'a mut Tx,
        event: &'a LoggedEvent,
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(apply(tx, event))
    }
}

/// Recomputes the derived amounts of one row from its stored ones.
const SETTLE: &str = "UPDATE grant_ledger SET
       paid_total = CASE WHEN paid_gross > refunded_total THEN paid_gross - refunded_total ELSE 0 END,
       payable = CASE WHEN status = 'finalised' AND finalised_amount IS NOT NULL
                       AND finalised_amount > paid_gross - refunded_total
                      THEN finalised_amount - (paid_gross - refunded_total) ELSE 0 END,
       updated_position = $2
     WHERE grant_id = $1";

async fn apply(tx: &mut Tx, event: &LoggedEvent) -> Result<(), ProjectionError> {
    let fields = Fields::new(NAME, event);
    let grant = event.aggregate_id.as_str();
    let grant_id = match (event.aggregate_type.as_str(), event.event_type.as_str()) {
        ("round", "AwardDecided") => {
            let grant_id = fields.text("grant_id")?;
            crate::exec_tx!(&mut *tx, conn => sqlx::query(
                "INSERT INTO grant_ledger (grant_id, application_id, round_id, group_id, status,
                   decided_amount, decided_on, notice_number, completion_deadline, updated_position)
                 VALUES ($1, $2, $3, $4, 'decided', $5, $6, $7, $8, $9)
                 ON CONFLICT (grant_id) DO NOTHING",
            )
            .bind(&grant_id)
            .bind(fields.optional_text("application_id"))
            .bind(&event.aggregate_id)
            .bind(fields.optional_text("group_id"))
            .bind(fields.amount("amount")?)
            .bind(fields.date("decided_on")?)
            .bind(fields.optional_text("notice_number"))
            .bind(fields.date("completion_deadline").ok())
            .bind(event.position)
            .execute(&mut *conn)
            .await?);
            grant_id
        }
        ("round", "AwardAmended") => {
            let grant_id = fields.text("grant_id")?;
            update(
                tx,
                "decided_amount",
                &grant_id,
                fields.amount("new_amount")?,
            )
            .await?;
            grant_id
        }
        ("grant", "GrantDecided") => {
            let grant_id = fields
                .optional_text("grant_id")
                .unwrap_or_else(|| grant.to_owned());
            crate::exec_tx!(&mut *tx, conn => sqlx::query(
                "INSERT INTO grant_ledger (grant_id, application_id, round_id, group_id, status,
                   decided_amount, decided_on, notice_number, completion_deadline, updated_position)
                 VALUES ($1, $2, $3, $4, 'decided', $5, $6, $7, $8, $9)
                 ON CONFLICT (grant_id) DO UPDATE SET
                   application_id = coalesce(excluded.application_id, grant_ledger.application_id),
                   round_id = coalesce(excluded.round_id, grant_ledger.round_id),
                   group_id = coalesce(excluded.group_id, grant_ledger.group_id),
                   decided_amount = excluded.decided_amount, decided_on = excluded.decided_on,
                   notice_number = coalesce(excluded.notice_number, grant_ledger.notice_number),
                   completion_deadline = coalesce(excluded.completion_deadline,
                                                  grant_ledger.completion_deadline)",
            )
            .bind(&grant_id)
            .bind(fields.optional_text("application_id"))
            .bind(fields.optional_text("round_id"))
            .bind(fields.optional_text("group_id"))
            .bind(fields.amount("amount")?)
            .bind(fields.date("decided_on")?)
            .bind(fields.optional_text("notice_number"))
            .bind(fields.date("completion_deadline").ok())
            .bind(event.position)
            .execute(&mut *conn)
            .await?);
            grant_id
        }
        ("grant", event_type) => {
            match event_type {
                "GrantWithdrawn" => set_status(tx, grant, "withdrawn").await?,
                "AdvanceRequested" => start_work(tx, grant).await?,
                "PaymentRecorded" => {
                    update(tx, "paid_gross", grant, fields.amount("paid_total")?).await?;
                    start_work(tx, grant).await?;
                }
                "ChangeApproved" => {
                    update(
                        tx,
                        "decided_amount",
                        grant,
                        fields.amount("decided_amount")?,
                    )
                    .await?;
                    crate::exec_tx!(&mut *tx, conn => sqlx::query(
                        "UPDATE grant_ledger SET completion_deadline = $2 WHERE grant_id = $1",
                    )
                    .bind(grant)
                    .bind(fields.date("completion_deadline")?)
                    .execute(&mut *conn)
                    .await?);
                }
                "SettlementReportSubmitted" => set_status(tx, grant, "report_submitted").await?,
                "SettlementReportReturned" => set_status(tx, grant, "report_returned").await?,
                "AmountFinalised" => {
                    let finalised = fields.amount("finalised")?;
                    let refund_due = fields.optional_amount("refund_due").unwrap_or(0);
                    let status = if refund_due > 0 {
                        "refund_due"
                    } else {
                        "finalised"
                    };
                    crate::exec_tx!(&mut *tx, conn => sqlx::query(
                        "UPDATE grant_ledger SET finalised_amount = $2, refund_due = $3, status = $4
                         WHERE grant_id = $1",
                    )
                    .bind(grant)
                    .bind(finalised)
                    .bind(refund_due)
                    .bind(status)
                    .execute(&mut *conn)
                    .await?);
                }
                "RefundReceived" => {
                    let outstanding = fields.amount("outstanding")?;
                    let refunded = fields.amount("refunded_total")?;
                    crate::exec_tx!(&mut *tx, conn => sqlx::query(
                        "UPDATE grant_ledger SET refund_due = $2, refunded_total = $3 WHERE grant_id = $1",
                    )
                    .bind(grant)
                    .bind(outstanding)
                    .bind(refunded)
                    .execute(&mut *conn)
                    .await?);
                }
                "GrantClosed" => set_status(tx, grant, "closed").await?,
                "GrantCancelled" => {
                    let refund = fields.amount("refund_amount")?;
                    crate::exec_tx!(&mut *tx, conn => sqlx::query(
                        "UPDATE grant_ledger SET refund_due = $2, status = 'cancelled' WHERE grant_id = $1",
                    )
                    .bind(grant)
                    .bind(refund)
                    .execute(&mut *conn)
                    .await?);
                }
                _ => return Ok(()),
            }
            grant.to_owned()
        }
        _ => return Ok(()),
    };
    crate::exec_tx!(tx, conn => sqlx::query(SETTLE)
        .bind(&grant_id)
        .bind(event.position)
        .execute(&mut *conn)
        .await?);
    Ok(())
}

/// Sets one amount column of one row (`column` is one of this module's constants, never input).
async fn update(
    tx: &mut Tx,
    column: &'static str,
    grant_id: &str,
    value: i64,
) -> Result<(), ProjectionError> {
    let sql = format!("UPDATE grant_ledger SET {column} = $2 WHERE grant_id = $1");
    crate::exec_tx!(tx, conn => sqlx::query(&sql)
        .bind(grant_id)
        .bind(value)
        .execute(&mut *conn)
        .await?);
    Ok(())
}

async fn set_status(tx: &mut Tx, grant_id: &str, status: &str) -> Result<(), ProjectionError> {
    crate::exec_tx!(tx, conn => sqlx::query("UPDATE grant_ledger SET status = $2 WHERE grant_id = $1")
        .bind(grant_id)
        .bind(status)
        .execute(&mut *conn)
        .await?);
    Ok(())
}

/// The first advance request or payment starts the work.
async fn start_work(tx: &mut Tx, grant_id: &str) -> Result<(), ProjectionError> {
    crate::exec_tx!(tx, conn => sqlx::query(
        "UPDATE grant_ledger SET status = 'in_progress' WHERE grant_id = $1 AND status = 'decided'",
    )
    .bind(grant_id)
    .execute(&mut *conn)
    .await?);
    Ok(())
}

const SELECT: &str = "SELECT grant_id, application_id, round_id, group_id, status, decided_amount, \
                      decided_on, notice_number, paid_total, finalised_amount, refund_due, payable, \
                      completion_deadline, updated_position FROM grant_ledger";

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
    let mut conditions = Vec::new();
    let mut placeholders = 0;
    let mut next = || {
        placeholders += 1;
        format!("${placeholders}")
    };
    if query.status.is_some() {
        conditions.push(format!("l.status = {}", next()));
    }
    if query.round_id.is_some() {
        conditions.push(format!("l.round_id = {}", next()));
    }
    if !groups.is_empty() {
        let list: Vec<String> = groups.iter().map(|_| next()).collect();
        conditions.push(format!("l.group_id IN ({})", list.join(", ")));
    }
    if query.after.is_some() {
        conditions.push(format!("l.grant_id > {}", next()));
    }
    let mut sql = "SELECT l.grant_id, l.application_id, l.round_id, l.group_id, l.status, \
                   l.decided_amount, l.decided_on, l.notice_number, l.paid_total, \
                   l.finalised_amount, l.refund_due, l.payable, l.completion_deadline, \
                   l.updated_position, a.title, a.group_name \
                   FROM grant_ledger l LEFT JOIN awards a ON a.grant_id = l.grant_id"
        .to_owned();
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    sql.push_str(&format!(" ORDER BY l.grant_id LIMIT {}", next()));
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
                    title: row.try_get(14)?,
                    group_name: row.try_get(15)?,
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
    })
}
