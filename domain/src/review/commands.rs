//! What a reviewer asks of a scoresheet. Facts from elsewhere (committee membership, the round's
//! criteria, whether scoring is open, the instant) travel in the command.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::criteria::Criteria;
use crate::ids::{ApplicationId, RoundId, UserId};

/// Longest conflict-of-interest note, in characters.
pub const NOTE_MAX_CHARS: usize = 1_000;
/// Longest reviewer comment, in characters.
pub const COMMENT_MAX_CHARS: usize = 4_000;

/// A command to the review aggregate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ReviewCommand {
    /// The reviewer declares a conflict of interest, or none, before scoring.
    DeclareConflict {
        application_id: ApplicationId,
        round_id: RoundId,
        reviewer_id: UserId,
        is_committee_member: bool,
        conflict: bool,
        note: String,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The reviewer saves a draft of the scores (all or some criteria); it replaces the previous draft.
    SaveScores {
        scores: BTreeMap<String, u32>,
        comment: String,
        criteria: Criteria,
        scoring_open: bool,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The reviewer seals a complete scoresheet.
    Seal {
        criteria: Criteria,
        scoring_open: bool,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}
