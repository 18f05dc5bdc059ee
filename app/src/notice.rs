//! The notice register (文書番号簿): hands out the fiscal year's notice numbers
//! (交付決定通知書の文書番号, `令和8年度市協第1号`; the format is `grants_domain::round::notice`).
//!
//! Why the follow-up assigns them: the sequence counts every round's decisions of the fiscal year,
//! which no one round knows, and a decision must not append to several aggregates in one request.
//! So the round's `AwardDecided` carries no number; the decision's follow-up (app/src/follow_up.rs,
//! run by the handler at once and again from the log after a crash, in log order) asks this
//! register for the grant's number just before it opens the grant, and the grant's `GrantDecided`
//! records it. Replaying the log reads the number from that event and never renumbers.
//!
//! The register is the table `notice_numbers` (migration 0021): its primary key
//! `(fiscal_year, sequence)` makes two grants never share a number, whatever runs at once, and the
//! assignments of a fiscal year take turns (two rounds deciding together: the second reads the
//! number the first committed and takes the next); its unique `grant_id` makes the assignment
//! idempotent, so the handler and the background follow-up agree on a grant's number. A number is
//! consumed only for a grant about to be opened; a gap would need the grant's opening to fail for
//! good after its number was assigned.

use grants_domain::round::{number_parts, NumberParts};
use grants_domain::{FiscalYear, GrantId};
use grants_projections::WriteGate;
use sqlx::Row;

use crate::db::Database;
use crate::service::ServiceError;

/// The lock the register's assignments take in turn, one per fiscal year ("notice" in ASCII, then
/// the year).
fn register_lock(fiscal_year: FiscalYear) -> i64 {
    i64::from_be_bytes(*b"notice\0\0") + i64::from(fiscal_year.year())
}

/// The grant's number, if the register has assigned one.
pub async fn number_of(db: &Database, grant_id: GrantId) -> Result<Option<String>, ServiceError> {
    let grant = grant_id.to_string();
    let number: Option<String> = crate::with_pool!(db, pool => {
        sqlx::query("SELECT number FROM notice_numbers WHERE grant_id = $1")
            .bind(&grant)
            .fetch_optional(pool)
            .await?
            .map(|row| row.try_get(0))
            .transpose()?
    });
    Ok(number)
}

/// The grant's number: the one already assigned, or the fiscal year's next.
///
/// The assignments of a fiscal year take turns, and each reads the last number after the one before
/// it committed, so none tries a number another has just taken: on PostgreSQL the turn is the
/// function `assign_notice_number` (migration 0033: an advisory lock per fiscal year, the check,
/// the next sequence and the insert, all in one statement, so no round trip to this process happens
/// while the lock is held); on SQLite it is the database's one writer at a time (the next sequence
/// is taken in the insert itself) behind this process's write gate, as for the event store's
/// appends. One statement per number where an insert-and-retry from here cost 4.4 inserts and 15
/// statements a number with eight decisions at once (docs/benchmarks.md, session 17).
pub async fn assign(
    db: &Database,
    gate: &WriteGate,
    grant_id: GrantId,
    fiscal_year: FiscalYear,
    prefix: &str,
) -> Result<String, ServiceError> {
    let grant = grant_id.to_string();
    let year = fiscal_year.year();
    let NumberParts { head, tail } = number_parts(fiscal_year, prefix);
    match db {
        Database::Postgres(pool) => {
            let number: String =
                sqlx::query_scalar("SELECT assign_notice_number($1, $2, $3, $4, $5)")
                    .bind(register_lock(fiscal_year))
                    .bind(year)
                    .bind(&grant)
                    .bind(&head)
                    .bind(&tail)
                    .fetch_one(pool)
                    .await?;
            Ok(number)
        }
        Database::Sqlite(pool) => {
            let _turn = gate.enter().await;
            // A grant assigned already conflicts on its unique `grant_id`: its number is read.
            let taken: Option<String> = sqlx::query_scalar(
                "INSERT INTO notice_numbers (fiscal_year, sequence, grant_id, number) \
                 SELECT $1, coalesce(max(sequence), 0) + 1, $2, \
                        $3 || (coalesce(max(sequence), 0) + 1) || $4 \
                   FROM notice_numbers WHERE fiscal_year = $5 \
                 ON CONFLICT DO NOTHING RETURNING number",
            )
            .bind(year)
            .bind(&grant)
            .bind(&head)
            .bind(&tail)
            .bind(year)
            .fetch_optional(pool)
            .await?;
            match taken {
                Some(number) => Ok(number),
                None => number_of(db, grant_id).await?.ok_or_else(|| {
                    ServiceError::internal("the notice register kept no number for the grant")
                }),
            }
        }
    }
}
