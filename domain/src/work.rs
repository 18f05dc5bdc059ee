//! Work waiting on someone: what staff must do next (the staff work queue) and what a group must do
//! next (its next steps on `/my`), each read from an application's or a grant's state.
//!
//! The rules of which state waits on whom live here, once; the read models supply the states and
//! the pages only show the result. A status that waits on nobody (a draft for staff, a closed grant)
//! yields nothing.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::application::ApplicationStatus;
use crate::grant::GrantStatus;
use crate::money::Yen;

/// A kind of work waiting on staff, in the order the work queue lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffWork {
    /// A submitted (or resubmitted) application waits for 形式審査.
    Screen,
    /// A group's advance request (概算払の請求) waits to be paid.
    PayAdvance,
    /// A change request (変更承認申請) waits for approval or refusal.
    DecideChange,
    /// A settlement report (実績報告書) waits for review.
    ReviewReport,
    /// The amount is finalised and the city still owes the remainder (確定額の支払).
    PayRemainder,
    /// The amount is finalised below what was paid; the refund (返還金) is not yet received.
    ReceiveRefund,
    /// A runner-up (次点) has not yet answered the offer of the remaining budget.
    OfferUnanswered,
}

impl StaffWork {
    /// Every kind, in the queue's order.
    pub const ALL: [StaffWork; 7] = [
        StaffWork::Screen,
        StaffWork::PayAdvance,
        StaffWork::DecideChange,
        StaffWork::ReviewReport,
        StaffWork::PayRemainder,
        StaffWork::ReceiveRefund,
        StaffWork::OfferUnanswered,
    ];

    /// What staff must do, as the city's staff name it.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Screen => "形式審査を待つ申請",
            Self::PayAdvance => "支払を待つ概算払の請求",
            Self::DecideChange => "決定を待つ変更承認申請",
            Self::ReviewReport => "審査を待つ実績報告",
            Self::PayRemainder => "支払を待つ確定額の残額",
            Self::ReceiveRefund => "受領を待つ返還金",
            Self::OfferUnanswered => "回答を待つ次点への繰上げの申出",
        }
    }
}

impl StaffWork {
    /// The action itself, as one object's row names it.
    pub fn action_ja(self) -> &'static str {
        match self {
            Self::Screen => "形式審査",
            Self::PayAdvance => "概算払の支払",
            Self::DecideChange => "変更承認申請の決定",
            Self::ReviewReport => "実績報告の審査",
            Self::PayRemainder => "確定額の支払",
            Self::ReceiveRefund => "返還金の受領",
            Self::OfferUnanswered => "繰上げの申出への回答の確認",
        }
    }

    /// Whether the work concerns a grant (rather than an application).
    pub fn is_about_a_grant(self) -> bool {
        !matches!(self, Self::Screen | Self::OfferUnanswered)
    }
}

/// What an application in `status` waits for from staff.
pub fn staff_work_for_application(status: ApplicationStatus) -> Option<StaffWork> {
    match status {
        ApplicationStatus::Submitted => Some(StaffWork::Screen),
        _ => None,
    }
}

/// What a grant waits for from staff: an advance request to pay (`open_advance`, the unpaid part
/// of its requests), a report to review, the finalised remainder to pay (`payable`), a refund to
/// receive (`refund_due`). Pending change requests and runner-up offers are counted apart, as
/// each is a request of its own rather than a state of the grant.
pub fn staff_work_for_grant(
    status: GrantStatus,
    open_advance: Yen,
    payable: Yen,
    refund_due: Yen,
) -> Vec<StaffWork> {
    let mut work = Vec::new();
    if !open_advance.is_zero() {
        work.push(StaffWork::PayAdvance);
    }
    match status {
        GrantStatus::ReportSubmitted => work.push(StaffWork::ReviewReport),
        GrantStatus::Finalised if !payable.is_zero() => work.push(StaffWork::PayRemainder),
        GrantStatus::RefundDue | GrantStatus::Cancelled if !refund_due.is_zero() => {
            work.push(StaffWork::ReceiveRefund)
        }
        _ => {}
    }
    work
}

/// A step a group must take next, with the day it must be done by when there is one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GroupStep {
    /// Finish and submit a draft before the round's window closes.
    SubmitDraft,
    /// Correct and resubmit an application that staff returned (差戻し).
    ResubmitReturned,
    /// Answer the offer of the remaining budget as runner-up (次点), by `by`.
    AnswerOffer {
        /// The offer's last JST day.
        by: Date,
    },
    /// Answer the offer of budget that came back (繰上げ採択の打診), by `by`.
    AnswerPromotion {
        /// The offer's last JST day.
        by: Date,
    },
    /// Submit the settlement report (実績報告書), due `by` (rule 9, with any extension).
    SubmitReport {
        /// The JST day the report is due.
        by: Date,
    },
    /// Correct and resubmit a settlement report that staff returned.
    ResubmitReport {
        /// The JST day the report is due.
        by: Date,
    },
    /// Pay back `amount` to the city (返還), by the refund order's 納期限 when one was issued.
    PayRefund {
        /// What the group still owes, in integer yen.
        amount: Yen,
        /// The refund order's 納期限 (JST day); `None` while no order was issued.
        by: Option<Date>,
    },
}

impl GroupStep {
    /// What the group must do, in plain 敬語.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::SubmitDraft => "作成中の申請書を締切までに提出してください",
            Self::ResubmitReturned => "差し戻された申請書を修正して再提出してください",
            Self::AnswerOffer { .. } => "次点としての繰上げ交付の申出に回答してください",
            Self::AnswerPromotion { .. } => "繰上げ採択の打診に回答してください",
            Self::SubmitReport { .. } => "実績報告書を期限までに提出してください",
            Self::ResubmitReport { .. } => "差し戻された実績報告書を修正して再提出してください",
            Self::PayRefund { .. } => "補助金の返還をお願いします",
        }
    }

    /// The day the step must be done by, when it has one (a draft's is the round's closing
    /// instant, which the round read carries).
    pub fn due_on(self) -> Option<Date> {
        match self {
            Self::SubmitDraft | Self::ResubmitReturned => None,
            Self::AnswerOffer { by }
            | Self::AnswerPromotion { by }
            | Self::SubmitReport { by }
            | Self::ResubmitReport { by } => Some(by),
            Self::PayRefund { by, .. } => by,
        }
    }

    /// Whether the step's day has passed on `today` (JST): a late report needs its reason (rule
    /// 9), a late refund runs 延滞金 (`grant::surcharge`). The step stays: the group still owes it.
    pub fn is_overdue(self, today: Date) -> bool {
        self.due_on().is_some_and(|by| today > by)
    }
}

/// An offer made to an application: its last day to answer and whether the group answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Offer {
    /// The last JST day to answer, inclusive.
    pub expires_on: Date,
    /// Whether the group has answered (accepted or declined).
    pub answered: bool,
}

impl Offer {
    /// The offer's last day, while the group can still answer on `today`.
    fn open_until(self, today: Date) -> Option<Date> {
        (!self.answered && today <= self.expires_on).then_some(self.expires_on)
    }
}

/// What a group must do about its application in `status` on `today`. A draft counts only while its
/// round accepts applications (`window_open`); a runner-up only until it has answered the round's
/// offer of the remainder (`runner_up_offer`), and any application until it has answered a
/// 繰上げ採択 offer (`promotion_offer`). An offer past its last day asks nothing more: it can no
/// longer be answered.
pub fn group_step_for_application(
    status: ApplicationStatus,
    window_open: bool,
    runner_up_offer: Option<Offer>,
    promotion_offer: Option<Offer>,
    today: Date,
) -> Option<GroupStep> {
    if let Some(by) = promotion_offer.and_then(|offer| offer.open_until(today)) {
        return Some(GroupStep::AnswerPromotion { by });
    }
    match status {
        ApplicationStatus::Draft if window_open => Some(GroupStep::SubmitDraft),
        ApplicationStatus::Returned => Some(GroupStep::ResubmitReturned),
        ApplicationStatus::RunnerUp => runner_up_offer
            .and_then(|offer| offer.open_until(today))
            .map(|by| GroupStep::AnswerOffer { by }),
        _ => None,
    }
}

/// What a group must do about its grant in `status`: the report while the project runs or after a
/// return (due `report_due`, rule 9, with any extension), the refund while one is owed (by
/// `refund_due_on`, the refund order's 納期限).
pub fn group_step_for_grant(
    status: GrantStatus,
    report_due: Option<Date>,
    refund_due: Yen,
    refund_due_on: Option<Date>,
) -> Option<GroupStep> {
    match (status, report_due) {
        (GrantStatus::Decided | GrantStatus::InProgress, Some(by)) => {
            Some(GroupStep::SubmitReport { by })
        }
        (GrantStatus::ReportReturned, Some(by)) => Some(GroupStep::ResubmitReport { by }),
        (GrantStatus::RefundDue | GrantStatus::Cancelled, _) if !refund_due.is_zero() => {
            Some(GroupStep::PayRefund {
                amount: refund_due,
                by: refund_due_on,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn yen(amount: i64) -> Yen {
        Yen::new(amount).unwrap()
    }

    #[test]
    fn given_a_submitted_application_then_staff_must_screen_it_and_nothing_else_waits() {
        assert_eq!(
            staff_work_for_application(ApplicationStatus::Submitted),
            Some(StaffWork::Screen)
        );
        for status in [
            ApplicationStatus::Draft,
            ApplicationStatus::Returned,
            ApplicationStatus::Eligible,
            ApplicationStatus::Awarded,
        ] {
            assert_eq!(staff_work_for_application(status), None, "{status:?}");
        }
    }

    #[test]
    fn given_a_grant_with_an_unpaid_advance_request_of_100000_yen_then_staff_must_pay_it() {
        // A group asked ¥100,000 in advance and nothing is paid: open_advance = ¥100,000.
        assert_eq!(
            staff_work_for_grant(GrantStatus::InProgress, yen(100_000), Yen::ZERO, Yen::ZERO),
            vec![StaffWork::PayAdvance]
        );
    }

    #[test]
    fn given_a_submitted_report_and_an_open_advance_then_both_wait() {
        assert_eq!(
            staff_work_for_grant(
                GrantStatus::ReportSubmitted,
                yen(50_000),
                Yen::ZERO,
                Yen::ZERO
            ),
            vec![StaffWork::PayAdvance, StaffWork::ReviewReport]
        );
    }

    #[test]
    fn given_a_finalised_grant_then_only_an_unpaid_remainder_waits() {
        // Finalised at ¥286,000 with ¥200,000 paid: ¥86,000 payable.
        assert_eq!(
            staff_work_for_grant(GrantStatus::Finalised, Yen::ZERO, yen(86_000), Yen::ZERO),
            vec![StaffWork::PayRemainder]
        );
        assert!(
            staff_work_for_grant(GrantStatus::Finalised, Yen::ZERO, Yen::ZERO, Yen::ZERO)
                .is_empty()
        );
    }

    #[test]
    fn given_a_refund_owed_then_staff_wait_to_receive_it_until_it_is_paid_back() {
        // Paid ¥300,000, finalised at ¥286,000: ¥14,000 to be refunded.
        assert_eq!(
            staff_work_for_grant(GrantStatus::RefundDue, Yen::ZERO, Yen::ZERO, yen(14_000)),
            vec![StaffWork::ReceiveRefund]
        );
        assert!(
            staff_work_for_grant(GrantStatus::RefundDue, Yen::ZERO, Yen::ZERO, Yen::ZERO)
                .is_empty()
        );
        assert_eq!(
            staff_work_for_grant(GrantStatus::Cancelled, Yen::ZERO, Yen::ZERO, yen(100_000)),
            vec![StaffWork::ReceiveRefund]
        );
    }

    #[test]
    fn given_a_closed_grant_then_nothing_waits() {
        assert!(
            staff_work_for_grant(GrantStatus::Closed, Yen::ZERO, Yen::ZERO, Yen::ZERO).is_empty()
        );
    }

    const TODAY: Date = date!(2026 - 07 - 01);

    #[test]
    fn given_a_draft_then_the_group_must_submit_it_only_while_the_window_is_open() {
        assert_eq!(
            group_step_for_application(ApplicationStatus::Draft, true, None, None, TODAY),
            Some(GroupStep::SubmitDraft)
        );
        assert_eq!(
            group_step_for_application(ApplicationStatus::Draft, false, None, None, TODAY),
            None
        );
    }

    #[test]
    fn given_a_runner_up_then_the_group_must_answer_by_the_offer_expiry_unless_it_answered() {
        // Offered on 1 July, to be answered by 8 July.
        let by = date!(2026 - 07 - 08);
        let offer = |answered| {
            Some(Offer {
                expires_on: by,
                answered,
            })
        };
        let runner_up = ApplicationStatus::RunnerUp;
        assert_eq!(
            group_step_for_application(runner_up, false, offer(false), None, TODAY),
            Some(GroupStep::AnswerOffer { by })
        );
        assert_eq!(
            group_step_for_application(runner_up, false, offer(false), None, by),
            Some(GroupStep::AnswerOffer { by }),
            "the last day still counts"
        );
        assert_eq!(
            group_step_for_application(runner_up, false, offer(true), None, TODAY),
            None
        );
        let next_day = date!(2026 - 07 - 09);
        assert_eq!(
            group_step_for_application(runner_up, false, offer(false), None, next_day),
            None,
            "an expired offer can no longer be answered"
        );
    }

    #[test]
    fn given_a_promotion_offer_then_the_group_must_answer_it_by_its_last_day() {
        // 繰上げ採択: offered on 1 July to an application that passed but was not adopted.
        let by = date!(2026 - 07 - 08);
        let offer = Offer {
            expires_on: by,
            answered: false,
        };
        assert_eq!(
            group_step_for_application(
                ApplicationStatus::Eligible,
                false,
                None,
                Some(offer),
                TODAY
            ),
            Some(GroupStep::AnswerPromotion { by })
        );
        let answered = Offer {
            answered: true,
            ..offer
        };
        assert_eq!(
            group_step_for_application(
                ApplicationStatus::Eligible,
                false,
                None,
                Some(answered),
                TODAY
            ),
            None
        );
    }

    #[test]
    fn given_a_grant_in_progress_then_the_report_is_due_and_after_finalising_the_refund() {
        let due = date!(2027 - 03 - 30);
        assert_eq!(
            group_step_for_grant(GrantStatus::InProgress, Some(due), Yen::ZERO, None),
            Some(GroupStep::SubmitReport { by: due })
        );
        assert_eq!(
            group_step_for_grant(GrantStatus::ReportReturned, Some(due), Yen::ZERO, None),
            Some(GroupStep::ResubmitReport { by: due })
        );
        let refund_by = date!(2027 - 05 - 20);
        assert_eq!(
            group_step_for_grant(
                GrantStatus::RefundDue,
                Some(due),
                yen(14_000),
                Some(refund_by)
            ),
            Some(GroupStep::PayRefund {
                amount: yen(14_000),
                by: Some(refund_by)
            })
        );
        assert_eq!(
            group_step_for_grant(GrantStatus::Closed, Some(due), Yen::ZERO, None),
            None
        );
    }

    #[test]
    fn given_a_refund_past_its_due_date_then_the_step_is_overdue_from_the_next_day() {
        // A refund of ¥14,000 ordered with 納期限 20 May 2027: on time that day, overdue the next.
        let step = GroupStep::PayRefund {
            amount: yen(14_000),
            by: Some(date!(2027 - 05 - 20)),
        };
        assert!(!step.is_overdue(date!(2027 - 05 - 20)));
        assert!(step.is_overdue(date!(2027 - 05 - 21)));
        let unordered = GroupStep::PayRefund {
            amount: yen(14_000),
            by: None,
        };
        assert!(!unordered.is_overdue(date!(2099 - 01 - 01)));
        let report = GroupStep::SubmitReport {
            by: date!(2027 - 04 - 10),
        };
        assert!(report.is_overdue(date!(2027 - 04 - 11)));
        assert!(!GroupStep::SubmitDraft.is_overdue(date!(2099 - 01 - 01)));
    }
}
