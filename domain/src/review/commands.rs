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
        /// The application the sheet is for.
        application_id: ApplicationId,
        /// The round the application is in.
        round_id: RoundId,
        /// The reviewer declaring.
        reviewer_id: UserId,
        /// Whether the reviewer sits on the round's committee (a fact the app reads).
        is_committee_member: bool,
        /// `true` declares a conflict of interest (利害関係), `false` declares none.
        conflict: bool,
        /// The reviewer's optional note on the declaration, at most `NOTE_MAX_CHARS` characters.
        note: String,
        /// When the reviewer declared (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The reviewer saves a draft of the scores (all or some criteria); it replaces the previous draft.
    SaveScores {
        /// The draft's scores, by criterion key; a criterion left out is not scored yet.
        scores: BTreeMap<String, u32>,
        /// The reviewer's comment (講評), at most `COMMENT_MAX_CHARS` characters; may be empty.
        comment: String,
        /// The round's criteria, which each score must lie within (a fact the app reads).
        criteria: Criteria,
        /// Whether the round still takes scores (staff have not closed scoring).
        scoring_open: bool,
        /// When the reviewer saved (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The reviewer seals a complete scoresheet.
    Seal {
        /// The round's criteria, which every saved score is checked against again.
        criteria: Criteria,
        /// Whether the round still takes scores (staff have not closed scoring).
        scoring_open: bool,
        /// When the reviewer sealed (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}
