//! The registration form's checks: required text, length limits (public, so the UI can show them), the
//! e-mail address's shape, the founding date and the membership counts.

use time::{Date, OffsetDateTime};

use super::errors::GroupError;
use crate::fiscal_year::jst_date;
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
