//! Logging: tracing to stderr, filtered by `RUST_LOG` (default `info,sqlx=warn`). Spans carry the
//! method, path and request id of each request, never bodies, query strings or credentials.
//!
//! Also the request counters `GET /metrics` exposes (`crate::http::metrics` fills and writes them).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use tracing_subscriber::EnvFilter;

/// Installs the process-wide subscriber (once; later calls do nothing).
pub fn init_logging() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .try_init();
}

/// A status class label: `class="2xx"`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ClassLabel {
    class: &'static str,
}

/// Request counters by status class (1xx..5xx) and the total time spent answering.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Family<ClassLabel, Counter>,
    seconds: Counter<f64, std::sync::atomic::AtomicU64>,
}

impl Metrics {
    /// Counts one answer of `status`, which took `seconds`.
    pub fn record(&self, status: u16, seconds: f64) {
        const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];
        let class = CLASSES[usize::from(status / 100).clamp(1, 5) - 1];
        self.requests.get_or_create(&ClassLabel { class }).inc();
        self.seconds.inc_by(seconds);
    }

    /// Answers by status class (a handle on the same counters).
    pub fn requests(&self) -> Family<ClassLabel, Counter> {
        self.requests.clone()
    }

    /// Total time spent answering (a handle on the same counter).
    pub fn seconds(&self) -> Counter<f64, std::sync::atomic::AtomicU64> {
        self.seconds.clone()
    }
}
