//! Which of the grant's commands its state lets anyone ask for: one table of statuses per action,
//! which the commands check first and which the pages read (through the grant read's
//! `allowed_actions`) to offer only the forms that can succeed.
//!
//! The table is about the state alone. What depends on the instant (rule 6's 10 days, rule 9's
//! report deadline) or on the values asked (amounts, texts, the report's lines) is the command's
//! to check, so an allowed action may still be refused.

use crate::money::Yen;

use super::errors::{GrantAction, GrantError};
use super::{Grant, GrantStatus};

use GrantStatus::{
    Cancelled, Decided, DiscontinuationRequested, Discontinued, Finalised, InProgress,
    ReportReturned, ReportSubmitted, Withdrawn,
};

/// Every action, in the order the grant's life meets them.
const ACTIONS: [GrantAction; 15] = [
    GrantAction::Withdraw,
    GrantAction::RequestAdvance,
    GrantAction::RecordAdvance,
    GrantAction::RequestChange,
    GrantAction::DecideChange,
    GrantAction::ExtendSettlementDeadline,
    GrantAction::SaveReport,
    GrantAction::SubmitReport,
    GrantAction::AcceptDelayReason,
    GrantAction::ReviewSettlement,
    GrantAction::RecordFinalPayment,
    GrantAction::RecordRefund,
    GrantAction::Cancel,
    GrantAction::RequestDiscontinuation,
    GrantAction::DecideDiscontinuation,
];

impl GrantAction {
    /// Whether a grant in `status`, owing `refund_outstanding`, lets the action be asked for.
    pub(super) fn permits(self, status: GrantStatus, refund_outstanding: Yen) -> bool {
        match self {
            // Rule 6: withdrawal before the work is reported; rule 7: advances asked for until then.
            Self::Withdraw | Self::RequestAdvance => matches!(status, Decided | InProgress),
            // Rule 7: a requested advance may be paid late, until the amount is finalised.
            Self::RecordAdvance => {
                matches!(
                    status,
                    Decided
                        | InProgress
                        | ReportSubmitted
                        | ReportReturned
                        | DiscontinuationRequested
                        | Discontinued
                )
            }
            // Rule 8: the plan can change until the work is reported.
            Self::RequestChange | Self::DecideChange => matches!(status, Decided | InProgress),
            // Rule 9: the group drafts its report until it submits, and again when returned; a
            // discontinued project reports what was spent.
            Self::SaveReport | Self::SubmitReport => {
                matches!(status, Decided | InProgress | ReportReturned | Discontinued)
            }
            // Rule 9: staff extend the due date until the first report is submitted.
            Self::ExtendSettlementDeadline => matches!(status, Decided | InProgress | Discontinued),
            // Rule 9: staff review a submitted report, and accept a late one's delay reason.
            Self::ReviewSettlement | Self::AcceptDelayReason => status == ReportSubmitted,
            // Rule 7: a final payment only of what is payable after finalisation.
            Self::RecordFinalPayment => status == Finalised,
            // A refund is recorded whenever one is owed, whatever the status.
            Self::RecordRefund => !refund_outstanding.is_zero(),
            // Rule 10: any time, even after finalisation and closing, but only once.
            Self::Cancel => !matches!(status, Withdrawn | Cancelled),
            // 中止・廃止: asked while the work may still change; staff decide a pending request.
            Self::RequestDiscontinuation => matches!(status, Decided | InProgress),
            Self::DecideDiscontinuation => status == DiscontinuationRequested,
        }
    }
}

impl Grant {
    /// The current status when the grant's state lets `action` be asked for, or the refusal
    /// naming the action.
    pub(super) fn check(&self, action: GrantAction) -> Result<GrantStatus, GrantError> {
        let status = self.status.ok_or(GrantError::NotDecided)?;
        if action.permits(status, self.refund_outstanding) && self.due_date_permits(action) {
            Ok(status)
        } else {
            Err(GrantError::StatusForbids { action, status })
        }
    }

    /// Whether the grant's state lets `action` be asked for (the command may still refuse it for
    /// the instant or the values asked).
    pub fn allows(&self, action: GrantAction) -> bool {
        self.check(action).is_ok()
    }

    /// Every action the grant's state lets be asked for, in the order the grant's life meets them.
    pub fn allowed_actions(&self) -> Vec<GrantAction> {
        ACTIONS
            .into_iter()
            .filter(|action| self.allows(*action))
            .collect()
    }
}
