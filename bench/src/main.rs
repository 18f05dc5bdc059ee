//! `grants-bench`: the load generator and in-process measurements of `scripts/bench`.
//!
//! Each subcommand measures one thing and merges its figures into a JSON results file; `report`
//! prints them as a table next to raw PostgreSQL's figures of the same run (see docs/benchmarks.md).
//! Nothing here asserts a target: the benchmark reports, it never fails a build.

mod http;
mod lag;
mod peer;
mod public;
mod report;
mod stats;
mod store;
mod synth;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "grants-bench",
    about = "Benchmark of the grants service (run scripts/bench)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Commands over HTTP against a running service; projection lag; its memory.
    Http(http::HttpArgs),
    /// The event store in-process: appends with 8 writers, loading a 200-event grant.
    Store(store::StoreArgs),
    /// Append copies of a real award life until the log has grown by N events.
    Synth(synth::SynthArgs),
    /// Time `Runner::rebuild` of every projection.
    Rebuild(synth::RebuildArgs),
    /// The public awards list over HTTP.
    Public(public::PublicArgs),
    /// Side by side with the peer (cqrs-demo) on the same PostgreSQL, in interleaved passes.
    Peer(peer::PeerArgs),
    /// Add one figure (JSON) to the results file.
    Record(report::RecordArgs),
    /// Print the results as a table with ratios and targets.
    Report(report::ReportArgs),
}

fn main() -> anyhow::Result<()> {
    // Threads named apart from the service's `tokio-rt-worker`, so a system-wide profile
    // (GRANTS_BENCH_PROFILE) tells the load generator's CPU from the service's.
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("bench-worker")
        .build()?
        .block_on(run(Cli::parse().command))
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Http(args) => http::run(args).await,
        Command::Store(args) => store::run(args).await,
        Command::Synth(args) => synth::synth(args).await,
        Command::Rebuild(args) => synth::rebuild(args).await,
        Command::Public(args) => public::run(args).await,
        Command::Peer(args) => peer::run(args).await,
        Command::Record(args) => report::record_one(args),
        Command::Report(args) => report::print(args),
    }
}
