//! The project period (事業期間): first and last day, both inclusive.

use serde::{Deserialize, Serialize};
use time::Date;

use super::errors::GrantError;

/// A span of calendar days, `start..=end`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// The first day of the period.
    pub start: Date,
    /// The last day of the period (included).
    pub end: Date,
}

impl Period {
    /// Refuses a period that ends before it starts.
    pub fn check(self) -> Result<Self, GrantError> {
        if self.end < self.start {
            return Err(GrantError::PeriodReversed {
                start: self.start,
                end: self.end,
            });
        }
        Ok(self)
    }
}
