//! Citizen groups: registration and reading a group's record. The `Group` aggregate checks the
//! registration (`grants_domain::group::registration`); its contact details are sealed before they
//! enter the log (`crate::store::sealing`).

use grants_domain::group::{Group, GroupCommand};
use grants_domain::GroupId;
use time::Date;

use super::{CommandContext, ServiceError};
use crate::auth::Actor;
use crate::policy::{visible_group, Applicant};
use crate::state::AppState;
use crate::store::{ActorRole, Executed};

/// A group's registration, every value read.
pub struct Registration {
    pub name: String,
    pub registration_number: String,
    pub representative_name: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub founded_on: Date,
    pub member_count: u32,
    pub resident_member_count: u32,
    pub purpose: String,
}

/// An applicant registers a group and becomes its first member.
pub async fn register(
    state: &AppState,
    context: &CommandContext,
    Applicant(actor): &Applicant,
    input: Registration,
) -> Result<(GroupId, Executed<Group>), ServiceError> {
    let group_id: GroupId = context.new_id();
    let command = GroupCommand::Register {
        group_id,
        by: actor.user_id,
        name: input.name,
        registration_number: input.registration_number,
        representative_name: input.representative_name,
        address: input.address,
        phone: input.phone,
        email: input.email,
        founded_on: input.founded_on,
        member_count: input.member_count,
        resident_member_count: input.resident_member_count,
        purpose: input.purpose,
        at: context.now,
    };
    let executed = context
        .create(
            &state.stores.groups,
            group_id,
            command,
            actor,
            ActorRole::Applicant,
        )
        .await?;
    Ok((group_id, executed))
}

/// A group its members, staff and auditors may read; not found for anyone else.
pub async fn read(state: &AppState, actor: &Actor, id: GroupId) -> Result<Group, ServiceError> {
    visible_group(state, actor, id).await
}

/// The groups the caller is a member of, oldest first; for a coordinator (中間支援), the groups
/// that consented to it.
pub async fn mine(state: &AppState, actor: &Actor) -> Result<Vec<Group>, ServiceError> {
    crate::policy::acting_groups(state, actor).await
}
