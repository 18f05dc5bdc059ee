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
    RoundOpened {
        round_id: RoundId,
        settings: RoundSettings,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    ReviewerAppointed {
        reviewer_id: UserId,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    ScoringClosed {
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    RankingFixed {
        rows: Vec<RankRow>,
        /// The JST day the ranking was fixed.
        fixed_on: Date,
        /// The last JST day the runner-up may answer (fixed_on + 7), when there is a runner-up.
        offer_expires_on: Option<Date>,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    RunnerUpOfferAccepted {
        application_id: ApplicationId,
        remainder: Yen,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    RunnerUpOfferDeclined {
        application_id: ApplicationId,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    AwardDecided {
        application_id: ApplicationId,
        grant_id: GrantId,
        group_id: GroupId,
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
        conditions: String,
        completion_deadline: Date,
        decided_on: Date,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        decided_at: OffsetDateTime,
    },
    ApplicationRejected {
        application_id: ApplicationId,
        reason: String,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// An approved change moved a decided amount, raised or lowered, in the same request as the
    /// grant's approval. Written before the change-approval saga (`reservation`); such events still
    /// load and apply, and nothing writes them any more.
    AwardAmended {
        application_id: ApplicationId,
        grant_id: GrantId,
        previous_amount: Yen,
        new_amount: Yen,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    AwardReleased {
        application_id: ApplicationId,
        grant_id: GrantId,
        /// The budget given back.
        amount: Yen,
        /// What stays decided for this application after the release.
        remaining_amount: Yen,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The round holds a change's increase before the grant records its approval (`reservation`).
    ChangeReserved {
        application_id: ApplicationId,
        grant_id: GrantId,
        change_request_id: ChangeRequestId,
        previous_amount: Yen,
        new_amount: Yen,
        /// Staff's reason for approving, which the grant's approval records.
        reason: String,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The grant refused a reserved change: the increase went back to the budget.
    ChangeReservationCancelled {
        application_id: ApplicationId,
        grant_id: GrantId,
        change_request_id: ChangeRequestId,
        /// The increase given back.
        released: Yen,
        /// What the award holds after the cancellation.
        remaining_amount: Yen,
        /// Why the grant refused.
        reason: String,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// 繰上げ採択: staff offer budget that came back to the next application in rank order
    /// (see [`super::promotion`]).
    PromotionOffered {
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
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    PromotionAccepted {
        application_id: ApplicationId,
        amount: Yen,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    PromotionDeclined {
        application_id: ApplicationId,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff corrected the settings after opening: the whole corrected settings, the fields changed.
    RoundCorrected {
        settings: RoundSettings,
        changed: Vec<String>,
        reason: String,
        by: UserId,
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
