//! Projection lag at a steady command rate: drafts are sent open-loop at `rate` per second (a request
//! starts on every tick whether or not earlier ones have answered, up to 256 in flight), and every
//! answered command's `position` is watched until all five read models have applied it.
//!
//! Watching: every 5 ms one query reads the projections' checkpoints and the (transaction_id,
//! position) cursors of the positions still pending; a position counts as applied once every
//! checkpoint is at or past its cursor (the runner's own order, see projections/src/event_log.rs).
//! Lag = the moment it is seen applied minus the moment its command answered: it includes up to 5 ms of
//! polling granularity and none of the command's own latency. PostgreSQL only.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{json, Value};
use sqlx::postgres::PgPoolOptions;
use tokio::sync::{mpsc, Semaphore};

const PROJECTIONS: usize = 6;

/// A log cursor: (transaction_id, position), ordered as the runner reads the log.
type Cursor = (i64, i64);
/// An answered command waiting to be applied: its position, when it answered, its cursor once known.
type Pending = (i64, Instant, Option<Cursor>);
const MAX_IN_FLIGHT: usize = 256;

pub async fn measure(
    client: &reqwest::Client,
    base: &str,
    database_url: &str,
    round: &str,
    applicants: &[(String, String)],
    rate: f64,
    duration: Duration,
) -> anyhow::Result<Value> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(database_url)
        .await
        .context("the lag watcher's database connection")?;
    let (answered, mut pending_rx) = mpsc::unbounded_channel::<(i64, Instant)>();

    // The watcher.
    let watcher = tokio::spawn(async move {
        let mut pending: VecDeque<Pending> = VecDeque::new();
        let mut lags = Vec::new();
        let mut open = true;
        loop {
            while let Ok((position, at)) = pending_rx.try_recv() {
                pending.push_back((position, at, None));
            }
            if !open && pending.is_empty() {
                break;
            }
            if !pending.is_empty() {
                let unknown: Vec<i64> = pending
                    .iter()
                    .filter(|(_, _, cursor)| cursor.is_none())
                    .map(|(position, _, _)| *position)
                    .collect();
                let cursors: Vec<(i64, i64)> = sqlx::query_as(
                    "SELECT position, transaction_id::text::bigint FROM events WHERE position = ANY($1)",
                )
                .bind(&unknown)
                .fetch_all(&pool)
                .await?;
                for (position, transaction_id) in cursors {
                    for entry in pending.iter_mut().filter(|entry| entry.0 == position) {
                        entry.2 = Some((transaction_id, position));
                    }
                }
                // The read models only: the decision follow-up keeps its checkpoint there too.
                let checkpoints: Vec<(i64, i64)> = sqlx::query_as(
                    "SELECT transaction_id, position FROM projection_checkpoints
                     WHERE name IN ('awards', 'audit_chain', 'applications', 'grant_ledger', 'directory', 'year_figures')",
                )
                .fetch_all(&pool)
                .await?;
                let now = Instant::now();
                if checkpoints.len() >= PROJECTIONS {
                    let slowest = checkpoints.iter().min().copied().unwrap_or((0, 0));
                    pending.retain(|(_, at, cursor)| match cursor {
                        Some(cursor) if *cursor <= slowest => {
                            lags.push(now.duration_since(*at));
                            false
                        }
                        _ => true,
                    });
                }
            }
            if open && pending_rx.is_closed() && pending_rx.is_empty() {
                open = false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        anyhow::Ok(lags)
    });

    // The steady load.
    let interval = Duration::from_secs_f64(1.0 / rate);
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let in_flight = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let started = Instant::now();
    let mut sent = 0u64;
    let mut dropped = 0u64;
    let mut requests = Vec::new();
    while started.elapsed() < duration {
        ticker.tick().await;
        let Ok(permit) = Arc::clone(&in_flight).try_acquire_owned() else {
            dropped += 1;
            continue;
        };
        let (token, group) = applicants[sent as usize % applicants.len()].clone();
        let body = crate::http::draft_body(round, &group, sent as usize);
        let request = client
            .post(format!("{base}/api/v1/applications"))
            .bearer_auth(token)
            .json(&body);
        let answered = answered.clone();
        sent += 1;
        requests.push(tokio::spawn(async move {
            let begun = Instant::now();
            let response = request.send().await?;
            let ok = response.status().is_success();
            let answer: Value = response.json().await.unwrap_or(Value::Null);
            let latency = begun.elapsed();
            drop(permit);
            if let (true, Some(position)) = (ok, answer["position"].as_i64()) {
                let _ = answered.send((position, Instant::now()));
                return anyhow::Ok(Some(latency));
            }
            Ok(None)
        }));
    }
    let sending = started.elapsed();
    drop(answered);
    let mut latencies = Vec::new();
    let mut failed = 0u64;
    for request in requests {
        match request.await? {
            Ok(Some(latency)) => latencies.push(latency),
            _ => failed += 1,
        }
    }
    let lags = watcher.await??;
    Ok(json!({
        "target_per_second": rate,
        "achieved_per_second": latencies.len() as f64 / sending.as_secs_f64(),
        "sent": sent,
        "dropped_ticks": dropped,
        "failed": failed,
        "seconds": sending.as_secs_f64(),
        "command_p99_ms": crate::stats::percentile_ms(&latencies, 99.0),
        "lag_samples": lags.len(),
        "lag_p50_ms": crate::stats::percentile_ms(&lags, 50.0),
        "lag_p99_ms": crate::stats::percentile_ms(&lags, 99.0),
        "lag_max_ms": crate::stats::percentile_ms(&lags, 100.0),
    }))
}
