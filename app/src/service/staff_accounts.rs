//! Staff open the accounts of staff, reviewers, auditors and coordinators (applicants register
//! themselves): the account's rules (address, name, password policy, a role staff may give) are
//! `crate::accounts::open_account`'s.

use grants_domain::account::Role;
use grants_domain::UserId;

use super::{CommandContext, ServiceError};
use crate::accounts::{open_account, NewAccount};
use crate::policy::Staff;
use crate::state::AppState;
use crate::store::{ActorRole, Position};

/// An account staff open: who, with which role and first password.
pub struct NewUser {
    /// The new account's e-mail address (its sign-in name).
    pub email: String,
    /// The first password, as typed (checked against the password rules, then hashed).
    pub password: String,
    /// The name the account shows.
    pub display_name: String,
    /// The role the account acts in (staff, reviewer, auditor, coordinator, applicant).
    pub role: Role,
}

/// Opens the account; answers its id and the log position of its opening.
pub async fn create(
    state: &AppState,
    context: &CommandContext,
    Staff(actor): &Staff,
    user: NewUser,
) -> Result<(UserId, Position), ServiceError> {
    let metadata = context.metadata_for(actor, ActorRole::Staff);
    let account = NewAccount {
        email: user.email,
        password: user.password,
        display_name: user.display_name,
        role: user.role,
        self_registered: false,
    };
    open_account(state, context.new_id(), account, &metadata).await
}
