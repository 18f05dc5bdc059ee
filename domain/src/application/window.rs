//! Rule 2, the application window, in one place: drafts may be started and saved any time before the
//! window closes; submission only inside it, `opens_at <= at < closes_at`.
//!
//! The one exception, a returned application's resubmission after the window closed, is decided by the
//! aggregate's state and documented in the aggregate's module doc; the window itself stays plain.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::errors::ApplicationError;

/// The round's application window (JST instants, stored as UTC), as a snapshot taken when the draft
/// started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationWindow {
    /// The first instant a submission is accepted (inclusive).
    #[serde(with = "time::serde::rfc3339")]
    pub opens_at: OffsetDateTime,
    /// The first instant a submission is refused (exclusive); also the end of drafting.
    #[serde(with = "time::serde::rfc3339")]
    pub closes_at: OffsetDateTime,
}

impl ApplicationWindow {
    /// The window opens before it closes.
    pub fn check_valid(&self) -> Result<(), ApplicationError> {
        if self.opens_at >= self.closes_at {
            return Err(ApplicationError::WindowReversed);
        }
        Ok(())
    }

    /// Rule 2: drafting is allowed until the window closes (also before it opens).
    pub fn check_drafting(&self, at: OffsetDateTime) -> Result<(), ApplicationError> {
        if at >= self.closes_at {
            return Err(ApplicationError::WindowClosed {
                closes_at: self.closes_at,
            });
        }
        Ok(())
    }

    /// Rule 2: submission only inside the window, `opens_at <= at < closes_at`.
    pub fn check_submission(&self, at: OffsetDateTime) -> Result<(), ApplicationError> {
        if at < self.opens_at {
            return Err(ApplicationError::WindowNotOpen {
                opens_at: self.opens_at,
            });
        }
        self.check_drafting(at)
    }
}
