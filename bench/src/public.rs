//! The public list (`GET /api/v1/public/awards`, the whole list as the API serves it) with the log's
//! awards in place, one connection, after a short warm-up; and the service's memory meanwhile.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::stats::{record, rss_mib, Measured};

#[derive(clap::Args, Debug)]
pub struct PublicArgs {
    #[arg(long)]
    url: String,
    #[arg(long)]
    pid: u32,
    #[arg(long, default_value_t = 100)]
    requests: usize,
    #[arg(long)]
    out: std::path::PathBuf,
}

pub async fn run(args: PublicArgs) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()?;
    let url = format!("{}/api/v1/public/awards", args.url.trim_end_matches('/'));
    let rest = rss_mib(args.pid).unwrap_or(f64::NAN);
    let mut bytes = 0;
    let mut rows = 0;
    for _ in 0..3 {
        let body = client
            .get(&url)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        bytes = body.len();
        rows = serde_json::from_slice::<Vec<serde_json::Value>>(&body).map_or(0, |v| v.len());
    }
    let mut peak = rest;
    let mut measured = Measured::default();
    let started = Instant::now();
    for _ in 0..args.requests {
        let begun = Instant::now();
        client
            .get(&url)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        measured.latencies.push(begun.elapsed());
        peak = peak.max(rss_mib(args.pid).unwrap_or(0.0));
    }
    measured.elapsed = started.elapsed();
    println!(
        "public list of {rows} awards ({:.1} MB): p50 {:.0} ms p99 {:.0} ms; service RSS {rest:.0} MiB at rest, {peak:.0} MiB serving it",
        bytes as f64 / 1e6,
        measured.percentile_ms(50.0),
        measured.percentile_ms(99.0)
    );
    let mut summary = measured.summary();
    summary["rows"] = json!(rows);
    summary["bytes"] = json!(bytes);
    let mut figures = BTreeMap::new();
    figures.insert("postgres.public_awards".to_owned(), summary);
    figures.insert("postgres.rss_big_rest_mib".to_owned(), json!(rest));
    figures.insert("postgres.rss_big_load_mib".to_owned(), json!(peak));
    record(&args.out, figures)
}
