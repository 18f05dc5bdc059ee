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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AccountEvent {
    AccountRegistered {
        user_id: UserId,
        email: EmailAddress,
        display_name: String,
        role: Role,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    RoleGranted {
        user_id: UserId,
        role: Role,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The person opened the link mailed to `email`: the address is theirs.
    EmailVerified {
        user_id: UserId,
        email: EmailAddress,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The account's personal data was erased: its key is destroyed, so the sealed address and name
    /// in the log can no longer be opened. Holds no personal data itself.
    PersonalDataErased {
        user_id: UserId,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The person confirmed a TOTP second factor. The secret is never here.
    SecondFactorEnrolled {
        user_id: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff (`by`) removed the account's second factor; the person enrols again.
    SecondFactorReset {
        user_id: UserId,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The account's password was replaced without the old one (`how`). Neither password, their
    /// hashes nor the link's token are here.
    PasswordReset {
        user_id: UserId,
        how: PasswordResetMethod,
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
