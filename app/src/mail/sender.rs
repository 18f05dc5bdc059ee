//! The sender: delivers the outbox's pending mails, oldest event first, over SMTP (`lettre`) or, by
//! default, as `.eml` files in a directory. A mail that fails is tried again after a pause that
//! doubles from [`FIRST_RETRY`] up to [`LAST_RETRY`]; each try counts in `attempts` and the error
//! stays in `last_error` for staff (`GET /api/v1/mail`, `/staff/mail`, the work queue's count).
//!
//! Before a pass the sender claims a batch of due mails by moving their `next_attempt_at` forward by
//! `LEASE` with one conditional update, so two services sharing a database never try the same mail
//! at once; a try that could outlast the lease is not begun (the mail waits for the lease). A
//! service that dies after the server accepted a mail and before `sent_at` was written sends it
//! again after the lease, with the same Message-ID, which lets the receiving side tell it is the
//! same mail: delivery is at least once, never lost.
//!
//! Nothing personal is logged: a failure logs the Message-ID and the count of tries only.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sqlx::Row;
use time::OffsetDateTime;

use crate::state::AppState;

/// The pause before the second try.
pub const FIRST_RETRY: Duration = Duration::from_secs(1);
/// The longest pause between two tries.
pub const LAST_RETRY: Duration = Duration::from_secs(15 * 60);
/// How long a claimed mail is left to the sender that claimed it.
const LEASE: Duration = Duration::from_secs(120);
/// How long an SMTP exchange may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);
/// The lease that must be left for a try to begin: an SMTP exchange's timeout twice over.
const TRY_BUDGET: Duration = SMTP_TIMEOUT.saturating_mul(2);
/// How many mails one pass takes.
const BATCH: i64 = 20;
/// The longest error kept for staff, in characters.
const ERROR_MAX_CHARS: usize = 500;

/// Where mails go.
pub enum Transport {
    /// Deliver over SMTP (`--smtp-url`).
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Write each mail as an `.eml` file into this directory (without `--smtp-url`).
    Directory(PathBuf),
}

impl Transport {
    /// The transport the configuration names; `None` when it names none.
    pub fn from_config(config: &crate::config::MailConfig) -> anyhow::Result<Option<Self>> {
        if let Some(url) = &config.smtp_url {
            let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
                .timeout(Some(SMTP_TIMEOUT))
                .build();
            return Ok(Some(Transport::Smtp(transport)));
        }
        Ok(config.mail_dir.clone().map(Transport::Directory))
    }

    async fn deliver(&self, message: &Message, file_name: &str) -> anyhow::Result<()> {
        match self {
            Transport::Smtp(smtp) => {
                smtp.send(message.clone()).await?;
            }
            Transport::Directory(dir) => {
                std::fs::create_dir_all(dir)?;
                let path = dir.join(format!("{file_name}.eml"));
                let partial = dir.join(format!(".{file_name}.eml.partial"));
                std::fs::write(&partial, message.formatted())?;
                std::fs::rename(partial, path)?;
            }
        }
        Ok(())
    }
}

/// The pause after `attempts` failed tries.
pub fn backoff(attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    FIRST_RETRY
        .saturating_mul(1u32 << doublings)
        .min(LAST_RETRY)
}

/// Delivers pending mails until `shutdown`; does nothing when no transport is configured.
pub async fn run(state: AppState, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let transport = match Transport::from_config(&state.mail) {
        Ok(Some(transport)) => transport,
        Ok(None) => {
            tracing::info!("no mail transport configured: mails stay in the outbox");
            return shutdown.await;
        }
        Err(error) => {
            tracing::error!(%error, "the mail transport could not be set up; mails stay in the outbox");
            return shutdown.await;
        }
    };
    loop {
        let pause = match pass(&state, &transport).await {
            Ok(0) => Duration::from_millis(250),
            Ok(_) => Duration::ZERO,
            Err(error) => {
                tracing::error!(%error, "the mail sender could not read the outbox; will retry");
                Duration::from_secs(1)
            }
        };
        tokio::select! {
            biased;
            () = &mut shutdown => return,
            () = tokio::time::sleep(pause) => {}
        }
    }
}

struct Pending {
    message_id: String,
    recipients: String,
    subject: String,
    body: String,
    created_at: String,
    attempts: i64,
    position: i64,
}

/// Claims up to [`BATCH`] due mails, oldest event first, with one statement: their
/// `next_attempt_at` moves forward by [`LEASE`] (`lease`). The outer conditions are checked again
/// on each row as the update finds it, so a mail that another service claimed between the
/// subquery's read and this update (its `next_attempt_at` already in the future) is left to it.
/// An index on `(position, message_id)` of the unsent mails (migration 0032) lets the subquery
/// stop at the batch instead of sorting every unsent mail on every pass: under load the outbox
/// held thousands, and the sort was read again every 20 mails.
async fn claim_due(state: &AppState, now: i64, lease: i64) -> anyhow::Result<Vec<Pending>> {
    let mut due: Vec<Pending> = crate::with_pool!(&state.db, pool => {
        sqlx::query(
            "UPDATE outbox_mails SET next_attempt_at = $1 \
             WHERE message_id IN (SELECT message_id FROM outbox_mails \
                                  WHERE sent_at IS NULL AND next_attempt_at <= $2 \
                                  ORDER BY position, message_id LIMIT $3) \
               AND sent_at IS NULL AND next_attempt_at <= $2 \
             RETURNING message_id, recipients, subject, body, created_at, attempts, position",
        )
        .bind(lease)
        .bind(now)
        .bind(BATCH)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| -> Result<Pending, sqlx::Error> {
            Ok(Pending {
                message_id: row.try_get(0)?,
                recipients: row.try_get(1)?,
                subject: row.try_get(2)?,
                body: row.try_get(3)?,
                created_at: row.try_get(4)?,
                attempts: i64::from(row.try_get::<i32, _>(5)?),
                position: row.try_get(6)?,
            })
        })
        .collect::<Result<_, _>>()?
    });
    // RETURNING names no order.
    due.sort_by(|a, b| (a.position, &a.message_id).cmp(&(b.position, &b.message_id)));
    Ok(due)
}

/// Tries every mail that is due; how many it tried.
async fn pass(state: &AppState, transport: &Transport) -> anyhow::Result<usize> {
    let now = super::unix_ms(OffsetDateTime::now_utc());
    let lease = now + i64::try_from(LEASE.as_millis()).unwrap_or(i64::MAX / 2);
    let due = claim_due(state, now, lease).await?;
    let tried = due.len();
    for mail in due {
        // The batch shares one lease: a mail whose try could outlast it is left claimed, and any
        // service takes it up once the lease has passed, so no mail is tried twice at once.
        let left = lease - super::unix_ms(OffsetDateTime::now_utc());
        if left < i64::try_from(TRY_BUDGET.as_millis()).unwrap_or(i64::MAX) {
            break;
        }
        let attempts = mail.attempts + 1;
        // Every recipient's personal data was erased after the mail was written: nobody to send it
        // to, so it is done (crate::auth::directory).
        let erased = grants_domain::group::ERASED;
        let nobody_left = mail.recipients.contains(erased)
            && mail
                .recipients
                .lines()
                .all(|line| line.is_empty() || line == erased);
        let outcome = match message(&state.mail.mail_from, &mail) {
            _ if nobody_left => Ok(()),
            Ok(message) => {
                transport
                    .deliver(&message, &file_name(&mail.message_id))
                    .await
            }
            Err(error) => Err(error),
        };
        let finished = OffsetDateTime::now_utc();
        match outcome {
            Ok(()) => {
                crate::with_pool!(&state.db, pool => {
                    sqlx::query(
                        "UPDATE outbox_mails SET sent_at = $1, attempts = $2, last_error = NULL \
                         WHERE message_id = $3",
                    )
                    .bind(super::timestamp(finished))
                    .bind(i32::try_from(attempts).unwrap_or(i32::MAX))
                    .bind(&mail.message_id)
                    .execute(pool)
                    .await
                    .map(|_| ())?
                });
            }
            Err(error) => {
                tracing::warn!(message_id = %mail.message_id, attempts, "a mail could not be delivered; will retry");
                let error: String = error.to_string().chars().take(ERROR_MAX_CHARS).collect();
                let next = super::unix_ms(finished)
                    + i64::try_from(backoff(attempts).as_millis()).unwrap_or(i64::MAX / 2);
                crate::with_pool!(&state.db, pool => {
                    sqlx::query(
                        "UPDATE outbox_mails SET attempts = $1, last_error = $2, next_attempt_at = $3 \
                         WHERE message_id = $4",
                    )
                    .bind(i32::try_from(attempts).unwrap_or(i32::MAX))
                    .bind(error)
                    .bind(next)
                    .bind(&mail.message_id)
                    .execute(pool)
                    .await
                    .map(|_| ())?
                });
            }
        }
    }
    Ok(tried)
}

/// Sends one mail now, outside the outbox (a password reset link, which must not be kept in clear):
/// to `to`, with a random Message-ID. Without a transport configured, nothing is sent.
pub async fn send_now(
    state: &AppState,
    to: &str,
    subject: String,
    body: String,
) -> anyhow::Result<()> {
    let Some(transport) = Transport::from_config(&state.mail)? else {
        tracing::info!("no mail transport configured: a direct mail was not sent");
        return Ok(());
    };
    let domain = super::outbox::mail_domain(state);
    let message_id = format!("<{}@{domain}>", crate::auth::token::generate());
    let pending = Pending {
        message_id: message_id.clone(),
        recipients: to.to_owned(),
        subject,
        body,
        created_at: super::timestamp(OffsetDateTime::now_utc()),
        attempts: 0,
        position: 0,
    };
    let message = message(&state.mail.mail_from, &pending)?;
    transport.deliver(&message, &file_name(&message_id)).await
}

/// `<hex@domain>` as a file name: the hex part.
fn file_name(message_id: &str) -> String {
    message_id
        .trim_start_matches('<')
        .split('@')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

fn message(from: &str, mail: &Pending) -> anyhow::Result<Message> {
    let from: Mailbox = from.parse()?;
    let mut builder = Message::builder()
        .message_id(Some(mail.message_id.clone()))
        .from(from)
        .subject(mail.subject.clone())
        .header(ContentType::TEXT_PLAIN);
    if let Ok(created) = OffsetDateTime::parse(
        &mail.created_at,
        &time::format_description::well_known::Rfc3339,
    ) {
        builder = builder.date(std::time::SystemTime::from(created));
    }
    // An erased account's address reads 「削除済み」 (crate::auth::directory): nobody to send to.
    let erased = grants_domain::group::ERASED;
    for address in mail
        .recipients
        .lines()
        .filter(|line| !line.is_empty() && *line != erased)
    {
        builder = builder.to(address.parse()?);
    }
    Ok(builder.body(mail.body.clone())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pause_doubles_up_to_a_quarter_hour() {
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(2), Duration::from_secs(2));
        assert_eq!(backoff(4), Duration::from_secs(8));
        assert_eq!(backoff(40), LAST_RETRY);
    }
}
