//! The group read: a registered group as its members, staff and auditors see it (with its contact
//! details, which are personal data and never public), and the short row of the caller's list.
//! Built from the aggregate in one place; the OpenAPI schemas are derived from these types.

use grants_domain::group::RegistrationState;
use grants_domain::{Group, GroupId, UserId};
use serde::Serialize;
use time::Date;
use utoipa::ToSchema;

/// A group and its contact details.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct GroupRead {
    /// The group.
    pub id: GroupId,
    /// The group's name (団体名); public.
    pub name: String,
    /// The registration number the city gave it (登録番号); public.
    pub registration_number: String,
    /// The representative's name (代表者氏名); personal data.
    pub representative_name: String,
    /// The group's postal address; personal data.
    pub address: String,
    /// The group's phone number; personal data.
    pub phone: String,
    /// The group's contact e-mail; personal data.
    pub email: String,
    /// The day the group was founded (設立年月日), when recorded.
    pub founded_on: Option<Date>,
    /// The number of members.
    pub member_count: u32,
    /// The number of members living in the city (市内在住者数); at least one is required.
    pub resident_member_count: u32,
    /// The group's purpose (設立目的).
    pub purpose: String,
    /// Unregistered, registered or deregistered.
    pub registration: RegistrationState,
    /// The user accounts that act for the group.
    pub members: Vec<UserId>,
    /// Whether staff erased the group's personal data: then the representative's name, address,
    /// phone and e-mail read 「削除済み」.
    pub personal_data_erased: bool,
}

/// One of the caller's groups.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct GroupListRow {
    /// The group.
    pub id: GroupId,
    /// The group's name (団体名).
    pub name: String,
    /// The registration number the city gave it (登録番号).
    pub registration_number: String,
    /// Unregistered, registered or deregistered.
    pub registration: RegistrationState,
}

impl GroupRead {
    /// The read of `group`.
    pub fn of(group: &Group) -> Self {
        let contact = group.contact();
        GroupRead {
            id: group.id(),
            name: group.name().to_owned(),
            registration_number: group.registration_number().to_owned(),
            representative_name: contact.representative_name.clone(),
            address: contact.address.clone(),
            phone: contact.phone.clone(),
            email: contact.email.clone(),
            founded_on: group.founded_on(),
            member_count: group.member_count(),
            resident_member_count: group.resident_member_count(),
            purpose: group.purpose().to_owned(),
            registration: group.state(),
            members: group.members().collect(),
            personal_data_erased: group.personal_data_erased(),
        }
    }
}

impl GroupListRow {
    /// The row of `group`.
    pub fn of(group: &Group) -> Self {
        GroupListRow {
            id: group.id(),
            name: group.name().to_owned(),
            registration_number: group.registration_number().to_owned(),
            registration: group.state(),
        }
    }
}
