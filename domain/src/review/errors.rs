//! Why a scoresheet refuses a command (rule 4), with stable codes and Japanese messages.

use crate::criteria::CriteriaError;
use crate::refusal::{Refusal, RefusalKind};
use crate::text::ForbiddenCharacter;

/// A refusal by the review aggregate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReviewError {
    /// The reviewer is not on the round's committee.
    #[error("only an appointed committee member may review an application")]
    NotACommitteeMember,
    /// A conflict of interest, once declared, cannot be taken back.
    #[error("a declared conflict of interest is final")]
    ConflictIsFinal,
    /// "No conflict" was already declared.
    #[error("no conflict of interest has already been declared")]
    AlreadyDeclared,
    /// The declaration names another application, round or reviewer than the sheet holds.
    #[error("this declaration names another application, round or reviewer than the scoresheet")]
    WrongSheet,
    /// Scoring before a conflict of interest (or none) is declared.
    #[error("a conflict of interest (or none) must be declared before scoring")]
    NotDeclared,
    /// Scoring by a reviewer who declared a conflict of interest.
    #[error("a reviewer with a conflict of interest cannot score the application")]
    Conflicted,
    /// Any change to a sealed sheet.
    #[error("the scoresheet is already sealed")]
    AlreadySealed,
    /// Saving or sealing after staff closed scoring.
    #[error("scoring is closed")]
    ScoringClosed,
    /// A text field is longer than its limit.
    #[error("the {field} may be at most {max} characters long")]
    TextTooLong {
        /// The field's name: `note` or `comment`.
        field: &'static str,
        /// Its limit, in characters.
        max: usize,
    },
    /// A text field holds a character it may not.
    #[error("{0}")]
    Text(#[from] ForbiddenCharacter),
    /// A score is outside its criterion's range, names an unknown criterion, or (on sealing) is
    /// missing.
    #[error("{0}")]
    Criteria(#[from] CriteriaError),
}

/// The Japanese name of a scoresheet's text field, for messages.
fn field_ja(field: &'static str) -> &'static str {
    match field {
        "note" => "補足",
        "comment" => "講評",
        other => other,
    }
}

impl Refusal for ReviewError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotACommitteeMember => "review.not_a_committee_member",
            Self::ConflictIsFinal => "review.conflict_is_final",
            Self::AlreadyDeclared => "review.already_declared",
            Self::WrongSheet => "review.wrong_sheet",
            Self::NotDeclared => "review.not_declared",
            Self::Conflicted => "review.conflicted",
            Self::AlreadySealed => "review.already_sealed",
            Self::ScoringClosed => "review.scoring_closed",
            Self::TextTooLong { .. } => "review.text_too_long",
            Self::Text(error) => error.code(),
            Self::Criteria(error) => error.code(),
        }
    }

    fn message_ja(&self) -> String {
        match self {
            Self::NotACommitteeMember => "審査委員として委嘱された方のみ審査できます".into(),
            Self::ConflictIsFinal => "申告した利害関係は取り消せません".into(),
            Self::AlreadyDeclared => "利害関係なしはすでに申告済みです".into(),
            Self::WrongSheet => {
                "申告の内容がこの審査票の申請・募集回・審査委員と一致しません".into()
            }
            Self::NotDeclared => "採点の前に利害関係の有無を申告してください".into(),
            Self::Conflicted => "利害関係のある審査委員はこの申請を採点できません".into(),
            Self::AlreadySealed => "この審査票はすでに確定（封印）されています".into(),
            Self::ScoringClosed => "審査（採点）は締め切られています".into(),
            Self::TextTooLong { field, max } => format!("{field}は{max}文字以内で入力してください"),
            Self::Text(error) => error.message_ja_as(field_ja(error.field)),
            Self::Criteria(error) => error.message_ja(),
        }
    }

    fn kind(&self) -> RefusalKind {
        match self {
            Self::NotACommitteeMember | Self::Conflicted => RefusalKind::Rule,
            Self::ConflictIsFinal
            | Self::AlreadyDeclared
            | Self::NotDeclared
            | Self::AlreadySealed
            | Self::ScoringClosed => RefusalKind::State,
            Self::WrongSheet | Self::TextTooLong { .. } | Self::Text(_) => RefusalKind::Invalid,
            Self::Criteria(error) => error.kind(),
        }
    }

    fn field(&self) -> Option<&'static str> {
        match self {
            Self::TextTooLong { field, .. } => Some(field),
            Self::Text(error) => error.field(),
            Self::Criteria(error) => error.field(),
            _ => None,
        }
    }
}
