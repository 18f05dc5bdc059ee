//! Setting a new password with a mailed one-time link (`crate::auth::reset`), and recording it on
//! the account (`PasswordReset`, issue 18): the link, the password and its hash stay out of the log;
//! the account records that its password was replaced, how and when, so that auditors see it.

use std::net::IpAddr;
use std::time::Instant;

use grants_domain::account::{AccountCommand, PasswordResetMethod};

use super::{CommandContext, ErrorKind, ServiceError};
use crate::auth::password;
use crate::auth::reset::{self, Link};
use crate::state::AppState;

/// Mails a one-time link to the account with the address `email`, if there is one; the answer is
/// the same either way, and comes before the mail is sent (a spawned task), so neither its words
/// nor its time tell which addresses are registered. Throttled per address and per client.
pub async fn request(
    state: &AppState,
    email: &str,
    client: Option<IpAddr>,
) -> Result<(), ServiceError> {
    state
        .reset_limiter
        .attempt(email, client, Instant::now())
        .map_err(too_many_resets)?;
    let now = state.clock.now();
    if let Some(issued) = reset::issue(&state.db, email, now).await? {
        let link = format!(
            "{}/password/reset?token={}",
            state.mail.public_url.trim_end_matches('/'),
            issued.token
        );
        let (subject, text) = reset::mail_text(&issued, &link, &state.city_name, &state.contact);
        let sender = state.clone();
        tokio::spawn(async move {
            if let Err(error) =
                crate::mail::sender::send_now(&sender, &issued.email, subject, text).await
            {
                tracing::warn!(%error, user_id = %issued.user_id, "a password reset mail could not be sent");
            }
        });
    }
    Ok(())
}

fn too_many_resets(wait: std::time::Duration) -> ServiceError {
    let seconds = wait.as_secs().max(1);
    ServiceError::new(
        ErrorKind::TooMany,
        "auth.too_many_resets",
        format!("パスワード再設定のお申し込みが続いたため、{seconds}秒後にもう一度お試しください"),
        format!("too many password reset requests; try again in {seconds} s"),
    )
}

/// Uses the link `token` to set `new_password`: the link is used, the account's other links void
/// and its sessions ended (one transaction), then the reset is recorded on the account as the
/// account itself. A weak password is refused beside the field and leaves the link usable.
///
/// The link is claimed first and the event recorded second, so the event is true whenever it is
/// there (of two racing requests only the one that claimed the link records); a crash between
/// them leaves a reset without its event, which the log of errors names (the account id).
pub async fn confirm(
    state: &AppState,
    context: &CommandContext,
    token: &str,
    new_password: String,
) -> Result<(), ServiceError> {
    let now = state.clock.now();
    let link = reset::check(&state.db, token, now).await?;
    let Link::Valid(user_id) = link else {
        return Err(reset::refusal(&link));
    };
    if let Err(error) = password::check_policy(&new_password) {
        let refusal = crate::accounts::weak_password(&error);
        return Err(
            ServiceError::invalid(refusal.code, refusal.message_ja, refusal.message_en)
                .with_field("password"),
        );
    }
    let hash = tokio::task::spawn_blocking(move || password::hash(&new_password))
        .await
        .map_err(ServiceError::internal)?
        .map_err(ServiceError::internal)?;
    if !reset::redeem(&state.db, token, user_id, &hash, now).await? {
        // Another request used the link (or it expired) between the check and now.
        let again = reset::check(&state.db, token, now).await?;
        return Err(reset::refusal(&again));
    }
    let role = match crate::accounts::load(state, user_id).await? {
        Some(account) => crate::accounts::own_role(&account.roles),
        None => return Err(ServiceError::not_found()),
    };
    let metadata = context.metadata(user_id, role);
    let command = AccountCommand::ResetPassword {
        how: PasswordResetMethod::MailedLink,
        at: context.now,
    };
    if let Err(error) = state
        .stores
        .accounts
        .execute(user_id.to_string(), command, &metadata)
        .await
    {
        tracing::error!(%user_id, error = %error, "a password was reset but the reset could not be recorded on the account");
        return Err(error.into());
    }
    Ok(())
}
