//! The accounts' directory: the `credentials` table, the one place that holds an account's e-mail
//! address and name in plain text (the log holds them sealed with the account's key,
//! `crate::personal`). Sign-in, password reset and the staff's account list look accounts up here by
//! address, so no lookup value of the address (hash or blind index) is needed in the log; the
//! table's UNIQUE index keeps addresses unique.
//!
//! Erasing an account's personal data (issue 19, `crate::service::erasure`) blanks its row here
//! ([`erase`]): the address becomes `erased:<user id>` (free again for a new account, and matching
//! nothing a person can type: it holds no `@`), the name 「削除済み」 and the password hash empty
//! (nothing verifies against it); `erased_at` is set, which sign-in, password reset and sessions
//! refuse, and the list shows 「削除済み」. Its sessions are revoked, its pending links deleted
//! (also the invitations to groups addressed to it), and the address is replaced by 「削除済み」
//! in the mail outbox's recipients.

use grants_domain::group::ERASED;
use grants_domain::UserId;
use time::OffsetDateTime;

use crate::db::Database;
use crate::with_pool;

/// Blanks `user_id`'s sign-in data; doing it again changes nothing.
pub async fn erase(db: &Database, user_id: UserId, now: OffsetDateTime) -> Result<(), sqlx::Error> {
    let id = user_id.to_string();
    let email: Option<String> = with_pool!(db, pool => sqlx::query_scalar(
        "SELECT email FROM credentials WHERE user_id = $1 AND erased_at IS NULL",
    )
    .bind(&id)
    .fetch_optional(pool)
    .await?);
    if let Some(email) = &email {
        scrub_outbox(db, email).await?;
        // Invitations to groups addressed to it (their address is personal data).
        with_pool!(db, pool => sqlx::query("DELETE FROM group_invitations WHERE email = $1")
            .bind(email)
            .execute(pool)
            .await?
            .rows_affected());
    }
    let at = now.unix_timestamp();
    with_pool!(db, pool => {
        sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
            .bind(at)
            .bind(&id)
            .execute(pool)
            .await?;
        sqlx::query("DELETE FROM email_verifications WHERE user_id = $1")
            .bind(&id)
            .execute(pool)
            .await?;
        sqlx::query("DELETE FROM password_resets WHERE user_id = $1")
            .bind(&id)
            .execute(pool)
            .await?;
        // Last, so that a crash before it leaves the address to scrub when the erasure is asked again.
        sqlx::query(
            "UPDATE credentials SET email = $1, display_name = $2, password_hash = '',
                    erased_at = COALESCE(erased_at, $3)
              WHERE user_id = $4",
        )
        .bind(format!("erased:{id}"))
        .bind(ERASED)
        .bind(
            now.to_offset(time::UtcOffset::UTC)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        )
        .bind(&id)
        .execute(pool)
        .await?
        .rows_affected()
    });
    // Its sessions were revoked above; every instance's cache drops them too (auth::session_cache).
    super::session_cache::revoked(db, &super::session_cache::Revocation::User(user_id)).await?;
    Ok(())
}

/// Replaces `email` by 「削除済み」 in the recipients (one address a line) of the outbox's mails.
async fn scrub_outbox(db: &Database, email: &str) -> Result<(), sqlx::Error> {
    // `LIKE` finds a superset (`_` and `%` in an address match more); the lines are compared exactly.
    let rows: Vec<(String, String)> = with_pool!(db, pool => sqlx::query_as(
        "SELECT message_id, recipients FROM outbox_mails WHERE recipients LIKE '%' || $1 || '%'",
    )
    .bind(email)
    .fetch_all(pool)
    .await?);
    for (message_id, recipients) in rows {
        let scrubbed: Vec<&str> = recipients
            .lines()
            .map(|line| if line == email { ERASED } else { line })
            .collect();
        let scrubbed = scrubbed.join("\n");
        if scrubbed == recipients {
            continue;
        }
        with_pool!(db, pool => sqlx::query(
            "UPDATE outbox_mails SET recipients = $1 WHERE message_id = $2",
        )
        .bind(&scrubbed)
        .bind(&message_id)
        .execute(pool)
        .await?
        .rows_affected());
    }
    Ok(())
}
