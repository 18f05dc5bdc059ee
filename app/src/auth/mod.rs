//! Who is calling: accounts' sign-in data, sessions and the `Actor` extractor.
//!
//! Accounts themselves are `Account` aggregates in the event log; password hashes and session tokens
//! live only in the `credentials` and `sessions` tables (see migration 0003), never in the log.

pub mod client;
pub mod directory;
pub mod invitation;
pub mod limiter;
pub mod one_time_link;
pub mod password;
pub mod reset;
pub mod session_cache;
pub mod token;
pub mod totp;
pub mod verification;

use std::collections::BTreeSet;

use grants_domain::account::Role;
use grants_domain::UserId;
use time::OffsetDateTime;

use crate::db::Database;
use crate::service::ServiceError;
use crate::with_pool;

pub use client::ClientIp;

/// A signed-in person and the roles they hold.
#[derive(Clone, Debug)]
pub struct Actor {
    /// The person's account.
    pub user_id: UserId,
    /// The name the account shows.
    pub display_name: String,
    /// Every role the account holds (staff, reviewer, auditor, coordinator, applicant).
    pub roles: BTreeSet<Role>,
}

impl Actor {
    /// Whether the actor holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Refuses with 403 unless the actor holds `role`.
    pub fn require(&self, role: Role) -> Result<(), ServiceError> {
        if self.has(role) {
            Ok(())
        } else {
            Err(ServiceError::forbidden())
        }
    }
}

/// The roles as stored in the account's directory row: their API names, comma-separated.
pub fn roles_to_text(roles: &BTreeSet<Role>) -> String {
    roles
        .iter()
        .map(|role| role.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn roles_from_text(text: &str) -> BTreeSet<Role> {
    text.split(',')
        .filter_map(|role| role.parse().ok())
        .collect()
}

/// Stores the sign-in data of a new account; `false` if the e-mail address is taken.
pub async fn insert_credentials(
    db: &Database,
    user_id: UserId,
    email: &str,
    password_hash: &str,
    display_name: &str,
    roles: &BTreeSet<Role>,
) -> Result<bool, sqlx::Error> {
    let result = with_pool!(db, pool => sqlx::query(
        "INSERT INTO credentials (user_id, email, password_hash, display_name, roles)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING",
    )
    .bind(user_id.to_string())
    .bind(email)
    .bind(password_hash)
    .bind(display_name)
    .bind(roles_to_text(roles))
    .execute(pool)
    .await?
    .rows_affected());
    if result == 1 {
        return Ok(true);
    }
    // A resumed execution of the request that inserted it (same user id) finds its own row.
    let own: Option<i64> = with_pool!(db, pool => sqlx::query_scalar(
        "SELECT 1 FROM credentials WHERE email = $1 AND user_id = $2",
    )
    .bind(email)
    .bind(user_id.to_string())
    .fetch_optional(pool)
    .await?);
    Ok(own.is_some())
}

/// An account as staff see it in the account list (never the password hash; the e-mail address is
/// personal data, so only staff get this list).
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = UserListRow)]
pub struct AccountRow {
    /// The account's id.
    #[schema(format = Uuid)]
    pub id: String,
    /// The name the account shows.
    pub display_name: String,
    /// The account's e-mail address (its sign-in name); personal data.
    pub email: String,
    /// Every role the account holds.
    pub roles: Vec<Role>,
}

/// One page of accounts in id order (ids are UUIDv7: oldest first), optionally only those holding
/// `role`, after the account `after`.
pub async fn list_accounts(
    db: &Database,
    role: Option<Role>,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<AccountRow>, sqlx::Error> {
    // `roles` is a comma-separated list of role names (see `roles_to_text`).
    let role = role.map(|role| format!("%,{},%", role.as_str()));
    let rows: Vec<(String, String, String, String)> = with_pool!(db, pool => sqlx::query_as(
        "SELECT user_id, display_name,
                CASE WHEN erased_at IS NULL THEN email ELSE '削除済み' END, roles FROM credentials
          WHERE (CAST($1 AS TEXT) IS NULL OR ',' || roles || ',' LIKE $1)
            AND (CAST($2 AS TEXT) IS NULL OR user_id > $2)
          ORDER BY user_id LIMIT $3",
    )
    .bind(role.as_deref())
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?);
    Ok(rows
        .into_iter()
        .map(|(id, display_name, email, roles)| AccountRow {
            id,
            display_name,
            email,
            roles: roles_from_text(&roles).into_iter().collect(),
        })
        .collect())
}

/// Removes sign-in data whose account could not be opened after all.
pub async fn delete_credentials(db: &Database, user_id: UserId) -> Result<(), sqlx::Error> {
    with_pool!(db, pool => sqlx::query("DELETE FROM credentials WHERE user_id = $1")
        .bind(user_id.to_string())
        .execute(pool)
        .await?
        .rows_affected());
    Ok(())
}

/// Checks an e-mail and password and opens a session; `None` for any mismatch (the same answer and
/// about the same time for an unknown address as for a wrong password).
pub async fn sign_in(
    db: &Database,
    email: &str,
    password: &str,
    now: OffsetDateTime,
) -> Result<Option<(String, Actor)>, ServiceError> {
    let email = email.trim().to_lowercase();
    let row: Option<(String, String, String, String)> = with_pool!(db, pool => sqlx::query_as(
        "SELECT user_id, password_hash, display_name, roles FROM credentials
          WHERE email = $1 AND erased_at IS NULL",
    )
    .bind(&email)
    .fetch_optional(pool)
    .await?);
    let password = password.to_owned();
    let stored = row.as_ref().map(|(_, hash, _, _)| hash.clone());
    let matches =
        tokio::task::spawn_blocking(move || password::verify(&password, stored.as_deref()))
            .await
            .map_err(ServiceError::internal)?;
    let Some((user_id, _, display_name, roles)) = row.filter(|_| matches) else {
        return Ok(None);
    };
    let user_id: UserId = user_id.parse().map_err(ServiceError::internal)?;
    let token = token::generate();
    let expires_at = (now + token::SESSION_LIFETIME).unix_timestamp();
    with_pool!(db, pool => sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(token::digest(&token))
    .bind(user_id.to_string())
    .bind(expires_at)
    .execute(pool)
    .await?
    .rows_affected());
    let actor = Actor {
        user_id,
        display_name,
        roles: roles_from_text(&roles),
    };
    Ok(Some((token, actor)))
}

/// Ends the session of a token: in the database, in every cache of this process and (PostgreSQL) in
/// every other instance's ([`session_cache`]); answers once this instance's listener heard it.
pub async fn sign_out(
    db: &Database,
    cache: &session_cache::SessionCache,
    token: &str,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    let revocation = session_cache::Revocation::Token(token::digest(token));
    let echo = cache.echo(db, &revocation);
    let mut tx = db.clone().begin().await?;
    grants_projections::exec_tx!(&mut tx, conn => sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
    )
    .bind(now.unix_timestamp())
    .bind(token::digest(token))
    .execute(&mut *conn)
    .await?);
    session_cache::revoked_tx(&mut tx, &revocation).await?;
    tx.commit().await?;
    session_cache::revoke_in_process(&revocation);
    echo.heard().await;
    Ok(())
}

/// The actor behind a live (unexpired, not signed-out) session token: from `cache` when it holds
/// it, else from the database (and then kept in `cache`).
pub async fn actor_for_token(
    db: &Database,
    cache: &session_cache::SessionCache,
    token: &str,
    now: OffsetDateTime,
) -> Result<Option<Actor>, ServiceError> {
    let digest = token::digest(token);
    let now = now.unix_timestamp();
    if let Some(actor) = cache.get(&digest, now) {
        return Ok(Some(actor));
    }
    let generation = cache.generation();
    let row: Option<(String, String, String, i64)> = with_pool!(db, pool => sqlx::query_as(
        "SELECT c.user_id, c.display_name, c.roles, s.expires_at
           FROM sessions s JOIN credentials c ON c.user_id = s.user_id
          WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
            AND c.erased_at IS NULL",
    )
    .bind(&digest)
    .bind(now)
    .fetch_optional(pool)
    .await?);
    let Some((user_id, display_name, roles, expires_at)) = row else {
        return Ok(None);
    };
    let actor = Actor {
        user_id: user_id.parse().map_err(ServiceError::internal)?,
        display_name,
        roles: roles_from_text(&roles),
    };
    cache.store(digest, actor.clone(), expires_at, generation);
    Ok(Some(actor))
}
