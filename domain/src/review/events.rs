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
        application_id: ApplicationId,
        round_id: RoundId,
        reviewer_id: UserId,
        conflict: bool,
        note: String,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The whole draft as saved (it replaces the previous one).
    ScoresSaved {
        scores: BTreeMap<String, Score>,
        comment: String,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    ScoresheetSealed {
        total: u32,
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
