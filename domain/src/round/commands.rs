//! What staff and applicants ask of a round. Every fact from outside the round (the instant, the
//! application's requested amount and budget, the group's grants in other rounds, the scoresheet
//! outcomes) travels in the command.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::ranking::RankingEntry;
use super::settings::RoundSettings;
use crate::budget::Budget;
use crate::ids::{ApplicationId, ChangeRequestId, GrantId, GroupId, RoundId, UserId};
use crate::money::Yen;

/// Longest award conditions (交付条件) text, in characters.
pub const CONDITIONS_MAX_CHARS: usize = 2_000;
/// Longest rejection reason, in characters.
pub const REJECTION_REASON_MAX_CHARS: usize = 2_000;

/// A command to the round aggregate.
// `Open` carries the whole settings; a command lives for one request, so boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RoundCommand {
    /// Staff open the round with its settings.
    Open {
        round_id: RoundId,
        settings: RoundSettings,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff appoint a committee member (審査委員).
    AppointReviewer {
        reviewer_id: UserId,
        /// Whether `reviewer_id` is an account holding the reviewer role (a fact the app reads).
        is_reviewer_account: bool,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff close scoring, after the application window has closed.
    CloseScoring {
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff fix the ranking from every application's sheet outcomes (rule 5).
    FixRanking {
        entries: Vec<RankingEntry>,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The runner-up accepts or declines the remainder offered.
    RespondToOffer {
        application_id: ApplicationId,
        accept: bool,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff decide awards and rejections, all or nothing (rule 6).
    Decide {
        awards: Vec<AwardRequest>,
        rejections: Vec<Rejection>,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// An approved change request raises a decided amount: the round holds the increase before the
    /// grant records the approval (`reservation`).
    ReserveChange {
        application_id: ApplicationId,
        change_request_id: ChangeRequestId,
        new_amount: Yen,
        /// What the grant holds as its decided amount, as the caller read it: the round reserves
        /// only when its award holds the same (another change of the grant is not half applied).
        held_by_grant: Yen,
        /// Staff's reason for approving, which the grant's approval records.
        reason: String,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The grant refused a reserved change after all: the increase goes back to the budget.
    CancelReservation {
        change_request_id: ChangeRequestId,
        /// Why the grant refused.
        reason: String,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// 繰上げ採択: staff offer the budget that came back to the next application in rank order;
    /// `requested` is that application's requested amount, which the app reads.
    OfferPromotion {
        application_id: ApplicationId,
        requested: Yen,
        /// Candidates no longer eligible (withdrawn by their group), which the app reads.
        withdrawn: Vec<ApplicationId>,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The promoted application's group accepts or declines the offer.
    RespondToPromotion {
        application_id: ApplicationId,
        accept: bool,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A withdrawal, cancellation or lower finalisation gives budget back to the round.
    ReleaseAward {
        application_id: ApplicationId,
        amount: Yen,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff correct the settings after opening, with a reason (`correction`); `applications` is
    /// how many applications the round has (drafts included), which the app reads.
    Correct {
        settings: RoundSettings,
        reason: String,
        applications: u32,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

/// One award in a decision. `requested`, `budget` and `grants_in_other_rounds` are facts the app
/// reads; the round counts its own awards and computes the maximum from them (rules 1 and 3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwardRequest {
    pub application_id: ApplicationId,
    pub grant_id: GrantId,
    pub group_id: GroupId,
    pub amount: Yen,
    pub requested: Yen,
    /// The application's budget as submitted.
    pub budget: Budget,
    /// The awards the group received in other rounds of this course, as the log holds them now
    /// (`group::prior_grant_count`).
    pub grants_in_other_rounds: u32,
    pub conditions: String,
    pub completion_deadline: Date,
}

/// One rejection (不採択) in a decision, with its reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub application_id: ApplicationId,
    pub reason: String,
}
