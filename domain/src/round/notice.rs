//! Notice numbers (交付決定通知書の文書番号): unique across rounds and stable once issued.
//!
//! Format: `{era}年度市協{tag}第{sequence}号`, for example `令和8年度市協3F9A1C2B第12号`, where
//! - `{era}` is the fiscal year in the Japanese era the city writes (令和 from fiscal 2019, 元 for its
//!   first year; 平成 before it);
//! - `{tag}` is the *last* 8 hex digits of the round id, upper case. The round ids are UUID v7, whose
//!   leading digits are a timestamp (rounds opened within about a minute share their first 8 digits),
//!   while the trailing digits are random, so the tag tells rounds apart; within one fiscal year a
//!   collision between two rounds has a chance of about one in four billion per pair;
//! - `{sequence}` counts the round's awards from 1 and is never reused, even after a release.

use crate::fiscal_year::FiscalYear;
use crate::ids::RoundId;

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

/// The round's tag in its notice numbers: the last 8 hex digits of its id.
pub fn round_tag(round_id: RoundId) -> String {
    // Truncation to the low 32 bits is the point: they are the random part of a UUID v7.
    format!("{:08X}", round_id.as_uuid().as_u128() as u32)
}

/// The notice number of the round's `sequence`-th award.
pub fn notice_number(round_id: RoundId, fiscal_year: FiscalYear, sequence: u32) -> String {
    format!(
        "{}年度市協{}第{}号",
        era_year(fiscal_year),
        round_tag(round_id),
        sequence
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn the_notice_number_names_the_era_the_round_and_the_sequence() {
        let round = RoundId::from_uuid(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_3f9a_1c2b));
        let year = FiscalYear::new(2026).unwrap();
        assert_eq!(
            notice_number(round, year, 12),
            "令和8年度市協3F9A1C2B第12号"
        );
        assert_eq!(era_year(FiscalYear::new(2019).unwrap()), "令和元");
        assert_eq!(era_year(FiscalYear::new(2018).unwrap()), "平成30");
    }

    #[test]
    fn rounds_opened_in_the_same_minute_get_different_tags() {
        let first = RoundId::new();
        let second = RoundId::new();
        let year = FiscalYear::new(2026).unwrap();
        assert_ne!(
            notice_number(first, year, 1),
            notice_number(second, year, 1)
        );
    }
}
