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
    /// Version 2.0: `content.beneficiaries` is present (1.0 lacked it).
    ApplicationDraftStarted {
        application_id: ApplicationId,
        round_id: RoundId,
        group_id: GroupId,
        prior_grants: u32,
        max_grants_per_group: u32,
        terms: AmountTerms,
        window: ApplicationWindow,
        content: ApplicationContent,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    ApplicationDraftSaved {
        content: ApplicationContent,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// First submission, inside the window; carries the maximum computed at submission (rule 3).
    ApplicationSubmitted {
        requested_amount: Yen,
        max_amount: Yen,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Submission again after a return for correction; may fall after the window closed.
    ApplicationResubmitted {
        requested_amount: Yen,
        max_amount: Yen,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// What staff checked at screening, recorded just before its outcome (`screening`).
    ScreeningChecksRecorded {
        checks: ScreeningChecks,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    ApplicationScreenedEligible {
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    ApplicationScreenedIneligible {
        reason: String,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    ApplicationReturned {
        reason: String,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    ApplicationWithdrawn {
        reason: String,
        /// The status it was withdrawn from.
        from: ApplicationStatus,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    ApplicationAwarded {
        grant_id: GrantId,
        amount: Yen,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    ApplicationRunnerUp {
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Not adopted; `reason` is present when the round rejected it with a stated reason.
    ApplicationNotAdopted {
        reason: Option<String>,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A file was attached; its bytes were stored durably, under `attachment.sha256`, before.
    AttachmentAdded {
        attachment: Attachment,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// An attached file was taken off.
    AttachmentRemoved {
        attachment_id: AttachmentId,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A notice on the application was issued (不交付, 次点の打診; `crate::document`): its PDF
    /// kept under `notice.sha256` before this event names it. New in issue 17, version 1.0.
    NoticeIssued {
        notice: crate::document::IssuedNotice,
        by: UserId,
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
