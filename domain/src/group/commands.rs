//! What a group's members and the city's staff may ask of a group.

use time::{Date, OffsetDateTime};

use crate::ids::{GroupId, UserId};

/// A command to the group aggregate.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupCommand {
    /// Register a new group; the caller `by` becomes its first member.
    Register {
        /// The new group's id; chosen by the caller.
        group_id: GroupId,
        /// The applicant registering it; becomes its first member and its representative.
        by: UserId,
        /// The group's name (団体名); public.
        name: String,
        /// The city's registration number for the group (登録番号); public.
        registration_number: String,
        /// The representative's name (代表者氏名); personal data.
        representative_name: String,
        /// The group's postal address; personal data.
        address: String,
        /// The group's phone number; personal data.
        phone: String,
        /// The group's contact address (e-mail); personal data, checked for shape only.
        email: String,
        /// The day the group was founded; not after today (JST).
        founded_on: Date,
        /// How many people are members (not user accounts); rule 1 needs `MIN_MEMBERS`.
        member_count: u32,
        /// How many members live in the city; rule 1 needs `MIN_RESIDENT_MEMBERS`.
        resident_member_count: u32,
        /// The group's public-interest purpose; rule 1 needs one.
        purpose: String,
        /// When it registers (UTC).
        at: OffsetDateTime,
    },
    /// Give another user account access to the group's records.
    AddMember {
        /// The account that becomes a member.
        user_id: UserId,
        /// Who adds it: the invited person, accepting the invitation with its own account.
        by: UserId,
        /// When it is added (UTC).
        at: OffsetDateTime,
    },
    /// The representative takes a member account's access to the group away.
    RemoveMember {
        /// The member account to remove; not the representative.
        user_id: UserId,
        /// The representative.
        by: UserId,
        /// When it is removed (UTC).
        at: OffsetDateTime,
    },
    /// The representative hands the role to another member account.
    MakeRepresentative {
        /// The member account that becomes representative.
        user_id: UserId,
        /// The representative handing the role over.
        by: UserId,
        /// When it is handed over (UTC).
        at: OffsetDateTime,
    },
    /// The representative consents that `coordinator` helps the group; `is_coordinator` is whether
    /// that account holds the coordinator role (the app reads it from the account).
    ConsentCoordinator {
        /// The coordinator's account.
        coordinator: UserId,
        /// Whether that account holds the `Coordinator` role; refused otherwise.
        is_coordinator: bool,
        /// Whether the coordinator may also submit on the group's behalf, not only read and edit.
        may_submit: bool,
        /// The representative.
        by: UserId,
        /// When the consent is given (UTC).
        at: OffsetDateTime,
    },
    /// The representative withdraws a coordinator's consent.
    WithdrawCoordinatorConsent {
        /// The coordinator's account.
        coordinator: UserId,
        /// The representative.
        by: UserId,
        /// When the consent is withdrawn (UTC).
        at: OffsetDateTime,
    },
    /// Record the group's current number of members and of members resident in the city.
    UpdateMembership {
        /// How many people are members now.
        member_count: u32,
        /// How many of them live in the city; at most `member_count`.
        resident_member_count: u32,
        /// Who records the counts.
        by: UserId,
        /// When they are recorded (UTC).
        at: OffsetDateTime,
    },
    /// End the group's registration.
    Deregister {
        /// Why the registration ends; required.
        reason: String,
        /// Who ends it.
        by: UserId,
        /// When it ends (UTC).
        at: OffsetDateTime,
    },
    /// Erase the group's personal data (staff, at the end of its retention period): the store
    /// destroys the group's key; the event records that it was done, by whom and when.
    ErasePersonalData {
        /// Who erases it: a staff member, or the operator of `grants personal-data erase`.
        by: UserId,
        /// When it is erased (UTC).
        at: OffsetDateTime,
    },
}
