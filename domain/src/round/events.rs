//! What happened to a round: flat facts in the past tense, each carrying what rebuilding needs.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::ranking::RankRow;
use super::settings::RoundSettings;
use crate::ids::{ApplicationId, ChangeRequestId, GrantId, GroupId, RoundId, UserId};
use crate::money::Yen;
use crate::ratio::Ratio;

/// The version of `AwardDecided`: 2.0 added `prior_grants` and `rate` (see [`crate::upcasting`]).
pub const AWARD_DECIDED_VERSION: &str = "2.0";

/// An event of the round aggregate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RoundEvent {
    /// Staff opened the round (公募開始) with its settings.
    RoundOpened {
        /// The round's id.
        round_id: RoundId,
        /// The settings as opened (text trimmed).
        settings: RoundSettings,
        /// The staff member who opened it.
        by: UserId,
        /// When it was opened (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff appointed a committee member (審査委員).
    ReviewerAppointed {
        /// The reviewer's account.
        reviewer_id: UserId,
        /// The staff member who appointed them.
        by: UserId,
        /// When they were appointed (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff closed scoring: no more committee members, and the ranking may be fixed.
    ScoringClosed {
        /// The staff member who closed it.
        by: UserId,
        /// When scoring closed (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff fixed the ranking (rule 5), which names the adopted applications and the runner-up.
    RankingFixed {
        /// Every eligible application's row, in rank order.
        rows: Vec<RankRow>,
        /// The JST day the ranking was fixed.
        fixed_on: Date,
        /// The last JST day the runner-up may answer (fixed_on + 7), when there is a runner-up.
        offer_expires_on: Option<Date>,
        /// The staff member who fixed it.
        by: UserId,
        /// When it was fixed (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The runner-up (次点) accepted the remainder offered; it may now be awarded up to it.
    RunnerUpOfferAccepted {
        /// The runner-up application.
        application_id: ApplicationId,
        /// The amount offered and accepted, in integer yen.
        remainder: Yen,
        /// The member of the group who accepted.
        by: UserId,
        /// When they accepted (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The runner-up declined the remainder: the application is not adopted.
    RunnerUpOfferDeclined {
        /// The runner-up application.
        application_id: ApplicationId,
        /// The member of the group who declined.
        by: UserId,
        /// When they declined (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff awarded an application (交付決定), holding `amount` on the round's budget.
    AwardDecided {
        /// The application awarded.
        application_id: ApplicationId,
        /// The grant this award opens.
        grant_id: GrantId,
        /// The group awarded.
        group_id: GroupId,
        /// The amount decided (交付決定額), in integer yen.
        amount: Yen,
        /// The group's grants in the course before this award, counted at the decision: other
        /// rounds, this round's earlier awards and the earlier awards of the same decision (rule 1).
        /// `None` in events stored before version 2.0, which did not record it.
        #[serde(default)]
        prior_grants: Option<u32>,
        /// The subsidy rate for `prior_grants` (rule 3), which the grant's amounts use. `None` before
        /// version 2.0: such a grant kept the rate its draft started with.
        #[serde(default)]
        rate: Option<Ratio>,
        /// Empty since the notice number counts the fiscal year (issue 15): the decision's
        /// follow-up assigns it and the grant's `GrantDecided` carries it. Events stored before
        /// hold the round's own number (`令和8年度市協3F9A1C2B第1号`), which their grants kept.
        notice_number: String,
        /// The award conditions (交付条件) printed on the notice.
        conditions: String,
        /// The last JST day by which the project must be completed.
        completion_deadline: Date,
        /// The JST day of the decision.
        decided_on: Date,
        /// The staff member who decided.
        by: UserId,
        /// When staff decided (UTC).
        #[serde(with = "time::serde::rfc3339")]
        decided_at: OffsetDateTime,
    },
    /// Staff rejected an application (不採択) with a reason.
    ApplicationRejected {
        /// The application rejected.
        application_id: ApplicationId,
        /// Why, as told to the group.
        reason: String,
        /// The staff member who rejected it.
        by: UserId,
        /// When it was rejected (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// An approved change moved a decided amount, raised or lowered, in the same request as the
    /// grant's approval. Written before the change-approval saga (`reservation`); such events still
    /// load and apply, and nothing writes them any more.
    AwardAmended {
        /// The awarded application.
        application_id: ApplicationId,
        /// Its grant.
        grant_id: GrantId,
        /// The amount held before, in integer yen.
        previous_amount: Yen,
        /// The amount held after, in integer yen.
        new_amount: Yen,
        /// The staff member who approved the change.
        by: UserId,
        /// When the change was approved (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Budget came back to the round from an award: a withdrawal, cancellation, discontinuation,
    /// lower finalisation or lowering change.
    AwardReleased {
        /// The awarded application.
        application_id: ApplicationId,
        /// Its grant, whose event freed the budget.
        grant_id: GrantId,
        /// The budget given back.
        amount: Yen,
        /// What stays decided for this application after the release.
        remaining_amount: Yen,
        /// The account of the grant event that freed the budget.
        by: UserId,
        /// When the release was recorded (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The round holds a change's increase before the grant records its approval (`reservation`).
    ChangeReserved {
        /// The awarded application.
        application_id: ApplicationId,
        /// Its grant, which records the approval next.
        grant_id: GrantId,
        /// The change request approved.
        change_request_id: ChangeRequestId,
        /// The amount the award held before, in integer yen.
        previous_amount: Yen,
        /// The amount the award holds with the change, in integer yen.
        new_amount: Yen,
        /// Staff's reason for approving, which the grant's approval records.
        reason: String,
        /// The staff member who approved the change.
        by: UserId,
        /// When staff approved (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The grant refused a reserved change: the increase went back to the budget.
    ChangeReservationCancelled {
        /// The awarded application.
        application_id: ApplicationId,
        /// Its grant, which refused the change.
        grant_id: GrantId,
        /// The change request whose reservation is cancelled.
        change_request_id: ChangeRequestId,
        /// The increase given back.
        released: Yen,
        /// What the award holds after the cancellation.
        remaining_amount: Yen,
        /// Why the grant refused.
        reason: String,
        /// The staff member who approved the change.
        by: UserId,
        /// When the cancellation was recorded (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// 繰上げ採択: staff offer budget that came back to the next application in rank order
    /// (see [`super::promotion`]).
    PromotionOffered {
        /// The application offered the money.
        application_id: ApplicationId,
        /// The application's rank in the fixed ranking.
        rank: u32,
        /// `min(requested, available)`, rounded down to the rounding unit.
        amount: Yen,
        /// The budget not decided when the offer was made.
        available: Yen,
        /// The JST day of the offer.
        offered_on: Date,
        /// The last JST day to answer: `min(offered_on + 7, the fiscal year's last day)`.
        expires_on: Date,
        /// The staff member who made the offer.
        by: UserId,
        /// When the offer was made (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The promoted application's group accepted the offer; it may now be awarded up to `amount`.
    PromotionAccepted {
        /// The promoted application.
        application_id: ApplicationId,
        /// The amount offered and accepted, in integer yen.
        amount: Yen,
        /// The member of the group who accepted.
        by: UserId,
        /// When they accepted (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The promoted application's group declined the offer: staff may offer to the next.
    PromotionDeclined {
        /// The promoted application.
        application_id: ApplicationId,
        /// The member of the group who declined.
        by: UserId,
        /// When they declined (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff corrected the settings after opening: the whole corrected settings, the fields changed.
    RoundCorrected {
        /// The whole settings after the correction.
        settings: RoundSettings,
        /// The settings' fields that changed, by their API names.
        changed: Vec<String>,
        /// Staff's reason for the correction.
        reason: String,
        /// The staff member who corrected.
        by: UserId,
        /// When staff corrected (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl DomainEvent for RoundEvent {
    fn event_type(&self) -> String {
        match self {
            Self::RoundOpened { .. } => "RoundOpened",
            Self::ReviewerAppointed { .. } => "ReviewerAppointed",
            Self::ScoringClosed { .. } => "ScoringClosed",
            Self::RankingFixed { .. } => "RankingFixed",
            Self::RunnerUpOfferAccepted { .. } => "RunnerUpOfferAccepted",
            Self::RunnerUpOfferDeclined { .. } => "RunnerUpOfferDeclined",
            Self::AwardDecided { .. } => "AwardDecided",
            Self::ApplicationRejected { .. } => "ApplicationRejected",
            Self::AwardAmended { .. } => "AwardAmended",
            Self::AwardReleased { .. } => "AwardReleased",
            Self::ChangeReserved { .. } => "ChangeReserved",
            Self::ChangeReservationCancelled { .. } => "ChangeReservationCancelled",
            Self::PromotionOffered { .. } => "PromotionOffered",
            Self::PromotionAccepted { .. } => "PromotionAccepted",
            Self::PromotionDeclined { .. } => "PromotionDeclined",
            Self::RoundCorrected { .. } => "RoundCorrected",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        match self {
            Self::AwardDecided { .. } => AWARD_DECIDED_VERSION,
            Self::RoundOpened { .. }
            | Self::ReviewerAppointed { .. }
            | Self::ScoringClosed { .. }
            | Self::RankingFixed { .. }
            | Self::RunnerUpOfferAccepted { .. }
            | Self::RunnerUpOfferDeclined { .. }
            | Self::ApplicationRejected { .. }
            | Self::AwardAmended { .. }
            | Self::AwardReleased { .. }
            | Self::ChangeReserved { .. }
            | Self::ChangeReservationCancelled { .. }
            | Self::PromotionOffered { .. }
            | Self::PromotionAccepted { .. }
            | Self::PromotionDeclined { .. }
            | Self::RoundCorrected { .. } => "1.0",
        }
        .to_owned()
    }
}
