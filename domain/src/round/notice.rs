//! Notice numbers (交付決定通知書の文書番号), as the city numbers its documents.
//!
//! Format: `{era}年度{prefix}第{sequence}号`, for example `令和8年度市協第12号`, where
//! - `{era}` is the fiscal year in the Japanese era the city writes (令和 from fiscal 2019, 元 for its
//!   first year; 平成 before it);
//! - `{prefix}` is the city's document prefix (a setting, [`DEFAULT_PREFIX`] unless configured);
//! - `{sequence}` counts the decisions of the fiscal year across every round, from 1, and is never
//!   reused, even after a release.
//!
//! The round cannot know the fiscal year's count (other rounds decide too), so the number is not
//! decided here: the decision's follow-up assigns the next sequence of the fiscal year from the
//! notice register and records the number in the grant's `GrantDecided` (app/src/notice.rs). Round
//! `AwardDecided` events written before carry the round's own number (`令和8年度市協3F9A1C2B第1号`,
//! an id fragment); their grants keep it.

use crate::fiscal_year::FiscalYear;

/// The prefix when none is configured: 市民協働 (the division's abbreviation).
pub const DEFAULT_PREFIX: &str = "市協";

/// The longest prefix accepted, in characters.
pub const PREFIX_MAX_CHARS: usize = 10;

/// The fiscal year in the Japanese era: `令和8` for 2026, `令和元` for 2019, `平成30` for 2018.
pub fn era_year(fiscal_year: FiscalYear) -> String {
    let year = fiscal_year.year();
    let (era, number) = if year >= 2019 {
        ("令和", year - 2018)
    } else {
        ("平成", year - 1988)
    };
    if number == 1 {
        format!("{era}元")
    } else {
        format!("{era}{number}")
    }
}

/// Whether `prefix` may head the city's document numbers: 1 to [`PREFIX_MAX_CHARS`] characters,
/// none a digit, a space or a control character (a digit would run into the sequence).
pub fn valid_prefix(prefix: &str) -> bool {
    let count = prefix.chars().count();
    (1..=PREFIX_MAX_CHARS).contains(&count)
        && prefix
            .chars()
            .all(|c| !c.is_numeric() && !c.is_whitespace() && !c.is_control())
}

/// The notice number of the fiscal year's `sequence`-th decision.
pub fn notice_number(fiscal_year: FiscalYear, prefix: &str, sequence: u32) -> String {
    let NumberParts { head, tail } = number_parts(fiscal_year, prefix);
    format!("{head}{sequence}{tail}")
}

/// A fiscal year's notice number around its sequence, for a register that writes the sequence in
/// itself (app/src/notice.rs joins them in the statement that takes the next sequence).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberParts {
    /// What precedes the sequence: `令和8年度市協第`.
    pub head: String,
    /// What follows it: `号`.
    pub tail: String,
}

/// The fiscal year's notice number without its sequence.
pub fn number_parts(fiscal_year: FiscalYear, prefix: &str) -> NumberParts {
    NumberParts {
        head: format!("{}年度{prefix}第", era_year(fiscal_year)),
        tail: "号".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_number_names_the_era_the_prefix_and_the_sequence_of_the_fiscal_year() {
        let year = FiscalYear::new(2026).unwrap();
        assert_eq!(notice_number(year, "市協", 1), "令和8年度市協第1号");
        assert_eq!(notice_number(year, "岡市協", 12), "令和8年度岡市協第12号");
        let parts = number_parts(year, "市協");
        assert_eq!(
            format!("{}34{}", parts.head, parts.tail),
            "令和8年度市協第34号"
        );
        assert_eq!(era_year(FiscalYear::new(2019).unwrap()), "令和元");
        assert_eq!(era_year(FiscalYear::new(2018).unwrap()), "平成30");
    }

    #[test]
    fn a_prefix_is_short_and_holds_no_digit_or_space() {
        assert!(valid_prefix("市協"));
        assert!(valid_prefix("岡市協"));
        assert!(!valid_prefix(""));
        assert!(!valid_prefix("市協2"));
        assert!(!valid_prefix("市 協"));
        assert!(!valid_prefix(&"協".repeat(11)));
    }
}
