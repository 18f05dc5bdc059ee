//! One execution of a request sent with an `Idempotency-Key`, and how a second execution of the
//! same request resumes it instead of doing its work again.
//!
//! An attempt has an id (a UUID v7) that the idempotency layer stores with the key when it claims
//! it. Every command the request runs is recorded with that id and the command's step (its ordinal
//! among the request's commands on the same aggregate) in the events' metadata, and every fresh id the
//! request needs (a new application, a new change request) is derived from the attempt id, so the
//! same request run again asks for the same aggregates.
//!
//! When a request's outcome is unknown (its process died, the database connection broke during the
//! commit, it answered 5xx), the next copy of the request takes over the claim with the *same*
//! attempt id and runs the handler again as a resumption: before each command, the store looks in
//! the aggregate's stream for that step of that attempt ([`crate::store::Store::execute_loaded`]). A
//! step already in the log is not run again; the handler gets its committed events back and builds
//! its answer from them. Optimistic concurrency makes this a fence: the check and the append see
//! the same stream version, so even two live copies of one attempt append each step once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The metadata keys a command of an attempt is recorded under.
pub const ATTEMPT_ID: &str = "attempt_id";
/// The metadata key of the command's step within its attempt.
pub const ATTEMPT_STEP: &str = "attempt_step";

/// One execution (first or resumed) of an idempotent request. Cheap to clone; clones share the
/// counters, so every command of the request numbers its ids and steps in one sequence.
#[derive(Clone, Debug)]
pub struct Attempt(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    id: Uuid,
    resuming: bool,
    ids: AtomicU32,
    steps: Mutex<HashMap<String, u32>>,
}

impl Attempt {
    /// The first execution of a request, under a fresh attempt id.
    pub fn first(id: Uuid) -> Self {
        Self::new(id, false)
    }

    /// A later execution of the request whose first execution was `id` and whose outcome is
    /// unknown: commands of `id` already in the log are not run again.
    pub fn resumed(id: Uuid) -> Self {
        Self::new(id, true)
    }

    fn new(id: Uuid, resuming: bool) -> Self {
        Attempt(Arc::new(Inner {
            id,
            resuming,
            ids: AtomicU32::new(0),
            steps: Mutex::new(HashMap::new()),
        }))
    }

    /// The attempt's id, recorded with each of its commands' events.
    pub fn id(&self) -> Uuid {
        self.0.id
    }

    /// Whether an earlier execution of this attempt may have committed some of its commands.
    pub fn is_resuming(&self) -> bool {
        self.0.resuming
    }

    /// The request's next fresh id: the attempt id itself first, then ids derived from it. The
    /// same on every execution of the attempt, so a resumed request finds what the first created.
    /// Derived ids keep the attempt's time prefix, so they stay time-ordered like UUID v7.
    pub fn next_id(&self) -> Uuid {
        let ordinal = self.0.ids.fetch_add(1, Ordering::Relaxed);
        if ordinal == 0 {
            return self.0.id;
        }
        let digest = Sha256::new()
            .chain_update(self.0.id.as_bytes())
            .chain_update(ordinal.to_be_bytes())
            .finalize();
        let mut bytes = [0u8; 16];
        bytes[..6].copy_from_slice(&self.0.id.as_bytes()[..6]);
        bytes[6..].copy_from_slice(&digest[..10]);
        uuid::Builder::from_bytes(bytes)
            .with_version(uuid::Version::SortRand)
            .with_variant(uuid::Variant::RFC4122)
            .into_uuid()
    }

    /// The step of the request's next command on the stream `aggregate_type`/`aggregate_id`: 1 for
    /// its first command there, 2 for its second, and so on.
    pub fn next_step(&self, aggregate_type: &str, aggregate_id: &str) -> u32 {
        let mut steps = self
            .0
            .steps
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let step = steps
            .entry(format!("{aggregate_type}/{aggregate_id}"))
            .or_insert(0);
        *step += 1;
        *step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_execution_of_an_attempt_derives_the_same_fresh_ids() {
        let id = Uuid::now_v7();
        let first = Attempt::first(id);
        let resumed = Attempt::resumed(id);
        let a: Vec<Uuid> = (0..3).map(|_| first.next_id()).collect();
        let b: Vec<Uuid> = (0..3).map(|_| resumed.next_id()).collect();
        assert_eq!(a, b);
        assert_eq!(a[0], id);
        assert_ne!(a[1], a[2]);
        for derived in &a[1..] {
            assert_eq!(derived.get_version(), Some(uuid::Version::SortRand));
            assert_eq!(derived.as_bytes()[..6], id.as_bytes()[..6]);
        }
    }

    #[test]
    fn steps_count_per_stream() {
        let attempt = Attempt::first(Uuid::now_v7());
        assert_eq!(attempt.next_step("round", "r"), 1);
        assert_eq!(attempt.next_step("grant", "g"), 1);
        assert_eq!(attempt.next_step("round", "r"), 2);
        assert_eq!(attempt.clone().next_step("round", "r"), 3);
    }
}
