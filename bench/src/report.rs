//! The table: every figure next to its raw-PostgreSQL counterpart from the same run, the ratio, and
//! the target it is compared with (met or missed; never asserted).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

#[derive(clap::Args, Debug)]
pub struct RecordArgs {
    #[arg(long)]
    out: PathBuf,
    #[arg(long)]
    key: String,
    /// A JSON value.
    #[arg(long)]
    json: String,
}

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    #[arg(long)]
    results: PathBuf,
}

pub fn record_one(args: RecordArgs) -> anyhow::Result<()> {
    let value: Value = serde_json::from_str(&args.json)?;
    crate::stats::record(&args.out, BTreeMap::from([(args.key, value)]))
}

struct Row {
    figure: String,
    value: String,
    raw: String,
    ratio: String,
    target: String,
    verdict: &'static str,
}

fn f(value: Option<f64>, digits: usize) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{v:.digits$}"),
        _ => "-".into(),
    }
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "MISSED",
        None => "",
    }
}

pub fn print(args: ReportArgs) -> anyhow::Result<()> {
    let all: Value = serde_json::from_str(&std::fs::read_to_string(&args.results)?)?;
    let num = |path: &str| -> Option<f64> {
        let mut value = &all;
        let (key, rest) = path.split_once('/').unwrap_or((path, ""));
        value = value.get(key)?;
        for part in rest.split('/').filter(|p| !p.is_empty()) {
            value = value.get(part)?;
        }
        value.as_f64()
    };
    let raw1 = num("raw.insert_1/per_second");
    let raw8 = num("raw.insert_8/per_second");
    let ratio = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a / b);
    let mut rows = Vec::new();
    // A run of the peer phase alone (scripts/bench-peer) has no raw figures: no empty rows then.
    if raw1.is_some() {
        rows.push(Row {
            figure: "raw PostgreSQL: INSERT commits, 1 connection".into(),
            value: format!(
                "{}/s p50 {} p99 {} ms",
                f(raw1, 0),
                f(num("raw.insert_1/p50_ms"), 2),
                f(num("raw.insert_1/p99_ms"), 2)
            ),
            raw: String::new(),
            ratio: String::new(),
            target: String::new(),
            verdict: "",
        });
    }
    if raw8.is_some() {
        rows.push(Row {
            figure: "raw PostgreSQL: INSERT commits, 8 connections".into(),
            value: format!(
                "{}/s p50 {} p99 {} ms",
                f(raw8, 0),
                f(num("raw.insert_8/p50_ms"), 2),
                f(num("raw.insert_8/p99_ms"), 2)
            ),
            raw: String::new(),
            ratio: String::new(),
            target: String::new(),
            verdict: "",
        });
    }
    for backend in ["postgres", "sqlite"] {
        for (name, label) in [
            ("draft_32", "draft application, 32 conns"),
            ("submit_8", "submit application, 8 conns"),
            ("submit_32", "submit application, 32 conns"),
            ("decide_8", "decide (award), 8 conns"),
            ("decide_32", "decide (award), 32 conns"),
        ] {
            let key = format!("{backend}.{name}");
            let Some(rate) = num(&format!("{key}/per_second")) else {
                continue;
            };
            let p99 = num(&format!("{key}/p99_ms"));
            let r = ratio(Some(rate), raw8);
            let (target, met) = if name.ends_with("_8") && name != "draft_32" {
                (
                    "≥0.4× raw 8, p99 < 20 ms".to_owned(),
                    r.zip(p99).map(|(r, p)| r >= 0.4 && p < 20.0),
                )
            } else {
                (String::new(), None)
            };
            rows.push(Row {
                figure: format!("HTTP {backend}: {label}"),
                value: format!(
                    "{}/s p50 {} p99 {} ms",
                    f(Some(rate), 0),
                    f(num(&format!("{key}/p50_ms")), 1),
                    f(p99, 1)
                ),
                raw: format!("{} (8)", f(raw8, 0)),
                ratio: format!("{}×", f(r, 2)),
                target,
                verdict: verdict(met),
            });
        }
    }
    // Side by side with the peer (cqrs-demo), pass by pass: each of this service's commands against
    // the peer's account opening of the same pass (the measure), the deposit alongside.
    let connections = num("peer.setup/connections");
    for pass in 1.. {
        let key = |phase: &str, figure: &str| num(&format!("peer.pass{pass}.{phase}/{figure}"));
        let Some(peer_open) = key("peer_open", "per_second") else {
            break;
        };
        let conns = f(connections, 0);
        rows.push(Row {
            figure: format!("peer (cqrs-demo) open account, {conns} conns, pass {pass}"),
            value: format!(
                "{}/s p50 {} p99 {} ms",
                f(Some(peer_open), 0),
                f(key("peer_open", "p50_ms"), 1),
                f(key("peer_open", "p99_ms"), 1)
            ),
            raw: String::new(),
            ratio: String::new(),
            target: "p99 < 20 ms".into(),
            verdict: verdict(key("peer_open", "p99_ms").map(|p| p < 20.0)),
        });
        rows.push(Row {
            figure: format!("peer (cqrs-demo) deposit, {conns} conns, pass {pass}"),
            value: format!(
                "{}/s p50 {} p99 {} ms",
                f(key("peer_deposit", "per_second"), 0),
                f(key("peer_deposit", "p50_ms"), 1),
                f(key("peer_deposit", "p99_ms"), 1)
            ),
            raw: String::new(),
            ratio: String::new(),
            target: String::new(),
            verdict: "",
        });
        for (phase, label, at_least) in [("draft", "draft", 2.0), ("submit", "submit", 1.0)] {
            let rate = key(phase, "per_second");
            let p99 = key(phase, "p99_ms");
            let r = ratio(rate, Some(peer_open));
            rows.push(Row {
                figure: format!("beside the peer: {label}, {conns} conns, pass {pass}"),
                value: format!(
                    "{}/s p50 {} p99 {} ms",
                    f(rate, 0),
                    f(key(phase, "p50_ms"), 1),
                    f(p99, 1)
                ),
                raw: format!("{} (peer open)", f(Some(peer_open), 0)),
                ratio: format!("{}×", f(r, 2)),
                target: format!("≥{at_least}× peer, p99 < 20 ms"),
                verdict: verdict(r.zip(p99).map(|(r, p)| r >= at_least && p < 20.0)),
            });
            // The same commands counted over their phase and the background's drain after it.
            if let Some(sustained) = key(phase, "sustained_per_second") {
                rows.push(Row {
                    figure: format!("  the same, background drained, pass {pass}"),
                    value: format!(
                        "{}/s (drained in {} s)",
                        f(Some(sustained), 0),
                        f(key(phase, "drain_seconds"), 1)
                    ),
                    raw: format!("{} (peer open)", f(Some(peer_open), 0)),
                    ratio: format!("{}×", f(ratio(Some(sustained), Some(peer_open)), 2)),
                    target: String::new(),
                    verdict: "",
                });
            }
        }
    }
    if let Some(rate) = num("postgres.store_append_8/per_second") {
        let r = ratio(Some(rate), raw8);
        rows.push(Row {
            figure: "Store appends in-process, 8 writers (PG)".into(),
            value: format!(
                "{}/s p50 {} p99 {} ms",
                f(Some(rate), 0),
                f(num("postgres.store_append_8/p50_ms"), 2),
                f(num("postgres.store_append_8/p99_ms"), 2)
            ),
            raw: format!("{} (8)", f(raw8, 0)),
            ratio: format!("{}×", f(r, 2)),
            target: "≥0.8× raw 8".into(),
            verdict: verdict(r.map(|r| r >= 0.8)),
        });
    }
    for lag in ["postgres.lag", "postgres.lag_half"] {
        let Some(p99) = num(&format!("{lag}/lag_p99_ms")) else {
            continue;
        };
        let target = num(&format!("{lag}/target_per_second")).unwrap_or(0.0);
        let achieved = num(&format!("{lag}/achieved_per_second"));
        rows.push(Row {
            figure: format!("projection lag (5 read models), steady {target:.0} drafts/s"),
            value: format!(
                "p50 {} p99 {} ms at {}/s; command p99 {} ms",
                f(num(&format!("{lag}/lag_p50_ms")), 0),
                f(Some(p99), 0),
                f(achieved, 0),
                f(num(&format!("{lag}/command_p99_ms")), 0)
            ),
            raw: String::new(),
            ratio: String::new(),
            target: if lag.ends_with("half") {
                String::new()
            } else {
                "p99 < 100 ms at 1,000/s or the highest steady rate".into()
            },
            verdict: if lag.ends_with("half") {
                ""
            } else {
                verdict(Some(p99 < 100.0))
            },
        });
    }
    let scan = num("raw.scan/per_second");
    if scan.is_some() {
        rows.push(Row {
            figure: "raw PostgreSQL: ordered scan of events (COPY to client)".into(),
            value: format!(
                "{} events/s ({} events)",
                f(scan, 0),
                f(num("raw.scan/events"), 0)
            ),
            raw: String::new(),
            ratio: String::new(),
            target: String::new(),
            verdict: "",
        });
    }
    if let Some(Value::Object(rebuilds)) = all.get("rebuild") {
        for (name, figures) in rebuilds {
            let rate = figures["per_second"].as_f64();
            let r = ratio(rate, scan);
            rows.push(Row {
                figure: format!("rebuild {name}"),
                value: format!("{} events/s ({} events)", f(rate, 0), figures["events"]),
                raw: format!("{} scan", f(scan, 0)),
                ratio: format!("{}×", f(r, 3)),
                target: "≥250,000/s and ≥0.35× scan".into(),
                verdict: verdict(rate.zip(r).map(|(rate, r)| rate >= 250_000.0 && r >= 0.35)),
            });
        }
    }
    if let Some(rate) = num("verify.export/per_second") {
        // Issue 19: 10M events in under 60 s, so 1M in under 6 s.
        rows.push(Row {
            figure: format!(
                "grants-verify export ({} synthetic events of ~1 KB)",
                f(num("verify.export/events"), 0)
            ),
            value: format!(
                "{} events/s ({} s wall, {} s CPU)",
                f(Some(rate), 0),
                f(num("verify.export/seconds"), 2),
                f(
                    num("verify.export/user_seconds")
                        .zip(num("verify.export/system_seconds"))
                        .map(|(u, s)| u + s),
                    2
                )
            ),
            raw: String::new(),
            ratio: String::new(),
            target: "≥166,667/s (1M in 6 s)".into(),
            verdict: verdict(Some(rate >= 1_000_000.0 / 6.0)),
        });
    }
    for proof in ["inclusion", "consistency"] {
        if let Some(ms) = num(&format!("verify.{proof}/ms_per_run")) {
            rows.push(Row {
                figure: format!("grants-verify {proof} (one proof, whole process)"),
                value: format!("{} ms", f(Some(ms), 2)),
                raw: String::new(),
                ratio: String::new(),
                target: "< 10 ms".into(),
                verdict: verdict(Some(ms < 10.0)),
            });
        }
    }
    if let Some(p99) = num("postgres.grant_load/p99_ms") {
        rows.push(Row {
            figure: format!(
                "Store::load of a {}-event grant (PG)",
                f(num("postgres.grant_load/events"), 0)
            ),
            value: format!(
                "p50 {} p99 {} ms",
                f(num("postgres.grant_load/p50_ms"), 2),
                f(Some(p99), 2)
            ),
            raw: String::new(),
            ratio: String::new(),
            target: "p99 < 2 ms".into(),
            verdict: verdict(Some(p99 < 2.0)),
        });
    }
    for (key, label) in [
        ("public_awards", "GET /api/v1/public/awards (first page)"),
        (
            "public_awards_deep",
            "GET /api/v1/public/awards?after= (middle page)",
        ),
        ("public_awards_page", "GET /awards (HTML, first page)"),
        ("public_award_page", "GET /awards/{id} (HTML, one award)"),
    ] {
        if let Some(p99) = num(&format!("postgres.{key}/p99_ms")) {
            rows.push(Row {
                figure: format!(
                    "{label}, {} awards",
                    f(num(&format!("postgres.{key}/rows")), 0)
                ),
                value: format!(
                    "p50 {} p99 {} ms ({} kB)",
                    f(num(&format!("postgres.{key}/p50_ms")), 1),
                    f(Some(p99), 1),
                    f(num(&format!("postgres.{key}/bytes")).map(|b| b / 1e3), 1)
                ),
                raw: String::new(),
                ratio: String::new(),
                target: "p99 < 10 ms".into(),
                verdict: verdict(Some(p99 < 10.0)),
            });
        }
    }
    for (key, label) in [
        ("postgres.rss_start_mib", "RSS at rest, fresh (PG)"),
        (
            "postgres.rss_rest_mib",
            "RSS at rest after 34 sign-ins (PG)",
        ),
        ("postgres.rss_load_mib", "RSS under command load, max (PG)"),
        (
            "postgres.rss_big_load_mib",
            "RSS serving the public list, max (PG)",
        ),
        ("sqlite.rss_start_mib", "RSS at rest, fresh (SQLite)"),
        (
            "sqlite.rss_rest_mib",
            "RSS at rest after 34 sign-ins (SQLite)",
        ),
        (
            "sqlite.rss_load_mib",
            "RSS under command load, max (SQLite)",
        ),
    ] {
        if let Some(mib) = num(key) {
            rows.push(Row {
                figure: label.into(),
                value: format!("{} MiB", f(Some(mib), 0)),
                raw: String::new(),
                ratio: String::new(),
                target: "< 150 MB".into(),
                verdict: verdict(Some(mib * 1.048_576 < 150.0)),
            });
        }
    }

    let widths = [
        rows.iter()
            .map(|r| r.figure.chars().count())
            .max()
            .unwrap_or(0)
            .max(6),
        rows.iter()
            .map(|r| r.value.chars().count())
            .max()
            .unwrap_or(0)
            .max(5),
        rows.iter()
            .map(|r| r.raw.chars().count())
            .max()
            .unwrap_or(0)
            .max(6),
        rows.iter()
            .map(|r| r.ratio.chars().count())
            .max()
            .unwrap_or(0)
            .max(5),
        rows.iter()
            .map(|r| r.target.chars().count())
            .max()
            .unwrap_or(0)
            .max(6),
    ];
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())));
    println!(
        "| {} | {} | {} | {} | {} | met |",
        pad("figure", widths[0]),
        pad("value", widths[1]),
        pad("raw PG", widths[2]),
        pad("ratio", widths[3]),
        pad("target", widths[4])
    );
    println!(
        "|{}|{}|{}|{}|{}|-----|",
        "-".repeat(widths[0] + 2),
        "-".repeat(widths[1] + 2),
        "-".repeat(widths[2] + 2),
        "-".repeat(widths[3] + 2),
        "-".repeat(widths[4] + 2)
    );
    for row in rows {
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            pad(&row.figure, widths[0]),
            pad(&row.value, widths[1]),
            pad(&row.raw, widths[2]),
            pad(&row.ratio, widths[3]),
            pad(&row.target, widths[4]),
            row.verdict
        );
    }
    Ok(())
}
