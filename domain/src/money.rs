//! `Yen`: a non-negative whole number of yen on `rust_decimal`.
//!
//! Money never touches `f64`. Arithmetic is checked: an overflow or a result below zero is `None`, and the
//! caller decides which rule that breaks. Rounding happens only in [`Yen::truncate_to`], always down.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a number is not a valid amount of yen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The amount is below zero.
    #[error("an amount of money may not be negative")]
    Negative,
    /// The amount has a fraction of a yen.
    #[error("an amount of money must be a whole number of yen")]
    NotWhole,
    /// The amount is above one trillion yen.
    #[error("the amount is too large")]
    TooLarge,
}

/// Whole yen, never negative. Serialised as a JSON integer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Yen(Decimal);

/// The largest amount the service accepts: one trillion yen, far above any municipal budget, and small
/// enough that `amount x quantity x ratio numerator` never overflows the integer arithmetic below.
const MAX_YEN: i64 = 1_000_000_000_000;

impl Yen {
    /// Zero yen.
    pub const ZERO: Yen = Yen(Decimal::ZERO);

    /// Whole yen from an integer; refuses negatives and amounts above one trillion yen.
    pub fn new(amount: i64) -> Result<Self, MoneyError> {
        if amount < 0 {
            return Err(MoneyError::Negative);
        }
        if amount > MAX_YEN {
            return Err(MoneyError::TooLarge);
        }
        Ok(Yen(Decimal::from(amount)))
    }

    /// Whole yen from a decimal; refuses fractions of a yen.
    pub fn from_decimal(amount: Decimal) -> Result<Self, MoneyError> {
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(MoneyError::Negative);
        }
        if amount.fract() != Decimal::ZERO {
            return Err(MoneyError::NotWhole);
        }
        let whole: i64 = amount
            .trunc()
            .try_into()
            .map_err(|_| MoneyError::TooLarge)?;
        Yen::new(whole)
    }

    /// The amount as a decimal (always whole).
    pub fn amount(self) -> Decimal {
        self.0
    }

    /// The amount as an integer (always exact: the constructor only admits whole yen).
    pub fn to_i64(self) -> i64 {
        i64::try_from(self.0).expect("Yen holds a whole number within i64")
    }

    /// Whether the amount is zero yen.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// `self + other`, or `None` above one trillion yen.
    pub fn checked_add(self, other: Yen) -> Option<Yen> {
        Yen::new(self.to_i64().checked_add(other.to_i64())?).ok()
    }

    /// `self - other`, or `None` if that would be negative.
    pub fn checked_sub(self, other: Yen) -> Option<Yen> {
        Yen::new(self.to_i64().checked_sub(other.to_i64())?).ok()
    }

    /// `self - other`, or zero if that would be negative (a subsidy base never goes below zero).
    pub fn saturating_sub(self, other: Yen) -> Yen {
        self.checked_sub(other).unwrap_or(Yen::ZERO)
    }

    /// `self x quantity`, or `None` above one trillion yen.
    pub fn checked_mul(self, quantity: u32) -> Option<Yen> {
        Yen::new(self.to_i64().checked_mul(i64::from(quantity))?).ok()
    }

    /// Rounds down to a multiple of `unit` (a rounding unit of zero leaves the amount unchanged).
    pub fn truncate_to(self, unit: Yen) -> Yen {
        if unit.is_zero() {
            return self;
        }
        let (amount, unit) = (self.to_i64(), unit.to_i64());
        Yen(Decimal::from(amount / unit * unit))
    }

    /// The sum of many amounts, or `None` on overflow.
    pub fn checked_sum<I: IntoIterator<Item = Yen>>(amounts: I) -> Option<Yen> {
        amounts
            .into_iter()
            .try_fold(Yen::ZERO, |total, amount| total.checked_add(amount))
    }
}

impl Yen {
    /// `286,000円`, the way the city's letters and mails write an amount.
    pub fn ja(self) -> String {
        format!("{}円", thousands(self.to_i64()))
    }
}

impl fmt::Display for Yen {
    /// `¥286,000`, the way a Japanese form shows an amount.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "¥{}", thousands(self.to_i64()))
    }
}

/// A whole number with thousands separators, as every amount and count is shown: `286,000`,
/// `-1,234`. The one grouping of digits the pages, mails and documents use.
pub fn thousands(number: i64) -> String {
    let digits = number.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if number < 0 {
        grouped.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

impl TryFrom<i64> for Yen {
    type Error = MoneyError;
    fn try_from(amount: i64) -> Result<Self, Self::Error> {
        Yen::new(amount)
    }
}

impl Serialize for Yen {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.to_i64())
    }
}

impl<'de> Deserialize<'de> for Yen {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let amount = i64::deserialize(deserializer)?;
        Yen::new(amount).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yen(amount: i64) -> Yen {
        Yen::new(amount).unwrap()
    }

    #[test]
    fn refuses_negative_and_fractional_amounts() {
        assert_eq!(Yen::new(-1), Err(MoneyError::Negative));
        assert_eq!(
            Yen::from_decimal(Decimal::new(15, 1)),
            Err(MoneyError::NotWhole)
        );
        assert_eq!(Yen::new(MAX_YEN + 1), Err(MoneyError::TooLarge));
        assert_eq!(Yen::from_decimal(Decimal::from(7)), Ok(yen(7)));
    }

    #[test]
    fn subtraction_below_zero_is_none_or_zero() {
        assert_eq!(yen(5).checked_sub(yen(6)), None);
        assert_eq!(yen(5).saturating_sub(yen(6)), Yen::ZERO);
        assert_eq!(yen(6).checked_sub(yen(5)), Some(yen(1)));
    }

    #[test]
    fn truncates_down_to_the_unit() {
        assert_eq!(yen(286_758).truncate_to(yen(1_000)), yen(286_000));
        assert_eq!(yen(286_999).truncate_to(yen(10_000)), yen(280_000));
        assert_eq!(yen(999).truncate_to(yen(1_000)), Yen::ZERO);
    }

    #[test]
    fn shows_yen_with_thousands_separators() {
        assert_eq!(yen(286_000).to_string(), "¥286,000");
        assert_eq!(yen(0).to_string(), "¥0");
        assert_eq!(yen(1_000_000).to_string(), "¥1,000,000");
        assert_eq!(thousands(-1_234), "-1,234");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn serialises_as_a_json_integer() {
        assert_eq!(serde_json::to_string(&yen(228_800)).unwrap(), "228800");
        assert_eq!(serde_json::from_str::<Yen>("11200").unwrap(), yen(11_200));
        assert!(serde_json::from_str::<Yen>("-1").is_err());
        assert!(serde_json::from_str::<Yen>("1.5").is_err());
    }
}
