//! Throttles for sign-in and sign-up (OWASP ASVS V2.2.1, NIST SP 800-63B 5.2.2): after a free
//! allowance of attempts within a window, each further attempt must wait twice as long as the last
//! (1 s, 2 s, 4 s, ... at most `MAX_WAIT`). Nothing is locked for good: a count is forgotten after a
//! quiet window, and a successful sign-in clears the counts of its account.
//!
//! **Fair to the others behind one address.** Failed sign-ins are counted three ways, each with its
//! own allowance:
//! - the account *from* the address (5 free): a guesser at one account from one place slows down at
//!   once;
//! - the account from anywhere (20 free): guessing spread over many addresses slows down too;
//! - the address, over every account (100 free): credential stuffing from one place slows down, but
//!   another citizen behind the same proxy or NAT signs in with a correct password undisturbed by
//!   one guesser's 50 failures.
//!
//! Addresses the service does not know are counted like known ones, so the throttle does not reveal
//! which e-mail addresses have accounts. Sign-ups are counted per address (10 free per hour).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The longest wait between attempts.
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);

/// How many attempts are free within how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    /// How many attempts are free within `window`.
    pub free: u32,
    /// The window; a count is forgotten after this long without an attempt.
    pub window: Duration,
}

/// Failed sign-ins of one account from one address.
pub const ACCOUNT_FROM_ADDRESS: Allowance = Allowance {
    free: 5,
    window: Duration::from_secs(15 * 60),
};
/// Failed sign-ins of one account from any address.
pub const ACCOUNT: Allowance = Allowance {
    free: 20,
    window: Duration::from_secs(15 * 60),
};
/// Failed sign-ins from one address to any account.
pub const ADDRESS: Allowance = Allowance {
    free: 100,
    window: Duration::from_secs(15 * 60),
};
/// Sign-ups (successful or not) from one address.
pub const SIGN_UPS: Allowance = Allowance {
    free: 10,
    window: Duration::from_secs(60 * 60),
};

#[derive(Debug, Clone, Copy)]
struct Count {
    count: u32,
    last: Instant,
}

/// Counts of attempts by key under one allowance.
#[derive(Debug)]
pub struct Throttle {
    allowance: Allowance,
    counts: Mutex<HashMap<String, Count>>,
}

impl Throttle {
    /// A throttle that allows `allowance` before the waits begin.
    pub fn new(allowance: Allowance) -> Self {
        Throttle {
            allowance,
            counts: Mutex::new(HashMap::new()),
        }
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<String, Count>> {
        self.counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `Err(wait)` when `key` must wait before its next attempt.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut counts = self.counts();
        let window = self.allowance.window;
        counts.retain(|_, entry| now.duration_since(entry.last) < window);
        let Some(entry) = counts.get(key) else {
            return Ok(());
        };
        match wait_after(entry.count, self.allowance.free) {
            Some(wait) if entry.last + wait > now => Err(entry.last + wait - now),
            _ => Ok(()),
        }
    }

    /// Counts one attempt by `key` at `now`.
    pub fn record(&self, key: &str, now: Instant) {
        let mut counts = self.counts();
        let entry = counts.entry(key.to_owned()).or_insert(Count {
            count: 0,
            last: now,
        });
        entry.count = entry.count.saturating_add(1);
        entry.last = now;
    }

    /// Forgets the count of `key`.
    pub fn clear(&self, key: &str) {
        self.counts().remove(key);
    }
}

/// The wait after `count` attempts, or none while they are within the `free` allowance.
fn wait_after(count: u32, free: u32) -> Option<Duration> {
    let over = count.checked_sub(free)?;
    let seconds = 1u64.checked_shl(over.min(20)).unwrap_or(u64::MAX);
    Some(Duration::from_secs(seconds).min(MAX_WAIT))
}

/// Failed sign-ins, counted three ways (see the module doc). Shared by the API and the web form,
/// which signs in through the API.
#[derive(Debug)]
pub struct SignInLimiter {
    account_from_address: Throttle,
    account: Throttle,
    address: Throttle,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        SignInLimiter {
            account_from_address: Throttle::new(ACCOUNT_FROM_ADDRESS),
            account: Throttle::new(ACCOUNT),
            address: Throttle::new(ADDRESS),
        }
    }
}

/// The keys one sign-in attempt is counted under.
struct Keys {
    account_from_address: String,
    account: String,
    address: Option<String>,
}

fn keys(email: &str, client: Option<IpAddr>) -> Keys {
    let account = email.trim().to_lowercase();
    let address = client.map(|address| address.to_string());
    Keys {
        account_from_address: format!("{account} {}", address.as_deref().unwrap_or("-")),
        account,
        address,
    }
}

impl SignInLimiter {
    /// `Err(wait)` when a sign-in to `email` from `client` must wait.
    pub fn check(&self, email: &str, client: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        let keys = keys(email, client);
        let mut waits = vec![
            self.account_from_address
                .check(&keys.account_from_address, now),
            self.account.check(&keys.account, now),
        ];
        if let Some(address) = &keys.address {
            waits.push(self.address.check(address, now));
        }
        match waits.into_iter().filter_map(Result::err).max() {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// Counts one failed sign-in to `email` from `client` three ways: the account from the address,
    /// the account, the address.
    pub fn record_failure(&self, email: &str, client: Option<IpAddr>, now: Instant) {
        let keys = keys(email, client);
        self.account_from_address
            .record(&keys.account_from_address, now);
        self.account.record(&keys.account, now);
        if let Some(address) = &keys.address {
            self.address.record(address, now);
        }
    }

    /// A correct password clears its account's counts (the address's count stays: it is about the
    /// other accounts tried from there).
    pub fn record_success(&self, email: &str, client: Option<IpAddr>) {
        let keys = keys(email, client);
        self.account_from_address.clear(&keys.account_from_address);
        self.account.clear(&keys.account);
    }
}

/// Sign-ups per address.
#[derive(Debug)]
pub struct SignUpLimiter(Throttle);

impl Default for SignUpLimiter {
    fn default() -> Self {
        SignUpLimiter::new(SIGN_UPS)
    }
}

impl SignUpLimiter {
    /// A limiter that allows `allowance` sign-ups per address.
    pub fn new(allowance: Allowance) -> Self {
        SignUpLimiter(Throttle::new(allowance))
    }

    /// Counts a sign-up attempt from `client`; `Err(wait)` when it must wait instead. A sign-up with
    /// no client address is the service's own (the demo's seeding, in-process) and is not counted.
    pub fn attempt(&self, client: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        let Some(client) = client else {
            return Ok(());
        };
        let key = client.to_string();
        self.0.check(&key, now)?;
        self.0.record(&key, now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn five_failures_are_free_then_waits_double_up_to_a_cap() {
        let limiter = SignInLimiter::default();
        let start = Instant::now();
        let (email, from) = ("a@example.jp", ip("192.0.2.1"));
        for _ in 0..ACCOUNT_FROM_ADDRESS.free {
            assert!(limiter.check(email, from, start).is_ok());
            limiter.record_failure(email, from, start);
        }
        assert_eq!(
            limiter.check(email, from, start),
            Err(Duration::from_secs(1))
        );
        limiter.record_failure(email, from, start);
        assert_eq!(
            limiter.check(email, from, start),
            Err(Duration::from_secs(2))
        );
        assert!(limiter
            .check(email, from, start + Duration::from_secs(2))
            .is_ok());
        assert_eq!(wait_after(45, 5), Some(MAX_WAIT));
    }

    #[test]
    fn given_fifty_failures_at_one_account_when_another_account_signs_in_from_the_same_address_then_it_is_not_slowed(
    ) {
        let limiter = SignInLimiter::default();
        let start = Instant::now();
        let proxy = ip("203.0.113.7");
        for _ in 0..50 {
            limiter.record_failure("victim@example.jp", proxy, start);
        }
        assert!(limiter.check("victim@example.jp", proxy, start).is_err());
        assert!(limiter.check("citizen@example.jp", proxy, start).is_ok());
    }

    #[test]
    fn guessing_one_account_from_many_addresses_slows_that_account_down() {
        let limiter = SignInLimiter::default();
        let start = Instant::now();
        for n in 0..ACCOUNT.free {
            let from = ip(&format!("198.51.100.{n}"));
            limiter.record_failure("target@example.jp", from, start);
        }
        assert!(limiter
            .check("target@example.jp", ip("198.51.100.200"), start)
            .is_err());
    }

    #[test]
    fn stuffing_many_accounts_from_one_address_slows_that_address_down() {
        let limiter = SignInLimiter::default();
        let start = Instant::now();
        let from = ip("192.0.2.9");
        for n in 0..ADDRESS.free {
            limiter.record_failure(&format!("user{n}@example.jp"), from, start);
        }
        assert!(limiter.check("fresh@example.jp", from, start).is_err());
        assert!(limiter
            .check("fresh@example.jp", ip("192.0.2.10"), start)
            .is_ok());
    }

    #[test]
    fn nobody_is_locked_out_for_good() {
        let limiter = SignInLimiter::default();
        let start = Instant::now();
        let from = ip("127.0.0.1");
        for _ in 0..30 {
            limiter.record_failure("a@example.jp", from, start);
        }
        assert!(limiter.check("a@example.jp", from, start).is_err());
        assert!(
            limiter
                .check("a@example.jp", from, start + ADDRESS.window)
                .is_ok(),
            "forgotten after a quiet window"
        );
        limiter.record_failure("a@example.jp", from, start);
        limiter.record_success("a@example.jp", from);
        assert!(
            limiter.check("a@example.jp", from, start).is_ok(),
            "a successful sign-in clears the account's counts"
        );
    }

    #[test]
    fn sign_ups_from_one_address_slow_down_after_ten_an_hour() {
        let limiter = SignUpLimiter::default();
        let start = Instant::now();
        let from = ip("192.0.2.1");
        for _ in 0..SIGN_UPS.free {
            assert!(limiter.attempt(from, start).is_ok());
        }
        assert!(limiter.attempt(from, start).is_err());
        assert!(limiter.attempt(ip("192.0.2.2"), start).is_ok());
        assert!(limiter.attempt(from, start + SIGN_UPS.window).is_ok());
    }
}
