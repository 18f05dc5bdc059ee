//! The review (審査票): one reviewer's scoresheet for one application, guarding rule 4: only committee
//! members review, each declares a conflict of interest (or none) before scoring, a conflicted reviewer
//! never scores, every score lies within its criterion's range, and a sealed sheet never changes.
//!
//! The aggregate id is [`review_id`]`(application_id, reviewer_id)`, so one reviewer has exactly one
//! sheet per application. The round's ranking reads each sheet through [`Review::outcome`].
//!
//! Decisions where the rules are silent:
//! - A conflict, once declared, is final; "no conflict" may turn into a conflict until the sheet is
//!   sealed (a relationship discovered late), which discards the draft scores. Declaring "no conflict"
//!   twice is refused. A declaration stays possible after scoring closes, so that a reviewer who
//!   discovers a conflict can still unblock a ranking held up by the missing sheet.
//! - The note is optional (trimmed, at most [`NOTE_MAX_CHARS`]); the comment likewise.
//! - Each save replaces the whole draft; a partial draft is fine, sealing needs every criterion.
//! - Sealing re-checks the saved scores against the criteria the command carries, so a sheet cannot be
//!   sealed against criteria it was not scored on.
//! - Visibility (rule 4, "sealed"): a reviewer always sees their own sheet; another reviewer sees it only
//!   once staff have closed scoring ([`visible_to_others`]). Staff and auditors see everything and the
//!   public never sees individual scores (rule 12): those are the app's role checks.

pub mod commands;
pub mod errors;
pub mod events;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use commands::{ReviewCommand, COMMENT_MAX_CHARS, NOTE_MAX_CHARS};
pub use errors::ReviewError;
pub use events::ReviewEvent;

use crate::criteria::{Criteria, Score};
use crate::ids::{ApplicationId, RoundId, UserId};
use crate::round::SheetOutcome;
use crate::text::{check_characters, Lines};

/// The aggregate id of a reviewer's sheet for an application: `"{application_id}:{reviewer_id}"`.
pub fn review_id(application_id: ApplicationId, reviewer_id: UserId) -> String {
    format!("{application_id}:{reviewer_id}")
}

/// Whether a sheet's scores may be shown to *other* reviewers: only once staff have closed scoring.
pub fn visible_to_others(scoring_closed: bool) -> bool {
    scoring_closed
}

/// One reviewer's scoresheet, rebuilt from its events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// The application the sheet is for; `None` before the declaration.
    pub application_id: Option<ApplicationId>,
    /// The round the application is in; `None` before the declaration.
    pub round_id: Option<RoundId>,
    /// The reviewer whose sheet it is; `None` before the declaration.
    pub reviewer_id: Option<UserId>,
    /// `None` before the declaration, then `Some(true)` for a conflict, `Some(false)` for none.
    pub conflict: Option<bool>,
    /// The reviewer's note on the declaration; may be empty.
    pub note: String,
    /// The current draft (or the sealed scores).
    pub scores: BTreeMap<String, Score>,
    /// The reviewer's comment (講評); may be empty.
    pub comment: String,
    /// The sealed total; `Some` once sealed.
    pub sealed_total: Option<u32>,
}

impl Review {
    /// What this sheet contributes to the ranking (rule 5).
    pub fn outcome(&self) -> SheetOutcome {
        match (self.sealed_total, self.conflict) {
            (Some(total), _) => SheetOutcome::Scored(total),
            (None, Some(true)) => SheetOutcome::Conflicted,
            _ => SheetOutcome::Missing,
        }
    }

    /// Whether the reviewer sealed the sheet.
    pub fn is_sealed(&self) -> bool {
        self.sealed_total.is_some()
    }

    /// Whether `viewer` may see this sheet's scores: its own reviewer always, others after closing.
    pub fn scores_visible_to(&self, viewer: UserId, scoring_closed: bool) -> bool {
        self.reviewer_id == Some(viewer) || visible_to_others(scoring_closed)
    }

    #[allow(clippy::too_many_arguments)]
    fn declare_conflict(
        &self,
        application_id: ApplicationId,
        round_id: RoundId,
        reviewer_id: UserId,
        is_committee_member: bool,
        conflict: bool,
        note: String,
        at: OffsetDateTime,
    ) -> Result<Vec<ReviewEvent>, ReviewError> {
        if !is_committee_member {
            return Err(ReviewError::NotACommitteeMember);
        }
        if self.conflict.is_some()
            && (self.application_id, self.round_id, self.reviewer_id)
                != (Some(application_id), Some(round_id), Some(reviewer_id))
        {
            return Err(ReviewError::WrongSheet);
        }
        if self.is_sealed() {
            return Err(ReviewError::AlreadySealed);
        }
        match (self.conflict, conflict) {
            (Some(true), _) => return Err(ReviewError::ConflictIsFinal),
            (Some(false), false) => return Err(ReviewError::AlreadyDeclared),
            _ => {}
        }
        let note = checked_text(note, "note", NOTE_MAX_CHARS)?;
        Ok(vec![ReviewEvent::ConflictDeclared {
            application_id,
            round_id,
            reviewer_id,
            conflict,
            note,
            at,
        }])
    }

    /// Scoring needs a "no conflict" declaration, an unsealed sheet and open scoring.
    pub fn check_may_score(&self, scoring_open: bool) -> Result<(), ReviewError> {
        match self.conflict {
            None => return Err(ReviewError::NotDeclared),
            Some(true) => return Err(ReviewError::Conflicted),
            Some(false) => {}
        }
        if self.is_sealed() {
            return Err(ReviewError::AlreadySealed);
        }
        if !scoring_open {
            return Err(ReviewError::ScoringClosed);
        }
        Ok(())
    }

    fn save_scores(
        &self,
        scores: BTreeMap<String, u32>,
        comment: String,
        criteria: &Criteria,
        scoring_open: bool,
        at: OffsetDateTime,
    ) -> Result<Vec<ReviewEvent>, ReviewError> {
        self.check_may_score(scoring_open)?;
        let scores = criteria.check_scores(&scores)?;
        let comment = checked_text(comment, "comment", COMMENT_MAX_CHARS)?;
        Ok(vec![ReviewEvent::ScoresSaved {
            scores,
            comment,
            at,
        }])
    }

    fn seal(
        &self,
        criteria: &Criteria,
        scoring_open: bool,
        at: OffsetDateTime,
    ) -> Result<Vec<ReviewEvent>, ReviewError> {
        self.check_may_score(scoring_open)?;
        let points = self
            .scores
            .iter()
            .map(|(key, score)| (key.clone(), score.points()))
            .collect();
        let total = criteria.total(&criteria.check_scores(&points)?)?;
        Ok(vec![ReviewEvent::ScoresheetSealed { total, at }])
    }
}

/// Trims optional text and refuses it when too long (in characters) or holding a character a
/// multi-line text may not hold (both the note and the comment are multi-line).
fn checked_text(text: String, field: &'static str, max: usize) -> Result<String, ReviewError> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(ReviewError::TextTooLong { field, max });
    }
    check_characters(field, text, Lines::Many)?;
    Ok(text.to_owned())
}

impl Aggregate for Review {
    const TYPE: &'static str = "review";
    type Command = ReviewCommand;
    type Event = ReviewEvent;
    type Error = ReviewError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let events = match command {
            ReviewCommand::DeclareConflict {
                application_id,
                round_id,
                reviewer_id,
                is_committee_member,
                conflict,
                note,
                at,
            } => self.declare_conflict(
                application_id,
                round_id,
                reviewer_id,
                is_committee_member,
                conflict,
                note,
                at,
            )?,
            ReviewCommand::SaveScores {
                scores,
                comment,
                criteria,
                scoring_open,
                at,
            } => self.save_scores(scores, comment, &criteria, scoring_open, at)?,
            ReviewCommand::Seal {
                criteria,
                scoring_open,
                at,
            } => self.seal(&criteria, scoring_open, at)?,
        };
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            ReviewEvent::ConflictDeclared {
                application_id,
                round_id,
                reviewer_id,
                conflict,
                note,
                ..
            } => {
                self.application_id = Some(application_id);
                self.round_id = Some(round_id);
                self.reviewer_id = Some(reviewer_id);
                self.conflict = Some(conflict);
                self.note = note;
                if conflict {
                    // A conflicted reviewer's draft must not survive anywhere.
                    self.scores.clear();
                    self.comment.clear();
                }
            }
            ReviewEvent::ScoresSaved {
                scores, comment, ..
            } => {
                self.scores = scores;
                self.comment = comment;
            }
            ReviewEvent::ScoresheetSealed { total, .. } => self.sealed_total = Some(total),
        }
    }
}
