//! The event store in-process, without HTTP: appends with 8 writers, and loading a 200-event grant.
//!
//! Appends: each writer registers new groups through `Store<Group>::execute` (load the empty stream,
//! decide, append one event with its metadata, read back its position) for a fixed time. Raw
//! PostgreSQL's counterpart is pgbench inserting one event row per transaction (scripts/bench).
//!
//! Load: `Store<Grant>::load` of the grant the HTTP phase gave 200 events, repeated.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use grants_app::db::Database;
use grants_app::store::{ActorRole, CommandMetadata, Stores};
use grants_domain::group::GroupCommand;
use grants_domain::ids::{GroupId, UserId};
use serde_json::json;
use time::OffsetDateTime;

use crate::stats::{record, Measured};

#[derive(clap::Args, Debug)]
pub struct StoreArgs {
    #[arg(long)]
    database_url: String,
    /// Writers appending at once.
    #[arg(long, default_value_t = 8)]
    writers: usize,
    /// Seconds of appending.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// The grant with 200 events (from the HTTP phase).
    #[arg(long)]
    grant: String,
    /// Loads of that grant to time.
    #[arg(long, default_value_t = 500)]
    loads: usize,
    #[arg(long)]
    out: std::path::PathBuf,
    /// Prefix of the figures' names.
    #[arg(long, default_value = "postgres")]
    backend: String,
}

fn register(by: UserId, n: usize) -> GroupCommand {
    GroupCommand::Register {
        group_id: GroupId::new(),
        by,
        name: format!("ストア計測団体{n}"),
        registration_number: format!("市民活動-{n:05}"),
        representative_name: "代表 花子".into(),
        address: "市内本町1-2-3".into(),
        phone: "0564-00-0000".into(),
        email: "store@bench.example.jp".into(),
        founded_on: time::macros::date!(2019 - 05 - 01),
        member_count: 12,
        resident_member_count: 8,
        purpose: "公園の緑化と子どもの自然体験".into(),
        at: OffsetDateTime::now_utc(),
    }
}

pub async fn run(args: StoreArgs) -> anyhow::Result<()> {
    let db = Database::connect(&args.database_url).await?;
    let stores = Stores::new(&db);
    let mut figures = BTreeMap::new();

    // Appends.
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut writers = Vec::new();
    for writer in 0..args.writers {
        let groups = stores.groups.clone();
        writers.push(tokio::spawn(async move {
            let by = UserId::new();
            let mut latencies = Vec::new();
            let mut n = writer * 1_000_000;
            while Instant::now() < deadline {
                let metadata = CommandMetadata {
                    attempt: None,
                    actor_id: by,
                    actor_role: ActorRole::Applicant,
                    on_behalf_of: None,
                    request_id: format!("bench-store-{n}"),
                    idempotency_key: None,
                    recorded_at: OffsetDateTime::now_utc(),
                };
                let command = register(by, n);
                let id = match &command {
                    GroupCommand::Register { group_id, .. } => *group_id,
                    _ => unreachable!(),
                };
                let begun = Instant::now();
                // A registration starts a new stream: the service's path for it is `create`
                // (no load before the append; the append's key is the check).
                groups
                    .create(id, command, &metadata)
                    .await
                    .map_err(|error| anyhow::anyhow!("append failed: {error}"))?;
                latencies.push(begun.elapsed());
                n += 1;
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut appends = Measured::default();
    for writer in writers {
        appends.latencies.extend(writer.await??);
    }
    appends.elapsed = started.elapsed();
    println!(
        "store appends with {} writers: {:.0}/s p50 {:.2} ms p99 {:.2} ms",
        args.writers,
        appends.rate(),
        appends.percentile_ms(50.0),
        appends.percentile_ms(99.0)
    );
    figures.insert(
        format!("{}.store_append_{}", args.backend, args.writers),
        appends.summary(),
    );

    // Loads of the 200-event grant from the log (its snapshot and the events after it), as a
    // process without a kept copy loads it (`Store::load` would answer from the copy in memory).
    let grant = args.grant.as_str();
    let count: i64 = grants_app::with_pool!(&db, pool => sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_type = 'grant' AND aggregate_id = $1",
    )
    .bind(&args.grant)
    .fetch_one(pool)
    .await?);
    // What a load reads besides the events after it: the snapshot row (its JSON's size).
    let snapshot_bytes: Option<i64> = grants_app::with_pool!(&db, pool => sqlx::query_scalar(
        "SELECT CAST(max(length(CAST(payload AS text))) AS bigint) FROM snapshots
          WHERE aggregate_type = 'grant' AND aggregate_id = $1",
    )
    .bind(&args.grant)
    .fetch_one(pool)
    .await?);
    for _ in 0..20 {
        stores
            .grants
            .load_uncached(grant)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let mut loads = Measured::default();
    let started = Instant::now();
    for _ in 0..args.loads {
        let begun = Instant::now();
        let loaded = stores
            .grants
            .load_uncached(grant)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .into_state();
        loads.latencies.push(begun.elapsed());
        anyhow::ensure!(loaded.is_some(), "the grant {grant} has no events");
    }
    loads.elapsed = started.elapsed();
    println!(
        "load of a {count}-event grant (snapshot of {} bytes): p50 {:.2} ms p99 {:.2} ms",
        snapshot_bytes.unwrap_or(0),
        loads.percentile_ms(50.0),
        loads.percentile_ms(99.0)
    );
    let mut summary = loads.summary();
    summary["events"] = json!(count);
    summary["snapshot_bytes"] = json!(snapshot_bytes);
    figures.insert(format!("{}.grant_load", args.backend), summary);
    record(&args.out, figures)
}
