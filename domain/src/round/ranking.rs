//! Rule 5, the ranking: totals with conflicted slots filled, the pass line, the order, and the budget
//! fill that names the adopted applications and the runner-up (次点).
//!
//! A pure function: `FixRanking` uses it, and the app may call it for a preview.
//!
//! Decisions where the rules are silent:
//! - Strict rank order. The budget is filled in rank order; the first passed application whose request
//!   does not fit is the runner-up, and *everyone after it is not adopted*, even a smaller request that
//!   would still fit the remainder. Skipping ahead would let a lower-ranked project overtake a
//!   higher-ranked one merely for asking less, which the rule's "in rank order" forbids.
//! - The remainder offered to the runner-up is the budget left after the adopted requests, rounded
//!   down to the round's rounding unit (unit 1,000 yen: 123,456 left is offered as 123,000): an
//!   award must lie on that unit (see `decision.rs`), so an offer off it could never be decided in
//!   full. It is offered only when, so rounded, it is more than zero and at least the course's floor
//!   (a smaller amount could not be granted); otherwise the runner-up is not adopted and there is no
//!   offer.
//! - Ranks are positions 1, 2, 3, ...: ties are fully broken (total, then the smaller request, then the
//!   application id), so no two rows share a rank.
//! - An application whose every slot is conflicted has no scores to average: total 0, not passed.
//! - The number of slots (committee members) is each entry's number of sheets; the aggregate checks
//!   that it equals the committee's size.

use serde::{Deserialize, Serialize};

use super::errors::RoundError;
use crate::ids::ApplicationId;
use crate::money::Yen;
use crate::ratio::Ratio;

/// What one committee member's scoresheet contributes to an application's total.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SheetOutcome {
    /// A sealed sheet with this total.
    Scored(u32),
    /// The member declared a conflict of interest: the slot is filled with the others' average.
    Conflicted,
    /// Neither sealed nor conflicted: scoring is incomplete.
    Missing,
}

/// One application to rank: its requested amount and one sheet outcome per committee member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankingEntry {
    /// The application to rank.
    pub application_id: ApplicationId,
    /// Its requested amount, in integer yen, which the budget fill uses.
    pub requested: Yen,
    /// One outcome per committee member, in the committee's order.
    pub sheets: Vec<SheetOutcome>,
}

/// Where the budget fill left an application.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RankOutcome {
    /// Passed and fits the budget in rank order: staff may award it.
    Adopted,
    /// 次点: the first passed application whose request did not fit, offered the remainder (which
    /// is at least the floor, else that application is not adopted either).
    RunnerUp,
    /// Did not pass, ranked after the first request that did not fit, or that request itself when
    /// the remainder is below the floor.
    NotAdopted,
}

impl RankOutcome {
    /// The outcome as the city's pages and notices name it.
    pub fn label_ja(self) -> &'static str {
        match self {
            RankOutcome::Adopted => "採択",
            RankOutcome::RunnerUp => "次点",
            RankOutcome::NotAdopted => "不採択",
        }
    }
}

/// One row of the fixed ranking.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankRow {
    /// The ranked application.
    pub application_id: ApplicationId,
    /// Its position, from 1; ties are broken, so no two rows share a rank.
    pub rank: u32,
    /// Its total: the sheets' totals, conflicted slots filled with the others' average.
    pub total: u32,
    /// Whether the total reaches the pass line.
    pub passed: bool,
    /// Where the budget fill left it.
    pub outcome: RankOutcome,
    /// The remainder offered to the runner-up; `None` for every other row.
    pub remainder_offer: Option<Yen>,
}

/// The application's total: the scored totals plus, for each conflicted slot, the scored totals'
/// average truncated to an integer. `None` when no slot is scored.
pub fn total_of(
    entry: &RankingEntry,
    max_total_per_reviewer: u32,
) -> Result<Option<u32>, RoundError> {
    let mut scored = Vec::with_capacity(entry.sheets.len());
    let mut conflicted: u64 = 0;
    for sheet in &entry.sheets {
        match *sheet {
            SheetOutcome::Scored(total) if total > max_total_per_reviewer => {
                return Err(RoundError::ScoreAboveMaximum {
                    application_id: entry.application_id,
                    total,
                    max: max_total_per_reviewer,
                })
            }
            SheetOutcome::Scored(total) => scored.push(u64::from(total)),
            SheetOutcome::Conflicted => conflicted += 1,
            SheetOutcome::Missing => {
                return Err(RoundError::IncompleteScoring(entry.application_id))
            }
        }
    }
    if scored.is_empty() {
        return Ok(None);
    }
    let sum: u64 = scored.iter().sum();
    let average = sum / scored.len() as u64;
    let total = sum + conflicted * average;
    u32::try_from(total)
        .map(Some)
        .map_err(|_| RoundError::TotalOverflow)
}

/// The pass line, compared exactly: `total >= pass_ratio x max_total_per_reviewer x slots`.
pub fn passes(total: u32, slots: usize, max_total_per_reviewer: u32, pass_ratio: Ratio) -> bool {
    let maximum = u128::from(max_total_per_reviewer) * slots as u128;
    u128::from(total) * u128::from(pass_ratio.denominator())
        >= u128::from(pass_ratio.numerator()) * maximum
}

/// Rule 5: ranks the entries and fills the budget in strict rank order.
pub fn rank(
    entries: &[RankingEntry],
    max_total_per_reviewer: u32,
    pass_ratio: Ratio,
    budget: Yen,
    floor: Yen,
    rounding_unit: Yen,
) -> Result<Vec<RankRow>, RoundError> {
    let mut scored = Vec::with_capacity(entries.len());
    let mut seen = std::collections::BTreeSet::new();
    for entry in entries {
        if !seen.insert(entry.application_id) {
            return Err(RoundError::DuplicateApplication(entry.application_id));
        }
        if entry.sheets.is_empty() {
            return Err(RoundError::NoSheets(entry.application_id));
        }
        let (total, passed) = match total_of(entry, max_total_per_reviewer)? {
            Some(total) => (
                total,
                passes(
                    total,
                    entry.sheets.len(),
                    max_total_per_reviewer,
                    pass_ratio,
                ),
            ),
            None => (0, false),
        };
        scored.push((entry, total, passed));
    }
    scored.sort_by(|(a, a_total, _), (b, b_total, _)| {
        b_total
            .cmp(a_total)
            .then(a.requested.cmp(&b.requested))
            .then(a.application_id.cmp(&b.application_id))
    });
    let outcomes = fill_budget(
        scored
            .iter()
            .map(|(entry, _, passed)| (entry.requested, *passed)),
        budget,
        floor,
        rounding_unit,
    );
    Ok(scored
        .iter()
        .zip(outcomes)
        .zip(1u32..)
        .map(
            |(((entry, total, passed), (outcome, remainder_offer)), rank)| RankRow {
                application_id: entry.application_id,
                rank,
                total: *total,
                passed: *passed,
                outcome,
                remainder_offer,
            },
        )
        .collect())
}

/// The budget fill over `(requested, passed)` in rank order (see the module doc for strict order),
/// with the runner-up's remainder rounded down to `rounding_unit`.
pub fn fill_budget(
    ranked: impl IntoIterator<Item = (Yen, bool)>,
    budget: Yen,
    floor: Yen,
    rounding_unit: Yen,
) -> Vec<(RankOutcome, Option<Yen>)> {
    let mut adopted = Yen::ZERO;
    let mut filling = true;
    ranked
        .into_iter()
        .map(|(requested, passed)| {
            if !passed || !filling {
                return (RankOutcome::NotAdopted, None);
            }
            match adopted.checked_add(requested) {
                Some(sum) if sum <= budget => {
                    adopted = sum;
                    (RankOutcome::Adopted, None)
                }
                _ => {
                    filling = false;
                    let remainder = budget.saturating_sub(adopted).truncate_to(rounding_unit);
                    if !remainder.is_zero() && remainder >= floor {
                        (RankOutcome::RunnerUp, Some(remainder))
                    } else {
                        (RankOutcome::NotAdopted, None)
                    }
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use uuid::Uuid;
    use SheetOutcome::{Conflicted, Missing, Scored};

    fn yen(amount: i64) -> Yen {
        Yen::new(amount).unwrap()
    }

    fn app(n: u128) -> ApplicationId {
        ApplicationId::from_uuid(Uuid::from_u128(n))
    }

    fn entry(n: u128, requested: i64, sheets: Vec<SheetOutcome>) -> RankingEntry {
        RankingEntry {
            application_id: app(n),
            requested: yen(requested),
            sheets,
        }
    }

    /// A rounding unit of one yen rounds nothing: for the tests that are about something else.
    fn one_yen() -> Yen {
        yen(1)
    }

    fn seven_tenths() -> Ratio {
        "7/10".parse().unwrap()
    }

    fn scored(totals: &[u32]) -> Vec<SheetOutcome> {
        totals.iter().map(|&t| Scored(t)).collect()
    }

    #[test]
    fn worked_example_a_conflicted_slot_gets_the_truncated_average_of_the_others() {
        // Five reviewers, one conflicted; 40, 37, 42, 38 -> average 39.25 -> 39 -> total 196.
        let entry = entry(
            1,
            100_000,
            vec![Scored(40), Scored(37), Conflicted, Scored(42), Scored(38)],
        );
        assert_eq!(total_of(&entry, 50), Ok(Some(196)));
        let rows = rank(
            &[entry],
            50,
            seven_tenths(),
            yen(1_000_000),
            Yen::ZERO,
            one_yen(),
        )
        .unwrap();
        // Pass line 7/10 x 250 = 175.
        assert_eq!(rows[0].total, 196);
        assert!(rows[0].passed);
        assert_eq!(rows[0].outcome, RankOutcome::Adopted);
    }

    #[test]
    fn the_pass_line_is_compared_exactly() {
        // 7/10 x (50 x 3) = 105 exactly.
        assert!(passes(105, 3, 50, seven_tenths()));
        assert!(!passes(104, 3, 50, seven_tenths()));
        // 2/3 x (10 x 1) = 6.67: 6 fails, 7 passes (no rounding of the line).
        let two_thirds: Ratio = "2/3".parse().unwrap();
        assert!(!passes(6, 1, 10, two_thirds));
        assert!(passes(7, 1, 10, two_thirds));
    }

    #[test]
    fn an_application_below_the_pass_line_is_not_adopted() {
        let rows = rank(
            &[entry(1, 100_000, scored(&[30, 30, 30]))],
            50,
            seven_tenths(),
            yen(1_000_000),
            Yen::ZERO,
            one_yen(),
        )
        .unwrap();
        assert!(!rows[0].passed);
        assert_eq!(rows[0].outcome, RankOutcome::NotAdopted);
    }

    #[test]
    fn an_application_with_every_slot_conflicted_scores_zero_and_fails() {
        let rows = rank(
            &[entry(1, 100_000, vec![Conflicted, Conflicted])],
            50,
            Ratio::new(0, 1).unwrap(),
            yen(1_000_000),
            Yen::ZERO,
            one_yen(),
        )
        .unwrap();
        assert_eq!(rows[0].total, 0);
        assert!(!rows[0].passed);
        assert_eq!(rows[0].outcome, RankOutcome::NotAdopted);
    }

    #[test]
    fn a_missing_sheet_makes_the_ranking_incomplete() {
        assert_eq!(
            rank(
                &[entry(1, 100_000, vec![Scored(40), Missing])],
                50,
                seven_tenths(),
                yen(1_000_000),
                Yen::ZERO,
                one_yen(),
            ),
            Err(RoundError::IncompleteScoring(app(1)))
        );
    }

    #[test]
    fn impossible_entries_are_refused() {
        let refuse = |entries: &[RankingEntry]| {
            rank(
                entries,
                50,
                seven_tenths(),
                yen(1_000_000),
                Yen::ZERO,
                one_yen(),
            )
            .unwrap_err()
        };
        assert_eq!(
            refuse(&[entry(1, 1, scored(&[51]))]),
            RoundError::ScoreAboveMaximum {
                application_id: app(1),
                total: 51,
                max: 50
            }
        );
        assert_eq!(refuse(&[entry(1, 1, vec![])]), RoundError::NoSheets(app(1)));
        assert_eq!(
            refuse(&[entry(1, 1, scored(&[40])), entry(1, 2, scored(&[40]))]),
            RoundError::DuplicateApplication(app(1))
        );
    }

    #[test]
    fn ties_go_to_the_smaller_request_then_the_application_id() {
        let rows = rank(
            &[
                entry(3, 200_000, scored(&[40, 40])),
                entry(2, 100_000, scored(&[40, 40])),
                entry(1, 200_000, scored(&[40, 40])),
                entry(4, 300_000, scored(&[45, 45])),
            ],
            50,
            seven_tenths(),
            yen(10_000_000),
            Yen::ZERO,
            one_yen(),
        )
        .unwrap();
        let order: Vec<_> = rows.iter().map(|r| (r.application_id, r.rank)).collect();
        assert_eq!(
            order,
            vec![(app(4), 1), (app(2), 2), (app(1), 3), (app(3), 4)]
        );
    }

    #[test]
    fn the_first_passed_application_that_overflows_is_the_runner_up_offered_the_remainder() {
        // Budget 1,000,000: 500,000 + 300,000 adopted, 400,000 overflows -> offered 200,000;
        // the 100,000 after it would fit but strict rank order leaves it not adopted.
        let rows = rank(
            &[
                entry(1, 500_000, scored(&[48, 48])),
                entry(2, 300_000, scored(&[46, 46])),
                entry(3, 400_000, scored(&[44, 44])),
                entry(4, 100_000, scored(&[42, 42])),
                entry(5, 50_000, scored(&[10, 10])),
            ],
            50,
            seven_tenths(),
            yen(1_000_000),
            yen(50_000),
            one_yen(),
        )
        .unwrap();
        let outcomes: Vec<_> = rows
            .iter()
            .map(|r| (r.outcome, r.remainder_offer))
            .collect();
        assert_eq!(
            outcomes,
            vec![
                (RankOutcome::Adopted, None),
                (RankOutcome::Adopted, None),
                (RankOutcome::RunnerUp, Some(yen(200_000))),
                (RankOutcome::NotAdopted, None),
                (RankOutcome::NotAdopted, None),
            ]
        );
    }

    #[test]
    fn failed_applications_are_skipped_by_the_fill_and_never_become_runner_up() {
        let rows = rank(
            &[
                entry(1, 600_000, scored(&[48, 48])),
                entry(2, 900_000, scored(&[20, 20])),
                entry(3, 500_000, scored(&[40, 40])),
            ],
            50,
            seven_tenths(),
            yen(1_000_000),
            Yen::ZERO,
            one_yen(),
        )
        .unwrap();
        assert_eq!(rows[1].application_id, app(3));
        assert_eq!(rows[1].outcome, RankOutcome::RunnerUp);
        assert_eq!(rows[1].remainder_offer, Some(yen(400_000)));
        assert_eq!(rows[2].outcome, RankOutcome::NotAdopted);
    }

    #[test]
    fn a_remainder_below_the_floor_or_zero_is_not_offered() {
        let fill = |floor| {
            fill_budget(
                [(yen(960_000), true), (yen(100_000), true)],
                yen(1_000_000),
                yen(floor),
                one_yen(),
            )
        };
        assert_eq!(
            fill(50_000)[1],
            (RankOutcome::NotAdopted, None),
            "40,000 left is below the 50,000 floor"
        );
        assert_eq!(fill(40_000)[1], (RankOutcome::RunnerUp, Some(yen(40_000))));
        let exact = fill_budget(
            [(yen(1_000_000), true), (yen(1), true)],
            yen(1_000_000),
            Yen::ZERO,
            one_yen(),
        );
        assert_eq!(exact[1], (RankOutcome::NotAdopted, None));
    }

    #[test]
    fn worked_example_the_remainder_is_offered_rounded_down_to_the_unit() {
        // Budget 1,000,000, unit 1,000: 500,000 + 376,544 adopted leave 123,456, offered as 123,000.
        let fill = |unit| {
            fill_budget(
                [
                    (yen(500_000), true),
                    (yen(376_544), true),
                    (yen(200_000), true),
                ],
                yen(1_000_000),
                yen(50_000),
                yen(unit),
            )
        };
        assert_eq!(fill(1_000)[2], (RankOutcome::RunnerUp, Some(yen(123_000))));
        // Unit 10,000: 120,000.
        assert_eq!(fill(10_000)[2], (RankOutcome::RunnerUp, Some(yen(120_000))));
    }

    #[test]
    fn a_remainder_that_rounds_below_the_floor_or_to_nothing_is_not_offered() {
        // Floor 50,000, unit 10,000: 950,001 adopted leave 49,999, which rounds down to 40,000.
        let fill = |adopted, floor| {
            fill_budget(
                [(yen(adopted), true), (yen(100_000), true)],
                yen(1_000_000),
                yen(floor),
                yen(10_000),
            )
        };
        assert_eq!(fill(950_001, 50_000)[1], (RankOutcome::NotAdopted, None));
        // 49,999 left with no floor: 40,000 is offered.
        assert_eq!(
            fill(950_001, 0)[1],
            (RankOutcome::RunnerUp, Some(yen(40_000)))
        );
        // 9,999 left rounds down to nothing.
        assert_eq!(fill(990_001, 0)[1], (RankOutcome::NotAdopted, None));
    }

    prop_compose! {
        fn any_entries()(rows in prop::collection::vec(
            (1i64..2_000_000, prop::collection::vec(prop_oneof![
                (0u32..=50).prop_map(Scored), Just(Conflicted)], 1..6)), 0..20)
        ) -> Vec<RankingEntry> {
            rows.into_iter().enumerate().map(|(i, (requested, sheets))| RankingEntry {
                application_id: app(i as u128 + 1),
                requested: yen(requested),
                sheets,
            }).collect()
        }
    }

    proptest! {
        #[test]
        fn adopted_requests_never_exceed_the_budget_and_the_offer_is_what_is_left_rounded_down(
            mut entries in any_entries(),
            budget in 0i64..5_000_000,
            floor in 0i64..200_000,
            pass in 0u32..=10,
            unit in prop_oneof![Just(1i64), Just(1_000), Just(10_000)],
            seed in any::<u64>(),
        ) {
            // Shuffle deterministically: the input order must not matter.
            let len = entries.len().max(1);
            entries.rotate_left((seed as usize) % len);
            let ratio = Ratio::new(pass, 10).unwrap();
            let rows = rank(&entries, 50, ratio, yen(budget), yen(floor), yen(unit)).unwrap();
            let requested = |id| entries.iter().find(|e| e.application_id == id).unwrap().requested;
            let adopted = Yen::checked_sum(rows.iter()
                .filter(|r| r.outcome == RankOutcome::Adopted)
                .map(|r| requested(r.application_id))).unwrap();
            prop_assert!(adopted <= yen(budget));
            let runners: Vec<_> = rows.iter().filter(|r| r.outcome == RankOutcome::RunnerUp).collect();
            prop_assert!(runners.len() <= 1);
            if let Some(runner) = runners.first() {
                let offer = runner.remainder_offer.unwrap();
                // What is left, rounded down to the unit: on it, and less than one unit short.
                let left = yen(budget).checked_sub(adopted).unwrap();
                prop_assert_eq!(offer, left.truncate_to(yen(unit)));
                prop_assert!(left.to_i64() - offer.to_i64() < unit);
                prop_assert!(!offer.is_zero());
                prop_assert!(offer < requested(runner.application_id));
                prop_assert!(offer >= yen(floor));
            }
            // Ranks are 1..=n and totals never increase down the list.
            for (i, row) in rows.iter().enumerate() {
                prop_assert_eq!(row.rank as usize, i + 1);
                prop_assert!(row.outcome == RankOutcome::NotAdopted || row.passed);
            }
            prop_assert!(rows.windows(2).all(|w| w[0].total >= w[1].total));
            let reversed: Vec<_> = entries.iter().rev().cloned().collect();
            prop_assert_eq!(rank(&reversed, 50, ratio, yen(budget), yen(floor), yen(unit)).unwrap(), rows);
        }
    }
}
