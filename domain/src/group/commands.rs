//! What a group's members and the city's staff may ask of a group.

use time::{Date, OffsetDateTime};

use crate::ids::{GroupId, UserId};

/// A command to the group aggregate.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupCommand {
    /// Register a new group; the caller `by` becomes its first member.
    Register {
        group_id: GroupId,
        by: UserId,
        name: String,
        registration_number: String,
        representative_name: String,
        address: String,
        phone: String,
        email: String,
        founded_on: Date,
        member_count: u32,
        resident_member_count: u32,
        purpose: String,
        at: OffsetDateTime,
    },
    /// Give another user account access to the group's records.
    AddMember {
        user_id: UserId,
        by: UserId,
        at: OffsetDateTime,
    },
    /// The representative takes a member account's access to the group away.
    RemoveMember {
        user_id: UserId,
        by: UserId,
        at: OffsetDateTime,
    },
    /// The representative hands the role to another member account.
    MakeRepresentative {
        user_id: UserId,
        by: UserId,
        at: OffsetDateTime,
    },
    /// The representative consents that `coordinator` helps the group; `is_coordinator` is whether
    /// that account holds the coordinator role (the app reads it from the account).
    ConsentCoordinator {
        coordinator: UserId,
        is_coordinator: bool,
        may_submit: bool,
        by: UserId,
        at: OffsetDateTime,
    },
    /// The representative withdraws a coordinator's consent.
    WithdrawCoordinatorConsent {
        coordinator: UserId,
        by: UserId,
        at: OffsetDateTime,
    },
    /// Record the group's current number of members and of members resident in the city.
    UpdateMembership {
        member_count: u32,
        resident_member_count: u32,
        by: UserId,
        at: OffsetDateTime,
    },
    /// End the group's registration.
    Deregister {
        reason: String,
        by: UserId,
        at: OffsetDateTime,
    },
    /// Erase the group's personal data (staff, at the end of its retention period): the store
    /// destroys the group's key; the event records that it was done, by whom and when.
    ErasePersonalData { by: UserId, at: OffsetDateTime },
}
