//! Setting a new password with a mailed one-time link (`crate::auth::reset`), and recording it on
//! the account (`PasswordReset`, issue 18): the link, the password and its hash stay out of the log;
//! the account records that its password was replaced, how and when, so that auditors see it.

use grants_domain::account::{AccountCommand, PasswordResetMethod};

use super::{CommandContext, ServiceError};
use crate::auth::password;
use crate::auth::reset::{self, Link};
use crate::state::AppState;

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
