//! A round's settings (募集要項): fiscal year, course, budget, amount terms, window, criteria and the
//! ratios later rules use. Checked once when the round opens; an application copies the terms it needs,
//! so these settings never break an existing draft.

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime};

use super::errors::RoundError;
use crate::amount::{AmountTerms, RateSchedule};
use crate::criteria::Criteria;
use crate::fiscal_year::FiscalYear;
use crate::money::Yen;
use crate::ratio::Ratio;
use crate::text::{check_characters, Lines};

/// Longest course name, in characters.
pub const COURSE_MAX_CHARS: usize = 100;
/// Longest round title, in characters.
pub const TITLE_MAX_CHARS: usize = 200;
/// Longest round description, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 10_000;
/// The most days a settlement period may have.
pub const SETTLEMENT_DAYS_MAX: u32 = 365;

/// Everything staff configure for one round.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundSettings {
    /// The fiscal year (年度, April to March) the round's money belongs to.
    pub fiscal_year: FiscalYear,
    /// The course (コース) the round belongs to; a group's grants are counted per course.
    pub course: String,
    /// The title of the call, shown to applicants.
    pub title: String,
    /// The call's description; may be empty.
    pub description: String,
    /// The round's budget (予算額), in integer yen: the sum of awards never exceeds it.
    pub budget: Yen,
    /// The largest award (上限額) one application may get, in integer yen.
    pub cap: Yen,
    /// The smallest award (下限額) the course grants, in integer yen.
    pub floor: Yen,
    /// The subsidy rate by the number of earlier grants in the course; past its end the last applies.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Ratio>, min_items = 1))]
    pub rate_schedule: RateSchedule,
    /// The unit (in yen) every maximum and award is truncated to, e.g. 1,000.
    pub rounding_unit: Yen,
    /// How many grants in the course one group may receive in all (rule 1).
    pub max_grants_per_group: u32,
    /// When the application window opens (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub opens_at: OffsetDateTime,
    /// When the application window closes (UTC); submissions after it are refused.
    #[serde(with = "time::serde::rfc3339")]
    pub closes_at: OffsetDateTime,
    /// The scoring criteria the committee scores each application on (rule 4).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::criteria::Criterion>, min_items = 1))]
    pub criteria: Criteria,
    /// The pass line (rule 5) as a share of the highest possible total: an application passes
    /// when its total reaches `pass_ratio x max_total_per_reviewer x slots`.
    pub pass_ratio: Ratio,
    /// The largest share of the decided amount that may be paid in advance (前金払, rule 7).
    pub advance_cap_ratio: Ratio,
    /// The share by which the total cost may fall without staff's approval (rule 8); any rise needs
    /// it.
    pub change_threshold_ratio: Ratio,
    /// How many days after completion the settlement report (実績報告) is due (rule 9), 1 to 365.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 365))]
    pub settlement_days: u32,
    /// The last day any settlement report of the round is due (rule 9's grace date). Absent (and in
    /// rounds opened before it was a setting): 10 April after the fiscal year's end
    /// (`grant::grace_date`). It must lie between the fiscal year's first day and 31 May after
    /// its end ([`last_settlement_grace_date`]).
    #[serde(default)]
    pub settlement_grace_date: Option<Date>,
}

/// The latest grace date a round may set: 31 May after the fiscal year's end, the day the city's
/// accounts of the year close (出納閉鎖, 地方自治法 第235条の5); a report due later could not be
/// finalised and paid from that year's budget.
pub fn last_settlement_grace_date(fiscal_year: FiscalYear) -> Date {
    Date::from_calendar_date(fiscal_year.year() + 1, Month::May, 31)
        .expect("31 May exists in every year")
}

/// Refuses empty or over-long text, or text holding a character `lines` does not allow
/// ([`check_characters`]), judged after trimming (lengths in characters, as the UI counts).
pub(crate) fn check_text(
    text: &str,
    field: &'static str,
    max: usize,
    required: bool,
    lines: Lines,
) -> Result<(), RoundError> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(RoundError::MissingText(field));
    }
    if text.chars().count() > max {
        return Err(RoundError::TextTooLong { field, max });
    }
    check_characters(field, text, lines)?;
    Ok(())
}

impl RoundSettings {
    /// The same settings with surrounding white space removed from the text fields.
    pub fn trimmed(mut self) -> Self {
        self.course = self.course.trim().to_owned();
        self.title = self.title.trim().to_owned();
        self.description = self.description.trim().to_owned();
        self
    }

    /// Checks the settings are coherent (window, floor <= cap <= budget, ratios, counts, text).
    pub fn validate(&self) -> Result<(), RoundError> {
        check_text(&self.course, "course", COURSE_MAX_CHARS, true, Lines::One)?;
        check_text(&self.title, "title", TITLE_MAX_CHARS, true, Lines::One)?;
        check_text(
            &self.description,
            "description",
            DESCRIPTION_MAX_CHARS,
            false,
            Lines::Many,
        )?;
        for criterion in self.criteria.iter() {
            check_characters("criteria", &criterion.key, Lines::One)?;
            check_characters("criteria", &criterion.label, Lines::One)?;
        }
        if self.opens_at >= self.closes_at {
            return Err(RoundError::WindowInverted);
        }
        if self.floor > self.cap {
            return Err(RoundError::FloorAboveCap {
                floor: self.floor,
                cap: self.cap,
            });
        }
        if self.cap > self.budget {
            return Err(RoundError::CapAboveBudget {
                cap: self.cap,
                budget: self.budget,
            });
        }
        if self.rounding_unit.is_zero() {
            return Err(RoundError::ZeroRoundingUnit);
        }
        for (name, ratio) in [
            ("pass_ratio", self.pass_ratio),
            ("advance_cap_ratio", self.advance_cap_ratio),
            ("change_threshold_ratio", self.change_threshold_ratio),
        ] {
            if !ratio.is_at_most_one() {
                return Err(RoundError::RatioAboveOne(name));
            }
        }
        if !(1..=SETTLEMENT_DAYS_MAX).contains(&self.settlement_days) {
            return Err(RoundError::SettlementDaysOutOfRange);
        }
        if self.max_grants_per_group == 0 {
            return Err(RoundError::NoGrantsPerGroup);
        }
        if let Some(grace) = self.settlement_grace_date {
            let first = self.fiscal_year.first_day();
            let last = last_settlement_grace_date(self.fiscal_year);
            if !(first..=last).contains(&grace) {
                return Err(RoundError::SettlementGraceOutOfRange { first, last });
            }
        }
        Ok(())
    }

    /// The amount terms for a group that already had `prior_grants` grants in this course (rule 3).
    pub fn amount_terms(&self, prior_grants: u32) -> AmountTerms {
        AmountTerms {
            cap: self.cap,
            floor: self.floor,
            rate: self.rate_schedule.rate_for(prior_grants),
            rounding_unit: self.rounding_unit,
        }
    }

    /// Rule 2: submissions are accepted from `opens_at` (inclusive) until `closes_at` (exclusive).
    pub fn is_open_for_submission(&self, at: OffsetDateTime) -> bool {
        self.opens_at <= at && at < self.closes_at
    }

    /// The highest total one reviewer can give on this round's criteria.
    pub fn max_total_per_reviewer(&self) -> u32 {
        self.criteria.max_total()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::criteria::Criterion;
    use time::macros::datetime;

    pub(crate) fn yen(amount: i64) -> Yen {
        Yen::new(amount).unwrap()
    }

    /// The demo ステップアップ course: five criteria 0-10, pass line 7/10, budget 1,000,000.
    pub(crate) fn step_up() -> RoundSettings {
        let criteria = ["公益性", "市民性", "発展性", "実現性", "自立性"]
            .iter()
            .enumerate()
            .map(|(i, label)| Criterion {
                key: format!("c{i}"),
                label: (*label).into(),
                min: 0,
                max: 10,
            })
            .collect();
        RoundSettings {
            fiscal_year: FiscalYear::new(2026).unwrap(),
            course: "ステップアップ".into(),
            title: "令和8年度 市民公益活動事業費補助金".into(),
            description: "市民活動団体の公益的な事業を支援します。".into(),
            budget: yen(1_000_000),
            cap: yen(500_000),
            floor: yen(50_000),
            rate_schedule: RateSchedule::new(vec![
                Ratio::ONE,
                "3/4".parse().unwrap(),
                "1/2".parse().unwrap(),
            ])
            .unwrap(),
            rounding_unit: yen(1_000),
            max_grants_per_group: 3,
            opens_at: datetime!(2026-04-01 00:00 +09:00),
            closes_at: datetime!(2026-05-01 00:00 +09:00),
            criteria: Criteria::new(criteria).unwrap(),
            pass_ratio: "7/10".parse().unwrap(),
            advance_cap_ratio: "4/5".parse().unwrap(),
            change_threshold_ratio: "1/5".parse().unwrap(),
            settlement_days: 30,
            settlement_grace_date: None,
        }
    }

    #[test]
    fn the_demo_settings_are_valid_and_give_the_step_up_terms() {
        let settings = step_up();
        assert_eq!(settings.validate(), Ok(()));
        assert_eq!(settings.max_total_per_reviewer(), 50);
        let second = settings.amount_terms(1);
        assert_eq!(second.rate.to_string(), "3/4");
        assert_eq!(second.cap, yen(500_000));
        assert_eq!(second.rounding_unit, yen(1_000));
        assert_eq!(settings.amount_terms(9).rate.to_string(), "1/2");
    }

    #[test]
    fn the_window_includes_its_opening_and_excludes_its_closing_instant() {
        let settings = step_up();
        assert!(!settings.is_open_for_submission(datetime!(2026-03-31 23:59:59 +09:00)));
        assert!(settings.is_open_for_submission(datetime!(2026-04-01 00:00 +09:00)));
        assert!(settings.is_open_for_submission(datetime!(2026-04-30 23:59:59 +09:00)));
        assert!(!settings.is_open_for_submission(datetime!(2026-05-01 00:00 +09:00)));
        // The same instant written in UTC.
        assert!(!settings.is_open_for_submission(datetime!(2026-04-30 15:00 UTC)));
    }

    #[test]
    fn incoherent_settings_are_refused() {
        let check = |change: fn(&mut RoundSettings)| {
            let mut settings = step_up();
            change(&mut settings);
            settings.validate()
        };
        assert_eq!(
            check(|s| s.closes_at = s.opens_at),
            Err(RoundError::WindowInverted)
        );
        assert!(matches!(
            check(|s| s.floor = yen(600_000)),
            Err(RoundError::FloorAboveCap { .. })
        ));
        assert!(matches!(
            check(|s| s.cap = yen(2_000_000)),
            Err(RoundError::CapAboveBudget { .. })
        ));
        assert_eq!(
            check(|s| s.rounding_unit = Yen::ZERO),
            Err(RoundError::ZeroRoundingUnit)
        );
        assert_eq!(
            check(|s| s.pass_ratio = "11/10".parse().unwrap()),
            Err(RoundError::RatioAboveOne("pass_ratio"))
        );
        assert_eq!(
            check(|s| s.advance_cap_ratio = "5/4".parse().unwrap()),
            Err(RoundError::RatioAboveOne("advance_cap_ratio"))
        );
        assert_eq!(
            check(|s| s.change_threshold_ratio = "2/1".parse().unwrap()),
            Err(RoundError::RatioAboveOne("change_threshold_ratio"))
        );
        assert_eq!(
            check(|s| s.settlement_days = 0),
            Err(RoundError::SettlementDaysOutOfRange)
        );
        assert_eq!(
            check(|s| s.settlement_days = 366),
            Err(RoundError::SettlementDaysOutOfRange)
        );
        assert_eq!(
            check(|s| s.max_grants_per_group = 0),
            Err(RoundError::NoGrantsPerGroup)
        );
        // Fiscal year 2026: the grace date lies from 1 April 2026 to 31 May 2027.
        let grace_range = Err(RoundError::SettlementGraceOutOfRange {
            first: time::macros::date!(2026 - 04 - 01),
            last: time::macros::date!(2027 - 05 - 31),
        });
        assert_eq!(
            check(|s| s.settlement_grace_date = Some(time::macros::date!(2027 - 06 - 01))),
            grace_range
        );
        assert_eq!(
            check(|s| s.settlement_grace_date = Some(time::macros::date!(2026 - 03 - 31))),
            grace_range
        );
        assert_eq!(
            check(|s| s.course = "  ".into()),
            Err(RoundError::MissingText("course"))
        );
        assert_eq!(
            check(|s| s.title = String::new()),
            Err(RoundError::MissingText("title"))
        );
        assert!(matches!(
            check(|s| s.title = "あ".repeat(TITLE_MAX_CHARS + 1)),
            Err(RoundError::TextTooLong { field: "title", .. })
        ));
    }

    #[test]
    fn boundary_settings_are_accepted() {
        let mut settings = step_up();
        settings.floor = settings.cap;
        settings.cap = settings.budget;
        settings.floor = settings.budget;
        settings.pass_ratio = Ratio::ONE;
        settings.settlement_days = 365;
        settings.max_grants_per_group = 1;
        settings.description = String::new();
        assert_eq!(settings.validate(), Ok(()));
        for grace in [
            time::macros::date!(2026 - 04 - 01),
            time::macros::date!(2027 - 05 - 31),
        ] {
            settings.settlement_grace_date = Some(grace);
            assert_eq!(settings.validate(), Ok(()));
        }
    }

    #[test]
    fn settings_stored_before_the_grace_date_setting_load_without_one() {
        // A round opened before the setting existed: its stored settings have no such field, and
        // the grant's grace date stays 10 April after the fiscal year (today's behaviour).
        let mut stored = serde_json::to_value(step_up()).unwrap();
        stored
            .as_object_mut()
            .unwrap()
            .remove("settlement_grace_date");
        let loaded: RoundSettings = serde_json::from_value(stored).unwrap();
        assert_eq!(loaded.settlement_grace_date, None);
        assert_eq!(loaded, step_up());
    }
}
