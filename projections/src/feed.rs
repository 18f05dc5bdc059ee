//! The log's recent stretch, read once for every follower of one process (issue 20).
//!
//! Several process managers follow the log in the background, each from a checkpoint of its own.
//! Reading alone, each would poll the log and decode every event: under load, the same rows read
//! and parsed once per follower. A [`Feed`] keeps the events it last read in memory and answers
//! [`Feed::read_after`] from there.
//!
//! What it keeps is always a contiguous stretch of the log in log order, and final: a read only
//! returns events of finished transactions (see [`crate::event_log`]), so no event can later appear
//! between two that a read returned, and a read from the stretch's end continues it without a gap.
//! A follower inside the stretch is answered from memory; one at its end makes the feed read on,
//! one read for every follower waiting there, and while the last read found nothing more (the head
//! of the log) at most one read every [`HEAD_INTERVAL`]. A cursor before the stretch (a follower far
//! behind) is read from the database; one beyond it (a checkpoint another instance moved) starts a
//! new stretch there.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::error::ProjectionError;
use crate::event_log::{EventLog, LogCursor, LoggedEvent};

/// While the last read from the stretch's end found the head of the log, the next waits until
/// this long after it: the followers that reach the end in the meantime share one read.
pub const HEAD_INTERVAL: Duration = Duration::from_millis(20);

/// How many events one read from the stretch's end asks for (a follower asking for more gets more).
const READ: i64 = 500;

/// How many events the stretch holds at most; older ones are dropped first. With 4,000 the
/// benchmark's resident memory under command load rose from 96 to 137 MiB (a decoded event with its
/// text is several KB); a follower further behind reads the database, as before the feed.
const CAPACITY: usize = 1_000;

/// The log's recent stretch, shared by the followers of one process.
#[derive(Debug)]
pub struct Feed {
    log: EventLog,
    stretch: Mutex<Option<Stretch>>,
}

#[derive(Debug)]
struct Stretch {
    /// The cursor just before the first event kept.
    start: LogCursor,
    events: VecDeque<Arc<LoggedEvent>>,
    /// When the last read from the end found fewer events than it asked for.
    head_seen: Option<Instant>,
}

impl Stretch {
    fn starting_at(start: LogCursor) -> Self {
        Stretch {
            start,
            events: VecDeque::new(),
            head_seen: None,
        }
    }

    fn end(&self) -> LogCursor {
        self.events
            .back()
            .map_or(self.start, |event| event.cursor())
    }

    /// Up to `limit` kept events after `after` (which lies inside the stretch).
    fn after(&self, after: LogCursor, limit: usize) -> Vec<Arc<LoggedEvent>> {
        let first = self.events.partition_point(|event| event.cursor() <= after);
        self.events.range(first..).take(limit).cloned().collect()
    }

    fn extend(&mut self, read: &[Arc<LoggedEvent>]) {
        self.events.extend(read.iter().cloned());
        while self.events.len() > CAPACITY {
            if let Some(dropped) = self.events.pop_front() {
                self.start = dropped.cursor();
            }
        }
    }
}

impl Feed {
    /// A feed of the log `log` reads, empty until the first read.
    pub fn new(log: EventLog) -> Self {
        Feed {
            log,
            stretch: Mutex::new(None),
        }
    }

    /// Up to `limit` events after `after`, in log order, never skipping one: what
    /// [`EventLog::read_after`] answers, from memory where the feed holds them.
    pub async fn read_after(
        &self,
        after: LogCursor,
        limit: i64,
    ) -> Result<Vec<Arc<LoggedEvent>>, ProjectionError> {
        let wanted = usize::try_from(limit).unwrap_or(0);
        let mut waited = false;
        loop {
            let mut guard = self.stretch.lock().await;
            let stretch = match guard.as_mut() {
                Some(stretch) if after < stretch.start => {
                    drop(guard);
                    return self.read_from_database(after, limit).await;
                }
                Some(stretch) if after <= stretch.end() => stretch,
                _ => guard.insert(Stretch::starting_at(after)),
            };
            let kept = stretch.after(after, wanted);
            if !kept.is_empty() {
                return Ok(kept);
            }
            // At the end (`after` is the stretch's end). Just after a read found the head, wait
            // (without the lock, which followers inside the stretch need) for the next read.
            if let Some(wake) = stretch.head_seen.map(|seen| seen + HEAD_INTERVAL) {
                if !waited && wake > Instant::now() {
                    drop(guard);
                    tokio::time::sleep_until(wake).await;
                    waited = true;
                    continue;
                }
            }
            // Read on under the lock: the followers that arrive meanwhile share this read.
            let asked = READ.max(limit);
            let read = self.read_from_database(after, asked).await?;
            stretch.head_seen =
                (i64::try_from(read.len()).unwrap_or(i64::MAX) < asked).then(Instant::now);
            stretch.extend(&read);
            return Ok(read.into_iter().take(wanted).collect());
        }
    }

    async fn read_from_database(
        &self,
        after: LogCursor,
        limit: i64,
    ) -> Result<Vec<Arc<LoggedEvent>>, ProjectionError> {
        let read = self.log.read_after(after, limit).await?;
        Ok(read.into_iter().map(Arc::new).collect())
    }
}
