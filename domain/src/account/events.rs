//! Events of an account. Passwords and their hashes never appear here.
//!
//! `AccountRegistered` and `EmailVerified` are "2.0" since their personal fields (`email`,
//! `display_name`) are sealed in the log with the account's own key (issue 19, crypto-shredding):
//! the event store seals them before the append and opens them on load (`app/src/personal`), so
//! the domain sees plain text. A 1.0 event holds them in plain text (see `crate::upcasting`).

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{EmailAddress, Role};
use crate::ids::UserId;

/// The version of `AccountRegistered` and `EmailVerified` whose personal fields the log holds sealed.
pub const ACCOUNT_SEALED_VERSION: &str = "2.0";

/// What happened to an account; the log's record, from which `Account` is folded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AccountEvent {
    /// An account was opened, by the person themselves or by staff. `email` and `display_name` are
    /// sealed in the log.
    AccountRegistered {
        /// The account's user.
        user_id: UserId,
        /// The address it signs in with (personal: sealed).
        email: EmailAddress,
        /// The name other people see (personal: sealed).
        display_name: String,
        /// Its first role.
        role: Role,
        /// When it was opened (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff gave the account another role.
    RoleGranted {
        /// The account's user.
        user_id: UserId,
        /// The role added.
        role: Role,
        /// The staff member who granted it.
        by: UserId,
        /// When it was granted (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The person opened the link mailed to `email`: the address is theirs.
    EmailVerified {
        /// The account's user.
        user_id: UserId,
        /// The address now verified (personal: sealed).
        email: EmailAddress,
        /// When the link was opened (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The account's personal data was erased: its key is destroyed, so the sealed address and name
    /// in the log can no longer be opened. Holds no personal data itself.
    PersonalDataErased {
        /// The account's user.
        user_id: UserId,
        /// Who erased it (a staff member or the operator).
        by: UserId,
        /// When it was erased (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The person confirmed a TOTP second factor. The secret is never here.
    SecondFactorEnrolled {
        /// The account's user.
        user_id: UserId,
        /// When the code matched (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff (`by`) removed the account's second factor; the person enrols again.
    SecondFactorReset {
        /// The account's user.
        user_id: UserId,
        /// The staff member who reset it; never the owner.
        by: UserId,
        /// When it was reset (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The account's password was replaced without the old one (`how`). Neither password, their
    /// hashes nor the link's token are here.
    PasswordReset {
        /// The account's user.
        user_id: UserId,
        /// How it was replaced.
        how: PasswordResetMethod,
        /// When it was replaced (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

/// How a password was reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordResetMethod {
    /// By the one-time link mailed to the account's address (「パスワードをお忘れの方」).
    MailedLink,
}

impl DomainEvent for AccountEvent {
    fn event_type(&self) -> String {
        match self {
            AccountEvent::AccountRegistered { .. } => "AccountRegistered",
            AccountEvent::RoleGranted { .. } => "RoleGranted",
            AccountEvent::EmailVerified { .. } => "EmailVerified",
            AccountEvent::PersonalDataErased { .. } => "PersonalDataErased",
            AccountEvent::SecondFactorEnrolled { .. } => "SecondFactorEnrolled",
            AccountEvent::SecondFactorReset { .. } => "SecondFactorReset",
            AccountEvent::PasswordReset { .. } => "PasswordReset",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        match self {
            AccountEvent::AccountRegistered { .. } | AccountEvent::EmailVerified { .. } => {
                ACCOUNT_SEALED_VERSION
            }
            AccountEvent::RoleGranted { .. }
            | AccountEvent::PersonalDataErased { .. }
            | AccountEvent::SecondFactorEnrolled { .. }
            | AccountEvent::SecondFactorReset { .. }
            | AccountEvent::PasswordReset { .. } => "1.0",
        }
        .to_owned()
    }
}
