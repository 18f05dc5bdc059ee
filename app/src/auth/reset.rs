//! Password reset by an e-mailed one-time link (issue 18, item 4).
//!
//! - **Asking** (`POST /api/v1/password-resets`, the page 「パスワードをお忘れの方」): the answer is
//!   the same whether the address has an account or not, and comes before the mail is sent, so
//!   neither its words nor its time tell which addresses are registered. Throttled per address and
//!   per client ([`ResetLimiter`], the sign-in throttle's counting).
//! - **The link** carries 256 random bits; only their SHA-256 is stored (`password_resets`,
//!   migration 0027), with the account and an expiry [`LIFETIME`] after the request, read on the
//!   injected clock (`crate::clock`) so tests move it instead of waiting.
//! - **Using it** (`POST /api/v1/password-resets/confirm`, the page `/password/reset`): an unknown
//!   link is refused, an expired or used one is refused as such; a valid one is marked used by a
//!   conditional update (two tabs racing: one wins), the password replaced, the account's other
//!   links voided and its sessions revoked. The link names no account: it resets the one it was
//!   mailed for and no other.
//!
//! The mail is sent straight away through the configured transport (SMTP, or the `.eml` directory)
//! rather than through the outbox: the outbox keeps mails' bodies for staff and retries, and a
//! reset link must not sit in a table in clear. A lost reset mail is asked for again.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use grants_domain::UserId;
use time::OffsetDateTime;

use super::limiter::{Allowance, Throttle};
pub use super::one_time_link::Link;
use super::one_time_link::{self, Stored};
use super::token;
use crate::db::Database;
use crate::service::ServiceError;
use crate::with_pool;

/// How long a link may be used.
pub const LIFETIME: time::Duration = time::Duration::minutes(30);

/// Reset requests for one address: 3 an hour are answered at once, then each further waits twice
/// as long as the last.
pub const PER_ADDRESS: Allowance = Allowance {
    free: 3,
    window: Duration::from_secs(60 * 60),
};
/// Reset requests from one client, for any address.
pub const PER_CLIENT: Allowance = Allowance {
    free: 10,
    window: Duration::from_secs(60 * 60),
};

/// Slows down many reset requests for one address (mail bombing a person) or from one client
/// (probing many addresses). Known and unknown addresses count alike.
#[derive(Debug)]
pub struct ResetLimiter {
    address: Throttle,
    client: Throttle,
}

impl Default for ResetLimiter {
    fn default() -> Self {
        ResetLimiter {
            address: Throttle::new(PER_ADDRESS),
            client: Throttle::new(PER_CLIENT),
        }
    }
}

impl ResetLimiter {
    /// Counts one request; the wait before it may be answered, if it must wait.
    pub fn attempt(
        &self,
        email: &str,
        client: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Duration> {
        let address = email.trim().to_lowercase();
        let client = client.map(|client| client.to_string());
        let mut waits = vec![self.address.check(&address, now)];
        if let Some(client) = &client {
            waits.push(self.client.check(client, now));
        }
        if let Some(wait) = waits.into_iter().filter_map(Result::err).max() {
            return Err(wait);
        }
        self.address.record(&address, now);
        if let Some(client) = &client {
            self.client.record(client, now);
        }
        Ok(())
    }
}

/// A link issued for an account: who, where to mail it, and its token (shown once, in the mail).
pub struct Issued {
    /// The account the link acts for.
    pub user_id: UserId,
    /// The account's address, where the link is mailed.
    pub email: String,
    /// The account's name, to greet it in the mail.
    pub display_name: String,
    /// The link's token (256 random bits); only its SHA-256 is stored.
    pub token: String,
}

/// Issues a link for the account with `email`, if there is one.
pub async fn issue(
    db: &Database,
    email: &str,
    now: OffsetDateTime,
) -> Result<Option<Issued>, ServiceError> {
    let email = email.trim().to_lowercase();
    let row: Option<(String, String)> = with_pool!(db, pool => sqlx::query_as(
        "SELECT user_id, display_name FROM credentials WHERE email = $1 AND erased_at IS NULL",
    )
    .bind(&email)
    .fetch_optional(pool)
    .await?);
    let Some((user_id, display_name)) = row else {
        return Ok(None);
    };
    let token = token::generate();
    with_pool!(db, pool => sqlx::query(
        "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token::digest(&token))
    .bind(&user_id)
    .bind(now.unix_timestamp())
    .bind((now + LIFETIME).unix_timestamp())
    .execute(pool)
    .await?
    .rows_affected());
    Ok(Some(Issued {
        user_id: user_id.parse().map_err(ServiceError::internal)?,
        email,
        display_name,
        token,
    }))
}

/// Looks a link up without using it.
pub async fn check(db: &Database, token: &str, now: OffsetDateTime) -> Result<Link, ServiceError> {
    let row: Option<(String, i64, Option<i64>)> = with_pool!(db, pool => sqlx::query_as(
        "SELECT user_id, expires_at, used_at FROM password_resets WHERE token_hash = $1",
    )
    .bind(token::digest(token))
    .fetch_optional(pool)
    .await?);
    let found = row.map(|(user_id, expires_at, used_at)| Stored {
        user_id,
        expires_at,
        used_at,
    });
    one_time_link::classify(found, now)
}

/// Uses a valid link: marks it used (once: `false` when another request used it first), replaces
/// the password with `password_hash`, voids the account's other links and revokes its sessions.
pub async fn redeem(
    db: &Database,
    token: &str,
    user_id: UserId,
    password_hash: &str,
    now: OffsetDateTime,
) -> Result<bool, ServiceError> {
    let at = now.unix_timestamp();
    let user = user_id.to_string();
    let mut tx = db.clone().begin().await?;
    let claimed = grants_projections::on_tx!(&mut tx, conn => sqlx::query(
        "UPDATE password_resets SET used_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(at)
    .bind(token::digest(token))
    .execute(&mut *conn)
    .await?
    .rows_affected());
    if claimed == 0 {
        return Ok(false);
    }
    grants_projections::exec_tx!(&mut tx, conn => sqlx::query(
        "UPDATE credentials SET password_hash = $1 WHERE user_id = $2",
    )
    .bind(password_hash)
    .bind(&user)
    .execute(&mut *conn)
    .await?);
    grants_projections::exec_tx!(&mut tx, conn => sqlx::query(
        "UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
    )
    .bind(at)
    .bind(&user)
    .execute(&mut *conn)
    .await?);
    grants_projections::exec_tx!(&mut tx, conn => sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(at)
    .bind(&user)
    .execute(&mut *conn)
    .await?);
    let revocation = super::session_cache::Revocation::User(user_id);
    super::session_cache::revoked_tx(&mut tx, &revocation).await?;
    tx.commit().await?;
    super::session_cache::revoke_in_process(&revocation);
    Ok(true)
}

/// The refusal for a link that cannot be used.
pub fn refusal(link: &Link) -> ServiceError {
    match link {
        Link::Expired => ServiceError::new(
            crate::service::ErrorKind::Gone,
            "account.reset_link_expired",
            "このパスワード再設定のリンクは有効期限（30分）を過ぎています。もう一度お申し込みください",
            "this password reset link has expired (30 minutes); ask for a new one",
        ),
        Link::Used => ServiceError::new(
            crate::service::ErrorKind::Gone,
            "account.reset_link_used",
            "このパスワード再設定のリンクは既に使われています。もう一度お申し込みください",
            "this password reset link has already been used; ask for a new one",
        ),
        Link::Unknown | Link::Valid(_) => ServiceError::new(
            crate::service::ErrorKind::Invalid,
            "account.reset_link_unknown",
            "このパスワード再設定のリンクは正しくありません。メールのリンクをそのまま開いてください",
            "this password reset link is not valid",
        ),
    }
}

/// The mail carrying the link: its subject and body.
pub fn mail_text(
    issued: &Issued,
    link: &str,
    city_name: &str,
    contact: &crate::config::ContactConfig,
) -> (String, String) {
    let subject = format!("【{city_name}】パスワードの再設定");
    let mut body = format!(
        "{} 様\n\n\
         パスワードの再設定のお申し込みを受け付けました。\n\
         次のリンクを開き、30分以内に新しいパスワードを設定してください。リンクは一度だけ使えます。\n\n\
         {link}\n\n\
         お心当たりのない場合は、このメールを破棄してください。パスワードは変わりません。\n",
        issued.display_name
    );
    body.push_str(&crate::mail::templates::signature(city_name, contact));
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_requests_for_one_address_are_free_then_each_waits() {
        let limiter = ResetLimiter::default();
        let now = Instant::now();
        let client = Some("192.0.2.7".parse().unwrap());
        for _ in 0..PER_ADDRESS.free {
            assert!(limiter.attempt("A@example.jp", client, now).is_ok());
        }
        assert_eq!(
            limiter.attempt("a@example.jp", client, now),
            Err(Duration::from_secs(1)),
            "the address counts whatever its case"
        );
        assert!(
            limiter.attempt("b@example.jp", client, now).is_ok(),
            "another address from the same client still passes"
        );
    }
}
