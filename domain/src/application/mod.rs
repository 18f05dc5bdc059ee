//! The `application` aggregate (TYPE `"application"`): one group's application (交付申請) to one round,
//! from the first draft to the outcome the round decided.
//!
//! It guards rule 1 (the group is eligible and below the round's grant-count limit, judged by
//! [`crate::group::standing`]), rule 2 (drafts until the window closes, submission only inside it,
//! return for correction and resubmission, withdrawal before the decision; see [`window`]) and rule 3
//! (the requested amount lies between the floor and the maximum, judged by
//! [`AmountTerms::check_request`]). The form's limits are public constants in [`content`].
//!
//! Files (見積書, 規約, 名簿, 事業計画の資料) are added and removed while the content may be edited
//! ([`Application::check_editable`]), within the limits of [`crate::attachment`].
//!
//! Life cycle: draft -> submitted -> (returned -> submitted)* -> eligible | ineligible;
//! eligible -> awarded | runner_up | not_adopted; runner_up -> awarded | not_adopted; and withdrawn from
//! draft, submitted, returned, eligible or runner_up.
//!
//! Decisions where the rules are silent:
//! - **Resubmission after the window closed.** A returned application may be resubmitted after
//!   `closes_at`: the city asked for the correction, and the group submitted on time the first time.
//!   The window is not checked on resubmission (it was passed at the first submission); there is no
//!   correction deadline in the rules, so staff screening decides whether a late correction stands.
//! - A plain draft may be started and saved until `closes_at` (also before the window opens), not
//!   after: rule 2 says drafts are saved "any time before", and after the close a draft can never be
//!   submitted. A returned application may be edited at any time, for the reason above.
//! - The amount terms (cap, floor, rounding unit, and the rate for the group's prior grant count) and
//!   the window are snapshots taken when the draft starts. A later change to the round's form never
//!   breaks an existing draft, and the rate does not move under the group while it writes. The grant
//!   count limit is checked at the start of the draft, only to refuse early a group already at it;
//!   the limit binds, and the rate of the grant is chosen, at the decision, where the round counts
//!   the group's grants of that moment with its own awards (`round::decision`). Eligibility (the
//!   group's standing) is checked again at every submission.
//! - Rule 3 is checked at submission (and resubmission), not on save: a draft may request more than its
//!   budget yet allows while the group is still filling in the budget. [`Application::max_amount`]
//!   shows the current maximum at all times, so the limit is never hidden.
//! - Completeness also requires a named item on every expense line and a requested amount above zero.
//! - Surrounding white space is trimmed from every text when it is stored.
//! - Every reason (return, ineligibility, withdrawal, rejection) is required: rule 11 asks for the why.
//! - A withdrawal records the status it was withdrawn from. Withdrawal after the award (rule 6's ten
//!   days) belongs to the grant, which then exists; here the application is already `awarded`.
//! - `RecordOutcome` does not judge the decided amount: rule 6 lives in the round's decision. A
//!   `Rejected` outcome becomes `not_adopted` and keeps its reason.

#[cfg(test)]
mod attachment_tests;
pub mod commands;
pub mod content;
mod errors;
mod events;
pub mod receipt;
mod screening;
#[cfg(test)]
mod screening_tests;
mod status;
#[cfg(test)]
mod tests;
pub mod window;

use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use commands::{ApplicationCommand, DecisionOutcome, ScreeningOutcome};
pub use content::{ApplicationContent, Period};
pub use errors::ApplicationError;
pub use events::{ApplicationEvent, DRAFT_STARTED_VERSION};
pub use receipt::receipt_number;
pub use screening::{ScreeningChecks, ScreeningRecord};
pub use status::ApplicationStatus;
pub use window::ApplicationWindow;

use crate::amount::AmountTerms;
use crate::attachment::{check_held, check_room, Attached, AttachedTo, Attachment};
use crate::group::{check_grant_limit, GroupStanding};
use crate::ids::{ApplicationId, AttachmentId, GrantId, GroupId, RoundId, UserId};
use crate::money::Yen;
use content::required_reason;

/// One group's application to one round.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Application {
    id: ApplicationId,
    round_id: RoundId,
    group_id: GroupId,
    /// `None` until the draft starts.
    status: Option<ApplicationStatus>,
    prior_grants: u32,
    terms: Option<AmountTerms>,
    window: Option<ApplicationWindow>,
    content: Option<ApplicationContent>,
    #[serde(with = "time::serde::rfc3339::option")]
    submitted_at: Option<OffsetDateTime>,
    max_at_submission: Option<Yen>,
    returned_reason: Option<String>,
    /// Why it closed without an award: ineligible, withdrawn, or rejected.
    closing_reason: Option<String>,
    grant_id: Option<GrantId>,
    awarded_amount: Option<Yen>,
    /// What staff checked at the latest screening (`screening`).
    #[serde(default)]
    screening_checks: Option<ScreeningRecord>,
    /// The files attached, in the order they were added (`crate::attachment`).
    #[serde(default)]
    attachments: Vec<Attached>,
    /// The notices issued on the application, in the order issued (`crate::document`).
    #[serde(default)]
    notices: Vec<crate::document::IssuedNotice>,
}

/// The parts every command after `StartDraft` needs.
struct Started<'a> {
    status: ApplicationStatus,
    terms: &'a AmountTerms,
    window: &'a ApplicationWindow,
    content: &'a ApplicationContent,
}

impl Application {
    /// The application's id (nil before the draft starts).
    pub fn id(&self) -> ApplicationId {
        self.id
    }

    /// The round applied to.
    pub fn round_id(&self) -> RoundId {
        self.round_id
    }

    /// The applying group.
    pub fn group_id(&self) -> GroupId {
        self.group_id
    }

    /// `None` before the draft starts.
    pub fn status(&self) -> Option<ApplicationStatus> {
        self.status
    }

    /// The group's earlier grants in the course when the draft started.
    pub fn prior_grants(&self) -> u32 {
        self.prior_grants
    }

    /// The amount terms snapshot taken when the draft started.
    pub fn terms(&self) -> Option<&AmountTerms> {
        self.terms.as_ref()
    }

    /// The application window snapshot taken when the draft started.
    pub fn window(&self) -> Option<&ApplicationWindow> {
        self.window.as_ref()
    }

    /// The form as last saved.
    pub fn content(&self) -> Option<&ApplicationContent> {
        self.content.as_ref()
    }

    /// Rule 3's maximum for the current content; `None` before the draft starts or if the budget's
    /// amounts are too large to add up.
    pub fn max_amount(&self) -> Option<Yen> {
        let (terms, content) = (self.terms.as_ref()?, self.content.as_ref()?);
        terms.max_subsidy(&content.budget).ok()
    }

    /// What submission would refuse about the amount requested in the content as saved (rule 3:
    /// above the maximum, below the floor), so that an editable draft can warn before it is
    /// submitted; `None` when nothing is requested yet or the amount would pass.
    pub fn amount_warning(&self) -> Option<crate::amount::AmountError> {
        let (terms, content) = (self.terms.as_ref()?, self.content.as_ref()?);
        if content.requested_amount.is_zero() {
            return None;
        }
        terms
            .check_request(content.requested_amount, &content.budget)
            .err()
    }

    /// When it was last submitted or resubmitted.
    pub fn submitted_at(&self) -> Option<OffsetDateTime> {
        self.submitted_at
    }

    /// The maximum recorded at the last submission.
    pub fn max_at_submission(&self) -> Option<Yen> {
        self.max_at_submission
    }

    /// Why staff returned it, while it is returned for correction.
    pub fn returned_reason(&self) -> Option<&str> {
        self.returned_reason.as_deref()
    }

    /// Why it closed without an award (ineligible, withdrawn, rejected).
    pub fn closing_reason(&self) -> Option<&str> {
        self.closing_reason.as_deref()
    }

    /// The grant that carries the project, once awarded.
    pub fn grant_id(&self) -> Option<GrantId> {
        self.grant_id
    }

    /// The decided amount, once awarded.
    pub fn awarded_amount(&self) -> Option<Yen> {
        self.awarded_amount
    }

    fn started(&self) -> Result<Started<'_>, ApplicationError> {
        match (self.status, &self.terms, &self.window, &self.content) {
            (Some(status), Some(terms), Some(window), Some(content)) => Ok(Started {
                status,
                terms,
                window,
                content,
            }),
            _ => Err(ApplicationError::NotStarted),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn start_draft(
        &self,
        application_id: ApplicationId,
        round_id: RoundId,
        group_id: GroupId,
        group: GroupStanding,
        prior_grants: u32,
        max_grants_per_group: u32,
        terms: AmountTerms,
        window: ApplicationWindow,
        content: ApplicationContent,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<ApplicationEvent>, ApplicationError> {
        if self.status.is_some() {
            return Err(ApplicationError::AlreadyStarted);
        }
        window.check_valid()?;
        window.check_drafting(at)?;
        group.check_eligible()?;
        check_grant_limit(prior_grants, max_grants_per_group)?;
        let content = content.trimmed();
        content.check_limits()?;
        Ok(vec![ApplicationEvent::ApplicationDraftStarted {
            application_id,
            round_id,
            group_id,
            prior_grants,
            max_grants_per_group,
            terms,
            window,
            content,
            by,
            at,
        }])
    }

    /// Whether the group may change the application at `at`: its content and its attached files.
    /// A draft until the window closes, one returned for correction at any time (module doc).
    pub fn check_editable(&self, at: OffsetDateTime) -> Result<(), ApplicationError> {
        let started = self.started()?;
        match started.status {
            ApplicationStatus::Draft => started.window.check_drafting(at)?,
            ApplicationStatus::Returned => {}
            status => return Err(ApplicationError::NotEditable { status }),
        }
        Ok(())
    }

    /// The files attached, in the order they were added.
    /// The notices issued on the application, in the order issued.
    pub fn notices(&self) -> &[crate::document::IssuedNotice] {
        &self.notices
    }

    /// The notice of `kind` issued for the event `source_sequence` of `source_type`, if any.
    pub fn notice_issued_for(
        &self,
        source_type: &str,
        source_sequence: i64,
        kind: crate::document::DocumentKind,
    ) -> Option<&crate::document::IssuedNotice> {
        self.notices.iter().find(|notice| {
            notice.source_type == source_type
                && notice.source_sequence == source_sequence
                && notice.kind == kind
        })
    }

    /// Records an issued notice, once per event and kind (the documents process may meet an
    /// event twice).
    fn record_notice(
        &self,
        notice: crate::document::IssuedNotice,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<ApplicationEvent>, ApplicationError> {
        if self.status.is_none() {
            return Err(ApplicationError::NotStarted);
        }
        if self
            .notice_issued_for(&notice.source_type, notice.source_sequence, notice.kind)
            .is_some()
        {
            return Ok(Vec::new());
        }
        Ok(vec![ApplicationEvent::NoticeIssued { notice, by, at }])
    }

    /// The files attached, in the order they were added.
    pub fn attachments(&self) -> &[Attached] {
        &self.attachments
    }

    /// The attached file `id`, if it is still attached.
    pub fn attachment(&self, id: AttachmentId) -> Option<&Attached> {
        self.attachments.iter().find(|one| one.attachment.id == id)
    }

    fn add_attachment(
        &self,
        attachment: Attachment,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<ApplicationEvent>, ApplicationError> {
        self.check_editable(at)?;
        check_room(AttachedTo::Application, &self.attachments, &attachment)?;
        Ok(vec![ApplicationEvent::AttachmentAdded {
            attachment,
            by,
            at,
        }])
    }

    fn remove_attachment(
        &self,
        attachment_id: AttachmentId,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<ApplicationEvent>, ApplicationError> {
        self.check_editable(at)?;
        check_held(&self.attachments, attachment_id)?;
        Ok(vec![ApplicationEvent::AttachmentRemoved {
            attachment_id,
            by,
            at,
        }])
    }

    fn save_draft(
        &self,
        content: ApplicationContent,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<ApplicationEvent>, ApplicationError> {
        self.check_editable(at)?;
        let content = content.trimmed();
        content.check_limits()?;
        Ok(vec![ApplicationEvent::ApplicationDraftSaved {
            content,
            by,
            at,
        }])
    }

    fn submit(
        &self,
        group: GroupStanding,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<ApplicationEvent>, ApplicationError> {
        let started = self.started()?;
        let resubmission = match started.status {
            ApplicationStatus::Draft => {
                started.window.check_submission(at)?;
                false
            }
            // The city asked for this correction: the window is not judged again (see module doc).
            ApplicationStatus::Returned => true,
            status => return Err(ApplicationError::NotSubmittable { status }),
        };
        group.check_eligible()?;
        let content = started.content;
        content.check_complete()?;
        let requested_amount = content.requested_amount;
        let max_amount = started
            .terms
            .check_request(requested_amount, &content.budget)?;
        Ok(vec![if resubmission {
            ApplicationEvent::ApplicationResubmitted {
                requested_amount,
                max_amount,
                by,
                at,
            }
        } else {
            ApplicationEvent::ApplicationSubmitted {
                requested_amount,
                max_amount,
                by,
                at,
            }
        }])
    }

    fn screen(
        &self,
        outcome: ScreeningOutcome,
        checks: Option<ScreeningChecks>,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<ApplicationEvent>, ApplicationError> {
        let status = self.started()?.status;
        if status != ApplicationStatus::Submitted {
            return Err(ApplicationError::NotScreenable { status });
        }
        let eligible = matches!(outcome, ScreeningOutcome::Eligible);
        let mut events: Vec<ApplicationEvent> = screening::recorded(checks, eligible, by, at)?
            .into_iter()
            .collect();
        events.push(match outcome {
            ScreeningOutcome::Eligible => ApplicationEvent::ApplicationScreenedEligible { by, at },
            ScreeningOutcome::Ineligible { reason } => {
                ApplicationEvent::ApplicationScreenedIneligible {
                    reason: required_reason(&reason)?,
                    by,
                    at,
                }
            }
            ScreeningOutcome::Returned { reason } => ApplicationEvent::ApplicationReturned {
                reason: required_reason(&reason)?,
                by,
                at,
            },
        });
        Ok(events)
    }

    /// The latest screening's checks, who did them and when (`screening`).
    pub fn screening_checks(&self) -> Option<&ScreeningRecord> {
        self.screening_checks.as_ref()
    }

    fn withdraw(
        &self,
        reason: String,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<ApplicationEvent>, ApplicationError> {
        let status = self.started()?.status;
        if !status.is_withdrawable() {
            return Err(ApplicationError::NotWithdrawable { status });
        }
        Ok(vec![ApplicationEvent::ApplicationWithdrawn {
            reason: required_reason(&reason)?,
            from: status,
            by,
            at,
        }])
    }

    fn record_outcome(
        &self,
        outcome: DecisionOutcome,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<ApplicationEvent>, ApplicationError> {
        let status = self.started()?.status;
        let allowed = match status {
            ApplicationStatus::Eligible => true,
            // A runner-up accepts the remainder (awarded) or declines or lets it lapse (not adopted).
            ApplicationStatus::RunnerUp => matches!(
                outcome,
                DecisionOutcome::Awarded { .. } | DecisionOutcome::NotAdopted
            ),
            _ => false,
        };
        if !allowed {
            return Err(ApplicationError::OutcomeNotAllowed { status });
        }
        Ok(vec![match outcome {
            DecisionOutcome::Awarded { grant_id, amount } => ApplicationEvent::ApplicationAwarded {
                grant_id,
                amount,
                by,
                at,
            },
            DecisionOutcome::RunnerUp => ApplicationEvent::ApplicationRunnerUp { by, at },
            DecisionOutcome::NotAdopted => ApplicationEvent::ApplicationNotAdopted {
                reason: None,
                by,
                at,
            },
            DecisionOutcome::Rejected { reason } => ApplicationEvent::ApplicationNotAdopted {
                reason: Some(required_reason(&reason)?),
                by,
                at,
            },
        }])
    }
}

impl Aggregate for Application {
    const TYPE: &'static str = "application";
    type Command = ApplicationCommand;
    type Event = ApplicationEvent;
    type Error = ApplicationError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let events = match command {
            ApplicationCommand::StartDraft {
                application_id,
                round_id,
                group_id,
                group,
                prior_grants,
                max_grants_per_group,
                terms,
                window,
                content,
                by,
                at,
            } => self.start_draft(
                application_id,
                round_id,
                group_id,
                group,
                prior_grants,
                max_grants_per_group,
                terms,
                window,
                content,
                by,
                at,
            )?,
            ApplicationCommand::SaveDraft { content, by, at } => {
                self.save_draft(content, by, at)?
            }
            ApplicationCommand::Submit { group, by, at } => self.submit(group, by, at)?,
            ApplicationCommand::Screen {
                outcome,
                checks,
                by,
                at,
            } => self.screen(outcome, checks, by, at)?,
            ApplicationCommand::Withdraw { reason, by, at } => self.withdraw(reason, by, at)?,
            ApplicationCommand::RecordOutcome { outcome, by, at } => {
                self.record_outcome(outcome, by, at)?
            }
            ApplicationCommand::AddAttachment { attachment, by, at } => {
                self.add_attachment(attachment, by, at)?
            }
            ApplicationCommand::RemoveAttachment {
                attachment_id,
                by,
                at,
            } => self.remove_attachment(attachment_id, by, at)?,
            ApplicationCommand::RecordNotice { notice, by, at } => {
                self.record_notice(notice, by, at)?
            }
        };
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        self.status = ApplicationStatus::after(self.status, &event);
        match event {
            ApplicationEvent::ApplicationDraftStarted {
                application_id,
                round_id,
                group_id,
                prior_grants,
                terms,
                window,
                content,
                ..
            } => {
                self.id = application_id;
                self.round_id = round_id;
                self.group_id = group_id;
                self.prior_grants = prior_grants;
                self.terms = Some(terms);
                self.window = Some(window);
                self.content = Some(content);
            }
            ApplicationEvent::ApplicationDraftSaved { content, .. } => {
                self.content = Some(content);
            }
            ApplicationEvent::ApplicationSubmitted { max_amount, at, .. }
            | ApplicationEvent::ApplicationResubmitted { max_amount, at, .. } => {
                self.submitted_at = Some(at);
                self.max_at_submission = Some(max_amount);
                self.returned_reason = None;
            }
            ApplicationEvent::ScreeningChecksRecorded { checks, by, at } => {
                self.screening_checks = Some(ScreeningRecord { checks, by, at });
            }
            ApplicationEvent::ApplicationScreenedEligible { .. }
            | ApplicationEvent::ApplicationRunnerUp { .. } => {}
            ApplicationEvent::ApplicationScreenedIneligible { reason, .. }
            | ApplicationEvent::ApplicationWithdrawn { reason, .. } => {
                self.closing_reason = Some(reason);
            }
            ApplicationEvent::ApplicationReturned { reason, .. } => {
                self.returned_reason = Some(reason);
            }
            ApplicationEvent::ApplicationAwarded {
                grant_id, amount, ..
            } => {
                self.grant_id = Some(grant_id);
                self.awarded_amount = Some(amount);
            }
            ApplicationEvent::ApplicationNotAdopted { reason, .. } => {
                self.closing_reason = reason;
            }
            ApplicationEvent::AttachmentAdded { attachment, by, at } => {
                self.attachments.push(Attached::new(attachment, by, at));
            }
            ApplicationEvent::AttachmentRemoved { attachment_id, .. } => {
                self.attachments
                    .retain(|one| one.attachment.id != attachment_id);
            }
            ApplicationEvent::NoticeIssued { notice, .. } => self.notices.push(notice),
        }
    }
}
