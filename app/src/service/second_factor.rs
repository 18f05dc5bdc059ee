//! The second factor's record in the log (issue 18, item 4): the person's confirmation of a TOTP
//! factor, and its reset by another staff member when a device is lost. The secret lives in the
//! directory (`crate::auth::totp`), never in the log; the account records that it happened, who did
//! it and when, so that auditors see it.

use grants_domain::account::AccountCommand;
use grants_domain::UserId;

use super::{load, CommandContext, ServiceError};
use crate::auth::{totp, Actor};
use crate::policy::Staff;
use crate::state::AppState;
use crate::store::{ActorRole, Position};

/// Begins the caller's enrolment: a fresh secret, answered once (with the `otpauth://` URI apps
/// read), pending until a code from the app confirms it.
pub async fn begin(state: &AppState, actor: &Actor) -> Result<totp::Enrolment, ServiceError> {
    let account = crate::accounts::load(state, actor.user_id)
        .await?
        .ok_or_else(ServiceError::not_found)?;
    let label = account
        .email
        .as_ref()
        .map(|email| email.as_str().to_owned())
        .unwrap_or_else(|| actor.user_id.to_string());
    totp::begin(&state.db, state.totp_key()?, actor.user_id, &label).await
}

/// The caller confirms the factor they started enrolling with a code from their app; answers the
/// recovery codes, shown once. The confirmation is then recorded on the account.
pub async fn confirm(
    state: &AppState,
    context: &CommandContext,
    actor: &Actor,
    code: &str,
) -> Result<Vec<String>, ServiceError> {
    let codes = totp::confirm(
        &state.db,
        state.totp_key()?,
        actor.user_id,
        code,
        state.clock.now(),
    )
    .await?;
    let command = AccountCommand::EnrolSecondFactor { at: context.now };
    context
        .run(
            &state.stores.accounts,
            actor.user_id,
            command,
            actor,
            role_of(actor),
        )
        .await?;
    Ok(codes)
}

/// Staff remove a colleague's second factor (a lost device): the account records the reset, then
/// the secret, the recovery codes and the sessions go, and the next sign-in enrols again. Never
/// one's own (the account refuses it).
pub async fn reset(
    state: &AppState,
    context: &CommandContext,
    Staff(actor): &Staff,
    user_id: UserId,
) -> Result<Position, ServiceError> {
    // Not found for an id with no account (never a refusal that tells it apart).
    let account = load::existing_for_command(&state.stores.accounts, user_id).await?;
    let enrolled = totp::enrolled(&state.db, user_id).await?;
    let command = AccountCommand::ResetSecondFactor {
        enrolled,
        by: actor.user_id,
        at: context.now,
    };
    let executed = context
        .run_loaded(
            &state.stores.accounts,
            account,
            command,
            actor,
            ActorRole::Staff,
        )
        .await?;
    totp::remove(&state.db, user_id, context.now).await?;
    Ok(executed.position)
}

/// [`reset`] for the live account with the address `email` (the staff page, where a colleague is
/// known by address): an address with no account is refused beside the field.
pub async fn reset_by_email(
    state: &AppState,
    context: &CommandContext,
    staff: &Staff,
    email: &str,
) -> Result<Position, ServiceError> {
    let id: Option<String> = crate::with_pool!(&state.db, pool => sqlx::query_scalar(
        "SELECT user_id FROM credentials WHERE email = $1 AND erased_at IS NULL",
    )
    .bind(email.trim().to_lowercase())
    .fetch_optional(pool)
    .await?);
    let Some(id) = id else {
        return Err(ServiceError::invalid(
            "account.unknown_email",
            "このメールアドレスのアカウントはありません",
            "no account has this e-mail address",
        )
        .with_field("email"));
    };
    let user_id = id.parse().map_err(ServiceError::internal)?;
    reset(state, context, staff, user_id).await
}

/// The role an account acts in for its own record: staff and auditors are who enrol.
fn role_of(actor: &Actor) -> ActorRole {
    use grants_domain::account::Role;
    if actor.has(Role::Staff) {
        ActorRole::Staff
    } else if actor.has(Role::Auditor) {
        ActorRole::Auditor
    } else if actor.has(Role::Reviewer) {
        ActorRole::Reviewer
    } else if actor.has(Role::Coordinator) {
        ActorRole::Coordinator
    } else {
        ActorRole::Applicant
    }
}
