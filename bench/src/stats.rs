//! Latencies and throughput of one measured phase, and the results file every phase adds to.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

/// What a phase measured: how many operations in how long, and each one's latency.
#[derive(Debug, Default, Clone)]
pub struct Measured {
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
}

impl Measured {
    pub fn count(&self) -> usize {
        self.latencies.len()
    }

    /// Operations per second over the whole phase (wall clock).
    pub fn rate(&self) -> f64 {
        self.count() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `p`-th percentile latency in milliseconds (nearest rank).
    pub fn percentile_ms(&self, p: f64) -> f64 {
        percentile_ms(&self.latencies, p)
    }

    /// `{count, seconds, per_second, p50_ms, p99_ms}` for the results file.
    pub fn summary(&self) -> Value {
        json!({
            "count": self.count(),
            "seconds": self.elapsed.as_secs_f64(),
            "per_second": self.rate(),
            "p50_ms": self.percentile_ms(50.0),
            "p99_ms": self.percentile_ms(99.0),
        })
    }
}

pub fn percentile_ms(latencies: &[Duration], p: f64) -> f64 {
    if latencies.is_empty() {
        return f64::NAN;
    }
    let mut sorted = latencies.to_vec();
    sorted.sort_unstable();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1000.0
}

/// A JSON object of figures, merged into `path` (created if missing), so that the phases of one run,
/// each a separate process, add up to one results file.
pub fn record(path: &Path, figures: BTreeMap<String, Value>) -> anyhow::Result<()> {
    let mut all: BTreeMap<String, Value> = match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => serde_json::from_str(&text)?,
        _ => BTreeMap::new(),
    };
    all.extend(figures);
    std::fs::write(path, serde_json::to_string_pretty(&all)?)?;
    Ok(())
}

/// Resident memory of a process in MiB, from `/proc/<pid>/status` (`VmRSS`).
pub fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
