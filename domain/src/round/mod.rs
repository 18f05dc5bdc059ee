//! The round (公募 / 募集回): guards a funding round's settings, committee, ranking, runner-up offer and
//! award decisions, so that the sum of awards never exceeds the budget. The app serialises every
//! decision through this aggregate's optimistic concurrency, so two concurrent decisions can never both
//! spend the same remainder.
//!
//! Lifecycle: `Open` -> `AppointReviewer`* -> `CloseScoring` (after the window) -> `FixRanking` ->
//! `RespondToOffer` (runner-up, optional) -> `Decide`* -> `ReserveChange`* (`CancelReservation`) /
//! `ReleaseAward`*.
//!
//! Decisions where the rules are silent:
//! - Closing scoring needs at least one appointed reviewer (rule 4 scores through a committee).
//! - `FixRanking` needs one sheet outcome per committee member for every entry; a different count is
//!   refused as invalid. A round with no applications may fix an empty ranking.
//! - Only applications the ranking adopted, the runner-up after accepting (and at most the remainder
//!   offered), or an application promoted after accepting (at most the amount offered) can be
//!   awarded. Budget freed later by a release is offered on by staff's 繰上げ採択, see [`promotion`].
//! - Any application (ranked or not, for example one screened out) may be rejected, once.
//! - An award is more than zero yen and at least the course's floor (the floor is the smallest subsidy
//!   the course grants, see `amount.rs`); it may be below the requested amount.
//! - The completion deadline may fall on the decision day itself and at latest on the fiscal year's last
//!   day (31 March), both judged in JST.
//! - The runner-up answers by the JST day `fixed_on + 7` inclusive; a ranking with no runner-up has no
//!   offer and no expiry day.
//! - A change's reservation may not raise an award above the course's cap (the only maximum the round
//!   knows; the change request's own limits are the grant's rule) and must raise it: see
//!   [`reservation`]. A release gives back at most what remains decided; the application stays
//!   decided, so it cannot be awarded twice.
//! - Notice numbers: see [`notice`].

pub mod commands;
pub mod correction;
mod decision;
pub mod errors;
pub mod events;
pub mod notice;
pub mod promotion;
pub mod ranking;
pub mod reservation;
pub mod settings;

#[cfg(test)]
mod correction_tests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

pub use commands::{AwardRequest, Rejection, RoundCommand};
pub use errors::RoundError;
pub use events::{RoundEvent, AWARD_DECIDED_VERSION};
pub use notice::{
    era_year, notice_number, number_parts, valid_prefix, NumberParts, DEFAULT_PREFIX,
};
pub use promotion::{NextPromotion, PromotionError, PromotionOffer};
pub use ranking::{rank, RankOutcome, RankRow, RankingEntry, SheetOutcome};
pub use reservation::Reservation;
pub use settings::RoundSettings;

use crate::fiscal_year::jst_date;
use crate::ids::{ApplicationId, ChangeRequestId, GrantId, GroupId, RoundId, UserId};
use crate::money::Yen;

/// How many JST calendar days the runner-up has to answer, the day of the ranking not counted.
pub const OFFER_DAYS: i64 = 7;

/// The round's state, rebuilt from its events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Round {
    /// The round's id; `None` before `RoundOpened`.
    pub round_id: Option<RoundId>,
    /// The settings in force (as last corrected); `None` before the round opens.
    pub settings: Option<RoundSettings>,
    /// Committee members in the order they were appointed.
    pub committee: Vec<UserId>,
    /// When staff closed scoring (UTC); `None` while reviewers may still score.
    #[serde(with = "time::serde::rfc3339::option")]
    pub scoring_closed_at: Option<OffsetDateTime>,
    /// The ranking once fixed (rule 5); `None` before.
    pub ranking: Option<FixedRanking>,
    /// The decided awards (採択), by application.
    pub awards: BTreeMap<ApplicationId, Award>,
    /// Rejected applications and the reason given.
    pub rejections: BTreeMap<ApplicationId, String>,
    /// Awards decided so far (each once had the round's own notice number).
    pub notices_issued: u32,
    /// Changes' increases held on the budget, by change request.
    #[serde(default)]
    pub reservations: BTreeMap<ChangeRequestId, Reservation>,
    /// 繰上げ採択 offers, in the order made (see [`promotion`]). Defaulted: a snapshot from before
    /// promotions existed had none.
    #[serde(default)]
    pub promotions: Vec<PromotionOffer>,
    /// Every correction of the settings after opening, in order (`correction`).
    #[serde(default)]
    pub corrections: Vec<correction::Correction>,
}

/// The ranking as fixed, and the runner-up offer it made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixedRanking {
    /// The rows in rank order.
    pub rows: Vec<RankRow>,
    /// The JST day the ranking was fixed.
    pub fixed_on: Date,
    /// The remainder offered to the runner-up (次点); `None` when the ranking has no runner-up.
    pub offer: Option<RunnerUpOffer>,
}

/// The remainder offered to the runner-up and its answer, if any.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunnerUpOffer {
    /// The runner-up application.
    pub application_id: ApplicationId,
    /// The amount offered: the budget left after the adopted requests, rounded down to the rounding
    /// unit.
    pub remainder: Yen,
    /// The last JST day to answer (`fixed_on + OFFER_DAYS`), inclusive.
    pub expires_on: Date,
    /// `Some(true)` accepted, `Some(false)` declined, `None` not answered yet.
    pub accepted: Option<bool>,
}

/// One decided award, with its current amount after amendments and releases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Award {
    /// The grant the award opened.
    pub grant_id: GrantId,
    /// The group awarded.
    pub group_id: GroupId,
    /// The amount decided first.
    pub decided_amount: Yen,
    /// The amount the round's budget currently holds for this award.
    pub amount: Yen,
    /// The round's own number for decisions stored before fiscal-year numbering; empty since
    /// (the grant carries the number).
    pub notice_number: String,
    /// The last JST day by which the project must be completed.
    pub completion_deadline: Date,
    /// The JST day of the decision.
    pub decided_on: Date,
}

impl Round {
    /// The settings of an opened round.
    pub fn opened(&self) -> Result<&RoundSettings, RoundError> {
        self.settings.as_ref().ok_or(RoundError::NotOpened)
    }

    /// Whether staff have closed scoring.
    pub fn is_scoring_closed(&self) -> bool {
        self.scoring_closed_at.is_some()
    }

    /// The sum of the amounts the budget currently holds for awards.
    pub fn decided_total(&self) -> Yen {
        Yen::checked_sum(self.awards.values().map(|award| award.amount))
            .expect("rule 6 keeps the decided total within the budget")
    }

    /// What remains of the budget for further awards.
    pub fn remaining_budget(&self) -> Yen {
        self.settings.as_ref().map_or(Yen::ZERO, |settings| {
            settings.budget.saturating_sub(self.decided_total())
        })
    }

    /// Whether an application was already awarded or rejected in this round.
    pub fn is_decided(&self, application_id: ApplicationId) -> bool {
        self.awards.contains_key(&application_id) || self.rejections.contains_key(&application_id)
    }

    fn open(
        &self,
        round_id: RoundId,
        settings: RoundSettings,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<RoundEvent>, RoundError> {
        if self.settings.is_some() {
            return Err(RoundError::AlreadyOpened);
        }
        let settings = settings.trimmed();
        settings.validate()?;
        Ok(vec![RoundEvent::RoundOpened {
            round_id,
            settings,
            by,
            at,
        }])
    }

    /// Rule 4: only reviewer accounts sit on the committee, each once, before scoring closes.
    fn appoint_reviewer(
        &self,
        reviewer_id: UserId,
        is_reviewer_account: bool,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<RoundEvent>, RoundError> {
        self.opened()?;
        if !is_reviewer_account {
            return Err(RoundError::NotAReviewer);
        }
        if self.is_scoring_closed() {
            return Err(RoundError::ScoringAlreadyClosed);
        }
        if self.committee.contains(&reviewer_id) {
            return Err(RoundError::ReviewerAlreadyAppointed);
        }
        Ok(vec![RoundEvent::ReviewerAppointed {
            reviewer_id,
            by,
            at,
        }])
    }

    /// Scoring happens after the application window; it closes once, with a committee.
    fn close_scoring(&self, by: UserId, at: OffsetDateTime) -> Result<Vec<RoundEvent>, RoundError> {
        let settings = self.opened()?;
        if self.is_scoring_closed() {
            return Err(RoundError::ScoringAlreadyClosed);
        }
        if at < settings.closes_at {
            return Err(RoundError::WindowStillOpen);
        }
        if self.committee.is_empty() {
            return Err(RoundError::NoCommittee);
        }
        Ok(vec![RoundEvent::ScoringClosed { by, at }])
    }

    fn fix_ranking(
        &self,
        entries: Vec<RankingEntry>,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<RoundEvent>, RoundError> {
        let settings = self.opened()?;
        if self.ranking.is_some() {
            return Err(RoundError::RankingAlreadyFixed);
        }
        if !self.is_scoring_closed() {
            return Err(RoundError::ScoringNotClosed);
        }
        self.check_sheet_counts(&entries)?;
        let rows = rank(
            &entries,
            settings.max_total_per_reviewer(),
            settings.pass_ratio,
            settings.budget,
            settings.floor,
            settings.rounding_unit,
        )?;
        let fixed_on = jst_date(at);
        let offer_expires_on = rows
            .iter()
            .any(|row| row.outcome == RankOutcome::RunnerUp)
            .then(|| fixed_on.saturating_add(Duration::days(OFFER_DAYS)));
        Ok(vec![RoundEvent::RankingFixed {
            rows,
            fixed_on,
            offer_expires_on,
            by,
            at,
        }])
    }

    /// Every entry carries exactly one sheet outcome per committee member.
    fn check_sheet_counts(&self, entries: &[RankingEntry]) -> Result<(), RoundError> {
        let expected = self.committee.len();
        match entries.iter().find(|entry| entry.sheets.len() != expected) {
            Some(entry) => Err(RoundError::SheetCountMismatch {
                application_id: entry.application_id,
                expected,
                found: entry.sheets.len(),
            }),
            None => Ok(()),
        }
    }

    /// The runner-up answers within 7 JST days of the ranking (day 7 included), once.
    fn respond_to_offer(
        &self,
        application_id: ApplicationId,
        accept: bool,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<RoundEvent>, RoundError> {
        self.opened()?;
        let ranking = self.ranking.as_ref().ok_or(RoundError::RankingNotFixed)?;
        let offer = ranking
            .offer
            .as_ref()
            .filter(|offer| offer.application_id == application_id)
            .ok_or(RoundError::NotTheRunnerUp(application_id))?;
        if offer.accepted.is_some() {
            return Err(RoundError::OfferAlreadyAnswered);
        }
        if jst_date(at) > offer.expires_on {
            return Err(RoundError::OfferExpired(offer.expires_on));
        }
        Ok(vec![if accept {
            RoundEvent::RunnerUpOfferAccepted {
                application_id,
                remainder: offer.remainder,
                by,
                at,
            }
        } else {
            RoundEvent::RunnerUpOfferDeclined {
                application_id,
                by,
                at,
            }
        }])
    }
}

impl Aggregate for Round {
    const TYPE: &'static str = "round";
    type Command = RoundCommand;
    type Event = RoundEvent;
    type Error = RoundError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let events = match command {
            RoundCommand::Open {
                round_id,
                settings,
                by,
                at,
            } => self.open(round_id, settings, by, at)?,
            RoundCommand::AppointReviewer {
                reviewer_id,
                is_reviewer_account,
                by,
                at,
            } => self.appoint_reviewer(reviewer_id, is_reviewer_account, by, at)?,
            RoundCommand::CloseScoring { by, at } => self.close_scoring(by, at)?,
            RoundCommand::FixRanking { entries, by, at } => self.fix_ranking(entries, by, at)?,
            RoundCommand::RespondToOffer {
                application_id,
                accept,
                by,
                at,
            } => self.respond_to_offer(application_id, accept, by, at)?,
            RoundCommand::Decide {
                awards,
                rejections,
                by,
                at,
            } => self.decide(awards, rejections, by, at)?,
            RoundCommand::ReserveChange {
                application_id,
                change_request_id,
                new_amount,
                held_by_grant,
                reason,
                by,
                at,
            } => self.reserve_change(
                application_id,
                change_request_id,
                (held_by_grant, new_amount),
                reason,
                by,
                at,
            )?,
            RoundCommand::CancelReservation {
                change_request_id,
                reason,
                by,
                at,
            } => self.cancel_reservation(change_request_id, reason, by, at)?,
            RoundCommand::ReleaseAward {
                application_id,
                amount,
                by,
                at,
            } => self.release_award(application_id, amount, by, at)?,
            RoundCommand::OfferPromotion {
                application_id,
                requested,
                withdrawn,
                by,
                at,
            } => self.offer_promotion(application_id, requested, &withdrawn, by, at)?,
            RoundCommand::RespondToPromotion {
                application_id,
                accept,
                by,
                at,
            } => self.respond_to_promotion(application_id, accept, by, at)?,
            RoundCommand::Correct {
                settings,
                reason,
                applications,
                by,
                at,
            } => self.correct(settings, &reason, applications, by, at)?,
        };
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            RoundEvent::RoundOpened {
                round_id, settings, ..
            } => {
                self.round_id = Some(round_id);
                self.settings = Some(settings);
            }
            RoundEvent::ReviewerAppointed { reviewer_id, .. } => self.committee.push(reviewer_id),
            RoundEvent::ScoringClosed { at, .. } => self.scoring_closed_at = Some(at),
            RoundEvent::RankingFixed {
                rows,
                fixed_on,
                offer_expires_on,
                ..
            } => {
                let offer = rows.iter().find_map(|row| {
                    Some(RunnerUpOffer {
                        application_id: row.application_id,
                        remainder: row.remainder_offer?,
                        expires_on: offer_expires_on?,
                        accepted: None,
                    })
                });
                self.ranking = Some(FixedRanking {
                    rows,
                    fixed_on,
                    offer,
                });
            }
            RoundEvent::RunnerUpOfferAccepted { .. } => self.answer_offer(true),
            RoundEvent::RunnerUpOfferDeclined { .. } => self.answer_offer(false),
            RoundEvent::AwardDecided {
                application_id,
                grant_id,
                group_id,
                amount,
                notice_number,
                completion_deadline,
                decided_on,
                ..
            } => {
                self.notices_issued += 1;
                self.awards.insert(
                    application_id,
                    Award {
                        grant_id,
                        group_id,
                        decided_amount: amount,
                        amount,
                        notice_number,
                        completion_deadline,
                        decided_on,
                    },
                );
            }
            RoundEvent::ApplicationRejected {
                application_id,
                reason,
                ..
            } => {
                self.rejections.insert(application_id, reason);
            }
            RoundEvent::AwardAmended {
                application_id,
                new_amount,
                ..
            } => {
                if let Some(award) = self.awards.get_mut(&application_id) {
                    award.amount = new_amount;
                }
            }
            RoundEvent::AwardReleased {
                application_id,
                remaining_amount,
                ..
            } => {
                if let Some(award) = self.awards.get_mut(&application_id) {
                    award.amount = remaining_amount;
                }
            }
            RoundEvent::ChangeReserved {
                application_id,
                change_request_id,
                previous_amount,
                new_amount,
                ..
            } => {
                if let Some(award) = self.awards.get_mut(&application_id) {
                    award.amount = new_amount;
                }
                self.reservations.insert(
                    change_request_id,
                    Reservation {
                        application_id,
                        increase: new_amount.saturating_sub(previous_amount),
                        cancelled: false,
                    },
                );
            }
            RoundEvent::ChangeReservationCancelled {
                application_id,
                change_request_id,
                remaining_amount,
                ..
            } => {
                if let Some(award) = self.awards.get_mut(&application_id) {
                    award.amount = remaining_amount;
                }
                if let Some(reservation) = self.reservations.get_mut(&change_request_id) {
                    reservation.cancelled = true;
                }
            }
            RoundEvent::PromotionOffered { .. }
            | RoundEvent::PromotionAccepted { .. }
            | RoundEvent::PromotionDeclined { .. } => self.apply_promotion(&event),
            RoundEvent::RoundCorrected {
                settings,
                changed,
                reason,
                at,
                ..
            } => {
                self.settings = Some(settings);
                self.corrections.push(correction::Correction {
                    changed,
                    reason,
                    corrected_at: at,
                });
            }
        }
    }
}

impl Round {
    fn answer_offer(&mut self, accepted: bool) {
        if let Some(offer) = self
            .ranking
            .as_mut()
            .and_then(|ranking| ranking.offer.as_mut())
        {
            offer.accepted = Some(accepted);
        }
    }
}
