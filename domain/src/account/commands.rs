//! Commands on an account.

use time::OffsetDateTime;

use super::{EmailAddress, PasswordResetMethod, Role};
use crate::ids::UserId;

/// What someone asks of an account: by the person, by staff or by the service on their behalf.
#[derive(Clone, Debug, PartialEq)]
pub enum AccountCommand {
    /// Opens an account: by the person themselves (`self_registered`, applicants only) or by staff.
    Register {
        /// The new account's user; chosen by the caller.
        user_id: UserId,
        /// The address to sign in with; not yet verified.
        email: EmailAddress,
        /// The name other people will see; trimmed and checked (`check_display_name`).
        display_name: String,
        /// The first role: `Applicant` when self-registered, any role when staff create the
        /// account.
        role: Role,
        /// Whether the person registers themselves (sign-up) rather than staff creating the
        /// account.
        self_registered: bool,
        /// When the account is opened (UTC).
        at: OffsetDateTime,
    },
    /// The person proved the address `email` is theirs (they opened the link mailed to it).
    VerifyEmail {
        /// The address the link was mailed to; must still be the account's address.
        email: EmailAddress,
        /// When the link was opened (UTC).
        at: OffsetDateTime,
    },
    /// Staff give an existing account another role.
    GrantRole {
        /// The role to add; refused if already held.
        role: Role,
        /// The staff member who grants it.
        by: UserId,
        /// When it is granted (UTC).
        at: OffsetDateTime,
    },
    /// Erase the account's personal data (its address and name): the store destroys the account's
    /// key; the event records that it was done, by whom and when (issue 19).
    ErasePersonalData {
        /// Who erases it: a staff member, or the operator of `grants personal-data erase`.
        by: UserId,
        /// When it is erased (UTC).
        at: OffsetDateTime,
    },
    /// The person confirmed a TOTP second factor (a code from their authenticator app matched).
    EnrolSecondFactor {
        /// When the code matched (UTC).
        at: OffsetDateTime,
    },
    /// Staff remove a colleague's second factor (a lost device), so that they enrol again.
    /// `enrolled`: whether the account has a confirmed second factor (a fact of the directory).
    ResetSecondFactor {
        /// Whether the account has a confirmed second factor (a fact of the directory).
        enrolled: bool,
        /// The staff member who resets it; never the account's owner.
        by: UserId,
        /// When it is reset (UTC).
        at: OffsetDateTime,
    },
    /// The password was replaced without the old one, as `how` says (a mailed link was used).
    ResetPassword {
        /// How the password was replaced.
        how: PasswordResetMethod,
        /// When it was replaced (UTC).
        at: OffsetDateTime,
    },
}
