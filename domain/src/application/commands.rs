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
    Ineligible {
        /// Why the application is not eligible; required (rule 11).
        reason: String,
    },
    /// Returned for correction (差戻し); the group may edit and resubmit.
    Returned {
        /// What the group must correct; required (rule 11).
        reason: String,
    },
}

/// The round's decision on an eligible application, recorded here by the app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum DecisionOutcome {
    /// Awarded (交付決定): the grant that now carries the project, and its decided amount.
    Awarded {
        /// The grant opened for the project.
        grant_id: GrantId,
        /// The decided amount (交付決定額), integer yen.
        amount: Yen,
    },
    /// Runner-up (次点): offered the remainder of the budget.
    RunnerUp,
    /// Not adopted (不採択): below the pass line, outranked, or a runner-up that declined.
    NotAdopted,
    /// Rejected with a stated reason; recorded as not adopted, keeping the reason.
    Rejected {
        /// Why the round rejected it; kept as the closing reason.
        reason: String,
    },
}

/// A command to the application aggregate.
#[derive(Debug, Clone, PartialEq)]
pub enum ApplicationCommand {
    /// Start a draft for a group in a round, with snapshots of the group's standing and the round's
    /// terms and window.
    StartDraft {
        /// The new application's id; chosen by the caller.
        application_id: ApplicationId,
        /// The round applied to.
        round_id: RoundId,
        /// The applying group.
        group_id: GroupId,
        /// The group's standing now (rule 1: eligible, and how many grants it holds).
        group: GroupStanding,
        /// The group's earlier grants in this course (decides the rate inside `terms`).
        prior_grants: u32,
        /// The round's limit on grants per group; a group already at it cannot start.
        max_grants_per_group: u32,
        /// The round's cap, floor and rounding unit with the rate for `prior_grants`.
        terms: AmountTerms,
        /// The round's application window, snapshot (rule 2).
        window: ApplicationWindow,
        /// The form as first saved.
        content: ApplicationContent,
        /// The group's member (or the coordinator it consented to) who starts it.
        by: UserId,
        /// When the draft starts (UTC); refused once the window has closed.
        at: OffsetDateTime,
    },
    /// Save the form; drafts may be incomplete but never over a limit.
    SaveDraft {
        /// The whole form, replacing what was saved.
        content: ApplicationContent,
        /// The group's member (or its consented coordinator) who saves it.
        by: UserId,
        /// When it is saved (UTC).
        at: OffsetDateTime,
    },
    /// Submit (or resubmit, after a return) with the group's standing as of now.
    Submit {
        /// The group's standing now; an ineligible group cannot submit.
        group: GroupStanding,
        /// The group's member (or its consented coordinator) who submits.
        by: UserId,
        /// When it is submitted (UTC); inside the window, except a resubmission.
        at: OffsetDateTime,
    },
    /// Staff's screening result, with what they checked (`screening`).
    Screen {
        /// Accepted, ineligible or returned, with the reason.
        outcome: ScreeningOutcome,
        /// What staff checked against the group's documents; `None` from API clients that send
        /// none. All three checks are required to accept.
        checks: Option<ScreeningChecks>,
        /// The staff member who screened.
        by: UserId,
        /// When it was screened (UTC).
        at: OffsetDateTime,
    },
    /// The group withdraws (取下げ) before the decision.
    Withdraw {
        /// Why the group withdraws; required (rule 11).
        reason: String,
        /// The group's member who withdraws it.
        by: UserId,
        /// When it is withdrawn (UTC).
        at: OffsetDateTime,
    },
    /// Record the round's decision on this application.
    RecordOutcome {
        /// What the round decided for this application.
        outcome: DecisionOutcome,
        /// The actor of the round's event that decided it.
        by: UserId,
        /// When it is recorded (UTC).
        at: OffsetDateTime,
    },
    /// Attach a file the service has already stored durably (its bytes are found by `sha256`).
    AddAttachment {
        /// The file as stored: its id, kind, name, type, size and SHA-256.
        attachment: Attachment,
        /// The group's member (or its consented coordinator) who attaches it.
        by: UserId,
        /// When it is attached (UTC).
        at: OffsetDateTime,
    },
    /// Take an attached file off the application (its bytes stay in the store: the log still
    /// names them).
    RemoveAttachment {
        /// The attached file to take off.
        attachment_id: AttachmentId,
        /// The group's member (or its consented coordinator) who takes it off.
        by: UserId,
        /// When it is taken off (UTC).
        at: OffsetDateTime,
    },
    /// Record a notice issued on the application (the documents process; `crate::document`).
    RecordNotice {
        /// The notice as issued (kind, number, date and the PDF's hash).
        notice: crate::document::IssuedNotice,
        /// Who issued it (the actor of the event that called for it).
        by: UserId,
        /// When it was recorded (UTC).
        at: OffsetDateTime,
    },
}
