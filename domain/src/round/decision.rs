//! Rule 6, the award decision, and the two later movements of a decided amount (an amendment after an
//! approved change request, a release after a withdrawal, cancellation or lower finalisation).
//!
//! The budget invariant lives in [`Round::check_budget`]: every path that adds to the decided total
//! passes through it, so `decided total <= budget` holds after every event.
//!
//! Rule 1's grant-count limit binds here, at the decision ([`Round::prior_grants_of`]): a group's
//! grants in the course are counted when each award is decided, with this round's earlier awards and
//! the earlier awards of the same decision, and an award that would pass the round's
//! `max_grants_per_group` is refused. The same count picks the rate (rule 3) from the round's rate
//! schedule, so the maximum and the grant's terms use the grants the group really received before,
//! not the count assumed when its draft started (which only refuses a group already at the limit
//! early). Every award decided counts, also one later withdrawn or cancelled, as in
//! `group::prior_grant_count`.
//!
//! Decision on rounding (rule 3's "rounding down" applied to what staff decide): every decided
//! amount, first or amended, lies on the round's rounding unit ([`check_on_unit`]). An amount off
//! the unit is refused, not floored: staff type the amount, the notice states it, and the service
//! never issues a decision for an amount other than the one staff decided. The refusal names the
//! amount rounded down (unit 1,000 yen: 286,500 is refused and 286,000 named), so staff can re-enter
//! it. Computed amounts (the maximum, the finalised amount, the runner-up's remainder) are floored
//! where they are computed.

use std::collections::{BTreeMap, BTreeSet};

use time::{Date, OffsetDateTime};

use super::commands::{AwardRequest, Rejection, CONDITIONS_MAX_CHARS, REJECTION_REASON_MAX_CHARS};
use super::errors::RoundError;
use super::events::RoundEvent;
use super::ranking::RankOutcome;
use super::settings::{check_text, RoundSettings};
use super::Round;
use crate::fiscal_year::jst_date;
use crate::group::check_grant_limit;
use crate::ids::{ApplicationId, GroupId, UserId};
use crate::money::Yen;
use crate::ratio::Ratio;
use crate::text::Lines;

impl Round {
    /// Rule 6: the decided total plus `adding` stays within the round's budget.
    pub fn check_budget(&self, adding: Yen) -> Result<(), RoundError> {
        let settings = self.opened()?;
        let decided = self.decided_total();
        match decided.checked_add(adding) {
            Some(total) if total <= settings.budget => Ok(()),
            _ => Err(RoundError::BudgetExceeded {
                decided,
                adding,
                budget: settings.budget,
            }),
        }
    }

    /// Rule 5 as it binds the decision: adopted applications, or the runner-up after accepting and at
    /// most the remainder offered.
    pub fn check_adopted(
        &self,
        application_id: ApplicationId,
        amount: Yen,
    ) -> Result<(), RoundError> {
        let ranking = self.ranking.as_ref().ok_or(RoundError::RankingNotFixed)?;
        if let Some(promoted) = self.check_promoted(application_id, amount) {
            return promoted;
        }
        let row = ranking
            .rows
            .iter()
            .find(|row| row.application_id == application_id)
            .ok_or(RoundError::NotAdopted(application_id))?;
        match row.outcome {
            RankOutcome::Adopted => Ok(()),
            RankOutcome::NotAdopted => Err(RoundError::NotAdopted(application_id)),
            RankOutcome::RunnerUp => {
                let offer = ranking
                    .offer
                    .as_ref()
                    .filter(|offer| offer.accepted == Some(true))
                    .ok_or(RoundError::OfferNotAccepted(application_id))?;
                if amount > offer.remainder {
                    return Err(RoundError::AboveRemainder {
                        amount,
                        remainder: offer.remainder,
                    });
                }
                Ok(())
            }
        }
    }

    /// Rule 1's count at the decision: the group's grants in other rounds of the course (a fact the
    /// app reads), plus this round's awards to the group, plus `in_this_decision` awarded to it
    /// earlier in the same decision.
    pub fn prior_grants_of(
        &self,
        group_id: GroupId,
        grants_in_other_rounds: u32,
        in_this_decision: u32,
    ) -> u32 {
        let in_this_round = self
            .awards
            .values()
            .filter(|award| award.group_id == group_id)
            .count();
        grants_in_other_rounds
            .saturating_add(u32::try_from(in_this_round).unwrap_or(u32::MAX))
            .saturating_add(in_this_decision)
    }

    /// Rules 1 and 3 for one award: the group is below the limit, and the maximum for the rate its
    /// count gives. Returns the count and the rate.
    fn check_group_limit_and_rate(
        &self,
        settings: &RoundSettings,
        award: &AwardRequest,
        in_this_decision: u32,
    ) -> Result<(u32, Ratio), RoundError> {
        let prior_grants = self.prior_grants_of(
            award.group_id,
            award.grants_in_other_rounds,
            in_this_decision,
        );
        check_grant_limit(prior_grants, settings.max_grants_per_group).map_err(|_| {
            RoundError::GrantLimitReached {
                application_id: award.application_id,
                prior_grants,
                max: settings.max_grants_per_group,
            }
        })?;
        let terms = settings.amount_terms(prior_grants);
        let max = terms
            .max_subsidy(&award.budget)
            .map_err(|_| RoundError::BudgetOverflow(award.application_id))?;
        check_amount(settings, award, max)?;
        Ok((prior_grants, terms.rate))
    }

    pub(super) fn decide(
        &self,
        awards: Vec<AwardRequest>,
        rejections: Vec<Rejection>,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<RoundEvent>, RoundError> {
        let settings = self.opened()?;
        if self.ranking.is_none() {
            return Err(RoundError::RankingNotFixed);
        }
        if awards.is_empty() && rejections.is_empty() {
            return Err(RoundError::EmptyDecision);
        }
        let decided_on = jst_date(at);
        let mut applications = BTreeSet::new();
        let mut grants: BTreeSet<_> = self.awards.values().map(|award| award.grant_id).collect();
        let ids = awards
            .iter()
            .map(|award| award.application_id)
            .chain(rejections.iter().map(|rejection| rejection.application_id));
        for application_id in ids {
            if !applications.insert(application_id) {
                return Err(RoundError::DuplicateApplication(application_id));
            }
            if self.is_decided(application_id) {
                return Err(RoundError::AlreadyDecided(application_id));
            }
        }
        let mut in_this_decision: BTreeMap<GroupId, u32> = BTreeMap::new();
        let mut counted = Vec::with_capacity(awards.len());
        for award in &awards {
            if !grants.insert(award.grant_id) {
                return Err(RoundError::DuplicateGrant(award.grant_id));
            }
            let earlier = in_this_decision.entry(award.group_id).or_default();
            counted.push(self.check_group_limit_and_rate(settings, award, *earlier)?);
            *earlier += 1;
            self.check_adopted(award.application_id, award.amount)?;
            check_on_unit("amount", award.amount, settings.rounding_unit)?;
            check_deadline(settings, award.completion_deadline, decided_on)?;
            check_text(
                &award.conditions,
                "conditions",
                CONDITIONS_MAX_CHARS,
                false,
                Lines::Many,
            )?;
        }
        for rejection in &rejections {
            check_text(
                &rejection.reason,
                "reason",
                REJECTION_REASON_MAX_CHARS,
                true,
                Lines::Many,
            )?;
        }
        // A sum past one trillion yen is past any budget: report it as such.
        let adding = Yen::checked_sum(awards.iter().map(|award| award.amount)).ok_or(
            RoundError::BudgetExceeded {
                decided: self.decided_total(),
                adding: settings.budget,
                budget: settings.budget,
            },
        )?;
        self.check_budget(adding)?;

        let awarded = awards
            .into_iter()
            .zip(counted)
            .map(|(award, (prior_grants, rate))| RoundEvent::AwardDecided {
                application_id: award.application_id,
                grant_id: award.grant_id,
                group_id: award.group_id,
                amount: award.amount,
                prior_grants: Some(prior_grants),
                rate: Some(rate),
                // The fiscal year's number is assigned by the decision's follow-up (notice.rs).
                notice_number: String::new(),
                conditions: award.conditions.trim().to_owned(),
                completion_deadline: award.completion_deadline,
                decided_on,
                by,
                decided_at: at,
            });
        let rejected = rejections
            .into_iter()
            .map(|rejection| RoundEvent::ApplicationRejected {
                application_id: rejection.application_id,
                reason: rejection.reason.trim().to_owned(),
                by,
                at,
            });
        Ok(awarded.chain(rejected).collect())
    }

    pub(super) fn release_award(
        &self,
        application_id: ApplicationId,
        amount: Yen,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<RoundEvent>, RoundError> {
        self.opened()?;
        let award = self
            .awards
            .get(&application_id)
            .ok_or(RoundError::NotAwarded(application_id))?;
        if amount.is_zero() {
            return Err(RoundError::ZeroAmount { field: "amount" });
        }
        let remaining_amount =
            award
                .amount
                .checked_sub(amount)
                .ok_or(RoundError::ReleaseAboveAward {
                    amount,
                    award: award.amount,
                })?;
        Ok(vec![RoundEvent::AwardReleased {
            application_id,
            grant_id: award.grant_id,
            amount,
            remaining_amount,
            by,
            at,
        }])
    }
}

/// Rule 6: more than zero, at least the floor, at most the requested amount and `max`, rule 3's
/// maximum at the rate the decision counted.
pub fn check_amount(
    settings: &RoundSettings,
    award: &AwardRequest,
    max: Yen,
) -> Result<(), RoundError> {
    let amount = award.amount;
    if amount.is_zero() {
        return Err(RoundError::ZeroAmount { field: "amount" });
    }
    if amount > award.requested {
        return Err(RoundError::AboveRequested {
            amount,
            requested: award.requested,
        });
    }
    if amount > max {
        return Err(RoundError::AboveMaximum {
            field: "amount",
            amount,
            max,
        });
    }
    if amount < settings.floor {
        return Err(RoundError::BelowFloor {
            amount,
            floor: settings.floor,
        });
    }
    Ok(())
}

/// Rules 3 and 6: a decided amount is a whole multiple of the round's rounding unit (see the module
/// doc for why an amount off it is refused rather than floored).
pub fn check_on_unit(field: &'static str, amount: Yen, unit: Yen) -> Result<(), RoundError> {
    let rounded_down = amount.truncate_to(unit);
    if rounded_down != amount {
        return Err(RoundError::OffRoundingUnit {
            field,
            amount,
            unit,
            rounded_down,
        });
    }
    Ok(())
}

/// Rule 6: the completion deadline lies between the decision day and the fiscal year's last day.
pub fn check_deadline(
    settings: &RoundSettings,
    deadline: Date,
    decided_on: Date,
) -> Result<(), RoundError> {
    if deadline < decided_on {
        return Err(RoundError::DeadlineBeforeDecision {
            deadline,
            decided_on,
        });
    }
    let last_day = settings.fiscal_year.last_day();
    if deadline > last_day {
        return Err(RoundError::DeadlineAfterFiscalYear { deadline, last_day });
    }
    Ok(())
}
