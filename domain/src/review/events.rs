//! What happened to a scoresheet: flat facts in the past tense.

use std::collections::BTreeMap;

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::criteria::Score;
use crate::ids::{ApplicationId, RoundId, UserId};

/// An event of the review aggregate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ReviewEvent {
    /// A declaration of a conflict (`conflict: true`) or of none. A conflict declared after "none"
    /// discards the draft scores.
    ConflictDeclared {
        /// The application the sheet is for.
        application_id: ApplicationId,
        /// The round the application is in.
        round_id: RoundId,
        /// The reviewer who declared.
        reviewer_id: UserId,
        /// `true` for a conflict of interest (利害関係), `false` for none.
        conflict: bool,
        /// The reviewer's note; may be empty.
        note: String,
        /// When the reviewer declared (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The whole draft as saved (it replaces the previous one).
    ScoresSaved {
        /// The draft's scores, by criterion key.
        scores: BTreeMap<String, Score>,
        /// The reviewer's comment (講評); may be empty.
        comment: String,
        /// When the reviewer saved (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The reviewer sealed the sheet: its scores never change again, and the ranking counts it.
    ScoresheetSealed {
        /// The sum of the sealed scores.
        total: u32,
        /// When the reviewer sealed (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl DomainEvent for ReviewEvent {
    fn event_type(&self) -> String {
        match self {
            Self::ConflictDeclared { .. } => "ConflictDeclared",
            Self::ScoresSaved { .. } => "ScoresSaved",
            Self::ScoresheetSealed { .. } => "ScoresheetSealed",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        match self {
            Self::ConflictDeclared { .. }
            | Self::ScoresSaved { .. }
            | Self::ScoresheetSealed { .. } => "1.0",
        }
        .to_owned()
    }
}
