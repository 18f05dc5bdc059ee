//! Fiscal years (年度, 1 April to 31 March) and the Japan Standard Time helpers every date rule uses.
//!
//! Instants are stored in UTC. Every calendar question ("which day was it?", "which fiscal year?") is
//! answered in JST (+09:00, no daylight saving), because that is the calendar the city's rules speak.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime, UtcOffset};

/// Japan Standard Time, UTC+09:00.
pub const JST: UtcOffset = match UtcOffset::from_hms(9, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("+09:00 is a valid offset"),
};

/// The calendar day of an instant in Japan.
pub fn jst_date(instant: OffsetDateTime) -> Date {
    instant.to_offset(JST).date()
}

/// Why a fiscal year is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FiscalYearError {
    /// The year is outside 2000 to 2100.
    #[error("the fiscal year must lie between 2000 and 2100")]
    OutOfRange,
}

/// A fiscal year, named by the calendar year in which it starts (令和8年度 = `FiscalYear(2026)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i32", into = "i32")]
pub struct FiscalYear(i32);

impl FiscalYear {
    /// The fiscal year starting in April of `year`, which must lie between 2000 and 2100.
    pub fn new(year: i32) -> Result<Self, FiscalYearError> {
        if (2000..=2100).contains(&year) {
            Ok(FiscalYear(year))
        } else {
            Err(FiscalYearError::OutOfRange)
        }
    }

    /// The fiscal year a calendar day belongs to.
    pub fn of_date(date: Date) -> Self {
        let year = if date.month() >= Month::April {
            date.year()
        } else {
            date.year() - 1
        };
        FiscalYear(year)
    }

    /// The fiscal year an instant belongs to, judged on the Japanese calendar.
    pub fn of_instant(instant: OffsetDateTime) -> Self {
        Self::of_date(jst_date(instant))
    }

    /// The calendar year in which the fiscal year starts.
    pub fn year(self) -> i32 {
        self.0
    }

    /// 1 April.
    pub fn first_day(self) -> Date {
        Date::from_calendar_date(self.0, Month::April, 1).expect("1 April exists")
    }

    /// 31 March of the next calendar year.
    pub fn last_day(self) -> Date {
        Date::from_calendar_date(self.0 + 1, Month::March, 31).expect("31 March exists")
    }

    /// Whether a calendar day (JST) falls between 1 April and the next 31 March of this year.
    pub fn contains(self, date: Date) -> bool {
        Self::of_date(date) == self
    }
}

impl TryFrom<i32> for FiscalYear {
    type Error = FiscalYearError;
    fn try_from(year: i32) -> Result<Self, Self::Error> {
        FiscalYear::new(year)
    }
}

impl From<FiscalYear> for i32 {
    fn from(year: FiscalYear) -> i32 {
        year.0
    }
}

impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}年度", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn runs_from_april_to_march() {
        assert_eq!(FiscalYear::of_date(date!(2026 - 04 - 01)).year(), 2026);
        assert_eq!(FiscalYear::of_date(date!(2027 - 03 - 31)).year(), 2026);
        assert_eq!(FiscalYear::of_date(date!(2026 - 03 - 31)).year(), 2025);
        let year = FiscalYear::new(2026).unwrap();
        assert_eq!(year.first_day(), date!(2026 - 04 - 01));
        assert_eq!(year.last_day(), date!(2027 - 03 - 31));
    }

    #[test]
    fn judges_instants_on_the_japanese_calendar() {
        // 31 March 2027, 15:30 UTC is already 1 April 2027, 00:30 in Japan: the next fiscal year.
        let instant = datetime!(2027-03-31 15:30 UTC);
        assert_eq!(jst_date(instant), date!(2027 - 04 - 01));
        assert_eq!(FiscalYear::of_instant(instant).year(), 2027);
    }

    #[test]
    fn refuses_implausible_years_and_shows_the_japanese_name() {
        assert!(FiscalYear::new(1999).is_err());
        assert!(serde_json::from_str::<FiscalYear>("3000").is_err());
        assert_eq!(FiscalYear::new(2026).unwrap().to_string(), "2026年度");
    }
}

/// A date as the city's pages and messages write it: 2026年4月1日.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JaDate(pub Date);

impl fmt::Display for JaDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}年{}月{}日",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}

/// An instant as the city's pages write it, in Japan Standard Time: 2026年4月1日 09:00.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JaInstant(pub OffsetDateTime);

impl fmt::Display for JaInstant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = self.0.to_offset(JST);
        write!(
            f,
            "{} {:02}:{:02}",
            JaDate(local.date()),
            local.hour(),
            local.minute()
        )
    }
}

#[cfg(test)]
mod ja_date_tests {
    use super::*;

    #[test]
    fn instants_read_in_japan_standard_time() {
        let instant = time::macros::datetime!(2026-03-31 15:00 UTC);
        assert_eq!(JaInstant(instant).to_string(), "2026年4月1日 00:00");
    }

    #[test]
    fn dates_read_as_the_city_writes_them() {
        let date = Date::from_calendar_date(2099, time::Month::January, 1).unwrap();
        assert_eq!(JaDate(date).to_string(), "2099年1月1日");
    }
}

/// The day 令和 began (平成 ended the day before).
const REIWA_FIRST_DAY: (i32, u8, u8) = (2019, 5, 1);

/// A date in the Japanese era, as the city's letters write it: 令和8年4月1日, 令和元年5月1日,
/// 平成31年4月30日.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EraDate(pub Date);

impl fmt::Display for EraDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let date = self.0;
        let (first_year, first_month, first_day) = REIWA_FIRST_DAY;
        let reiwa = (date.year(), u8::from(date.month()), date.day())
            >= (first_year, first_month, first_day);
        let (era, number) = if reiwa {
            ("令和", date.year() - 2018)
        } else {
            ("平成", date.year() - 1988)
        };
        if number == 1 {
            write!(f, "{era}元年")?;
        } else {
            write!(f, "{era}{number}年")?;
        }
        write!(f, "{}月{}日", u8::from(date.month()), date.day())
    }
}

#[cfg(test)]
mod era_date_tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_read_in_the_era_the_city_writes() {
        assert_eq!(EraDate(date!(2026 - 04 - 01)).to_string(), "令和8年4月1日");
        assert_eq!(EraDate(date!(2019 - 05 - 01)).to_string(), "令和元年5月1日");
        assert_eq!(
            EraDate(date!(2019 - 04 - 30)).to_string(),
            "平成31年4月30日"
        );
        assert_eq!(EraDate(date!(2027 - 03 - 31)).to_string(), "令和9年3月31日");
    }
}
