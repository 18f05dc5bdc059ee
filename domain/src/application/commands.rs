//! What a group, the city's staff and the round's decision may ask of an application.

use serde::{Deserialize, Serialize};

use super::screening::ScreeningChecks;
use time::OffsetDateTime;

use super::content::ApplicationContent;
use super::window::ApplicationWindow;
use crate::amount::AmountTerms;
use crate::attachment::Attachment;
use crate::group::GroupStanding;
use crate::ids::{ApplicationId, AttachmentId, GrantId, GroupId, RoundId, UserId};
use crate::money::Yen;

/// Staff's screening result (受付審査) for a submitted application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ScreeningOutcome {
    /// Complete and eligible: goes on to review.
    Eligible,
    /// Not eligible for this round; closes the application.
    Ineligible { reason: String },
    /// Returned for correction (差戻し); the group may edit and resubmit.
    Returned { reason: String },
}

/// The round's decision on an eligible application, recorded here by the app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum DecisionOutcome {
    /// Awarded (交付決定): the grant that now carries the project, and its decided amount.
    Awarded { grant_id: GrantId, amount: Yen },
    /// Runner-up (次点): offered the remainder of the budget.
    RunnerUp,
    /// Not adopted (不採択): below the pass line, outranked, or a runner-up that declined.
    NotAdopted,
    /// Rejected with a stated reason; recorded as not adopted, keeping the reason.
    Rejected { reason: String },
}

/// A command to the application aggregate.
#[derive(Debug, Clone, PartialEq)]
pub enum ApplicationCommand {
    /// Start a draft for a group in a round, with snapshots of the group's standing and the round's
    /// terms and window.
    StartDraft {
        application_id: ApplicationId,
        round_id: RoundId,
        group_id: GroupId,
        group: GroupStanding,
        /// The group's earlier grants in this course (decides the rate inside `terms`).
        prior_grants: u32,
        max_grants_per_group: u32,
        /// The round's cap, floor and rounding unit with the rate for `prior_grants`.
        terms: AmountTerms,
        window: ApplicationWindow,
        content: ApplicationContent,
        by: UserId,
        at: OffsetDateTime,
    },
    /// Save the form; drafts may be incomplete but never over a limit.
    SaveDraft {
        content: ApplicationContent,
        by: UserId,
        at: OffsetDateTime,
    },
    /// Submit (or resubmit, after a return) with the group's standing as of now.
    Submit {
        group: GroupStanding,
        by: UserId,
        at: OffsetDateTime,
    },
    /// Staff's screening result, with what they checked (`screening`).
    Screen {
        outcome: ScreeningOutcome,
        checks: Option<ScreeningChecks>,
        by: UserId,
        at: OffsetDateTime,
    },
    /// The group withdraws (取下げ) before the decision.
    Withdraw {
        reason: String,
        by: UserId,
        at: OffsetDateTime,
    },
    /// Record the round's decision on this application.
    RecordOutcome {
        outcome: DecisionOutcome,
        by: UserId,
        at: OffsetDateTime,
    },
    /// Attach a file the service has already stored durably (its bytes are found by `sha256`).
    AddAttachment {
        attachment: Attachment,
        by: UserId,
        at: OffsetDateTime,
    },
    /// Take an attached file off the application (its bytes stay in the store: the log still
    /// names them).
    RemoveAttachment {
        attachment_id: AttachmentId,
        by: UserId,
        at: OffsetDateTime,
    },
    /// Record a notice issued on the application (the documents process; `crate::document`).
    RecordNotice {
        notice: crate::document::IssuedNotice,
        by: UserId,
        at: OffsetDateTime,
    },
}
