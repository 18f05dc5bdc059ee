//! Opening accounts: the one path shared by self-registration, staff creating accounts and
//! `grants user add`. The password policy and the e-mail's uniqueness are checked here, the account's
//! own rules by the `Account` aggregate.

use std::collections::BTreeSet;

use grants_domain::account::{check_display_name, Account, AccountCommand, EmailAddress, Role};
use grants_domain::refusal::FieldRefusal;
use grants_domain::UserId;

use crate::auth::{self, password};
use crate::service::ServiceError;
use crate::state::AppState;
use crate::store::{CommandMetadata, Position};

/// An account to open: the address, the first password, the name and the role.
pub struct NewAccount {
    /// The e-mail address (its sign-in name), unique among accounts.
    pub email: String,
    /// The first password, as typed (checked against the password rules, then hashed).
    pub password: String,
    /// The name the account shows.
    pub display_name: String,
    /// The role the account acts in.
    pub role: Role,
    /// Whether the person registered themselves (an applicant), rather than staff or the command
    /// line opening it.
    pub self_registered: bool,
}

/// The password policy's refusal, beside the password field.
pub(crate) fn weak_password(error: &password::PasswordError) -> FieldRefusal {
    FieldRefusal {
        field: Some("password"),
        code: "account.weak_password",
        message_ja: match error {
            password::PasswordError::Length => "パスワードは12文字以上256文字以下にしてください",
            password::PasswordError::Common => {
                "よく使われるパスワードは使えません。別のパスワードにしてください"
            }
        }
        .to_owned(),
        message_en: error.to_string(),
    }
}

/// Every field of the new account judged before answering (issue 15: an empty form reports each
/// field at once): the e-mail's form, the password policy and the display name.
fn checked(account: &NewAccount) -> Result<EmailAddress, ServiceError> {
    let email = EmailAddress::parse(&account.email);
    let weak = password::check_policy(&account.password).err();
    let name = check_display_name(&account.display_name).err();
    let mut found = Vec::new();
    if let Err(error) = &email {
        found.push(FieldRefusal::of(error));
    }
    if let Some(error) = &weak {
        found.push(weak_password(error));
    }
    if let Some(error) = &name {
        found.push(FieldRefusal::of(error));
    }
    match (email, found.as_slice()) {
        (Ok(email), []) => Ok(email),
        // One refusal answers as it always did: its code, its field, no `errors` list.
        (_, [one]) => {
            let error =
                ServiceError::invalid(one.code, one.message_ja.clone(), one.message_en.clone());
            Err(match one.field {
                Some(field) => error.with_field(field),
                None => error,
            })
        }
        _ => Err(ServiceError::invalid_fields(&found)),
    }
}

/// Opens an account under `user_id`; answers its id and the log position of its first event.
pub async fn open_account(
    state: &AppState,
    user_id: UserId,
    account: NewAccount,
    metadata: &CommandMetadata,
) -> Result<(UserId, Position), ServiceError> {
    let email = checked(&account)?;
    let secret = account.password;
    let hash = tokio::task::spawn_blocking(move || password::hash(&secret))
        .await
        .map_err(ServiceError::internal)?
        .map_err(ServiceError::internal)?;
    let roles = BTreeSet::from([account.role]);
    let display_name = account.display_name.trim().to_owned();
    if !auth::insert_credentials(
        &state.db,
        user_id,
        email.as_str(),
        &hash,
        &display_name,
        &roles,
    )
    .await?
    {
        return Err(ServiceError::conflict(
            "account.email_taken",
            "このメールアドレスは既に登録されています",
            "this e-mail address is already registered",
        )
        .with_field("email"));
    }
    let command = AccountCommand::Register {
        user_id,
        email,
        display_name,
        role: account.role,
        self_registered: account.self_registered,
        at: metadata.recorded_at,
    };
    match state
        .stores
        .accounts
        .create(&user_id.to_string(), command, metadata)
        .await
    {
        Ok(executed) => Ok((user_id, executed.position)),
        Err(error) => {
            auth::delete_credentials(&state.db, user_id).await?;
            Err(error.into())
        }
    }
}

/// Records that `user_id`'s current address is verified without a link (the demo's accounts); an
/// address already verified is left as it is.
pub async fn mark_verified(
    state: &AppState,
    user_id: UserId,
    metadata: &CommandMetadata,
) -> Result<(), ServiceError> {
    let Some(email) = load(state, user_id)
        .await?
        .and_then(|account| account.email)
    else {
        return Err(ServiceError::not_found());
    };
    let command = grants_domain::account::AccountCommand::VerifyEmail {
        email,
        at: metadata.recorded_at,
    };
    match state
        .stores
        .accounts
        .execute(user_id.to_string(), command, metadata)
        .await
    {
        Ok(_)
        | Err(crate::store::StoreError::Refused(
            grants_domain::account::AccountError::AlreadyVerified,
        )) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

/// The role an account acts in when it records something about itself without a session (a
/// mailed link used): the first of applicant, staff, auditor, coordinator it holds, else reviewer.
pub fn own_role(roles: &BTreeSet<Role>) -> crate::store::ActorRole {
    use crate::store::ActorRole;
    if roles.contains(&Role::Applicant) {
        ActorRole::Applicant
    } else if roles.contains(&Role::Staff) {
        ActorRole::Staff
    } else if roles.contains(&Role::Auditor) {
        ActorRole::Auditor
    } else if roles.contains(&Role::Coordinator) {
        ActorRole::Coordinator
    } else {
        ActorRole::Reviewer
    }
}

/// Loads an account, if it exists.
pub async fn load(state: &AppState, user_id: UserId) -> Result<Option<Account>, ServiceError> {
    Ok(state.stores.accounts.load(&user_id.to_string()).await?)
}
