//! 繰上げ採択 (promotion): budget that comes back to a round after the first decisions (a declined or
//! lapsed runner-up offer, a withdrawal, a finalisation below the decided amount, a discontinuation:
//! every `AwardReleased`) is offered to the next passing application in rank order, with a deadline,
//! as the runner-up's remainder is.
//!
//! Who triggers it: staff. 繰上げ採択 is a decision of the city, not something that happens by
//! itself when money is released (the city may also keep the money, for example when a correction
//! is expected), so staff ask the round for the next offer (`OfferPromotion`); the round decides who
//! is next and how much is offered, and refuses with the rule when there is nothing to offer. The app
//! asks [`Round::next_promotion`] who is next, reads that application's requested amount (a fact the
//! round cannot know) and sends it in the command; the round checks again that it is the next.
//!
//! The rules, where the city's rules are silent:
//! - Only while the fiscal year allows: the JST day of the offer is at most the fiscal year's last
//!   day (31 March), and the answer is due by `min(offer day + 7, 31 March)` inclusive.
//! - Only after the first decisions: every application the ranking adopted is decided (awarded or
//!   rejected) and the runner-up's offer is settled (declined, lapsed unanswered, or accepted and
//!   decided). Until then the ranking's own fill still holds the money.
//! - One offer at a time, in strict rank order: no new offer while one is unanswered and not lapsed,
//!   or accepted and not yet decided. The next candidate is the best-ranked application that passed
//!   the pass line, was not adopted, was not the runner-up, is not decided in this round, was
//!   never offered a promotion (a declined or lapsed offer is not repeated) and is still eligible
//!   (an application its group withdrew is skipped: a fact the app reads and sends).
//! - The amount offered is `min(requested, budget - decided total)`, rounded down to the round's
//!   rounding unit. Worked example: budget 1,000,000, decided 700,000 + 100,000 after a release of
//!   100,000 from a finalisation, unit 1,000: 200,000 is free; the next candidate asked 150,500, so
//!   150,000 is offered. It is offered only when it is more than zero and at least the course's
//!   floor; otherwise the round refuses (no budget to offer).
//! - Accepting does not award: staff then decide the award through the ordinary decision
//!   (`Decide`, rule 6), at most the amount offered, which opens the grant through the same
//!   follow-up as every award, once (an application is decided once). Declining, or letting the
//!   offer lapse, leaves the application not adopted and lets staff offer to the next.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use super::errors::RoundError;
use super::events::RoundEvent;
use super::ranking::RankOutcome;
use super::{Round, OFFER_DAYS};
use crate::fiscal_year::{jst_date, JaDate};
use crate::ids::{ApplicationId, UserId};
use crate::money::Yen;
use crate::refusal::{Refusal, RefusalKind};

/// One promotion offer and its answer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromotionOffer {
    /// The application offered the money.
    pub application_id: ApplicationId,
    /// The application's rank in the fixed ranking.
    pub rank: u32,
    /// The amount offered, in integer yen: at most the request and the budget free, on the rounding
    /// unit.
    pub amount: Yen,
    /// The JST day of the offer.
    pub offered_on: Date,
    /// The last JST day to answer: `min(offered_on + 7, the fiscal year's last day)`.
    pub expires_on: Date,
    /// `Some(true)` accepted, `Some(false)` declined, `None` not answered yet.
    pub accepted: Option<bool>,
}

impl PromotionOffer {
    /// Whether the offer is unanswered and its last day has passed on `today` (JST).
    pub fn lapsed(&self, today: Date) -> bool {
        self.accepted.is_none() && today > self.expires_on
    }
}

/// The next promotion the round would offer: to whom, at which rank, and the money free for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextPromotion {
    /// The application next in rank order that passed and was not adopted.
    pub application_id: ApplicationId,
    /// Its rank in the fixed ranking.
    pub rank: u32,
    /// The budget not decided, before the candidate's request bounds it.
    pub available: Yen,
}

/// Why the round refuses a promotion offer or its answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PromotionError {
    /// The fiscal year ended (its last JST day given): its money can no longer be offered.
    #[error("the fiscal year ended on {0}: money can no longer be offered to another application")]
    FiscalYearOver(Date),
    /// An application the ranking adopted is not decided yet, so the budget free is not known.
    #[error("application {0} adopted by the ranking has not been decided yet")]
    AdoptedUndecided(ApplicationId),
    /// The runner-up's offer is not settled: unanswered and not expired, or accepted and not yet
    /// decided.
    #[error("the runner-up's offer to application {0} is not settled yet")]
    RunnerUpPending(ApplicationId),
    /// An earlier promotion offer is still open, or accepted and not yet decided.
    #[error("the offer to application {0} is still open or accepted and not yet decided")]
    OfferOpen(ApplicationId),
    /// No passing application is left to offer to.
    #[error("no passing application is left to offer the money to")]
    NoCandidate,
    /// The offer names an application that is not next in rank order.
    #[error("application {asked} is not next in rank order; {next} is")]
    NotNext {
        /// The application staff asked to offer to.
        asked: ApplicationId,
        /// The application next in rank order.
        next: ApplicationId,
    },
    #[error(
        "{available} is free in the budget; rounded down to {unit} it is below the course's \
         floor {floor}, so there is nothing to offer"
    )]
    /// The free budget, rounded down to the unit, is below the course's floor.
    NoBudget {
        /// The budget not decided, in integer yen.
        available: Yen,
        /// The round's rounding unit, in yen.
        unit: Yen,
        /// The course's floor, in integer yen.
        floor: Yen,
    },
    /// An answer or award for an application that has no promotion offer.
    #[error("application {0} has no promotion offer")]
    NoOffer(ApplicationId),
    /// The group answers an offer once.
    #[error("the promotion offer has already been answered")]
    AlreadyAnswered,
    /// The group answered after the offer's last JST day (given).
    #[error("the promotion offer expired on {0}")]
    Expired(Date),
    /// The award is above the amount offered on promotion.
    #[error("the award {amount} exceeds the {offered} offered on promotion")]
    AboveOffered {
        /// The award asked for, in integer yen.
        amount: Yen,
        /// The amount offered and accepted, in integer yen.
        offered: Yen,
    },
}

impl Refusal for PromotionError {
    fn code(&self) -> &'static str {
        match self {
            Self::FiscalYearOver(_) => "round.promotion_fiscal_year_over",
            Self::AdoptedUndecided(_) => "round.promotion_adopted_undecided",
            Self::RunnerUpPending(_) => "round.promotion_runner_up_pending",
            Self::OfferOpen(_) => "round.promotion_offer_open",
            Self::NoCandidate => "round.promotion_no_candidate",
            Self::NotNext { .. } => "round.promotion_not_next",
            Self::NoBudget { .. } => "round.promotion_no_budget",
            Self::NoOffer(_) => "round.promotion_no_offer",
            Self::AlreadyAnswered => "round.promotion_already_answered",
            Self::Expired(_) => "round.promotion_expired",
            Self::AboveOffered { .. } => "round.promotion_above_offered",
        }
    }

    fn message_ja(&self) -> String {
        match self {
            Self::FiscalYearOver(day) => format!(
                "年度末（{}）を過ぎたため、繰上げ採択はできません",
                JaDate(*day)
            ),
            Self::AdoptedUndecided(_) => {
                "採択された申請の交付決定が済むまで繰上げ採択はできません".into()
            }
            Self::RunnerUpPending(_) => {
                "次点への打診が決着するまで繰上げ採択はできません".into()
            }
            Self::OfferOpen(_) => {
                "回答待ち、または受諾後に交付決定していない繰上げの打診があります".into()
            }
            Self::NoCandidate => "繰上げ採択できる合格の申請が残っていません".into(),
            Self::NotNext { .. } => "この申請は順位の上で次の繰上げ候補ではありません".into(),
            Self::NoBudget {
                available,
                unit,
                floor,
            } => format!(
                "予算の残り{available}を{unit}単位で切り捨てると補助の下限額{floor}に満たないため、繰上げ採択できる予算がありません"
            ),
            Self::NoOffer(_) => "この申請には繰上げの打診がありません".into(),
            Self::AlreadyAnswered => "繰上げの打診にはすでに回答済みです".into(),
            Self::Expired(day) => {
                format!("繰上げの打診の回答期限（{}）を過ぎています", JaDate(*day))
            }
            Self::AboveOffered { amount, offered } => {
                format!("交付額{amount}が繰上げで打診した額{offered}を超えています")
            }
        }
    }

    fn kind(&self) -> RefusalKind {
        match self {
            Self::AlreadyAnswered | Self::NoOffer(_) => RefusalKind::State,
            _ => RefusalKind::Rule,
        }
    }

    fn field(&self) -> Option<&'static str> {
        match self {
            Self::AboveOffered { .. } => Some("amount"),
            _ => None,
        }
    }
}

impl Round {
    /// The promotion offer made to `application_id`, if any.
    pub fn promotion_of(&self, application_id: ApplicationId) -> Option<&PromotionOffer> {
        self.promotions
            .iter()
            .find(|offer| offer.application_id == application_id)
    }

    /// Who the next promotion would go to on `today` (JST), with the money free for it; or the rule
    /// that forbids one (see the module doc). [`Round::promotion_candidates`] are the applications
    /// whose eligibility the app checks for `withdrawn`.
    /// `withdrawn`: applications of the ranking that are no longer eligible (their group withdrew
    /// them), which the app reads.
    pub fn next_promotion(
        &self,
        today: Date,
        withdrawn: &[ApplicationId],
    ) -> Result<NextPromotion, RoundError> {
        let settings = self.opened()?;
        let last_day = settings.fiscal_year.last_day();
        if today > last_day {
            return Err(PromotionError::FiscalYearOver(last_day).into());
        }
        let ranking = self.ranking.as_ref().ok_or(RoundError::RankingNotFixed)?;
        if let Some(row) = ranking
            .rows
            .iter()
            .find(|row| row.outcome == RankOutcome::Adopted && !self.is_decided(row.application_id))
        {
            return Err(PromotionError::AdoptedUndecided(row.application_id).into());
        }
        if let Some(offer) = &ranking.offer {
            let settled = match offer.accepted {
                Some(true) => self.is_decided(offer.application_id),
                Some(false) => true,
                None => today > offer.expires_on,
            };
            if !settled {
                return Err(PromotionError::RunnerUpPending(offer.application_id).into());
            }
        }
        if let Some(open) = self.promotions.iter().find(|offer| match offer.accepted {
            None => !offer.lapsed(today),
            Some(true) => !self.is_decided(offer.application_id),
            Some(false) => false,
        }) {
            return Err(PromotionError::OfferOpen(open.application_id).into());
        }
        let row = ranking
            .rows
            .iter()
            .find(|row| {
                row.passed
                    && row.outcome == RankOutcome::NotAdopted
                    && !self.is_decided(row.application_id)
                    && self.promotion_of(row.application_id).is_none()
                    && !withdrawn.contains(&row.application_id)
            })
            .ok_or(PromotionError::NoCandidate)?;
        let available = self.remaining_budget();
        self.offerable(available, available)?;
        Ok(NextPromotion {
            application_id: row.application_id,
            rank: row.rank,
            available,
        })
    }

    /// The applications that could be next in rank order, best first, before their eligibility is
    /// known (passed, not adopted, undecided, never offered).
    pub fn promotion_candidates(&self) -> Vec<ApplicationId> {
        self.ranking
            .iter()
            .flat_map(|ranking| ranking.rows.iter())
            .filter(|row| {
                row.passed
                    && row.outcome == RankOutcome::NotAdopted
                    && !self.is_decided(row.application_id)
                    && self.promotion_of(row.application_id).is_none()
            })
            .map(|row| row.application_id)
            .collect()
    }

    /// `min(requested, available)` rounded down to the unit, when it is at least the floor.
    fn offerable(&self, requested: Yen, available: Yen) -> Result<Yen, RoundError> {
        let settings = self.opened()?;
        let amount = requested.min(available).truncate_to(settings.rounding_unit);
        if amount.is_zero() || amount < settings.floor {
            return Err(PromotionError::NoBudget {
                available,
                unit: settings.rounding_unit,
                floor: settings.floor,
            }
            .into());
        }
        Ok(amount)
    }

    /// Staff offer the money that came back to the next application in rank order.
    pub(super) fn offer_promotion(
        &self,
        application_id: ApplicationId,
        requested: Yen,
        withdrawn: &[ApplicationId],
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<RoundEvent>, RoundError> {
        let today = jst_date(at);
        let next = self.next_promotion(today, withdrawn)?;
        if next.application_id != application_id {
            return Err(PromotionError::NotNext {
                asked: application_id,
                next: next.application_id,
            }
            .into());
        }
        let amount = self.offerable(requested, next.available)?;
        let last_day = self.opened()?.fiscal_year.last_day();
        let expires_on = today
            .checked_add(Duration::days(OFFER_DAYS))
            .map_or(last_day, |day| day.min(last_day));
        Ok(vec![RoundEvent::PromotionOffered {
            application_id,
            rank: next.rank,
            amount,
            available: next.available,
            offered_on: today,
            expires_on,
            by,
            at,
        }])
    }

    /// The group answers a promotion offer by its last day (inclusive), once.
    pub(super) fn respond_to_promotion(
        &self,
        application_id: ApplicationId,
        accept: bool,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<RoundEvent>, RoundError> {
        self.opened()?;
        let offer = self
            .promotion_of(application_id)
            .ok_or(PromotionError::NoOffer(application_id))?;
        if offer.accepted.is_some() {
            return Err(PromotionError::AlreadyAnswered.into());
        }
        if jst_date(at) > offer.expires_on {
            return Err(PromotionError::Expired(offer.expires_on).into());
        }
        Ok(vec![if accept {
            RoundEvent::PromotionAccepted {
                application_id,
                amount: offer.amount,
                by,
                at,
            }
        } else {
            RoundEvent::PromotionDeclined {
                application_id,
                by,
                at,
            }
        }])
    }

    /// Rule 6 for a promoted application: awarded only after accepting, at most the amount offered.
    /// `None` when the application has no promotion offer (the ranking's own rule applies).
    pub(super) fn check_promoted(
        &self,
        application_id: ApplicationId,
        amount: Yen,
    ) -> Option<Result<(), RoundError>> {
        let offer = self.promotion_of(application_id)?;
        Some(match offer.accepted {
            Some(true) if amount > offer.amount => Err(PromotionError::AboveOffered {
                amount,
                offered: offer.amount,
            }
            .into()),
            Some(true) => Ok(()),
            _ => Err(RoundError::OfferNotAccepted(application_id)),
        })
    }

    pub(super) fn apply_promotion(&mut self, event: &RoundEvent) {
        match event {
            RoundEvent::PromotionOffered {
                application_id,
                rank,
                amount,
                offered_on,
                expires_on,
                ..
            } => self.promotions.push(PromotionOffer {
                application_id: *application_id,
                rank: *rank,
                amount: *amount,
                offered_on: *offered_on,
                expires_on: *expires_on,
                accepted: None,
            }),
            RoundEvent::PromotionAccepted { application_id, .. }
            | RoundEvent::PromotionDeclined { application_id, .. } => {
                let accepted = matches!(event, RoundEvent::PromotionAccepted { .. });
                if let Some(offer) = self
                    .promotions
                    .iter_mut()
                    .find(|offer| offer.application_id == *application_id)
                {
                    offer.accepted = Some(accepted);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
