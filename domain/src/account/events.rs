//! Events of an account. Passwords and their hashes never appear here.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{EmailAddress, Role};
use crate::ids::UserId;

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
}

impl DomainEvent for AccountEvent {
    fn event_type(&self) -> String {
        match self {
            AccountEvent::AccountRegistered { .. } => "AccountRegistered",
            AccountEvent::RoleGranted { .. } => "RoleGranted",
            AccountEvent::EmailVerified { .. } => "EmailVerified",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}
