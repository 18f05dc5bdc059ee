//! Rule 3, the amount formula, and the finalisation formula of rule 9, which is the same calculation on
//! the actual accounts:
//!
//! `max = min(cap, truncate_to_unit(rate x (eligible expenses - other subsidies - project income)))`
//!
//! Rounding happens at exactly two defined points, both down: `rate x base` is floored to whole yen
//! (exact integer arithmetic, see [`Ratio::apply_floor`]), then truncated to the round's rounding unit.
//! Flooring first does not change the result, because the unit is a whole number of yen.
//!
//! Decision on the floor (下限): the floor is the smallest subsidy the round grants. A request below
//! the floor is refused, and so is any request when the computed maximum itself is below the floor:
//! such a project is too small for this course.

use serde::{Deserialize, Serialize};

use crate::budget::{Budget, BudgetOverflow};
use crate::money::Yen;
use crate::ratio::Ratio;
use crate::refusal::{Refusal, RefusalKind};

/// The subsidy rates by the group's number of earlier grants in the course: `[1/1, 3/4, 1/2]` means
/// the first grant at 1/1, the second at 3/4, the third and later at 1/2.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Ratio>", into = "Vec<Ratio>")]
pub struct RateSchedule(Vec<Ratio>);

/// Why a rate schedule is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateScheduleError {
    /// The schedule has no rate.
    #[error("the rate schedule needs at least one rate")]
    Empty,
    /// A rate is above 1/1.
    #[error("a subsidy rate may not exceed 1/1")]
    AboveOne,
}

impl RateSchedule {
    /// A schedule of at least one rate, each at most 1/1.
    pub fn new(rates: Vec<Ratio>) -> Result<Self, RateScheduleError> {
        if rates.is_empty() {
            return Err(RateScheduleError::Empty);
        }
        if rates.iter().any(|rate| !rate.is_at_most_one()) {
            return Err(RateScheduleError::AboveOne);
        }
        Ok(RateSchedule(rates))
    }

    /// The rate for a group that already had `prior_grants` grants in this course; past the end of
    /// the schedule the last rate applies.
    pub fn rate_for(&self, prior_grants: u32) -> Ratio {
        let index = usize::try_from(prior_grants).unwrap_or(usize::MAX);
        *self
            .0
            .get(index)
            .or_else(|| self.0.last())
            .expect("a rate schedule is never empty")
    }

    /// The rates, first grant first.
    pub fn rates(&self) -> &[Ratio] {
        &self.0
    }
}

impl TryFrom<Vec<Ratio>> for RateSchedule {
    type Error = RateScheduleError;
    fn try_from(rates: Vec<Ratio>) -> Result<Self, Self::Error> {
        RateSchedule::new(rates)
    }
}

impl From<RateSchedule> for Vec<Ratio> {
    fn from(schedule: RateSchedule) -> Self {
        schedule.0
    }
}

/// The terms that fix one application's amount: the round's cap, floor and rounding unit, and the rate
/// for this group's grant count. An application keeps the terms it started with, so a later change of
/// the round's form never breaks an existing draft.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmountTerms {
    /// The largest award one application may get, in integer yen.
    pub cap: Yen,
    /// The smallest award the course grants, in integer yen.
    pub floor: Yen,
    /// The subsidy rate for the group's number of earlier grants in the course.
    pub rate: Ratio,
    /// The unit (in yen) the maximum is truncated to.
    pub rounding_unit: Yen,
}

/// Why a requested amount is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("the requested amount {requested} exceeds the maximum subsidy {max}")]
    /// The request is above the maximum subsidy (rule 3).
    AboveMaximum {
        /// The amount requested, in integer yen.
        requested: Yen,
        /// The maximum subsidy, in integer yen.
        max: Yen,
    },
    #[error("the requested amount {requested} is below the course's floor {floor}")]
    /// The request is below the course's floor (下限額).
    BelowFloor {
        /// The amount requested, in integer yen.
        requested: Yen,
        /// The course's floor, in integer yen.
        floor: Yen,
    },
    /// The budget's sums do not fit the arithmetic.
    #[error("{0}")]
    Overflow(#[from] BudgetOverflow),
}

impl Refusal for AmountError {
    fn code(&self) -> &'static str {
        match self {
            Self::AboveMaximum { .. } => "amount.above_maximum",
            Self::BelowFloor { .. } => "amount.below_floor",
            Self::Overflow(_) => "amount.overflow",
        }
    }

    fn message_ja(&self) -> String {
        match self {
            Self::AboveMaximum { requested, max } => {
                format!("申請額{requested}が補助上限額{max}を超えています")
            }
            Self::BelowFloor { requested, floor } => {
                format!("申請額{requested}がこのコースの下限額{floor}を下回っています")
            }
            Self::Overflow(_) => "金額が大きすぎて計算できません".into(),
        }
    }

    fn kind(&self) -> RefusalKind {
        match self {
            Self::Overflow(_) => RefusalKind::Invalid,
            _ => RefusalKind::Rule,
        }
    }

    fn field(&self) -> Option<&'static str> {
        match self {
            Self::AboveMaximum { .. } | Self::BelowFloor { .. } => Some("requested_amount"),
            Self::Overflow(_) => Some("budget"),
        }
    }
}

impl AmountTerms {
    /// `truncate_to_unit(rate x base)`: the subsidy a base would earn before the cap.
    pub fn subsidy_for(&self, base: Yen) -> Yen {
        self.rate.apply_floor(base).truncate_to(self.rounding_unit)
    }

    /// Rule 3: the largest subsidy a budget may earn.
    pub fn max_subsidy(&self, budget: &Budget) -> Result<Yen, BudgetOverflow> {
        Ok(self
            .cap
            .min(self.subsidy_for(budget.totals()?.subsidy_base)))
    }

    /// Rule 3: the requested amount lies between the floor and the maximum. Returns the maximum.
    pub fn check_request(&self, requested: Yen, budget: &Budget) -> Result<Yen, AmountError> {
        let max = self.max_subsidy(budget)?;
        if requested > max {
            return Err(AmountError::AboveMaximum { requested, max });
        }
        if requested < self.floor {
            return Err(AmountError::BelowFloor {
                requested,
                floor: self.floor,
            });
        }
        Ok(max)
    }

    /// Rule 9: `finalised = min(decided, truncate_to_unit(rate x actual base))`.
    pub fn finalise(&self, decided: Yen, actual_base: Yen) -> Yen {
        decided.min(self.subsidy_for(actual_base))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::{ExpenseCategory, ExpenseLine, IncomeKind, IncomeLine};
    use proptest::prelude::*;

    fn yen(amount: i64) -> Yen {
        Yen::new(amount).unwrap()
    }

    fn step_up_second_grant() -> AmountTerms {
        AmountTerms {
            cap: yen(500_000),
            floor: Yen::ZERO,
            rate: "3/4".parse().unwrap(),
            rounding_unit: yen(1_000),
        }
    }

    fn budget(eligible: i64, project_income: i64) -> Budget {
        Budget {
            income: vec![IncomeLine {
                kind: IncomeKind::ProjectIncome,
                description: "参加費".into(),
                amount: yen(project_income),
            }],
            expenses: vec![ExpenseLine {
                category: ExpenseCategory::Rentals,
                item: "会場使用料".into(),
                quantity: 1,
                unit_price: yen(eligible),
            }],
        }
    }

    #[test]
    fn worked_example_step_up_second_grant_max_is_286_000() {
        // 3/4 x (412,345 - 30,000) = 286,758.75 -> 286,000 (cap 500,000 not reached).
        let max = step_up_second_grant()
            .max_subsidy(&budget(412_345, 30_000))
            .unwrap();
        assert_eq!(max, yen(286_000));
    }

    #[test]
    fn the_cap_limits_the_maximum() {
        let max = step_up_second_grant()
            .max_subsidy(&budget(2_000_000, 0))
            .unwrap();
        assert_eq!(max, yen(500_000));
    }

    #[test]
    fn requests_above_the_maximum_or_below_the_floor_are_refused() {
        let terms = AmountTerms {
            floor: yen(50_000),
            ..step_up_second_grant()
        };
        let plan = budget(412_345, 30_000);
        assert_eq!(terms.check_request(yen(286_000), &plan), Ok(yen(286_000)));
        assert_eq!(
            terms.check_request(yen(286_001), &plan),
            Err(AmountError::AboveMaximum {
                requested: yen(286_001),
                max: yen(286_000)
            })
        );
        assert!(matches!(
            terms.check_request(yen(49_000), &plan),
            Err(AmountError::BelowFloor { .. })
        ));
    }

    #[test]
    fn worked_examples_of_finalisation() {
        let terms = step_up_second_grant();
        // Actual eligible 350,000, income 30,000 -> 240,000 (below the decided 286,000).
        assert_eq!(terms.finalise(yen(286_000), yen(320_000)), yen(240_000));
        // Actual eligible 250,000, income 30,000 -> 165,000.
        assert_eq!(terms.finalise(yen(286_000), yen(220_000)), yen(165_000));
        // Spending more never raises the amount past the decision.
        assert_eq!(terms.finalise(yen(286_000), yen(900_000)), yen(286_000));
    }

    #[test]
    fn the_rate_follows_the_groups_grant_count() {
        let schedule = RateSchedule::new(
            ["1/1", "3/4", "1/2"]
                .iter()
                .map(|r| r.parse().unwrap())
                .collect(),
        )
        .unwrap();
        assert_eq!(schedule.rate_for(0), Ratio::ONE);
        assert_eq!(schedule.rate_for(1).to_string(), "3/4");
        assert_eq!(schedule.rate_for(2).to_string(), "1/2");
        assert_eq!(schedule.rate_for(7).to_string(), "1/2");
        assert_eq!(RateSchedule::new(vec![]), Err(RateScheduleError::Empty));
        assert_eq!(
            RateSchedule::new(vec!["5/4".parse().unwrap()]),
            Err(RateScheduleError::AboveOne)
        );
    }

    prop_compose! {
        fn any_terms()(cap in 0i64..5_000_000, floor in 0i64..100_000,
                       num in 0u32..=12, den in 1u32..=12,
                       unit in prop::sample::select(vec![1i64, 100, 1_000, 10_000])) -> AmountTerms {
            AmountTerms {
                cap: yen(cap),
                floor: yen(floor),
                rate: Ratio::new(num.min(den), den).unwrap(),
                rounding_unit: yen(unit),
            }
        }
    }

    proptest! {
        #[test]
        fn max_never_exceeds_the_cap_nor_rate_times_base(
            terms in any_terms(), eligible in 0i64..50_000_000, income in 0i64..10_000_000
        ) {
            let plan = budget(eligible, income);
            let base = plan.totals().unwrap().subsidy_base;
            let max = terms.max_subsidy(&plan).unwrap();
            prop_assert!(max <= terms.cap);
            // max x den <= num x base, i.e. max <= rate x base, checked without any rounding.
            let lhs = i128::from(max.to_i64()) * i128::from(terms.rate.denominator());
            let rhs = i128::from(base.to_i64()) * i128::from(terms.rate.numerator());
            prop_assert!(lhs <= rhs);
        }

        #[test]
        fn rounding_is_always_down_and_lands_on_the_unit(terms in any_terms(), base in 0i64..50_000_000) {
            let subsidy = terms.subsidy_for(yen(base));
            let unit = terms.rounding_unit.to_i64();
            prop_assert_eq!(subsidy.to_i64() % unit, 0);
            let exact_times_den = i128::from(base) * i128::from(terms.rate.numerator());
            let subsidy_times_den = i128::from(subsidy.to_i64()) * i128::from(terms.rate.denominator());
            prop_assert!(subsidy_times_den <= exact_times_den);
            // Less than one unit below the exact value.
            let next_times_den = i128::from(subsidy.to_i64() + unit) * i128::from(terms.rate.denominator());
            prop_assert!(next_times_den > exact_times_den);
        }

        #[test]
        fn finalised_never_exceeds_decided(terms in any_terms(), decided in 0i64..5_000_000, base in 0i64..50_000_000) {
            prop_assert!(terms.finalise(yen(decided), yen(base)) <= yen(decided));
        }
    }
}
