//! E-mail address verification (issue 18, item 4): a one-time link mailed on registration (and on
//! request) proves the address is the person's; the proof is an event on the account
//! (`EmailVerified`, `grants_domain::account`).
//!
//! - **The link** carries 256 random bits; `email_verifications` (migration 0027) keeps only their
//!   SHA-256, with the account, the address it was mailed to and an expiry [`LIFETIME`] later (the
//!   injected clock). Using it records `VerifyEmail` with that address: a link mailed to an address
//!   the account no longer has is refused by the account.
//! - **What an unverified account may not do** (`docs/decisions.md`): submit an application. The
//!   city starts writing to the address at submission (受付番号, screening, decision), so an address
//!   nobody proved is not trusted with that. Everything before (registering, a group, drafts) is
//!   allowed, so a person can start at once. The rule is on while `--require-verified-email` is
//!   (the default for `grants serve`; the demo's applicants are verified when seeded; a service built
//!   in code, as the tests do, has it off unless set).
//! - The link is mailed on registration while the rule is on; with it off, only on request
//!   (`POST /api/v1/sessions/current/email-verification`).
//! - The mail goes straight to the transport, as the password reset's does (`super::reset`).

use grants_domain::account::{AccountCommand, AccountError, EmailAddress};
use grants_domain::UserId;
use time::OffsetDateTime;

use super::one_time_link::{self, Link, Stored};
use super::token;
use crate::db::Database;
use crate::service::ServiceError;
use crate::state::AppState;
use crate::store::StoreError;
use crate::with_pool;

/// How long a verification link may be used.
pub const LIFETIME: time::Duration = time::Duration::days(7);

/// Issues a link for `user_id`'s address `email`; its token, shown once (in the mail).
pub async fn issue(
    db: &Database,
    user_id: UserId,
    email: &str,
    now: OffsetDateTime,
) -> Result<String, ServiceError> {
    let token = token::generate();
    with_pool!(db, pool => sqlx::query(
        "INSERT INTO email_verifications (token_hash, user_id, email, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token::digest(&token))
    .bind(user_id.to_string())
    .bind(email)
    .bind(now.unix_timestamp())
    .bind((now + LIFETIME).unix_timestamp())
    .execute(pool)
    .await?
    .rows_affected());
    Ok(token)
}

/// What a link is on `now`, with the address it was mailed to.
pub async fn check(
    db: &Database,
    token: &str,
    now: OffsetDateTime,
) -> Result<(Link, String), ServiceError> {
    let row: Option<(String, String, i64, Option<i64>)> = with_pool!(db, pool => sqlx::query_as(
        "SELECT user_id, email, expires_at, used_at FROM email_verifications WHERE token_hash = $1",
    )
    .bind(token::digest(token))
    .fetch_optional(pool)
    .await?);
    let (found, email) = match row {
        None => (None, String::new()),
        Some((user_id, email, expires_at, used_at)) => (
            Some(Stored {
                user_id,
                expires_at,
                used_at,
            }),
            email,
        ),
    };
    Ok((one_time_link::classify(found, now)?, email))
}

/// Uses a link: records the verified address on the account, then marks the link used. A link for
/// an address already verified is used all the same.
/// The command runs as the account itself (`actor_id`), in the role it mostly acts in.
pub async fn confirm(
    state: &AppState,
    token: &str,
    context: &crate::service::CommandContext,
) -> Result<(), ServiceError> {
    let now = state.clock.now();
    let (link, email) = check(&state.db, token, now).await?;
    let Link::Valid(user_id) = link else {
        return Err(refusal(&link));
    };
    let roles = crate::accounts::load(state, user_id)
        .await?
        .map(|account| account.roles)
        .unwrap_or_default();
    let role = crate::accounts::own_role(&roles);
    let metadata = &context.metadata(user_id, role);
    let email = EmailAddress::parse(&email).map_err(ServiceError::internal)?;
    let command = AccountCommand::VerifyEmail {
        email,
        at: metadata.recorded_at,
    };
    match state
        .stores
        .accounts
        .execute(user_id.to_string(), command, metadata)
        .await
    {
        Ok(_) | Err(StoreError::Refused(AccountError::AlreadyVerified)) => {}
        Err(error) => return Err(error.into()),
    }
    with_pool!(&state.db, pool => sqlx::query(
        "UPDATE email_verifications SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
    )
    .bind(now.unix_timestamp())
    .bind(token::digest(token))
    .execute(pool)
    .await?
    .rows_affected());
    Ok(())
}

/// Mails a verification link to `user_id`'s address (after the answer, as the reset mail).
pub async fn send_link(
    state: &AppState,
    user_id: UserId,
    email: &str,
    display_name: &str,
) -> Result<(), ServiceError> {
    let token = issue(&state.db, user_id, email, state.clock.now()).await?;
    let link = format!(
        "{}/verify-email?token={token}",
        state.mail.public_url.trim_end_matches('/')
    );
    let subject = format!("【{}】メールアドレスの確認", state.city_name);
    let mut body = format!(
        "{display_name} 様\n\n\
         {city} の補助金の申請サービスにご登録いただき、ありがとうございます。\n\
         次のリンクを開いて、このメールアドレスがお使いのものであることを確認してください（7日間有効）。\n\
         確認が済むまで、申請書を提出することはできません。\n\n\
         {link}\n\n\
         お心当たりのない場合は、このメールを破棄してください。\n",
        city = state.city_name
    );
    body.push_str(&crate::mail::templates::signature(
        &state.city_name,
        &state.contact,
    ));
    let to = email.to_owned();
    let sender = state.clone();
    tokio::spawn(async move {
        if let Err(error) = crate::mail::sender::send_now(&sender, &to, subject, body).await {
            tracing::warn!(%error, %user_id, "a verification mail could not be sent");
        }
    });
    Ok(())
}

/// The refusal for a link that cannot be used.
pub fn refusal(link: &Link) -> ServiceError {
    match link {
        Link::Expired => ServiceError::new(
            crate::service::ErrorKind::Gone,
            "account.verification_link_expired",
            "この確認のリンクは有効期限（7日）を過ぎています。マイページから確認のメールをもう一度送ってください",
            "this verification link has expired (7 days); ask for a new one",
        ),
        Link::Used => ServiceError::new(
            crate::service::ErrorKind::Gone,
            "account.verification_link_used",
            "この確認のリンクは既に使われています",
            "this verification link has already been used",
        ),
        Link::Unknown | Link::Valid(_) => ServiceError::new(
            crate::service::ErrorKind::Invalid,
            "account.verification_link_unknown",
            "この確認のリンクは正しくありません。メールのリンクをそのまま開いてください",
            "this verification link is not valid",
        ),
    }
}

/// The refusal of an act an unverified account may not do.
pub fn unverified() -> ServiceError {
    ServiceError::new(
        crate::service::ErrorKind::Forbidden,
        "account.email_unverified",
        "メールアドレスの確認が済んでいないため、申請書を提出できません。登録時にお送りしたメールのリンクを開いてください",
        "verify your e-mail address first (open the link mailed on registration)",
    )
}

/// Refuses when the service requires verified addresses and `user_id`'s is not.
pub async fn require_verified(state: &AppState, user_id: UserId) -> Result<(), ServiceError> {
    if !state.require_verified_email {
        return Ok(());
    }
    let account = crate::accounts::load(state, user_id).await?;
    if account.is_some_and(|account| account.email_verified()) {
        Ok(())
    } else {
        Err(unverified())
    }
}

/// Mails the signed-in account a new link to prove its address: refused once it is proved, and
/// throttled like the reset requests (per address and per client).
pub async fn resend(
    state: &AppState,
    actor: &crate::auth::Actor,
    client: Option<std::net::IpAddr>,
) -> Result<(), ServiceError> {
    let account = crate::accounts::load(state, actor.user_id)
        .await?
        .ok_or_else(ServiceError::not_found)?;
    let Some(email) = account
        .email
        .as_ref()
        .map(|email| email.as_str().to_owned())
    else {
        return Err(ServiceError::not_found());
    };
    if account.email_verified() {
        return Err(ServiceError::conflict(
            "account.email_already_verified",
            "このメールアドレスは既に確認済みです",
            "the e-mail address is already verified",
        ));
    }
    state
        .reset_limiter
        .attempt(
            &format!("verify {email}"),
            client,
            std::time::Instant::now(),
        )
        .map_err(|wait| {
            ServiceError::new(
                crate::service::ErrorKind::TooMany,
                "auth.too_many_verifications",
                format!(
                    "確認のメールの再送が続いたため、{}秒後にもう一度お試しください",
                    wait.as_secs().max(1)
                ),
                "too many verification mails; try again later",
            )
        })?;
    send_link(state, actor.user_id, &email, &account.display_name).await
}
