//! The service's clock, injected: the system's by default, a settable one for tests (which move it
//! instead of sleeping). What reads it: every command's `now` (`CommandContext`, so the domain's
//! windows and deadlines), the reminders (`crate::mail::reminders`), the staff work queue's today,
//! and what the pages show about a round's window. Sessions, idempotency records, mail retries and
//! metrics keep the system clock: their times are about this machine, not about the programme.

use std::sync::{Arc, Mutex};

use time::{Date, Duration, OffsetDateTime};

/// A clock: the system's, or the system's shifted by an offset that tests set.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// `None`: the system clock. `Some`: the system clock plus this offset, which `set` and
    /// `advance` change.
    offset: Option<Arc<Mutex<Duration>>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock { offset: None }
    }

    /// A clock that reads the system's until a test sets or advances it; it keeps running from
    /// where it was set.
    pub fn settable() -> Self {
        Clock {
            offset: Some(Arc::new(Mutex::new(Duration::ZERO))),
        }
    }

    /// Whether tests may move this clock (`set`, `advance`); the system clock cannot be moved.
    pub fn is_settable(&self) -> bool {
        self.offset.is_some()
    }

    /// Now, in UTC.
    pub fn now(&self) -> OffsetDateTime {
        let system = OffsetDateTime::now_utc();
        match &self.offset {
            None => system,
            Some(offset) => system + *offset.lock().unwrap_or_else(|poison| poison.into_inner()),
        }
    }

    /// Today on the Japanese calendar.
    pub fn today_jst(&self) -> Date {
        grants_domain::fiscal_year::jst_date(self.now())
    }

    /// Moves a settable clock to `at` (it runs on from there); the system clock is not moved.
    pub fn set(&self, at: OffsetDateTime) {
        if let Some(offset) = &self.offset {
            *offset.lock().unwrap_or_else(|poison| poison.into_inner()) =
                at - OffsetDateTime::now_utc();
        }
    }

    /// Moves a settable clock on by `by` (back when negative).
    pub fn advance(&self, by: Duration) {
        if let Some(offset) = &self.offset {
            *offset.lock().unwrap_or_else(|poison| poison.into_inner()) += by;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_settable_clock_moves_and_the_system_clock_does_not() {
        let clock = Clock::settable();
        let target = OffsetDateTime::now_utc() + Duration::days(30);
        clock.set(target);
        assert!((clock.now() - target).abs() < Duration::seconds(5));
        clock.advance(Duration::days(1));
        assert_eq!(
            clock.today_jst(),
            grants_domain::fiscal_year::jst_date(target + Duration::days(1))
        );
        let system = Clock::system();
        system.set(target);
        assert!((system.now() - OffsetDateTime::now_utc()).abs() < Duration::seconds(5));
    }
}
