//! Reminders (督促・お知らせの予告): which reminder a group is due on a given day, for each deadline it
//! has. The app keeps the deadlines from the log and asks [`reminder_due`] every day; the rule of when
//! to remind lives here, once.
//!
//! The rules, where the city's rules are silent (docs/decisions.md, Reminders):
//! - a draft not yet submitted: from [`DRAFT_LEAD_DAYS`] days before the window's last day;
//! - the settlement report (実績報告書): from 14 days before its due day, and again from 3 days before
//!   ([`REPORT_LEAD_DAYS`]);
//! - a refund (返還金): from [`REFUND_LEAD_DAYS`] days before its 納期限;
//! - a runner-up or 繰上げ offer not answered: from [`OFFER_LEAD_DAYS`] days before its last day.
//!
//! A reminder is due from its first day up to the deadline itself (inclusive), so a service that was
//! stopped on the first day still sends it when it runs again; nothing is sent after the deadline
//! (the group's next steps show it overdue). When two reminders of one deadline are due at once (the
//! service was stopped through the whole 14-day stretch), only the more urgent one is: the group
//! gets one mail saying 3 days, not two. The app sends each reminder once per deadline and day
//! (a changed deadline is a new deadline and is reminded again).

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use crate::application::ApplicationStatus;
use crate::fiscal_year::jst_date;
use crate::grant::Grant;
use crate::ids::ApplicationId;
use crate::round::Round;
use crate::work::{group_step_for_grant, GroupStep};

/// How many days before a round's window closes a draft is reminded.
pub const DRAFT_LEAD_DAYS: i64 = 3;
/// How many days before the due day the settlement report is reminded, first and second.
pub const REPORT_LEAD_DAYS: [i64; 2] = [14, 3];
/// How many days before its 納期限 a refund is reminded.
pub const REFUND_LEAD_DAYS: i64 = 7;
/// How many days before its last day an unanswered offer is reminded.
pub const OFFER_LEAD_DAYS: i64 = 2;

/// What a group must do by a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// Submit a draft application before the round's window closes (its last day).
    Draft,
    /// Submit (or resubmit) the settlement report (rule 9, with any extension).
    SettlementReport,
    /// Pay back a refund by the refund order's 納期限.
    Refund,
    /// Answer the runner-up's (次点) offer of the remaining budget by its last day.
    RunnerUpOffer,
    /// Answer a 繰上げ採択 offer by its last day.
    PromotionOffer,
}

impl DeadlineKind {
    /// Every kind, in the order the reminder run goes through them.
    pub const ALL: [DeadlineKind; 5] = [
        DeadlineKind::Draft,
        DeadlineKind::SettlementReport,
        DeadlineKind::Refund,
        DeadlineKind::RunnerUpOffer,
        DeadlineKind::PromotionOffer,
    ];

    /// The key the app stores the deadline under.
    pub fn key(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::SettlementReport => "settlement_report",
            Self::Refund => "refund",
            Self::RunnerUpOffer => "runner_up_offer",
            Self::PromotionOffer => "promotion_offer",
        }
    }

    /// The kind stored under `key`; `None` for a key no kind has.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.key() == key)
    }

    /// The reminders of this kind of deadline, the earliest first, with the days before the
    /// deadline each starts.
    fn reminders(self) -> &'static [(Reminder, i64)] {
        match self {
            Self::Draft => &[(Reminder::DraftClosing, DRAFT_LEAD_DAYS)],
            Self::SettlementReport => &[
                (Reminder::ReportDueSoon, REPORT_LEAD_DAYS[0]),
                (Reminder::ReportDueVerySoon, REPORT_LEAD_DAYS[1]),
            ],
            Self::Refund => &[(Reminder::RefundDue, REFUND_LEAD_DAYS)],
            Self::RunnerUpOffer => &[(Reminder::RunnerUpOfferExpiring, OFFER_LEAD_DAYS)],
            Self::PromotionOffer => &[(Reminder::PromotionOfferExpiring, OFFER_LEAD_DAYS)],
        }
    }

    /// How many days before the deadline its first reminder starts: the farthest the app must
    /// look ahead.
    pub const MAX_LEAD_DAYS: i64 = 14;
}

/// One reminder a group receives about a deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reminder {
    /// The draft is not submitted and the window closes within 3 days.
    DraftClosing,
    /// The settlement report is due within 14 days.
    ReportDueSoon,
    /// The settlement report is due within 3 days.
    ReportDueVerySoon,
    /// The refund's 納期限 is within 7 days.
    RefundDue,
    /// The runner-up offer's last day is within 2 days.
    RunnerUpOfferExpiring,
    /// The 繰上げ offer's last day is within 2 days.
    PromotionOfferExpiring,
}

impl Reminder {
    /// The key the mail is stored under (with the deadline's object and day, its identity).
    pub fn key(self) -> &'static str {
        match self {
            Self::DraftClosing => "reminder_draft",
            Self::ReportDueSoon => "reminder_report_14",
            Self::ReportDueVerySoon => "reminder_report_3",
            Self::RefundDue => "reminder_refund",
            Self::RunnerUpOfferExpiring => "reminder_runner_up_offer",
            Self::PromotionOfferExpiring => "reminder_promotion_offer",
        }
    }
}

/// The reminder due on `today` (JST) for a deadline of `kind` on `due_on`, if any: the most urgent
/// of its reminders whose stretch `[due_on - lead, due_on]` holds `today`.
pub fn reminder_due(kind: DeadlineKind, due_on: Date, today: Date) -> Option<Reminder> {
    if today > due_on {
        return None;
    }
    kind.reminders()
        .iter()
        .filter(|(_, lead)| today >= due_on - Duration::days(*lead))
        .min_by_key(|(_, lead)| *lead)
        .map(|(reminder, _)| *reminder)
}

/// The deadline a group's next step (`crate::work`) has, if it is one a reminder is sent for. A
/// draft's deadline is not a step's: see [`draft_last_day`].
pub fn deadline_of(step: GroupStep) -> Option<(DeadlineKind, Date)> {
    match step {
        GroupStep::SubmitReport { by } | GroupStep::ResubmitReport { by } => {
            Some((DeadlineKind::SettlementReport, by))
        }
        GroupStep::PayRefund { by, .. } => by.map(|by| (DeadlineKind::Refund, by)),
        GroupStep::AnswerOffer { by } => Some((DeadlineKind::RunnerUpOffer, by)),
        GroupStep::AnswerPromotion { by } => Some((DeadlineKind::PromotionOffer, by)),
        GroupStep::SubmitDraft | GroupStep::ResubmitReturned => None,
    }
}

/// The last JST day a round whose window closes at `closes_at` (exclusive, rule 2) accepts a
/// draft: the day before when it closes at midnight.
pub fn draft_last_day(closes_at: OffsetDateTime) -> Date {
    jst_date(closes_at - Duration::nanoseconds(1))
}

/// Whether an application in `status` has a draft deadline: only a draft does (a follower asks
/// before it reads the round's window).
pub fn has_draft_deadline(status: ApplicationStatus) -> bool {
    status == ApplicationStatus::Draft
}

/// The deadline of an application in `status` whose round's window closes at `closes_at`: a draft
/// must be submitted by the window's last day.
pub fn draft_deadline(status: ApplicationStatus, closes_at: OffsetDateTime) -> Option<Date> {
    has_draft_deadline(status).then(|| draft_last_day(closes_at))
}

/// The deadlines a grant gives its group now: the settlement report's while the project runs or
/// after a return, the refund's while one is owed with a 納期限 (the group's next step,
/// `crate::work::group_step_for_grant`).
pub fn grant_deadlines(grant: &Grant) -> Vec<(DeadlineKind, Date)> {
    grant
        .status
        .and_then(|status| {
            group_step_for_grant(
                status,
                grant.settlement_due_on(),
                grant.refund_due(),
                grant.refund_due_on(),
            )
        })
        .and_then(deadline_of)
        .into_iter()
        .collect()
}

/// The offers of a round still waiting for their group's answer, with their last days: the
/// runner-up's offer of the remainder and every 繰上げ offer not answered.
pub fn offer_deadlines(round: &Round) -> Vec<(ApplicationId, DeadlineKind, Date)> {
    let runner_up = round
        .ranking
        .as_ref()
        .and_then(|ranking| ranking.offer.as_ref())
        .filter(|offer| offer.accepted.is_none())
        .map(|offer| {
            (
                offer.application_id,
                DeadlineKind::RunnerUpOffer,
                offer.expires_on,
            )
        });
    let promotions = round
        .promotions
        .iter()
        .filter(|offer| offer.accepted.is_none())
        .map(|offer| {
            (
                offer.application_id,
                DeadlineKind::PromotionOffer,
                offer.expires_on,
            )
        });
    runner_up.into_iter().chain(promotions).collect()
}

/// Whole days from `today` to `due_on` (0 on the day itself).
pub fn days_left(due_on: Date, today: Date) -> i64 {
    (due_on - today).whole_days()
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    // The settlement report of a grant is due on 10 April 2027.
    const REPORT_DUE: Date = date!(2027 - 04 - 10);

    #[test]
    fn given_a_report_due_on_10_april_when_it_is_27_march_then_the_14_day_reminder_is_due() {
        assert_eq!(
            reminder_due(
                DeadlineKind::SettlementReport,
                REPORT_DUE,
                date!(2027 - 03 - 27)
            ),
            Some(Reminder::ReportDueSoon)
        );
    }

    #[test]
    fn given_a_report_due_on_10_april_when_it_is_26_march_then_nothing_is_due_yet() {
        assert_eq!(
            reminder_due(
                DeadlineKind::SettlementReport,
                REPORT_DUE,
                date!(2027 - 03 - 26)
            ),
            None
        );
    }

    #[test]
    fn given_a_report_due_on_10_april_when_it_is_7_april_or_later_then_the_3_day_reminder_replaces_the_first(
    ) {
        for today in [
            date!(2027 - 04 - 07),
            date!(2027 - 04 - 09),
            date!(2027 - 04 - 10),
        ] {
            assert_eq!(
                reminder_due(DeadlineKind::SettlementReport, REPORT_DUE, today),
                Some(Reminder::ReportDueVerySoon),
                "{today}"
            );
        }
        assert_eq!(
            reminder_due(
                DeadlineKind::SettlementReport,
                REPORT_DUE,
                date!(2027 - 04 - 06)
            ),
            Some(Reminder::ReportDueSoon),
            "the day before the second stretch still holds the first"
        );
    }

    #[test]
    fn given_any_deadline_when_it_has_passed_then_no_reminder_is_due() {
        for kind in DeadlineKind::ALL {
            assert_eq!(
                reminder_due(kind, REPORT_DUE, date!(2027 - 04 - 11)),
                None,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn given_a_draft_whose_window_ends_on_31_may_then_it_is_reminded_from_28_may() {
        let last_day = date!(2026 - 05 - 31);
        assert_eq!(
            reminder_due(DeadlineKind::Draft, last_day, date!(2026 - 05 - 27)),
            None
        );
        assert_eq!(
            reminder_due(DeadlineKind::Draft, last_day, date!(2026 - 05 - 28)),
            Some(Reminder::DraftClosing)
        );
        assert_eq!(
            reminder_due(DeadlineKind::Draft, last_day, last_day),
            Some(Reminder::DraftClosing)
        );
    }

    #[test]
    fn given_a_refund_due_on_30_april_then_it_is_reminded_from_23_april() {
        let due = date!(2027 - 04 - 30);
        assert_eq!(
            reminder_due(DeadlineKind::Refund, due, date!(2027 - 04 - 22)),
            None
        );
        assert_eq!(
            reminder_due(DeadlineKind::Refund, due, date!(2027 - 04 - 23)),
            Some(Reminder::RefundDue)
        );
    }

    #[test]
    fn given_offers_whose_last_day_is_8_july_then_each_is_reminded_from_6_july() {
        let last_day = date!(2026 - 07 - 08);
        for (kind, reminder) in [
            (DeadlineKind::RunnerUpOffer, Reminder::RunnerUpOfferExpiring),
            (
                DeadlineKind::PromotionOffer,
                Reminder::PromotionOfferExpiring,
            ),
        ] {
            assert_eq!(reminder_due(kind, last_day, date!(2026 - 07 - 05)), None);
            assert_eq!(
                reminder_due(kind, last_day, date!(2026 - 07 - 06)),
                Some(reminder)
            );
        }
    }

    #[test]
    fn given_a_window_closing_at_midnight_on_1_june_then_the_drafts_last_day_is_31_may() {
        use time::macros::datetime;
        assert_eq!(
            draft_last_day(datetime!(2026-06-01 00:00 +09:00)),
            date!(2026 - 05 - 31)
        );
        assert_eq!(
            draft_last_day(datetime!(2026-06-01 17:00 +09:00)),
            date!(2026 - 06 - 01)
        );
    }

    #[test]
    fn given_a_groups_next_steps_then_the_report_refund_and_offers_have_deadlines_to_remind() {
        use crate::money::Yen;
        let by = REPORT_DUE;
        assert_eq!(
            deadline_of(GroupStep::SubmitReport { by }),
            Some((DeadlineKind::SettlementReport, by))
        );
        assert_eq!(
            deadline_of(GroupStep::ResubmitReport { by }),
            Some((DeadlineKind::SettlementReport, by))
        );
        let amount = Yen::new(14_000).unwrap();
        assert_eq!(
            deadline_of(GroupStep::PayRefund {
                amount,
                by: Some(by)
            }),
            Some((DeadlineKind::Refund, by))
        );
        assert_eq!(
            deadline_of(GroupStep::PayRefund { amount, by: None }),
            None,
            "no 納期限 yet: nothing to remind of"
        );
        assert_eq!(
            deadline_of(GroupStep::AnswerOffer { by }),
            Some((DeadlineKind::RunnerUpOffer, by))
        );
        assert_eq!(
            deadline_of(GroupStep::AnswerPromotion { by }),
            Some((DeadlineKind::PromotionOffer, by))
        );
        assert_eq!(deadline_of(GroupStep::SubmitDraft), None);
    }

    #[test]
    fn given_a_draft_then_its_deadline_is_the_windows_last_day_and_once_submitted_it_has_none() {
        use time::macros::datetime;
        let closes_at = datetime!(2026-06-01 00:00 +09:00);
        assert_eq!(
            draft_deadline(ApplicationStatus::Draft, closes_at),
            Some(date!(2026 - 05 - 31))
        );
        assert_eq!(
            draft_deadline(ApplicationStatus::Submitted, closes_at),
            None
        );
        assert!(has_draft_deadline(ApplicationStatus::Draft));
        assert!(!has_draft_deadline(ApplicationStatus::Submitted));
        assert!(!has_draft_deadline(ApplicationStatus::Returned));
    }

    #[test]
    fn given_a_round_with_a_runner_up_offer_and_two_promotions_then_only_the_unanswered_offers_are_deadlines(
    ) {
        use crate::money::Yen;
        use crate::round::{promotion::PromotionOffer, FixedRanking, RunnerUpOffer};
        let (runner_up, answered, open) = (
            ApplicationId::new(),
            ApplicationId::new(),
            ApplicationId::new(),
        );
        let last_day = date!(2026 - 07 - 08);
        let promotion = |application_id, accepted| PromotionOffer {
            application_id,
            rank: 3,
            amount: Yen::new(100_000).unwrap(),
            offered_on: date!(2026 - 07 - 01),
            expires_on: last_day,
            accepted,
        };
        let round = Round {
            ranking: Some(FixedRanking {
                rows: Vec::new(),
                fixed_on: date!(2026 - 07 - 01),
                offer: Some(RunnerUpOffer {
                    application_id: runner_up,
                    remainder: Yen::new(123_000).unwrap(),
                    expires_on: last_day,
                    accepted: None,
                }),
            }),
            promotions: vec![promotion(answered, Some(false)), promotion(open, None)],
            ..Round::default()
        };
        assert_eq!(
            offer_deadlines(&round),
            vec![
                (runner_up, DeadlineKind::RunnerUpOffer, last_day),
                (open, DeadlineKind::PromotionOffer, last_day),
            ]
        );
    }

    #[test]
    fn every_kind_has_its_own_key_and_no_lead_is_longer_than_the_look_ahead() {
        let mut keys = std::collections::BTreeSet::new();
        for kind in DeadlineKind::ALL {
            assert_eq!(DeadlineKind::from_key(kind.key()), Some(kind));
            for (reminder, lead) in kind.reminders() {
                assert!(*lead <= DeadlineKind::MAX_LEAD_DAYS);
                keys.insert(reminder.key());
            }
        }
        assert_eq!(keys.len(), 6);
        assert_eq!(days_left(REPORT_DUE, date!(2027 - 04 - 07)), 3);
    }
}
