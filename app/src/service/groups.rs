//! Citizen groups: registration and reading a group's record. The `Group` aggregate checks the
//! registration (`grants_domain::group::registration`); its contact details are sealed before they
//! enter the log (`crate::store::sealing`).

use grants_domain::group::registration::{check_registration, form_order, RegistrationForm};
use grants_domain::group::{Group, GroupCommand};
use grants_domain::{GroupId, Refusal};
use time::{Date, OffsetDateTime};

use super::error::unreadable;
use super::{CommandContext, ServiceError};
use crate::auth::Actor;
use crate::policy::{visible_group, Applicant};
use crate::state::AppState;
use crate::store::{ActorRole, Executed};

/// A group's registration, every value read.
pub struct Registration {
    /// The group's name (団体名).
    pub name: String,
    /// The registration number the city gives it (登録番号).
    pub registration_number: String,
    /// The representative's name (代表者氏名); personal data, sealed at rest.
    pub representative_name: String,
    /// The group's postal address; personal data.
    pub address: String,
    /// The group's phone number; personal data.
    pub phone: String,
    /// The group's contact e-mail; personal data.
    pub email: String,
    /// The day the group was founded (設立年月日); not in the future.
    pub founded_on: Date,
    /// The number of members.
    pub member_count: u32,
    /// The number of members living in the city (市内在住者数): at least one, at most `member_count`.
    pub resident_member_count: u32,
    /// The group's purpose (設立目的).
    pub purpose: String,
}

/// A count that is not a whole number of 0 or more, or a date that is not a date.
const COUNT_JA: &str = "0以上の整数（人数）を半角または全角の数字で入力してください";
const COUNT_EN: &str = "must be a whole number, 0 or more";
const DATE_JA: &str = "日付を入力してください（例：2020-04-01）";
const DATE_EN: &str = "must be a date such as 2020-04-01";

impl Registration {
    /// The registration a form stands for, as an adapter read it (`None` for a date or a count
    /// that could not be read). Values that could not be read are refused together with every
    /// refusal of the domain's check of the other fields, in the form's order: nothing is
    /// registered.
    pub fn read(form: RegistrationForm, now: OffsetDateTime) -> Result<Self, ServiceError> {
        let mut found = Vec::new();
        if form.founded_on.is_none() {
            found.push(unreadable("founded_on", DATE_JA, DATE_EN));
        }
        if form.member_count.is_none() {
            found.push(unreadable("member_count", COUNT_JA, COUNT_EN));
        }
        if form.resident_member_count.is_none() {
            found.push(unreadable("resident_member_count", COUNT_JA, COUNT_EN));
        }
        if let (Some(founded_on), Some(member_count), Some(resident_member_count)) = (
            form.founded_on,
            form.member_count,
            form.resident_member_count,
        ) {
            return Ok(Registration {
                name: form.name,
                registration_number: form.registration_number,
                representative_name: form.representative_name,
                address: form.address,
                phone: form.phone,
                email: form.email,
                founded_on,
                member_count,
                resident_member_count,
                purpose: form.purpose,
            });
        }
        if let Err(refusal) = check_registration(&form, now) {
            found.extend(refusal.each());
        }
        found.sort_by_key(|one| form_order(one.field));
        Err(ServiceError::invalid_fields(&found))
    }
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
