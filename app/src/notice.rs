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
//! `(fiscal_year, sequence)` makes two grants never share a number, whatever runs at once (two
//! rounds deciding together both try the next sequence; one insert wins, the other tries the one
//! after); its unique `grant_id` makes the assignment idempotent, so the handler and the background
//! follow-up agree on a grant's number. A number is consumed only for a grant about to be opened;
//! a gap would need the grant's opening to fail for good after its number was assigned.

use grants_domain::round::notice_number;
use grants_domain::{FiscalYear, GrantId};
use sqlx::Row;

use crate::db::Database;
use crate::service::ServiceError;

/// How many times a number is tried before the register reports itself busy.
const ATTEMPTS: u32 = 50;

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
pub async fn assign(
    db: &Database,
    grant_id: GrantId,
    fiscal_year: FiscalYear,
    prefix: &str,
) -> Result<String, ServiceError> {
    let grant = grant_id.to_string();
    let year = fiscal_year.year();
    for _ in 0..ATTEMPTS {
        if let Some(number) = number_of(db, grant_id).await? {
            return Ok(number);
        }
        let last: Option<i64> = crate::with_pool!(db, pool => {
            sqlx::query("SELECT max(sequence) FROM notice_numbers WHERE fiscal_year = $1")
                .bind(year)
                .fetch_one(pool)
                .await?
                .try_get::<Option<i64>, _>(0)?
        });
        let next = u32::try_from(last.unwrap_or(0) + 1).map_err(ServiceError::internal)?;
        let number = notice_number(fiscal_year, prefix, next);
        crate::with_pool!(db, pool => {
            sqlx::query(
                "INSERT INTO notice_numbers (fiscal_year, sequence, grant_id, number) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(year)
            .bind(i64::from(next))
            .bind(&grant)
            .bind(&number)
            .execute(pool)
            .await
            .map(|_| ())?
        });
    }
    Err(ServiceError::unavailable(
        "the notice register stayed busy; try again",
    ))
}
