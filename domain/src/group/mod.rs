//! The `group` aggregate (TYPE `"group"`): a citizen group's registration (市民活動団体登録) and
//! membership, which rule 1 judges when the group applies.
//!
//! It guards: a group is registered once, with its name, registration number, contact details,
//! founding date, member counts and purpose; it must be eligible under rule 1 when it registers; the
//! user accounts that act for it (its members in the service) are added one by one; its member counts
//! are kept current; it can be deregistered. Rule 1 itself lives in [`standing`] and is applied by the
//! application aggregate to the [`GroupStanding`] snapshot that [`Group::standing`] gives.
//!
//! Decisions where the rules are silent:
//! - `member_count` / `resident_member_count` count the group's real members (people); the user
//!   accounts added with `AddMember` are the people who may act for the group in the service. The two
//!   are independent: most members never log in.
//! - Registration refuses a group that would not be eligible (rule 1), but `UpdateMembership` records
//!   the true counts even when they fall below rule 1's minimum: the record must say what is, and the
//!   group's applications are then refused at submission by rule 1.
//! - A registration stays current until `Deregister`; there is no expiry date in the rules. A
//!   deregistered group accepts no further commands; a group that registers again does so under a new
//!   id (its history stays with the old one).
//! - The caller of `Register` becomes the first member: registration emits `GroupRegistered` followed
//!   by `MemberAdded`, so membership has exactly one kind of event.
//! - Adding a user who is already a member is refused (not silently ignored) so the caller learns it.
//! - The personal contact fields travel in [`ContactDetails`] as one nested value so projections can
//!   drop it whole (rule 12), and so the event store can seal it with the group's key (issue 19).
//! - The representative (代表者) is one member account: the registering one until it hands the role
//!   to another member (`MakeRepresentative`). Only the representative removes members
//!   (`RemoveMember`) or hands the role over; the representative cannot be removed (hand the role
//!   over first), so the last member, who is always the representative, cannot be either. Any member
//!   (or staff) may invite an address ([`Group::check_invitation`]); the invitation itself is a
//!   secret link outside the log, and accepting it adds the member (`AddMember`).
//! - A group whose personal data was erased takes no new member: its records are kept for the
//!   retention period only.
//! - Erasing the personal data (`ErasePersonalData`) is allowed in any registration state, also
//!   after deregistration (retention ends later), once: a second erasure is refused so that the
//!   caller learns it was done. The group's name, number and history stay: they are not personal.

mod commands;
mod errors;
mod events;
pub mod registration;
pub mod standing;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

pub use commands::GroupCommand;
pub use errors::GroupError;
pub use events::{ContactDetails, GroupEvent, PublicGroupEvent, ERASED, GROUP_REGISTERED_VERSION};
pub use standing::{
    check_grant_limit, prior_grant_count, GroupStanding, PriorAward, MIN_MEMBERS,
    MIN_RESIDENT_MEMBERS,
};

use crate::ids::{GroupId, UserId};
use crate::text::Lines;
use registration::{
    check_membership, check_registration, required_text, CheckedRegistration, RegistrationForm,
    REASON_MAX,
};

/// Where a group's registration stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationState {
    /// No `GroupRegistered` yet.
    #[default]
    Unregistered,
    /// Registered and current: its members may apply (if rule 1's counts hold).
    Registered,
    /// Its registration ended (`Deregister`); its history stays under this id.
    Deregistered,
}

/// A citizen group's registration and membership.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Group {
    id: GroupId,
    state: RegistrationState,
    name: String,
    registration_number: String,
    contact: ContactDetails,
    founded_on: Option<Date>,
    member_count: u32,
    resident_member_count: u32,
    purpose: String,
    members: BTreeSet<UserId>,
    deregistration_reason: Option<String>,
    #[serde(default)]
    personal_data_erased: bool,
    /// The member account that represents the group (the registering one by default).
    #[serde(default)]
    representative: Option<UserId>,
    /// The coordinators (中間支援) the group consented to, each with whether it may submit.
    #[serde(default)]
    coordinators: BTreeMap<UserId, bool>,
}

/// How an account acts for a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acting {
    /// One of its member accounts.
    Member,
    /// A coordinator (中間支援) with the group's consent.
    Coordinator {
        /// Whether the group allowed it to submit, not only to read and edit.
        may_submit: bool,
    },
}

impl Group {
    /// The group's id (nil before registration).
    pub fn id(&self) -> GroupId {
        self.id
    }

    /// Unregistered, registered or deregistered.
    pub fn state(&self) -> RegistrationState {
        self.state
    }

    /// The group's name (public: it appears on the list of awarded projects).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The city's registration number for the group.
    pub fn registration_number(&self) -> &str {
        &self.registration_number
    }

    /// Personal data: for the group's members and staff only. 「削除済み」 in every field once
    /// erased.
    pub fn contact(&self) -> &ContactDetails {
        &self.contact
    }

    /// Whether the group's personal data was erased.
    pub fn personal_data_erased(&self) -> bool {
        self.personal_data_erased
    }

    /// The founding date; `None` before registration.
    pub fn founded_on(&self) -> Option<Date> {
        self.founded_on
    }

    /// The group's number of members (people, not user accounts).
    pub fn member_count(&self) -> u32 {
        self.member_count
    }

    /// The members resident in the city.
    pub fn resident_member_count(&self) -> u32 {
        self.resident_member_count
    }

    /// The group's public-interest purpose.
    pub fn purpose(&self) -> &str {
        &self.purpose
    }

    /// Why the registration ended, once it has.
    pub fn deregistration_reason(&self) -> Option<&str> {
        self.deregistration_reason.as_deref()
    }

    /// The user accounts that may act for the group.
    pub fn members(&self) -> impl Iterator<Item = UserId> + '_ {
        self.members.iter().copied()
    }

    /// Whether a user may act for the group (the app's access policy asks this).
    pub fn is_member(&self, user_id: UserId) -> bool {
        self.members.contains(&user_id)
    }

    /// The member account that represents the group (代表者); `None` before registration.
    pub fn representative(&self) -> Option<UserId> {
        self.representative
    }

    /// Whether an address may be invited to the group now: its registration is current and its
    /// personal data not erased. Who may invite (a member, staff) is the app's policy.
    pub fn check_invitation(&self) -> Result<(), GroupError> {
        self.check_registered()?;
        if self.personal_data_erased {
            return Err(GroupError::Erased);
        }
        Ok(())
    }

    /// Whether member `by` may withdraw the group's open invitations: the representative only, as
    /// for the other acts on the membership (staff may too: the app's policy). Allowed whatever
    /// the registration's state: withdrawing an invitation takes nothing from anyone.
    pub fn check_invitation_withdrawal(&self, by: UserId) -> Result<(), GroupError> {
        if self.representative != Some(by) {
            return Err(GroupError::NotRepresentative);
        }
        Ok(())
    }

    /// How `user_id` acts for the group, if at all: a member, or a coordinator it consented to.
    pub fn acting(&self, user_id: UserId) -> Option<Acting> {
        if self.is_member(user_id) {
            Some(Acting::Member)
        } else {
            self.coordinators
                .get(&user_id)
                .map(|&may_submit| Acting::Coordinator { may_submit })
        }
    }

    /// The coordinators the group consented to, each with whether it may submit.
    pub fn coordinators(&self) -> impl Iterator<Item = (UserId, bool)> + '_ {
        self.coordinators
            .iter()
            .map(|(user, may_submit)| (*user, *may_submit))
    }

    /// Whether `user_id` may submit an application or a settlement report for the group: its
    /// members may; a coordinator only when the group allowed it.
    pub fn check_submission(&self, user_id: UserId) -> Result<(), GroupError> {
        match self.acting(user_id) {
            Some(Acting::Member | Acting::Coordinator { may_submit: true }) => Ok(()),
            Some(Acting::Coordinator { may_submit: false }) => {
                Err(GroupError::CoordinatorMayNotSubmit)
            }
            None => Err(GroupError::NotAMember),
        }
    }

    /// The facts rule 1 judges, as of now.
    pub fn standing(&self) -> GroupStanding {
        GroupStanding {
            registered: self.state == RegistrationState::Registered,
            member_count: self.member_count,
            resident_member_count: self.resident_member_count,
            has_public_interest_purpose: !self.purpose.trim().is_empty(),
        }
    }

    /// Commands other than `Register` need a current registration.
    fn check_registered(&self) -> Result<(), GroupError> {
        match self.state {
            RegistrationState::Registered => Ok(()),
            RegistrationState::Unregistered => Err(GroupError::NotRegistered),
            RegistrationState::Deregistered => Err(GroupError::Deregistered),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn register(
        &self,
        group_id: GroupId,
        by: UserId,
        name: String,
        registration_number: String,
        contact: ContactDetails,
        founded_on: Date,
        member_count: u32,
        resident_member_count: u32,
        purpose: String,
        at: OffsetDateTime,
    ) -> Result<Vec<GroupEvent>, GroupError> {
        if self.state != RegistrationState::Unregistered {
            return Err(GroupError::AlreadyRegistered);
        }
        let checked = check_registration(
            &RegistrationForm {
                name,
                registration_number,
                representative_name: contact.representative_name,
                address: contact.address,
                phone: contact.phone,
                email: contact.email,
                founded_on: Some(founded_on),
                member_count: Some(member_count),
                resident_member_count: Some(resident_member_count),
                purpose,
            },
            at,
        )?;
        let CheckedRegistration {
            name,
            registration_number,
            contact,
            purpose,
        } = checked;
        Ok(vec![
            GroupEvent::GroupRegistered {
                group_id,
                name,
                registration_number,
                contact,
                founded_on,
                member_count,
                resident_member_count,
                purpose,
                by,
                at,
            },
            GroupEvent::MemberAdded {
                user_id: by,
                by,
                at,
            },
        ])
    }

    fn add_member(
        &self,
        user_id: UserId,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GroupEvent>, GroupError> {
        self.check_invitation()?;
        if self.is_member(user_id) {
            return Err(GroupError::AlreadyMember);
        }
        Ok(vec![GroupEvent::MemberAdded { user_id, by, at }])
    }

    /// Only the representative acts on the group's membership.
    fn check_representative(&self, by: UserId) -> Result<(), GroupError> {
        self.check_registered()?;
        if self.representative != Some(by) {
            return Err(GroupError::NotRepresentative);
        }
        Ok(())
    }

    fn remove_member(
        &self,
        user_id: UserId,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GroupEvent>, GroupError> {
        self.check_representative(by)?;
        if !self.is_member(user_id) {
            return Err(GroupError::NotAMember);
        }
        if self.members.len() <= 1 {
            return Err(GroupError::LastMember);
        }
        if self.representative == Some(user_id) {
            return Err(GroupError::RepresentativeCannotBeRemoved);
        }
        Ok(vec![GroupEvent::MemberRemoved { user_id, by, at }])
    }

    fn make_representative(
        &self,
        user_id: UserId,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GroupEvent>, GroupError> {
        self.check_representative(by)?;
        if !self.is_member(user_id) {
            return Err(GroupError::NotAMember);
        }
        if self.representative == Some(user_id) {
            return Err(GroupError::AlreadyRepresentative);
        }
        Ok(vec![GroupEvent::RepresentativeChanged { user_id, by, at }])
    }

    fn consent_coordinator(
        &self,
        coordinator: UserId,
        is_coordinator: bool,
        may_submit: bool,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GroupEvent>, GroupError> {
        self.check_representative(by)?;
        if !is_coordinator {
            return Err(GroupError::NotACoordinator);
        }
        if self.coordinators.get(&coordinator) == Some(&may_submit) {
            return Err(GroupError::ConsentUnchanged);
        }
        Ok(vec![GroupEvent::CoordinatorConsented {
            coordinator,
            may_submit,
            by,
            at,
        }])
    }

    fn withdraw_coordinator_consent(
        &self,
        coordinator: UserId,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GroupEvent>, GroupError> {
        self.check_representative(by)?;
        if !self.coordinators.contains_key(&coordinator) {
            return Err(GroupError::NoConsent);
        }
        Ok(vec![GroupEvent::CoordinatorConsentWithdrawn {
            coordinator,
            by,
            at,
        }])
    }

    fn update_membership(
        &self,
        member_count: u32,
        resident_member_count: u32,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GroupEvent>, GroupError> {
        self.check_registered()?;
        check_membership(member_count, resident_member_count)?;
        Ok(vec![GroupEvent::MembershipUpdated {
            member_count,
            resident_member_count,
            by,
            at,
        }])
    }

    fn deregister(
        &self,
        reason: String,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GroupEvent>, GroupError> {
        self.check_registered()?;
        let reason = required_text("reason", &reason, REASON_MAX, Lines::Many)?;
        Ok(vec![GroupEvent::GroupDeregistered { reason, by, at }])
    }

    fn erase_personal_data(
        &self,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<GroupEvent>, GroupError> {
        if self.state == RegistrationState::Unregistered {
            return Err(GroupError::NotRegistered);
        }
        if self.personal_data_erased {
            return Err(GroupError::AlreadyErased);
        }
        Ok(vec![GroupEvent::PersonalDataErased { by, at }])
    }
}

impl Aggregate for Group {
    const TYPE: &'static str = "group";
    type Command = GroupCommand;
    type Event = GroupEvent;
    type Error = GroupError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let events = match command {
            GroupCommand::Register {
                group_id,
                by,
                name,
                registration_number,
                representative_name,
                address,
                phone,
                email,
                founded_on,
                member_count,
                resident_member_count,
                purpose,
                at,
            } => self.register(
                group_id,
                by,
                name,
                registration_number,
                ContactDetails {
                    representative_name,
                    address,
                    phone,
                    email,
                },
                founded_on,
                member_count,
                resident_member_count,
                purpose,
                at,
            )?,
            GroupCommand::AddMember { user_id, by, at } => self.add_member(user_id, by, at)?,
            GroupCommand::RemoveMember { user_id, by, at } => {
                self.remove_member(user_id, by, at)?
            }
            GroupCommand::MakeRepresentative { user_id, by, at } => {
                self.make_representative(user_id, by, at)?
            }
            GroupCommand::ConsentCoordinator {
                coordinator,
                is_coordinator,
                may_submit,
                by,
                at,
            } => self.consent_coordinator(coordinator, is_coordinator, may_submit, by, at)?,
            GroupCommand::WithdrawCoordinatorConsent {
                coordinator,
                by,
                at,
            } => self.withdraw_coordinator_consent(coordinator, by, at)?,
            GroupCommand::UpdateMembership {
                member_count,
                resident_member_count,
                by,
                at,
            } => self.update_membership(member_count, resident_member_count, by, at)?,
            GroupCommand::Deregister { reason, by, at } => self.deregister(reason, by, at)?,
            GroupCommand::ErasePersonalData { by, at } => self.erase_personal_data(by, at)?,
        };
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            GroupEvent::GroupRegistered {
                group_id,
                name,
                registration_number,
                contact,
                founded_on,
                member_count,
                resident_member_count,
                purpose,
                by,
                ..
            } => {
                self.representative = Some(by);
                self.id = group_id;
                self.state = RegistrationState::Registered;
                self.name = name;
                self.registration_number = registration_number;
                self.contact = contact;
                self.founded_on = Some(founded_on);
                self.member_count = member_count;
                self.resident_member_count = resident_member_count;
                self.purpose = purpose;
            }
            GroupEvent::MemberAdded { user_id, .. } => {
                self.members.insert(user_id);
            }
            GroupEvent::MemberRemoved { user_id, .. } => {
                self.members.remove(&user_id);
            }
            GroupEvent::RepresentativeChanged { user_id, .. } => {
                self.representative = Some(user_id);
            }
            GroupEvent::CoordinatorConsented {
                coordinator,
                may_submit,
                ..
            } => {
                self.coordinators.insert(coordinator, may_submit);
            }
            GroupEvent::CoordinatorConsentWithdrawn { coordinator, .. } => {
                self.coordinators.remove(&coordinator);
            }
            GroupEvent::MembershipUpdated {
                member_count,
                resident_member_count,
                ..
            } => {
                self.member_count = member_count;
                self.resident_member_count = resident_member_count;
            }
            GroupEvent::GroupDeregistered { reason, .. } => {
                self.state = RegistrationState::Deregistered;
                self.deregistration_reason = Some(reason);
            }
            GroupEvent::PersonalDataErased { .. } => {
                // Whatever the store could still open (a key not yet destroyed, or contact details
                // of a 1.0 event, which the log holds in plain text) is no longer shown.
                self.contact = ContactDetails::erased();
                self.personal_data_erased = true;
            }
        }
    }
}
