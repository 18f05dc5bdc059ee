//! Mail and in-app notices from the log (issue 18).
//!
//! - `outbox`: the process `mail_outbox` writes, for each event a group must hear of, one mail in
//!   `outbox_mails` and one notice per member in `notices`, in the transaction that moves its
//!   checkpoint (migration 0024).
//! - [`sender`]: delivers the pending mails over SMTP, or as `.eml` files in a directory (the
//!   embedded default), with retries; failures stay visible to staff.
//! - [`reminders`]: the process `reminders` keeps each group's deadlines from the log (migration
//!   0027) and writes the reminders the domain finds due on the injected clock's day into the same
//!   outbox, once each.
//! - [`templates`]: the Japanese subjects and bodies.
//!
//! The reads here answer staff's view of the outbox and each user's notices.

pub mod outbox;
pub mod reminders;
pub mod sender;
pub mod templates;

use serde::{Deserialize, Serialize};
use sqlx::Row;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::db::Database;
use crate::service::ServiceError;

/// An instant as stored: RFC 3339, UTC.
pub fn timestamp(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Milliseconds since 1970, as `next_attempt_at` counts.
pub fn unix_ms(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// One mail of the outbox as staff see it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OutboxMail {
    /// The mail's Message-ID, `<hex@domain>`, unique in the outbox.
    pub message_id: String,
    /// The news it carries: submitted, returned, awarded, refund_due, ….
    pub template: String,
    /// The group it is written to.
    pub group_id: String,
    /// The addresses it goes to (personal data: staff only).
    pub recipients: Vec<String>,
    /// The mail's subject line.
    pub subject: String,
    /// When the event that called for it happened (RFC 3339).
    pub created_at: String,
    /// How many times delivery was tried.
    pub attempts: i32,
    /// Why the last try failed, while it is not delivered.
    pub last_error: Option<String>,
    /// When it was delivered; none while it waits.
    pub sent_at: Option<String>,
}

/// The outbox as staff see it.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Outbox {
    /// Mails whose delivery failed at least once and that are still not delivered.
    pub failing: i64,
    /// Newest event first, at most 200.
    pub mails: Vec<OutboxMail>,
}

/// The outbox for staff (addresses are personal data): the mails not yet delivered
/// (`undelivered`), or the latest ones, with how many are failing.
pub async fn outbox(
    db: &Database,
    _staff: &crate::policy::Staff,
    undelivered: bool,
) -> Result<Outbox, ServiceError> {
    Ok(Outbox {
        failing: failing(db).await?,
        mails: list(db, undelivered).await?,
    })
}

/// The mails not yet delivered (`undelivered`), or the latest ones, newest event first; at most 200.
pub async fn list(db: &Database, undelivered: bool) -> Result<Vec<OutboxMail>, ServiceError> {
    let sql = format!(
        "SELECT message_id, template, group_id, recipients, subject, created_at, attempts, \
         last_error, sent_at FROM outbox_mails {} ORDER BY position DESC, message_id LIMIT 200",
        if undelivered {
            "WHERE sent_at IS NULL"
        } else {
            ""
        }
    );
    let rows = crate::with_pool!(db, pool => {
        sqlx::query(&sql)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|row| -> Result<OutboxMail, sqlx::Error> {
                Ok(OutboxMail {
                    message_id: row.try_get(0)?,
                    template: row.try_get(1)?,
                    group_id: row.try_get(2)?,
                    recipients: row
                        .try_get::<String, _>(3)?
                        .lines()
                        .map(str::to_owned)
                        .collect(),
                    subject: row.try_get(4)?,
                    created_at: row.try_get(5)?,
                    attempts: row.try_get(6)?,
                    last_error: row.try_get(7)?,
                    sent_at: row.try_get(8)?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?
    });
    Ok(rows)
}

/// How many mails failed at least once and are still not delivered.
pub async fn failing(db: &Database) -> Result<i64, ServiceError> {
    let count: i64 = crate::with_pool!(db, pool => {
        sqlx::query_scalar(
            "SELECT count(*) FROM outbox_mails WHERE sent_at IS NULL AND attempts > 0",
        )
        .fetch_one(pool)
        .await?
    });
    Ok(count)
}

/// One in-app notice (お知らせ).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Notice {
    /// The notice's id: the Message-ID of the mail it repeats.
    pub id: String,
    /// The mail's subject line.
    pub subject: String,
    /// The page it is about (a path of the service).
    pub link: String,
    /// When the event it repeats happened (RFC 3339).
    pub created_at: String,
    /// Whether the user has read it.
    pub read: bool,
}

/// A user's notices, newest first (at most 100), and how many are unread.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Notices {
    /// How many of the user's notices are unread (all of them, not only those listed).
    pub unread: i64,
    /// The notices, newest first (at most 100).
    pub items: Vec<Notice>,
}

/// `user_id`'s notices.
pub async fn notices_of(
    db: &Database,
    user_id: grants_domain::UserId,
) -> Result<Notices, ServiceError> {
    let user = user_id.to_string();
    let (unread, items) = crate::with_pool!(db, pool => {
        let unread: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM notices WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(&user)
        .fetch_one(pool)
        .await?;
        let items = sqlx::query(
            "SELECT message_id, subject, link, created_at, read_at FROM notices \
             WHERE user_id = $1 ORDER BY position DESC, message_id LIMIT 100",
        )
        .bind(&user)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| -> Result<Notice, sqlx::Error> {
            Ok(Notice {
                id: row.try_get(0)?,
                subject: row.try_get(1)?,
                link: row.try_get(2)?,
                created_at: row.try_get(3)?,
                read: row.try_get::<Option<String>, _>(4)?.is_some(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
        (unread, items)
    });
    Ok(Notices { unread, items })
}

/// Marks `user_id`'s notice `id` read; `false` when the user has no such notice.
pub async fn mark_read(
    db: &Database,
    user_id: grants_domain::UserId,
    id: &str,
) -> Result<bool, ServiceError> {
    let now = timestamp(OffsetDateTime::now_utc());
    let user = user_id.to_string();
    let found = crate::with_pool!(db, pool => {
        sqlx::query("UPDATE notices SET read_at = coalesce(read_at, $1) WHERE user_id = $2 AND message_id = $3")
            .bind(&now)
            .bind(&user)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(found > 0)
}
