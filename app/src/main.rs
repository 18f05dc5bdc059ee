//! `grants`: parse the command line, set up logging, hand over to the library.

use clap::Parser;

#[tokio::main]
async fn main() {
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
