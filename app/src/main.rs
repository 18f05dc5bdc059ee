//! `grants`: parse the command line, set up logging, hand over to the library.

use clap::Parser;

#[tokio::main]
async fn main() {
    keep_big_allocations_returnable();
    grants_app::telemetry::init_logging();
    if let Err(error) = grants_app::cli::run(grants_app::cli::Cli::parse()).await {
        // A reader that stops early (`grants export events | head`) is not a failure.
        let broken_pipe = error.chain().any(|cause| {
            cause
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        });
        if broken_pipe {
            return;
        }
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

/// Password hashing (argon2id) allocates 19 MiB per hash on a blocking thread. glibc raises its mmap
/// threshold after the first such block is freed, so later ones come from per-thread arenas that never
/// give the memory back: after a few dozen sign-ins the service held over 1 GB (docs/benchmarks.md).
/// A fixed threshold keeps every large block mmapped, so it returns to the system when freed.
fn keep_big_allocations_returnable() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes glibc's allocator and takes its own locks; no memory is touched.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
