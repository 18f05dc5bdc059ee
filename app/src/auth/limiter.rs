//! Slows down repeated failed sign-ins for one address or from one client (NIST SP 800-63B 5.2.2):
//! after `FREE_FAILURES` failures within `WINDOW`, each further attempt must wait twice as long as the
//! last (1 s, 2 s, 4 s, ... at most `MAX_WAIT`). Nothing is locked for good: the count is forgotten
//! after a quiet `WINDOW`, and a successful sign-in clears it. Addresses the service does not know are
//! counted the same way, so the limiter does not reveal which addresses have accounts.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed before waiting starts.
pub const FREE_FAILURES: u32 = 5;
/// How long failures are remembered.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// The longest wait between attempts.
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// The limiter's memory, shared by every request of this instance.
#[derive(Debug, Default)]
pub struct SignInLimiter {
    failures: Mutex<HashMap<String, Failures>>,
}

impl SignInLimiter {
    /// `Err(wait)` when one of `keys` must wait before trying again.
    pub fn check(&self, keys: &[String], now: Instant) -> Result<(), Duration> {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        failures.retain(|_, entry| now.duration_since(entry.last) < WINDOW);
        let wait = keys
            .iter()
            .filter_map(|key| failures.get(key))
            .filter_map(|entry| {
                let wait = wait_after(entry.count)?;
                let ready_at = entry.last + wait;
                (ready_at > now).then(|| ready_at - now)
            })
            .max();
        match wait {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    pub fn record_failure(&self, keys: &[String], now: Instant) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for key in keys {
            let entry = failures.entry(key.clone()).or_insert(Failures {
                count: 0,
                last: now,
            });
            entry.count = entry.count.saturating_add(1);
            entry.last = now;
        }
    }

    pub fn record_success(&self, keys: &[String]) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for key in keys {
            failures.remove(key);
        }
    }
}

/// The wait after `count` failures, or none while they are within the free allowance.
fn wait_after(count: u32) -> Option<Duration> {
    let over = count.checked_sub(FREE_FAILURES)?;
    let seconds = 1u64.checked_shl(over.min(20)).unwrap_or(u64::MAX);
    Some(Duration::from_secs(seconds).min(MAX_WAIT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_are_free_then_waits_double_up_to_a_cap() {
        let limiter = SignInLimiter::default();
        let keys = vec!["email:a@example.jp".to_owned()];
        let start = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert!(limiter.check(&keys, start).is_ok());
            limiter.record_failure(&keys, start);
        }
        assert_eq!(
            limiter.check(&keys, start),
            Err(Duration::from_secs(1)),
            "then 1 s"
        );
        limiter.record_failure(&keys, start);
        assert_eq!(
            limiter.check(&keys, start),
            Err(Duration::from_secs(2)),
            "then 2 s"
        );
        assert!(limiter.check(&keys, start + Duration::from_secs(2)).is_ok());
        assert_eq!(wait_after(40), Some(MAX_WAIT));
    }

    #[test]
    fn nobody_is_locked_out_for_good() {
        let limiter = SignInLimiter::default();
        let keys = vec!["ip:127.0.0.1".to_owned()];
        let start = Instant::now();
        for _ in 0..30 {
            limiter.record_failure(&keys, start);
        }
        assert!(limiter.check(&keys, start).is_err());
        assert!(
            limiter.check(&keys, start + WINDOW).is_ok(),
            "forgotten after a quiet window"
        );
        limiter.record_failure(&keys, start);
        limiter.record_success(&keys);
        assert!(
            limiter.check(&keys, start).is_ok(),
            "a successful sign-in clears the count"
        );
    }
}
