//! Where an application stands.

use serde::{Deserialize, Serialize};

use super::ApplicationEvent;

/// The status of an application.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    /// Being written; not yet submitted.
    Draft,
    /// Submitted (or resubmitted) and awaiting screening.
    Submitted,
    /// Returned by staff for correction (差戻し); may be edited and resubmitted.
    Returned,
    /// Screened eligible; goes to review.
    Eligible,
    /// Screened ineligible; closed.
    Ineligible,
    /// Withdrawn by the group (取下げ) before the decision; closed.
    Withdrawn,
    /// Awarded (交付決定); the grant aggregate takes over.
    Awarded,
    /// Runner-up (次点): offered the remainder of the budget.
    RunnerUp,
    /// Not adopted (不採択), including a rejection with a reason; closed.
    NotAdopted,
}

impl ApplicationStatus {
    /// Every status, in the order of an application's life (for lists' filters).
    pub const ALL: [ApplicationStatus; 9] = [
        Self::Draft,
        Self::Submitted,
        Self::Returned,
        Self::Eligible,
        Self::Ineligible,
        Self::Withdrawn,
        Self::Awarded,
        Self::RunnerUp,
        Self::NotAdopted,
    ];

    /// The status as the API and the read models write it (its serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Returned => "returned",
            Self::Eligible => "eligible",
            Self::Ineligible => "ineligible",
            Self::Withdrawn => "withdrawn",
            Self::Awarded => "awarded",
            Self::RunnerUp => "runner_up",
            Self::NotAdopted => "not_adopted",
        }
    }

    /// Where an application in `current` (`None` before its draft) stands after `event`: the one
    /// rule of transitions, which [`super::Application`] applies and the read models fold with.
    pub fn after(current: Option<Self>, event: &ApplicationEvent) -> Option<Self> {
        Some(match event {
            ApplicationEvent::ApplicationDraftStarted { .. } => Self::Draft,
            ApplicationEvent::ApplicationSubmitted { .. }
            | ApplicationEvent::ApplicationResubmitted { .. } => Self::Submitted,
            ApplicationEvent::ApplicationScreenedEligible { .. } => Self::Eligible,
            ApplicationEvent::ApplicationScreenedIneligible { .. } => Self::Ineligible,
            ApplicationEvent::ApplicationReturned { .. } => Self::Returned,
            ApplicationEvent::ApplicationWithdrawn { .. } => Self::Withdrawn,
            ApplicationEvent::ApplicationAwarded { .. } => Self::Awarded,
            ApplicationEvent::ApplicationRunnerUp { .. } => Self::RunnerUp,
            ApplicationEvent::ApplicationNotAdopted { .. } => Self::NotAdopted,
            ApplicationEvent::ApplicationDraftSaved { .. }
            | ApplicationEvent::ScreeningChecksRecorded { .. }
            | ApplicationEvent::AttachmentAdded { .. }
            | ApplicationEvent::AttachmentRemoved { .. }
            | ApplicationEvent::NoticeIssued { .. } => return current,
        })
    }

    /// An application in this status may hold an offer the group must answer: the runner-up's
    /// offer of the remainder, or a 繰上げ採択 offer to one that passed but was not adopted (still
    /// `Eligible` while undecided, `round::promotion`).
    pub fn may_hold_an_offer(self) -> bool {
        matches!(self, Self::RunnerUp | Self::Eligible)
    }

    /// The group may still edit the content.
    pub fn is_editable(self) -> bool {
        matches!(self, Self::Draft | Self::Returned)
    }

    /// The group may still withdraw: anything before the decision.
    pub fn is_withdrawable(self) -> bool {
        matches!(
            self,
            Self::Draft | Self::Submitted | Self::Returned | Self::Eligible | Self::RunnerUp
        )
    }

    /// The application has reached review: staff screened it eligible, whatever came after (the
    /// ranking's runner-up, an award, not adopted). Only such an application is the committee's to
    /// read; a draft, a submission awaiting screening, one returned for correction, one screened
    /// ineligible and a withdrawn one stay the group's (and staff's). A withdrawal counts as not
    /// reached even after screening: the status does not say what it was withdrawn from, and a
    /// withdrawn application is no longer reviewed or ranked.
    pub fn has_reached_review(self) -> bool {
        match self {
            Self::Eligible | Self::RunnerUp | Self::Awarded | Self::NotAdopted => true,
            Self::Draft | Self::Submitted | Self::Returned | Self::Ineligible | Self::Withdrawn => {
                false
            }
        }
    }

    /// The status as the Japanese screens name it.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Draft => "下書き",
            Self::Submitted => "提出済み",
            Self::Returned => "差戻し",
            Self::Eligible => "受付済み（審査対象）",
            Self::Ineligible => "対象外",
            Self::Withdrawn => "取下げ",
            Self::Awarded => "交付決定",
            Self::RunnerUp => "次点",
            Self::NotAdopted => "不採択",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ApplicationStatus as S;

    #[test]
    fn only_screened_eligible_applications_and_their_outcomes_have_reached_review() {
        let reached = [S::Eligible, S::RunnerUp, S::Awarded, S::NotAdopted];
        let not_reached = [
            S::Draft,
            S::Submitted,
            S::Returned,
            S::Ineligible,
            S::Withdrawn,
        ];
        for status in reached {
            assert!(status.has_reached_review(), "{status:?}");
        }
        for status in not_reached {
            assert!(!status.has_reached_review(), "{status:?}");
        }
    }

    #[test]
    fn every_status_is_written_as_its_serde_name() {
        for status in S::ALL {
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::Value::from(status.as_str())
            );
        }
    }
}
