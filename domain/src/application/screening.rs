//! What staff checked at screening (形式審査), and who: the group's member count (at least five),
//! its residents (at least one member living in the city) and its rules (規約) with a
//! public-interest purpose — rule 1's eligibility, which the group declares and staff verify
//! against its documents.
//!
//! - The checks travel with the screening (`ScreeningChecksRecorded`, recorded just before the
//!   outcome, with the staff member and the instant).
//! - An application is accepted (eligible) only when all three were checked: accepting while one
//!   was not would let an unverified group through. A return or an ineligibility records whatever
//!   was checked, none required.
//! - A screening sent without checks (API clients from before this rule) records none; the
//!   application's read then says nothing was recorded. The staff page always sends them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::errors::ApplicationError;
use super::events::ApplicationEvent;
use crate::ids::UserId;
use crate::text::{check_characters, Lines};

/// Longest note on the checks, in characters.
pub const CHECK_NOTE_MAX: usize = 1000;

/// What staff checked against the group's documents.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreeningChecks {
    /// The member list shows at least five members (構成員数).
    pub members: bool,
    /// At least one member lives in the city (市内在住者).
    pub residents: bool,
    /// The group's rules (規約) exist and state a public-interest purpose.
    pub rules: bool,
    /// What staff noted (which documents, what they saw).
    #[serde(default)]
    pub note: String,
}

/// The checks as recorded, with who did them and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningRecord {
    /// What was checked, the note trimmed.
    pub checks: ScreeningChecks,
    /// The staff member who screened.
    pub by: UserId,
    /// When the checks were recorded (UTC), just before the outcome.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl ScreeningChecks {
    /// The checks not done, by their API names.
    pub fn unchecked(&self) -> Vec<&'static str> {
        [
            ("members", self.members),
            ("residents", self.residents),
            ("rules", self.rules),
        ]
        .into_iter()
        .filter(|(_, checked)| !checked)
        .map(|(name, _)| name)
        .collect()
    }
}

/// The event recording `checks` for a screening with this outcome, refused when an acceptance
/// lacks a check or the note is too long.
pub(super) fn recorded(
    checks: Option<ScreeningChecks>,
    eligible: bool,
    by: UserId,
    at: OffsetDateTime,
) -> Result<Option<ApplicationEvent>, ApplicationError> {
    let Some(checks) = checks else {
        return Ok(None);
    };
    let note = checks.note.trim().to_owned();
    let length = note.chars().count();
    if length > CHECK_NOTE_MAX {
        return Err(ApplicationError::TextTooLong {
            field: "note",
            max: CHECK_NOTE_MAX,
            length,
        });
    }
    check_characters("note", &note, Lines::Many)?;
    let unchecked = checks.unchecked();
    if eligible && !unchecked.is_empty() {
        return Err(ApplicationError::ChecksIncomplete { unchecked });
    }
    Ok(Some(ApplicationEvent::ScreeningChecksRecorded {
        checks: ScreeningChecks { note, ..checks },
        by,
        at,
    }))
}
