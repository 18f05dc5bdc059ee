//! Rule 1, eligible applicants, in exactly one place: a group may apply only while it holds a current
//! registration with at least five members, at least one of them resident in the city, and a
//! public-interest purpose; and it may not exceed the round's grant-count limit.
//!
//! The application aggregate receives a [`GroupStanding`] snapshot from the group aggregate and calls
//! these checks; the round calls [`check_grant_limit`] again for each award it decides. Nothing else
//! in the crate decides who may apply or be awarded.

use serde::{Deserialize, Serialize};

use super::errors::GroupError;
use crate::ids::RoundId;

/// The fewest members a group must have to apply (rule 1).
pub const MIN_MEMBERS: u32 = 5;
/// The fewest members resident in the city a group must have to apply (rule 1).
pub const MIN_RESIDENT_MEMBERS: u32 = 1;

/// What rule 1 needs to know about a group, as the group aggregate sees it now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupStanding {
    /// Registered and not deregistered.
    pub registered: bool,
    /// How many people are members; rule 1 needs `MIN_MEMBERS`.
    pub member_count: u32,
    /// How many members live in the city; rule 1 needs `MIN_RESIDENT_MEMBERS`.
    pub resident_member_count: u32,
    /// The group states a (non-empty) public-interest purpose.
    pub has_public_interest_purpose: bool,
}

impl GroupStanding {
    /// Rule 1: the group may apply for a subsidy (the first of [`Self::refusals`]).
    pub fn check_eligible(&self) -> Result<(), GroupError> {
        match self.refusals().into_iter().next() {
            Some(refusal) => Err(refusal),
            None => Ok(()),
        }
    }

    /// Every part of rule 1 the group fails, in the order [`Self::check_eligible`] judges them.
    pub fn refusals(&self) -> Vec<GroupError> {
        let mut found = Vec::new();
        if !self.registered {
            found.push(GroupError::NoCurrentRegistration);
        }
        if self.member_count < MIN_MEMBERS {
            found.push(GroupError::TooFewMembers {
                count: self.member_count,
                min: MIN_MEMBERS,
            });
        }
        if self.resident_member_count < MIN_RESIDENT_MEMBERS {
            found.push(GroupError::NoResidentMember);
        }
        if !self.has_public_interest_purpose {
            found.push(GroupError::NoPublicInterestPurpose);
        }
        found
    }
}

/// A grant a group received from an earlier decision: the round that awarded it and that round's
/// course.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriorAward {
    /// The round that awarded the grant.
    pub round_id: RoundId,
    /// That round's course name (コース), by which rounds are matched across fiscal years.
    pub course: String,
}

/// The count behind rules 1 and 3 (the grant limit and the rate schedule): the grants a group
/// received in rounds of `course` other than `this_round`. Every award decided counts, also one
/// later withdrawn or cancelled: the group received a grant decision. Rounds are matched by their
/// course name, so a course run again in a later fiscal year counts as the same course.
pub fn prior_grant_count(awards: &[PriorAward], course: &str, this_round: RoundId) -> u32 {
    let counted = awards
        .iter()
        .filter(|award| award.course == course && award.round_id != this_round)
        .count();
    u32::try_from(counted).unwrap_or(u32::MAX)
}

/// Rule 1: a group that already had `prior_grants` grants in the course may apply, and be awarded,
/// only while that is below the round's maximum number of grants per group. The application calls
/// it when a draft starts (an early refusal); the round calls it for each award at the decision,
/// with the count of that moment (`round::decision`), which is where the limit binds.
pub fn check_grant_limit(prior_grants: u32, max_grants_per_group: u32) -> Result<(), GroupError> {
    if prior_grants >= max_grants_per_group {
        return Err(GroupError::GrantLimitReached {
            prior_grants,
            max: max_grants_per_group,
        });
    }
    Ok(())
}
