//! `grants attachments sweep`: deletes the stored blobs no event names (orphans), once they are
//! older than a grace period, and never one an event names.
//!
//! Orphans come from a blob kept for a command that was then refused (the blob is durable before
//! the event that would name it, `crate::blobs`), or from a crash between the two. The order makes
//! the sweep safe while the service runs: the log is read first, the store listed afterwards, and a
//! blob is deleted only if no event read names it *and* it was last written before `now − grace`.
//! A blob kept for a request still in flight was written moments ago, so it is young and kept even
//! if its event lands after the log was read; storing the same content again rewrites the blob and
//! makes it young again. A removed attachment's blob stays: the log still names it (the audit
//! checks every blob ever named), and so do the issued notices' PDFs.

use std::collections::HashSet;

use grants_domain::attachment::Sha256;
use grants_projections::{EventLog, LogCursor, LogPool};
use time::{Duration, OffsetDateTime};

use crate::audit::{attached_sha256, AuditError};
use crate::blobs::BlobStore;

/// The shortest grace period the command accepts: far longer than any upload takes.
pub const MIN_GRACE: Duration = Duration::hours(1);

/// What a sweep found and did.
#[derive(Debug, serde::Serialize)]
pub struct SweepReport {
    /// Whether blobs were only counted (`--dry-run`), not deleted.
    pub dry_run: bool,
    /// The distinct blobs the log names.
    pub referenced: u64,
    /// The blobs in the store.
    pub stored: u64,
    /// Orphans written within the grace period: kept this time.
    pub young_orphans: u64,
    /// The orphans deleted (or, in a dry run, that would be), by SHA-256.
    pub deleted: Vec<String>,
}

/// Every blob the log has ever named (removed attachments too).
pub async fn referenced(pool: &LogPool) -> Result<HashSet<Sha256>, AuditError> {
    let log = EventLog::new(pool.clone());
    let mut cursor = LogCursor::START;
    let mut named = HashSet::new();
    loop {
        let batch = log.read_after(cursor, 1_000).await?;
        let Some(last) = batch.last() else {
            return Ok(named);
        };
        cursor = last.cursor();
        named.extend(batch.iter().filter_map(attached_sha256));
    }
}

/// Deletes (unless `dry_run`) every blob that no event names and that was last written before
/// `now − grace`.
pub async fn sweep(
    pool: &LogPool,
    blobs: &BlobStore,
    now: OffsetDateTime,
    grace: Duration,
    dry_run: bool,
) -> Result<SweepReport, AuditError> {
    // The log first, then the store: see the module doc.
    let named = referenced(pool).await?;
    let stored = blobs.list().await?;
    let cutoff = now - grace;
    let mut report = SweepReport {
        dry_run,
        referenced: named.len() as u64,
        stored: stored.len() as u64,
        young_orphans: 0,
        deleted: Vec::new(),
    };
    for blob in stored {
        if named.contains(&blob.sha256) {
            continue;
        }
        if blob.written >= cutoff {
            report.young_orphans += 1;
            continue;
        }
        if !dry_run {
            blobs.delete(&blob.sha256).await?;
        }
        report.deleted.push(blob.sha256.to_string());
    }
    Ok(report)
}
