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
        /// The round's id, chosen by the app before opening.
        round_id: RoundId,
        /// The terms of the call: budget, window, course, amounts, criteria.
        settings: RoundSettings,
        /// The staff member who opens the round.
        by: UserId,
        /// When staff opened it (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff appoint a committee member (審査委員).
    AppointReviewer {
        /// The account to appoint.
        reviewer_id: UserId,
        /// Whether `reviewer_id` is an account holding the reviewer role (a fact the app reads).
        is_reviewer_account: bool,
        /// The staff member who appoints.
        by: UserId,
        /// When staff appointed (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff close scoring, after the application window has closed.
    CloseScoring {
        /// The staff member who closes scoring.
        by: UserId,
        /// When staff closed scoring (UTC); must be after the window's close.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff fix the ranking from every application's sheet outcomes (rule 5).
    FixRanking {
        /// One entry per eligible application (passed screening), with each committee member's
        /// sheet outcome.
        entries: Vec<RankingEntry>,
        /// The staff member who fixes the ranking.
        by: UserId,
        /// When staff fixed it (UTC); its JST day starts the runner-up's 7 days.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The runner-up accepts or declines the remainder offered.
    RespondToOffer {
        /// The runner-up application the offer was made to.
        application_id: ApplicationId,
        /// `true` to accept the remainder, `false` to decline it.
        accept: bool,
        /// The member of the runner-up's group who answers.
        by: UserId,
        /// When the answer was given (UTC); judged against the offer's last JST day.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff decide awards and rejections, all or nothing (rule 6).
    Decide {
        /// The awards (採択) decided together.
        awards: Vec<AwardRequest>,
        /// The rejections (不採択) decided together.
        rejections: Vec<Rejection>,
        /// The staff member who decides.
        by: UserId,
        /// When staff decided (UTC); its JST day is the decision day.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// An approved change request raises a decided amount: the round holds the increase before the
    /// grant records the approval (`reservation`).
    ReserveChange {
        /// The awarded application whose amount the change raises.
        application_id: ApplicationId,
        /// The change request (変更承認申請) being approved.
        change_request_id: ChangeRequestId,
        /// The award's amount after the change, in integer yen.
        new_amount: Yen,
        /// What the grant holds as its decided amount, as the caller read it: the round reserves
        /// only when its award holds the same (another change of the grant is not half applied).
        held_by_grant: Yen,
        /// Staff's reason for approving, which the grant's approval records.
        reason: String,
        /// The staff member who approves the change.
        by: UserId,
        /// When staff approved (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The grant refused a reserved change after all: the increase goes back to the budget.
    CancelReservation {
        /// The change request whose reservation is given back.
        change_request_id: ChangeRequestId,
        /// Why the grant refused.
        reason: String,
        /// The staff member who approved the change (the saga acts for them).
        by: UserId,
        /// When the cancellation is recorded (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// 繰上げ採択: staff offer the budget that came back to the next application in rank order;
    /// `requested` is that application's requested amount, which the app reads.
    OfferPromotion {
        /// The application offered the money: the next in rank order that passed.
        application_id: ApplicationId,
        /// That application's requested amount, in integer yen, which bounds the offer.
        requested: Yen,
        /// Candidates no longer eligible (withdrawn by their group), which the app reads.
        withdrawn: Vec<ApplicationId>,
        /// The staff member who makes the offer.
        by: UserId,
        /// When staff offered (UTC); its JST day starts the 7 days to answer.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The promoted application's group accepts or declines the offer.
    RespondToPromotion {
        /// The application the promotion was offered to.
        application_id: ApplicationId,
        /// `true` to accept the amount offered, `false` to decline it.
        accept: bool,
        /// The member of the promoted application's group who answers.
        by: UserId,
        /// When the answer was given (UTC); judged against the offer's last JST day.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A withdrawal, cancellation or lower finalisation gives budget back to the round.
    ReleaseAward {
        /// The awarded application whose budget comes back.
        application_id: ApplicationId,
        /// The budget given back, in integer yen (at most what remains decided).
        amount: Yen,
        /// The account of the grant event that freed the budget (the process acts for it).
        by: UserId,
        /// When the release was recorded (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff correct the settings after opening, with a reason (`correction`); `applications` is
    /// how many applications the round has (drafts included), which the app reads.
    Correct {
        /// The whole settings as corrected, not only the changed fields.
        settings: RoundSettings,
        /// Staff's reason for the correction (募集要項の訂正), at most
        /// `CORRECTION_REASON_MAX_CHARS` characters.
        reason: String,
        /// How many applications the round has (drafts included), which the app reads; any freezes
        /// most terms.
        applications: u32,
        /// The staff member who corrects.
        by: UserId,
        /// When staff corrected (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

/// One award in a decision. `requested`, `budget` and `grants_in_other_rounds` are facts the app
/// reads; the round counts its own awards and computes the maximum from them (rules 1 and 3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwardRequest {
    /// The application awarded.
    pub application_id: ApplicationId,
    /// The id the grant opened by this award will have, chosen by the app.
    pub grant_id: GrantId,
    /// The group that applied.
    pub group_id: GroupId,
    /// The amount awarded (交付決定額), in integer yen; at most the computed maximum.
    pub amount: Yen,
    /// The amount the application requested, in integer yen.
    pub requested: Yen,
    /// The application's budget as submitted.
    pub budget: Budget,
    /// The awards the group received in other rounds of this course, as the log holds them now
    /// (`group::prior_grant_count`).
    pub grants_in_other_rounds: u32,
    /// The award conditions (交付条件) printed on the notice, at most `CONDITIONS_MAX_CHARS`
    /// characters.
    pub conditions: String,
    /// The last JST day by which the project must be completed: from the decision day to 31 March.
    pub completion_deadline: Date,
}

/// One rejection (不採択) in a decision, with its reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The application rejected.
    pub application_id: ApplicationId,
    /// Why, told to the group on the notice (at most `REJECTION_REASON_MAX_CHARS` characters).
    pub reason: String,
}
