//! Commands on an account.

use time::OffsetDateTime;

use super::{EmailAddress, PasswordResetMethod, Role};
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
    /// The person confirmed a TOTP second factor (a code from their authenticator app matched).
    EnrolSecondFactor { at: OffsetDateTime },
    /// Staff remove a colleague's second factor (a lost device), so that they enrol again.
    /// `enrolled`: whether the account has a confirmed second factor (a fact of the directory).
    ResetSecondFactor {
        enrolled: bool,
        by: UserId,
        at: OffsetDateTime,
    },
    /// The password was replaced without the old one, as `how` says (a mailed link was used).
    ResetPassword {
        how: PasswordResetMethod,
        at: OffsetDateTime,
    },
}
