//! The `Account` aggregate: a person's user account and its roles, kept in the log so that auditors
//! see who granted what (issue 5). Passwords are not here: their hashes live in the app's credentials
//! table and never enter the event log.
//!
//! Decisions: an e-mail address is compared case-insensitively and stored in lower case; a person who
//! registers themselves is always an applicant, and only staff create staff, reviewer and auditor
//! accounts (the HTTP policy checks who the caller is; this aggregate checks that a self-registration
//! asks for nothing more than the applicant role).
//!
//! Erasing the personal data (`ErasePersonalData`, issue 19) is allowed once per registered
//! account: its address and display name then read 「削除済み」 (the store destroys the account's
//! key, so the sealed fields in the log no longer open), the address counts as unverified, and the
//! roles and history stay: they are not personal.
//!
//! A password reset is recorded (`PasswordReset`, how it was done, never a secret), so that
//! auditors see when an account's password was replaced without the old one; an erased account
//! takes none (its address, where the link would go, is gone).
//!
//! The second factor (TOTP) is recorded when the person confirms it and when staff reset it (a lost
//! device); the secret itself lives in the app's directory, never in the log. A second factor is
//! reset by another staff member, never by its owner: whoever holds only the password must not be
//! able to remove the factor that stands in their way.

mod commands;
mod email;
mod errors;
mod events;
#[cfg(test)]
mod tests;

use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub use commands::AccountCommand;
pub use email::EmailAddress;
pub use errors::AccountError;
pub use events::{AccountEvent, PasswordResetMethod, ACCOUNT_SEALED_VERSION};

use crate::ids::UserId;
use crate::text::{check_characters, Lines};

/// What a person may act as. A person may hold several roles.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Applies for grants on behalf of a group (申請者); the only role a person can give themselves.
    Applicant,
    /// Scores applications for the committee (審査委員).
    Reviewer,
    /// Works in the subsidy office (職員): runs rounds, decides, creates other accounts.
    Staff,
    /// Reads everything, changes nothing (監査).
    Auditor,
    /// A 中間支援組織's 市民協働コーディネーター: helps the groups that consent to it.
    Coordinator,
}

impl Role {
    /// Every role, in the order the pages list them.
    pub const ALL: [Role; 5] = [
        Role::Applicant,
        Role::Reviewer,
        Role::Staff,
        Role::Auditor,
        Role::Coordinator,
    ];

    /// The codes of every role, as a refusal lists them: `applicant, reviewer, …, coordinator`.
    pub fn codes() -> String {
        Role::ALL.map(Role::as_str).join(", ")
    }

    /// The role's code in the API, the URL and the log (`applicant`, `staff`, ...); `FromStr` reads
    /// it back.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::Reviewer => "reviewer",
            Role::Staff => "staff",
            Role::Auditor => "auditor",
            Role::Coordinator => "coordinator",
        }
    }

    /// The role's name as the pages show it (申請者, 職員, ...).
    pub fn label_ja(self) -> &'static str {
        match self {
            Role::Applicant => "申請者",
            Role::Reviewer => "審査委員",
            Role::Staff => "職員",
            Role::Auditor => "監査",
            Role::Coordinator => "中間支援（コーディネーター）",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = AccountError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| AccountError::UnknownRole(text.to_owned()))
    }
}

/// Longest display name, in characters.
pub const DISPLAY_NAME_MAX_CHARS: usize = 100;

/// A person's user account, folded from its `AccountEvent`s.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// The account's user; `None` until `AccountRegistered`.
    pub id: Option<UserId>,
    /// The address the account signs in with and is mailed at; `None` until registered, 「削除済み」 once
    /// erased.
    pub email: Option<EmailAddress>,
    /// The name other people see; 「削除済み」 once the personal data is erased.
    pub display_name: String,
    /// Every role the account holds; roles are granted, never taken away.
    pub roles: BTreeSet<Role>,
    /// The address the person proved is theirs (`EmailVerified`), if any; the account's address is
    /// verified while it is this one. Defaulted: snapshots from before verification had none.
    #[serde(default)]
    pub verified_email: Option<EmailAddress>,
    /// Whether the account's personal data was erased (issue 19).
    #[serde(default)]
    pub personal_data_erased: bool,
}

impl Account {
    /// Whether the person proved the account's current address is theirs.
    pub fn email_verified(&self) -> bool {
        self.email.is_some() && self.verified_email == self.email && !self.personal_data_erased
    }
}

impl Aggregate for Account {
    const TYPE: &'static str = "account";
    type Command = AccountCommand;
    type Event = AccountEvent;
    type Error = AccountError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let event = match command {
            AccountCommand::Register {
                user_id,
                email,
                display_name,
                role,
                self_registered,
                at,
            } => {
                if self.id.is_some() {
                    return Err(AccountError::AlreadyRegistered);
                }
                if self_registered && role != Role::Applicant {
                    return Err(AccountError::SelfRegistrationIsForApplicants);
                }
                AccountEvent::AccountRegistered {
                    user_id,
                    email,
                    display_name: check_display_name(&display_name)?,
                    role,
                    at,
                }
            }
            AccountCommand::VerifyEmail { email, at } => {
                let user_id = self.id.ok_or(AccountError::NotRegistered)?;
                if self.personal_data_erased || self.email.as_ref() != Some(&email) {
                    return Err(AccountError::VerificationForAnotherAddress);
                }
                if self.email_verified() {
                    return Err(AccountError::AlreadyVerified);
                }
                AccountEvent::EmailVerified { user_id, email, at }
            }
            AccountCommand::ErasePersonalData { by, at } => {
                let user_id = self.id.ok_or(AccountError::NotRegistered)?;
                if self.personal_data_erased {
                    return Err(AccountError::AlreadyErased);
                }
                AccountEvent::PersonalDataErased { user_id, by, at }
            }
            AccountCommand::EnrolSecondFactor { at } => {
                let user_id = self.id.ok_or(AccountError::NotRegistered)?;
                AccountEvent::SecondFactorEnrolled { user_id, at }
            }
            AccountCommand::ResetSecondFactor { enrolled, by, at } => {
                let user_id = self.id.ok_or(AccountError::NotRegistered)?;
                if by == user_id {
                    return Err(AccountError::OwnSecondFactor);
                }
                if !enrolled {
                    return Err(AccountError::NoSecondFactor);
                }
                AccountEvent::SecondFactorReset { user_id, by, at }
            }
            AccountCommand::ResetPassword { how, at } => {
                let user_id = self.id.ok_or(AccountError::NotRegistered)?;
                if self.personal_data_erased {
                    return Err(AccountError::AlreadyErased);
                }
                AccountEvent::PasswordReset { user_id, how, at }
            }
            AccountCommand::GrantRole { role, by, at } => {
                let user_id = self.id.ok_or(AccountError::NotRegistered)?;
                if self.roles.contains(&role) {
                    return Err(AccountError::RoleAlreadyHeld(role));
                }
                AccountEvent::RoleGranted {
                    user_id,
                    role,
                    by,
                    at,
                }
            }
        };
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            AccountEvent::AccountRegistered {
                user_id,
                email,
                display_name,
                role,
                ..
            } => {
                self.id = Some(user_id);
                self.email = Some(email);
                self.display_name = display_name;
                self.roles.insert(role);
            }
            AccountEvent::RoleGranted { role, .. } => {
                self.roles.insert(role);
            }
            AccountEvent::EmailVerified { email, .. } => {
                self.verified_email = Some(email);
            }
            AccountEvent::SecondFactorEnrolled { .. } | AccountEvent::SecondFactorReset { .. } => {
                // Whether a factor is enrolled is the directory's (it holds the secret).
            }
            AccountEvent::PasswordReset { .. } => {
                // The password's hash is the credentials table's; the account only records it.
            }
            AccountEvent::PersonalDataErased { .. } => {
                // Whatever the store could still open (a key not yet destroyed, or fields of a 1.0
                // event, which the log holds in plain text) is no longer shown.
                self.email = Some(EmailAddress::erased());
                self.display_name = crate::group::ERASED.to_owned();
                self.verified_email = None;
                self.personal_data_erased = true;
            }
        }
    }
}

/// The display name as stored: trimmed, 1 to 100 characters of one line.
pub fn check_display_name(name: &str) -> Result<String, AccountError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > DISPLAY_NAME_MAX_CHARS {
        return Err(AccountError::BadDisplayName);
    }
    check_characters("display_name", name, Lines::One)?;
    Ok(name.to_owned())
}
