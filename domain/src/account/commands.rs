//! Commands on an account.

use time::OffsetDateTime;

use super::{EmailAddress, Role};
use crate::ids::UserId;

#[derive(Clone, Debug, PartialEq)]
pub enum AccountCommand {
    /// Opens an account: by the person themselves (`self_registered`, applicants only) or by staff.
    Register {
        user_id: UserId,
        email: EmailAddress,
        display_name: String,
        role: Role,
        self_registered: bool,
        at: OffsetDateTime,
    },
    /// The person proved the address `email` is theirs (they opened the link mailed to it).
    VerifyEmail {
        email: EmailAddress,
        at: OffsetDateTime,
    },
    /// Staff give an existing account another role.
    GrantRole {
        role: Role,
        by: UserId,
        at: OffsetDateTime,
    },
    /// Erase the account's personal data (its address and name): the store destroys the account's
    /// key; the event records that it was done, by whom and when (issue 19).
    ErasePersonalData { by: UserId, at: OffsetDateTime },
}
