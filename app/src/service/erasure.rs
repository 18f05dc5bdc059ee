//! Crypto-shredding (issue 19): erasing the personal data of a group or an account at the end of
//! its retention period, shared by the staff's routes and `grants personal-data erase`.
//!
//! The aggregate records `PersonalDataErased` (who, when; no personal data), then the subject's key
//! is destroyed (`crate::personal`): the sealed fields stay in the log, so every hash, signed head
//! and proof still verifies, and read 「削除済み」 everywhere. For an account the directory
//! (`crate::auth::directory`) is blanked too: its address, name and password, its sessions and links.
//!
//! Asked again (e.g. after a crash between the event and the key's destruction), the key and the
//! directory are cleared now and the caller learns that the erasure was done before.

use grants_domain::account::{AccountCommand, AccountError};
use grants_domain::group::{GroupCommand, GroupError};
use grants_domain::{GroupId, UserId};

use super::load::existing_for_command;
use super::ServiceError;
use crate::personal::{account_subject, group_subject, Keys};
use crate::state::AppState;
use crate::store::{CommandMetadata, Position};

/// Erases a group's personal data (its contact details); answers the erasure event's position.
pub async fn erase_group(
    state: &AppState,
    id: GroupId,
    metadata: &CommandMetadata,
) -> Result<Position, ServiceError> {
    let loaded = existing_for_command(&state.stores.groups, id).await?;
    let keys = Keys::new(&state.db);
    let subject = group_subject(id);
    if loaded
        .state()
        .is_some_and(|group| group.personal_data_erased())
    {
        keys.destroy(&subject).await?;
        return Err(ServiceError::refused(&GroupError::AlreadyErased));
    }
    let command = GroupCommand::ErasePersonalData {
        by: metadata.actor_id,
        at: metadata.recorded_at,
    };
    let executed = state
        .stores
        .groups
        .execute_loaded(loaded, command, metadata)
        .await?;
    keys.destroy(&subject).await?;
    Ok(executed.position)
}

/// Erases an account's personal data (its address and name); answers the erasure event's position.
/// The account can no longer sign in, and its address is free for a new account.
pub async fn erase_account(
    state: &AppState,
    id: UserId,
    metadata: &CommandMetadata,
) -> Result<Position, ServiceError> {
    let loaded = existing_for_command(&state.stores.accounts, id).await?;
    let keys = Keys::new(&state.db);
    let subject = account_subject(id);
    if loaded
        .state()
        .is_some_and(|account| account.personal_data_erased)
    {
        keys.destroy(&subject).await?;
        crate::auth::directory::erase(&state.db, id, metadata.recorded_at).await?;
        return Err(ServiceError::refused(&AccountError::AlreadyErased));
    }
    let command = AccountCommand::ErasePersonalData {
        by: metadata.actor_id,
        at: metadata.recorded_at,
    };
    let executed = state
        .stores
        .accounts
        .execute_loaded(loaded, command, metadata)
        .await?;
    keys.destroy(&subject).await?;
    crate::auth::directory::erase(&state.db, id, metadata.recorded_at).await?;
    Ok(executed.position)
}
