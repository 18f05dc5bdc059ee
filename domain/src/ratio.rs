//! `Ratio`: an exact fraction such as 3/4 or 2/3, never a decimal approximation.
//!
//! Rates, the pass line, the advance cap and the change threshold are all ratios. Applying a ratio to an
//! amount is done in integer arithmetic and rounds down, so `2/3 x 3 = 2` exactly.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::money::Yen;

/// Why a ratio is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatioError {
    /// The text is not two whole numbers around a slash, such as `3/4`.
    #[error("a ratio is written as two whole numbers such as \"3/4\"")]
    Malformed,
    /// The denominator is zero.
    #[error("the denominator of a ratio may not be zero")]
    ZeroDenominator,
}

/// A non-negative fraction `numerator / denominator`, kept in lowest terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ratio {
    numerator: u32,
    denominator: u32,
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

impl Ratio {
    /// 1/1.
    pub const ONE: Ratio = Ratio {
        numerator: 1,
        denominator: 1,
    };

    /// `numerator / denominator` in lowest terms; refuses a zero denominator.
    pub fn new(numerator: u32, denominator: u32) -> Result<Self, RatioError> {
        if denominator == 0 {
            return Err(RatioError::ZeroDenominator);
        }
        let divisor = gcd(numerator, denominator).max(1);
        Ok(Ratio {
            numerator: numerator / divisor,
            denominator: denominator / divisor,
        })
    }

    /// The numerator, in lowest terms.
    pub fn numerator(self) -> u32 {
        self.numerator
    }

    /// The denominator, in lowest terms (never zero).
    pub fn denominator(self) -> u32 {
        self.denominator
    }

    /// Whether the ratio lies in 0..=1 (rates, pass lines and caps must).
    pub fn is_at_most_one(self) -> bool {
        self.numerator <= self.denominator
    }

    /// `floor(amount x self)` in exact integer arithmetic.
    pub fn apply_floor(self, amount: Yen) -> Yen {
        let product = i128::from(amount.to_i64()) * i128::from(self.numerator);
        let floored = product / i128::from(self.denominator);
        let floored = i64::try_from(floored).expect("ratios at most one keep amounts within i64");
        Yen::new(floored).expect("a non-negative ratio of a valid amount is a valid amount")
    }

    /// `floor(points x self)` for whole numbers such as score totals.
    pub fn apply_floor_u32(self, points: u32) -> u64 {
        u64::from(points) * u64::from(self.numerator) / u64::from(self.denominator)
    }

    /// The exact value when it has a finite decimal form, for display only (never for money).
    pub fn to_decimal_for_display(self) -> Decimal {
        Decimal::from(self.numerator) / Decimal::from(self.denominator)
    }
}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ratio {
    fn cmp(&self, other: &Self) -> Ordering {
        let left = u64::from(self.numerator) * u64::from(other.denominator);
        let right = u64::from(other.numerator) * u64::from(self.denominator);
        left.cmp(&right)
    }
}

impl FromStr for Ratio {
    type Err = RatioError;

    /// Parses `"3/4"`; a bare whole number such as `"1"` means `1/1`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (numerator, denominator) = match text.split_once('/') {
            Some((n, d)) => (n.trim(), d.trim()),
            None => (text, "1"),
        };
        let parse = |part: &str| {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(RatioError::Malformed);
            }
            part.parse::<u32>().map_err(|_| RatioError::Malformed)
        };
        Ratio::new(parse(numerator)?, parse(denominator)?)
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.numerator, self.denominator)
    }
}

impl Serialize for Ratio {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Ratio {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ratio(text: &str) -> Ratio {
        text.parse().unwrap()
    }

    #[test]
    fn parses_and_reduces_fractions() {
        assert_eq!(ratio("6/8"), Ratio::new(3, 4).unwrap());
        assert_eq!(ratio("1"), Ratio::ONE);
        assert_eq!(ratio(" 2 / 3 ").to_string(), "2/3");
        assert_eq!("3/0".parse::<Ratio>(), Err(RatioError::ZeroDenominator));
        assert_eq!("0.75".parse::<Ratio>(), Err(RatioError::Malformed));
        assert_eq!("-1/2".parse::<Ratio>(), Err(RatioError::Malformed));
        assert_eq!("/2".parse::<Ratio>(), Err(RatioError::Malformed));
    }

    #[test]
    fn applies_exactly_and_rounds_down() {
        let yen = |n| Yen::new(n).unwrap();
        assert_eq!(ratio("3/4").apply_floor(yen(382_345)), yen(286_758));
        assert_eq!(ratio("2/3").apply_floor(yen(3)), yen(2));
        assert_eq!(ratio("2/3").apply_floor(yen(2)), yen(1));
        assert_eq!(ratio("4/5").apply_floor(yen(286_000)), yen(228_800));
    }

    #[test]
    fn compares_by_value() {
        assert!(ratio("2/3") > ratio("3/5"));
        assert_eq!(ratio("2/4").cmp(&ratio("1/2")), Ordering::Equal);
    }

    #[test]
    fn serialises_as_a_string() {
        assert_eq!(serde_json::to_string(&ratio("3/4")).unwrap(), "\"3/4\"");
        assert_eq!(
            serde_json::from_str::<Ratio>("\"7/10\"").unwrap(),
            ratio("7/10")
        );
    }
}
