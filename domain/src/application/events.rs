//! What happened to an application. Every event is "1.0" except `ApplicationDraftStarted`, "2.0"
//! since its content gained `beneficiaries` (see [`crate::upcasting`]).

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::screening::ScreeningChecks;
use time::OffsetDateTime;

use super::content::ApplicationContent;
use super::status::ApplicationStatus;
use super::window::ApplicationWindow;
use crate::amount::AmountTerms;
use crate::attachment::Attachment;
use crate::ids::{ApplicationId, AttachmentId, GrantId, GroupId, RoundId, UserId};
use crate::money::Yen;

/// The current version of `ApplicationDraftStarted`.
pub const DRAFT_STARTED_VERSION: &str = "2.0";

/// An event of the application aggregate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ApplicationEvent {
    /// A group started its application to a round as a draft, with snapshots of the round's terms
    /// and window. Version 2.0: `content.beneficiaries` is present (1.0 lacked it).
    ApplicationDraftStarted {
        /// The new application.
        application_id: ApplicationId,
        /// The round applied to.
        round_id: RoundId,
        /// The applying group.
        group_id: GroupId,
        /// The group's earlier grants in the course, which chose the rate in `terms`.
        prior_grants: u32,
        /// The round's limit on grants per group, when the draft started.
        max_grants_per_group: u32,
        /// The amount terms (cap, floor, rounding unit, rate), snapshot.
        terms: AmountTerms,
        /// The application window, snapshot.
        window: ApplicationWindow,
        /// The form as first saved.
        content: ApplicationContent,
        /// The group's member (or its consented coordinator) who started it.
        by: UserId,
        /// When it started (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The group saved its form.
    ApplicationDraftSaved {
        /// The whole form as saved.
        content: ApplicationContent,
        /// The group's member (or its consented coordinator) who saved it.
        by: UserId,
        /// When it was saved (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// First submission, inside the window; carries the maximum computed at submission (rule 3).
    ApplicationSubmitted {
        /// The amount requested (交付申請額), integer yen.
        requested_amount: Yen,
        /// Rule 3's maximum for the submitted budget, integer yen.
        max_amount: Yen,
        /// The group's member (or its consented coordinator) who submitted.
        by: UserId,
        /// When it was submitted (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Submission again after a return for correction; may fall after the window closed.
    ApplicationResubmitted {
        /// The amount requested (交付申請額), integer yen.
        requested_amount: Yen,
        /// Rule 3's maximum for the resubmitted budget, integer yen.
        max_amount: Yen,
        /// The group's member (or its consented coordinator) who resubmitted.
        by: UserId,
        /// When it was resubmitted (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// What staff checked at screening, recorded just before its outcome (`screening`).
    ScreeningChecksRecorded {
        /// What was checked; the note trimmed.
        checks: ScreeningChecks,
        /// The staff member who screened.
        by: UserId,
        /// When (UTC): the instant of the screening.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff found the application complete and eligible (受付審査); it goes on to review.
    ApplicationScreenedEligible {
        /// The staff member who screened.
        by: UserId,
        /// When it was screened (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff found the application not eligible; it is closed.
    ApplicationScreenedIneligible {
        /// Why it is not eligible.
        reason: String,
        /// The staff member who screened.
        by: UserId,
        /// When it was screened (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Staff returned the application for correction (差戻し); the group may edit and resubmit.
    ApplicationReturned {
        /// What the group must correct.
        reason: String,
        /// The staff member who returned it.
        by: UserId,
        /// When it was returned (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The group withdrew the application (取下げ) before the decision.
    ApplicationWithdrawn {
        /// Why the group withdrew.
        reason: String,
        /// The status it was withdrawn from.
        from: ApplicationStatus,
        /// The group's member who withdrew it.
        by: UserId,
        /// When it was withdrawn (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The round awarded the application (交付決定); the grant carries the project from here.
    ApplicationAwarded {
        /// The grant opened for the project.
        grant_id: GrantId,
        /// The decided amount (交付決定額), integer yen.
        amount: Yen,
        /// The actor of the round's `AwardDecided` this follows.
        by: UserId,
        /// When it was recorded (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The round made the application its runner-up (次点), offered the budget's remainder.
    ApplicationRunnerUp {
        /// The actor of the round's `RankingFixed` this follows.
        by: UserId,
        /// When it was recorded (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Not adopted; `reason` is present when the round rejected it with a stated reason.
    ApplicationNotAdopted {
        /// The round's stated reason for rejecting it; `None` when it was simply not adopted.
        reason: Option<String>,
        /// The actor of the round's event this follows (a rejection, or a declined offer).
        by: UserId,
        /// When it was recorded (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A file was attached; its bytes were stored durably, under `attachment.sha256`, before.
    AttachmentAdded {
        /// The file: its id, kind, name, type, size and SHA-256.
        attachment: Attachment,
        /// The group's member (or its consented coordinator) who attached it.
        by: UserId,
        /// When it was attached (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// An attached file was taken off.
    AttachmentRemoved {
        /// The file taken off.
        attachment_id: AttachmentId,
        /// The group's member (or its consented coordinator) who took it off.
        by: UserId,
        /// When it was taken off (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A notice on the application was issued (不交付, 次点の打診; `crate::document`): its PDF
    /// kept under `notice.sha256` before this event names it. New in issue 17, version 1.0.
    NoticeIssued {
        /// The notice: kind, number, date, and the PDF's hash and size.
        notice: crate::document::IssuedNotice,
        /// Who issued it (the actor of the event that called for it).
        by: UserId,
        /// When it was recorded (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl DomainEvent for ApplicationEvent {
    fn event_type(&self) -> String {
        match self {
            Self::ApplicationDraftStarted { .. } => "ApplicationDraftStarted",
            Self::ApplicationDraftSaved { .. } => "ApplicationDraftSaved",
            Self::ApplicationSubmitted { .. } => "ApplicationSubmitted",
            Self::ApplicationResubmitted { .. } => "ApplicationResubmitted",
            Self::ApplicationScreenedEligible { .. } => "ApplicationScreenedEligible",
            Self::ScreeningChecksRecorded { .. } => "ScreeningChecksRecorded",
            Self::ApplicationScreenedIneligible { .. } => "ApplicationScreenedIneligible",
            Self::ApplicationReturned { .. } => "ApplicationReturned",
            Self::ApplicationWithdrawn { .. } => "ApplicationWithdrawn",
            Self::ApplicationAwarded { .. } => "ApplicationAwarded",
            Self::ApplicationRunnerUp { .. } => "ApplicationRunnerUp",
            Self::ApplicationNotAdopted { .. } => "ApplicationNotAdopted",
            Self::AttachmentAdded { .. } => "AttachmentAdded",
            Self::AttachmentRemoved { .. } => "AttachmentRemoved",
            Self::NoticeIssued { .. } => "NoticeIssued",
        }
        .into()
    }

    fn event_version(&self) -> String {
        match self {
            Self::ApplicationDraftStarted { .. } => DRAFT_STARTED_VERSION,
            Self::ApplicationDraftSaved { .. }
            | Self::ApplicationSubmitted { .. }
            | Self::ApplicationResubmitted { .. }
            | Self::ApplicationScreenedEligible { .. }
            | Self::ScreeningChecksRecorded { .. }
            | Self::ApplicationScreenedIneligible { .. }
            | Self::ApplicationReturned { .. }
            | Self::ApplicationWithdrawn { .. }
            | Self::ApplicationAwarded { .. }
            | Self::ApplicationRunnerUp { .. }
            | Self::ApplicationNotAdopted { .. }
            | Self::AttachmentAdded { .. }
            | Self::AttachmentRemoved { .. }
            | Self::NoticeIssued { .. } => "1.0",
        }
        .into()
    }
}
