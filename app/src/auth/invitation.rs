//! Invitations to join a group (issue 18, item 4): a one-time link mailed to an address, like the
//! password reset's (`super::reset`) and the address verification's (`super::one_time_link`).
//!
//! - The link carries 256 random bits; only their SHA-256 is stored (`group_invitations`,
//!   migration 0030) with the group, the invited address, who invited, an expiry [`LIFETIME`] after
//!   the invitation (on the injected clock, `crate::clock`) and when and by whom it was used.
//! - It is mailed straight away through the configured transport (SMTP or the `.eml` directory),
//!   not through the outbox, for the reset's reason: a link must not sit in a table in clear.
//! - Accepting it (`crate::service::members::accept`) needs the signed-in account whose address is
//!   the invited one: a forwarded or leaked link adds nobody else. The account is added to the group
//!   (`MemberAdded`), then the link is marked used by a conditional update (one use).
//! - The representative or staff may withdraw an open invitation ([`withdraw`]; a row of
//!   `group_invitation_withdrawals`, migration 0025): its link then says so (410
//!   `group.invitation_withdrawn`).
//! - Neither the token nor the address is ever written to the service's log lines.

use grants_domain::{GroupId, UserId};
use time::OffsetDateTime;

use std::time::Instant;

use super::limiter::{Allowance, Throttle};
use super::token;
use crate::db::Database;
use crate::service::{ErrorKind, ServiceError};
use crate::with_pool;

/// How long an invitation may be accepted.
pub const LIFETIME: time::Duration = time::Duration::days(7);

/// Invitations from one group: 20 an hour are sent at once, then each further waits twice as long
/// as the last (a group's account must not become a way to mail strangers in bulk).
pub const PER_GROUP: Allowance = Allowance {
    free: 20,
    window: std::time::Duration::from_secs(60 * 60),
};

/// Counts each group's invitations ([`PER_GROUP`]).
#[derive(Debug)]
pub struct InvitationLimiter(Throttle);

impl Default for InvitationLimiter {
    fn default() -> Self {
        InvitationLimiter(Throttle::new(PER_GROUP))
    }
}

impl InvitationLimiter {
    /// Counts one invitation from `group_id`; the wait before it may be sent, if it must wait.
    pub fn attempt(&self, group_id: GroupId, now: Instant) -> Result<(), std::time::Duration> {
        let key = group_id.to_string();
        self.0.check(&key, now)?;
        self.0.record(&key, now);
        Ok(())
    }
}

/// What a presented invitation is, on a given instant.
#[derive(Debug, PartialEq, Eq)]
pub enum Invitation {
    /// Valid: it invites this address.
    Valid {
        /// The address invited (trimmed, lower case).
        email: String,
    },
    /// No invitation has this token.
    Unknown,
    /// Past its expiry, unused.
    Expired,
    /// Already used to join.
    Used,
    /// Withdrawn by the representative or staff before it was used.
    Withdrawn,
}

/// An invitation not yet used nor expired, as the group's members see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The address invited (trimmed, lower case).
    pub email: String,
    /// When the link expires (UTC).
    pub expires_at: OffsetDateTime,
}

/// The address as it is compared and kept: trimmed, lower case.
pub fn normalised(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Stores an invitation of `email` to `group_id` and answers its token (shown once, in the mail).
pub async fn issue(
    db: &Database,
    group_id: GroupId,
    email: &str,
    invited_by: UserId,
    now: OffsetDateTime,
) -> Result<String, ServiceError> {
    let token = token::generate();
    with_pool!(db, pool => sqlx::query(
        "INSERT INTO group_invitations (token_hash, group_id, email, invited_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token::digest(&token))
    .bind(group_id.to_string())
    .bind(normalised(email))
    .bind(invited_by.to_string())
    .bind(now.unix_timestamp())
    .bind((now + LIFETIME).unix_timestamp())
    .execute(pool)
    .await?
    .rows_affected());
    Ok(token)
}

/// Looks an invitation to `group_id` up without using it. A token of another group is unknown here.
pub async fn check(
    db: &Database,
    group_id: GroupId,
    token: &str,
    now: OffsetDateTime,
) -> Result<Invitation, ServiceError> {
    let row: Option<(String, i64, Option<i64>, Option<i64>)> = with_pool!(db, pool => sqlx::query_as(
        "SELECT i.email, i.expires_at, i.used_at, w.withdrawn_at FROM group_invitations i
           LEFT JOIN group_invitation_withdrawals w ON w.token_hash = i.token_hash
          WHERE i.token_hash = $1 AND i.group_id = $2",
    )
    .bind(token::digest(token))
    .bind(group_id.to_string())
    .fetch_optional(pool)
    .await?);
    Ok(classify(row, now))
}

/// What the row found for a token makes of it at `now`: a used link is used whatever its expiry,
/// a withdrawn one withdrawn.
fn classify(
    row: Option<(String, i64, Option<i64>, Option<i64>)>,
    now: OffsetDateTime,
) -> Invitation {
    match row {
        None => Invitation::Unknown,
        Some((_, _, Some(_), _)) => Invitation::Used,
        Some((_, _, None, Some(_))) => Invitation::Withdrawn,
        Some((_, expires_at, None, None)) if expires_at <= now.unix_timestamp() => {
            Invitation::Expired
        }
        Some((email, _, None, None)) => Invitation::Valid { email },
    }
}

/// Withdraws the group's open invitations of `email` (neither used, expired nor withdrawn), as
/// `by`; answers how many.
pub async fn withdraw(
    db: &Database,
    group_id: GroupId,
    email: &str,
    by: UserId,
    now: OffsetDateTime,
) -> Result<u64, ServiceError> {
    Ok(with_pool!(db, pool => sqlx::query(
        "INSERT INTO group_invitation_withdrawals (token_hash, withdrawn_at, withdrawn_by)
         SELECT i.token_hash, $1, $2 FROM group_invitations i
          WHERE i.group_id = $3 AND i.email = $4 AND i.used_at IS NULL AND i.expires_at > $1
            AND NOT EXISTS (SELECT 1 FROM group_invitation_withdrawals w
                             WHERE w.token_hash = i.token_hash)
         ON CONFLICT (token_hash) DO NOTHING",
    )
    .bind(now.unix_timestamp())
    .bind(by.to_string())
    .bind(group_id.to_string())
    .bind(normalised(email))
    .execute(pool)
    .await?
    .rows_affected()))
}

/// Marks a valid invitation used by `user_id`; `false` when another request used it first or it
/// expired in between.
pub async fn claim(
    db: &Database,
    token: &str,
    user_id: UserId,
    now: OffsetDateTime,
) -> Result<bool, ServiceError> {
    let claimed = with_pool!(db, pool => sqlx::query(
        "UPDATE group_invitations SET used_at = $1, used_by = $2
          WHERE token_hash = $3 AND used_at IS NULL AND expires_at > $1
            AND NOT EXISTS (SELECT 1 FROM group_invitation_withdrawals w
                             WHERE w.token_hash = group_invitations.token_hash)",
    )
    .bind(now.unix_timestamp())
    .bind(user_id.to_string())
    .bind(token::digest(token))
    .execute(pool)
    .await?
    .rows_affected());
    Ok(claimed == 1)
}

/// The group's invitations neither used nor expired, oldest first.
pub async fn pending(
    db: &Database,
    group_id: GroupId,
    now: OffsetDateTime,
) -> Result<Vec<Pending>, ServiceError> {
    let rows: Vec<(String, i64)> = with_pool!(db, pool => sqlx::query_as(
        "SELECT email, expires_at FROM group_invitations
          WHERE group_id = $1 AND used_at IS NULL AND expires_at > $2
            AND NOT EXISTS (SELECT 1 FROM group_invitation_withdrawals w
                             WHERE w.token_hash = group_invitations.token_hash)
          ORDER BY created_at, token_hash",
    )
    .bind(group_id.to_string())
    .bind(now.unix_timestamp())
    .fetch_all(pool)
    .await?);
    rows.into_iter()
        .map(|(email, expires_at)| {
            Ok(Pending {
                email,
                expires_at: OffsetDateTime::from_unix_timestamp(expires_at)
                    .map_err(ServiceError::internal)?,
            })
        })
        .collect()
}

/// The refusal for an invitation that cannot be accepted.
pub fn refusal(invitation: &Invitation) -> ServiceError {
    match invitation {
        Invitation::Expired => ServiceError::new(
            ErrorKind::Gone,
            "group.invitation_expired",
            "この招待のリンクは有効期限（7日）を過ぎています。団体のメンバーにもう一度招待を依頼してください",
            "this invitation has expired (7 days); ask a member of the group for a new one",
        ),
        Invitation::Used => ServiceError::new(
            ErrorKind::Gone,
            "group.invitation_used",
            "この招待のリンクは既に使われています",
            "this invitation has already been used",
        ),
        Invitation::Withdrawn => ServiceError::new(
            ErrorKind::Gone,
            "group.invitation_withdrawn",
            "この招待は団体の代表者または市の職員が取り消しました。必要なら、団体のメンバーにもう一度招待を依頼してください",
            "this invitation was withdrawn by the group's representative or the city's staff",
        ),
        Invitation::Unknown | Invitation::Valid { .. } => ServiceError::new(
            ErrorKind::Invalid,
            "group.invitation_unknown",
            "この招待のリンクは正しくありません。メールのリンクをそのまま開いてください",
            "this invitation link is not valid",
        ),
    }
}

/// The refusal for an account whose address is not the invited one.
pub fn other_address() -> ServiceError {
    ServiceError::new(
        ErrorKind::Invalid,
        "group.invitation_other_address",
        "この招待は別のメールアドレス宛てです。招待されたメールアドレスのアカウントでログインしてください",
        "this invitation was sent to another address; sign in with the invited address's account",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_is_unknown_used_withdrawn_expired_or_valid_in_that_order() {
        let now = OffsetDateTime::from_unix_timestamp(1_000).unwrap();
        let row =
            |expires_at, used_at| Some(("a@example.jp".to_owned(), expires_at, used_at, None));
        assert_eq!(classify(None, now), Invitation::Unknown);
        assert_eq!(classify(row(2_000, Some(900)), now), Invitation::Used);
        let withdrawn = Some(("a@example.jp".to_owned(), 2_000, None, Some(900)));
        assert_eq!(classify(withdrawn, now), Invitation::Withdrawn);
        let withdrawn_and_expired = Some(("a@example.jp".to_owned(), 1_000, None, Some(900)));
        assert_eq!(classify(withdrawn_and_expired, now), Invitation::Withdrawn);
        assert_eq!(classify(row(1_000, None), now), Invitation::Expired);
        assert_eq!(
            classify(row(1_001, None), now),
            Invitation::Valid {
                email: "a@example.jp".into()
            }
        );
    }

    #[test]
    fn twenty_invitations_an_hour_from_a_group_are_free_then_each_waits() {
        let limiter = InvitationLimiter::default();
        let now = Instant::now();
        let (group, other) = (GroupId::new(), GroupId::new());
        for _ in 0..PER_GROUP.free {
            assert!(limiter.attempt(group, now).is_ok());
        }
        assert!(limiter.attempt(group, now).is_err());
        assert!(
            limiter.attempt(other, now).is_ok(),
            "another group still invites"
        );
    }

    #[test]
    fn addresses_compare_trimmed_and_in_lower_case() {
        assert_eq!(normalised("  Hanako@Example.JP "), "hanako@example.jp");
    }
}
