//! The registration form's checks: required text, length limits (public, so the UI can show them), the
//! e-mail address's shape, the founding date and the membership counts, and [`check_registration`],
//! which judges every field of the form before it answers, so that a form shows each refusal beside
//! its field at once.

use time::{Date, OffsetDateTime};

use super::errors::GroupError;
use super::events::ContactDetails;
use super::standing::GroupStanding;
use crate::fiscal_year::jst_date;
use crate::refusal::{at_once, Refusal};
use crate::text::{check_characters, Lines};

/// Longest group name, in characters.
pub const NAME_MAX: usize = 100;
/// Longest registration number, in characters.
pub const REGISTRATION_NUMBER_MAX: usize = 50;
/// Longest representative's name, in characters.
pub const REPRESENTATIVE_NAME_MAX: usize = 100;
/// Longest address, in characters.
pub const ADDRESS_MAX: usize = 200;
/// Longest phone number, in characters.
pub const PHONE_MAX: usize = 30;
/// Longest e-mail address, in characters (RFC 5321's path limit).
pub const EMAIL_MAX: usize = 254;
/// Longest statement of purpose, in characters.
pub const PURPOSE_MAX: usize = 2000;
/// Longest reason for a deregistration, in characters.
pub const REASON_MAX: usize = 1000;

/// Trims `text` and refuses it when empty, longer than `max` characters (counted as a Japanese form
/// counts them: one per character, whatever its width) or holding a character `lines` does not allow
/// ([`check_characters`]).
pub fn required_text(
    field: &'static str,
    text: &str,
    max: usize,
    lines: Lines,
) -> Result<String, GroupError> {
    let text = bounded_text(field, text, max, lines)?;
    if text.is_empty() {
        return Err(GroupError::EmptyText { field });
    }
    Ok(text)
}

/// Trims `text` and refuses it when longer than `max` characters or holding a character `lines` does
/// not allow; empty is allowed.
pub fn bounded_text(
    field: &'static str,
    text: &str,
    max: usize,
    lines: Lines,
) -> Result<String, GroupError> {
    let text = text.trim();
    let length = text.chars().count();
    if length > max {
        return Err(GroupError::TextTooLong { field, max, length });
    }
    check_characters(field, text, lines)?;
    Ok(text.to_owned())
}

/// A basic shape check, `local@domain.tld` without spaces; whether mail arrives is not ours to know.
pub fn check_email(email: &str) -> Result<(), GroupError> {
    let Some((local, domain)) = email.split_once('@') else {
        return Err(GroupError::MalformedEmail);
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..");
    if local.is_empty() || domain.contains('@') || !domain_ok || email.contains(char::is_whitespace)
    {
        return Err(GroupError::MalformedEmail);
    }
    Ok(())
}

/// The founding date lies on or before today, on the Japanese calendar.
pub fn check_founded_on(founded_on: Date, at: OffsetDateTime) -> Result<(), GroupError> {
    if founded_on > jst_date(at) {
        return Err(GroupError::FoundedInFuture);
    }
    Ok(())
}

/// Resident members are a subset of the members.
pub fn check_membership(member_count: u32, resident_member_count: u32) -> Result<(), GroupError> {
    if resident_member_count > member_count {
        return Err(GroupError::ResidentsExceedMembers);
    }
    Ok(())
}

/// A registration as typed. `None` is a value the caller could not read as a date or a count (it
/// reports that itself); the rules that need that value are then not judged.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RegistrationForm {
    /// The group's name (団体名).
    pub name: String,
    /// The city's registration number for the group.
    pub registration_number: String,
    /// The representative's name (代表者氏名).
    pub representative_name: String,
    /// The group's postal address.
    pub address: String,
    /// The group's phone number.
    pub phone: String,
    /// The group's contact e-mail address.
    pub email: String,
    /// The founding date; `None` if it could not be read as a date.
    pub founded_on: Option<Date>,
    /// How many people are members; `None` if it could not be read as a count.
    pub member_count: Option<u32>,
    /// How many members live in the city; `None` if it could not be read as a count.
    pub resident_member_count: Option<u32>,
    /// The group's public-interest purpose; empty fails rule 1, not the form.
    pub purpose: String,
}

/// A registration's texts as they are kept (trimmed), once every check passed.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedRegistration {
    /// The group's name, trimmed.
    pub name: String,
    /// The registration number, trimmed.
    pub registration_number: String,
    /// The contact details, each trimmed (personal data).
    pub contact: ContactDetails,
    /// The purpose, trimmed; never empty (rule 1 refuses that).
    pub purpose: String,
}

/// Every check of a registration, each field judged even when another failed: the texts, the e-mail
/// address, the founding date, the counts and rule 1. One refusal comes back as itself, several as
/// [`GroupError::Several`] (in the form's order).
pub fn check_registration(
    form: &RegistrationForm,
    at: OffsetDateTime,
) -> Result<CheckedRegistration, GroupError> {
    let mut found = Vec::new();
    let mut keep = |checked: Result<String, GroupError>| {
        checked.unwrap_or_else(|refusal| {
            found.push(refusal);
            String::new()
        })
    };
    let name = keep(required_text("name", &form.name, NAME_MAX, Lines::One));
    let registration_number = keep(required_text(
        "registration_number",
        &form.registration_number,
        REGISTRATION_NUMBER_MAX,
        Lines::One,
    ));
    let representative_name = keep(required_text(
        "representative_name",
        &form.representative_name,
        REPRESENTATIVE_NAME_MAX,
        Lines::One,
    ));
    let address = keep(required_text(
        "address",
        &form.address,
        ADDRESS_MAX,
        Lines::One,
    ));
    let phone = keep(required_text("phone", &form.phone, PHONE_MAX, Lines::One));
    let email = keep(required_text("email", &form.email, EMAIL_MAX, Lines::One));
    // An empty purpose is rule 1's "no public-interest purpose", not a form error.
    let purpose = keep(bounded_text(
        "purpose",
        &form.purpose,
        PURPOSE_MAX,
        Lines::Many,
    ));
    if !email.is_empty() {
        found.extend(check_email(&email).err());
    }
    if let Some(founded_on) = form.founded_on {
        found.extend(check_founded_on(founded_on, at).err());
    }
    if let (Some(members), Some(residents)) = (form.member_count, form.resident_member_count) {
        found.extend(check_membership(members, residents).err());
    }
    let unreadable = |field: &str| {
        (field == "member_count" && form.member_count.is_none())
            || (field == "resident_member_count" && form.resident_member_count.is_none())
    };
    let over_long_purpose = found
        .iter()
        .any(|refusal| refusal.field() == Some("purpose"));
    let rule_1 = GroupStanding {
        registered: true,
        member_count: form.member_count.unwrap_or(0),
        resident_member_count: form.resident_member_count.unwrap_or(0),
        has_public_interest_purpose: over_long_purpose || !purpose.is_empty(),
    }
    .refusals();
    for refusal in rule_1 {
        let field = refusal.field().unwrap_or("");
        let judged_already = found.iter().any(|other| other.field() == Some(field));
        if !unreadable(field) && !judged_already {
            found.push(refusal);
        }
    }
    found.sort_by_key(|refusal| form_order(refusal.field()));
    at_once(found, GroupError::Several)?;
    Ok(CheckedRegistration {
        name,
        registration_number,
        contact: ContactDetails {
            representative_name,
            address,
            phone,
            email,
        },
        purpose,
    })
}

/// The registration form's fields in their order, by their names in the HTTP contract.
pub const FIELDS: [&str; 10] = [
    "name",
    "registration_number",
    "representative_name",
    "address",
    "phone",
    "email",
    "founded_on",
    "member_count",
    "resident_member_count",
    "purpose",
];

/// Where a field stands on the registration form, so that refusals are listed in its order.
pub fn form_order(field: Option<&str>) -> usize {
    crate::refusal::form_position(&FIELDS, field)
}
