//! The public list with the log's awards in place, one connection, after a short warm-up: the first
//! page of the API (`GET /api/v1/public/awards`, 100 awards), a page from the middle of the list
//! (`?after=`), the `/awards` page and one award's page; and the service's memory meanwhile.

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
    let base = args.url.trim_end_matches('/');
    let rest = rss_mib(args.pid).unwrap_or(f64::NAN);

    // How many awards there are, and the grant in the middle of the list (for a deep page), by
    // walking the list 1,000 at a time through its `Link: rel="next"` headers.
    let mut rows = 0;
    let mut middle = None;
    let mut next = Some(format!("{base}/api/v1/public/awards?limit=1000"));
    let mut pages = Vec::new();
    while let Some(url) = next.take() {
        let answer = client.get(&url).send().await?.error_for_status()?;
        next = answer
            .headers()
            .get("link")
            .and_then(|link| link.to_str().ok())
            .and_then(|link| Some(format!("{base}{}", &link[1..link.find('>')?])));
        let page: Vec<serde_json::Value> = answer.json().await?;
        rows += page.len();
        pages.push(
            page.last()
                .and_then(|award| award["grant_id"].as_str())
                .map(str::to_owned),
        );
    }
    if let Some(Some(id)) = pages.get(pages.len() / 2) {
        middle = Some(id.clone());
    }
    let middle = middle.unwrap_or_default();

    let mut peak = rest;
    let mut figures = BTreeMap::new();
    for (key, path) in [
        ("public_awards", "/api/v1/public/awards".to_owned()),
        (
            "public_awards_deep",
            format!("/api/v1/public/awards?after={middle}"),
        ),
        ("public_awards_page", "/awards".to_owned()),
        ("public_award_page", format!("/awards/{middle}")),
    ] {
        let url = format!("{base}{path}");
        let mut bytes = 0;
        for _ in 0..3 {
            bytes = client
                .get(&url)
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await?
                .len();
        }
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
            "GET {path} with {rows} awards ({:.1} kB): p50 {:.1} ms p99 {:.1} ms",
            bytes as f64 / 1e3,
            measured.percentile_ms(50.0),
            measured.percentile_ms(99.0)
        );
        let mut summary = measured.summary();
        summary["rows"] = json!(rows);
        summary["bytes"] = json!(bytes);
        figures.insert(format!("postgres.{key}"), summary);
    }
    println!("service RSS {rest:.0} MiB at rest, {peak:.0} MiB serving the list");
    figures.insert("postgres.rss_big_rest_mib".to_owned(), json!(rest));
    figures.insert("postgres.rss_big_load_mib".to_owned(), json!(peak));
    record(&args.out, figures)
}
