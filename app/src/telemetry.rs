//! Logging: tracing to stderr, filtered by `RUST_LOG` (default `info,sqlx=warn`). Spans carry the
//! method, path and request id of each request, never bodies, query strings or credentials.

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
