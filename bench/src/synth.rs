//! A large log, quickly, and the time to rebuild every read model from it.
//!
//! `synth`: takes one real decided application from the log the HTTP phase wrote (its group's
//! registration, the application's four events, the reviewer's three, the round's `AwardDecided` and
//! the grant's `GrantDecided`: ten events) and appends copies of it with `COPY ... FROM STDIN`, every
//! UUID in ids, payloads and metadata replaced by one derived from the copy number, until the log has
//! grown by `events`. Each copy is a complete, consistent award life as the API writes it, so the
//! projections accept it and the public list gains one award per copy. One `COPY` per 20,000 rows, so
//! the log has many writing transactions as in real life.
//!
//! `rebuild`: `Runner::rebuild` of each projection in turn, timed (the service is stopped).

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use anyhow::Context;
use grants_app::db::Database;
use serde_json::json;
use sqlx::postgres::PgPoolOptions;
use sqlx::Row;

use crate::stats::record;

#[derive(clap::Args, Debug)]
pub struct SynthArgs {
    #[arg(long)]
    database_url: String,
    /// Events to add.
    #[arg(long, default_value_t = 1_000_000)]
    events: usize,
    /// The grant whose award life is copied (any decided grant of the HTTP phase).
    #[arg(long)]
    template_grant: String,
    #[arg(long)]
    out: std::path::PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct RebuildArgs {
    #[arg(long)]
    database_url: String,
    #[arg(long)]
    out: std::path::PathBuf,
    /// Rebuild only this projection (repeatable; default: every one), e.g. to profile one.
    #[arg(long)]
    projection: Vec<String>,
}

/// A text with UUIDs in it, cut at each UUID so that copies are cheap to write.
struct Template {
    literals: Vec<String>,
    uuids: Vec<u128>,
}

fn is_uuid(s: &[u8]) -> bool {
    s.len() == 36
        && s.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

impl Template {
    fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let (mut literals, mut uuids) = (Vec::new(), Vec::new());
        let (mut start, mut i) = (0, 0);
        while i + 36 <= bytes.len() {
            if is_uuid(&bytes[i..i + 36]) {
                literals.push(text[start..i].to_owned());
                uuids.push(uuid::Uuid::parse_str(&text[i..i + 36]).map_or(0, |u| u.as_u128()));
                i += 36;
                start = i;
            } else {
                i += 1;
            }
        }
        literals.push(text[start..].to_owned());
        Template { literals, uuids }
    }

    /// The text with every UUID replaced by its copy-`k` counterpart, escaped for COPY's text format.
    fn write(&self, k: u64, out: &mut String) {
        for (n, literal) in self.literals.iter().enumerate() {
            escape_into(literal, out);
            if let Some(original) = self.uuids.get(n) {
                out.push_str(
                    &uuid::Uuid::from_u128(derive(*original, k))
                        .hyphenated()
                        .to_string(),
                );
            }
        }
    }
}

/// The copy-`k` counterpart of a UUID: the low 64 bits (v7's random tail) mixed with `k`; the time
/// and version bits stay.
fn derive(original: u128, k: u64) -> u128 {
    let mut z = k.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    original ^ u128::from(z & 0x3FFF_FFFF_FFFF_FFFF)
}

fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

pub async fn synth(args: SynthArgs) -> anyhow::Result<()> {
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect(&args.database_url)
        .await?;
    let grant = &args.template_grant;
    let application: String = sqlx::query_scalar(
        "SELECT payload::json -> 'GrantDecided' -> 'decision' ->> 'application_id' FROM events
         WHERE aggregate_type = 'grant' AND aggregate_id = $1 AND event_type = 'GrantDecided'",
    )
    .bind(grant)
    .fetch_one(&pool)
    .await
    .context("the template grant's decision")?;
    let rows = sqlx::query(
        "WITH app AS (SELECT payload::json -> 'ApplicationDraftStarted' ->> 'group_id' AS group_id
                      FROM events WHERE aggregate_type = 'application' AND aggregate_id = $2
                      AND event_type = 'ApplicationDraftStarted')
         SELECT aggregate_type, aggregate_id, sequence, event_type, event_version,
                payload::text, metadata::text
         FROM events
         WHERE (aggregate_type = 'group' AND aggregate_id = (SELECT group_id FROM app)
                AND event_type = 'GroupRegistered')
            OR (aggregate_type = 'application' AND aggregate_id = $2)
            OR (aggregate_type = 'review' AND aggregate_id LIKE $2 || ':%')
            OR (aggregate_type = 'round' AND event_type = 'AwardDecided'
                AND payload::text LIKE '%' || $2 || '%')
            OR (aggregate_type = 'grant' AND aggregate_id = $1 AND event_type = 'GrantDecided')
         ORDER BY position",
    )
    .bind(grant)
    .bind(&application)
    .fetch_all(&pool)
    .await?;
    anyhow::ensure!(!rows.is_empty(), "no template events for grant {grant}");
    let mut templates = Vec::new();
    let mut types = Vec::new();
    for row in &rows {
        let fields: Vec<String> = (0..7)
            .map(|i| {
                if i == 2 {
                    row.try_get::<i64, _>(i).map(|n| n.to_string())
                } else {
                    row.try_get::<String, _>(i)
                }
            })
            .collect::<Result<_, _>>()?;
        types.push(format!("{}/{}", fields[0], fields[3]));
        templates.push(fields.iter().map(|f| Template::new(f)).collect::<Vec<_>>());
    }
    let per_copy = templates.len();
    let copies = args.events.div_ceil(per_copy);
    println!(
        "synth: {copies} copies of {per_copy} events ({})",
        types.join(", ")
    );

    let started = Instant::now();
    let mut conn = pool.acquire().await?;
    let rows_per_copy_statement = 20_000;
    let copies_per_statement = (rows_per_copy_statement / per_copy).max(1);
    let mut k = 0u64;
    let mut written = 0usize;
    let mut buffer = String::with_capacity(8 << 20);
    while (k as usize) < copies {
        let mut copy = conn
            .copy_in_raw(
                "COPY events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) FROM STDIN",
            )
            .await?;
        let last = (k as usize + copies_per_statement).min(copies) as u64;
        while k < last {
            for template in &templates {
                for (i, field) in template.iter().enumerate() {
                    if i > 0 {
                        buffer.push('\t');
                    }
                    field.write(k + 1, &mut buffer);
                }
                buffer.push('\n');
                written += 1;
            }
            k += 1;
            if buffer.len() > (4 << 20) {
                copy.send(buffer.as_bytes()).await?;
                buffer.clear();
            }
        }
        if !buffer.is_empty() {
            copy.send(buffer.as_bytes()).await?;
            buffer.clear();
        }
        copy.finish().await?;
    }
    drop(conn);
    sqlx::query("ANALYZE events").execute(&pool).await?;
    let elapsed = started.elapsed();
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&pool)
        .await?;
    println!(
        "synth: wrote {written} events in {:.1} s ({:.0}/s); the log holds {total}",
        elapsed.as_secs_f64(),
        written as f64 / elapsed.as_secs_f64()
    );
    let mut figures = BTreeMap::new();
    figures.insert(
        "synth".to_owned(),
        json!({"events_written": written, "copies": copies, "events_per_copy": per_copy,
               "event_types": types, "seconds": elapsed.as_secs_f64(), "log_events": total}),
    );
    record(&args.out, figures)
}

pub async fn rebuild(args: RebuildArgs) -> anyhow::Result<()> {
    let db = Database::connect(&args.database_url).await?;
    let runner = grants_app::state::projection_runner(db.clone());
    let mut figures = BTreeMap::new();
    let mut by_name = HashMap::new();
    for name in runner.names() {
        if !args.projection.is_empty() && !args.projection.iter().any(|only| only == name) {
            continue;
        }
        let started = Instant::now();
        let events = runner.rebuild(name).await?;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "rebuild {name}: {events} events in {seconds:.1} s ({:.0} events/s)",
            events as f64 / seconds
        );
        by_name.insert(
            name,
            json!({"events": events, "seconds": seconds, "per_second": events as f64 / seconds}),
        );
    }
    let awards: i64 = grants_app::with_pool!(&db, pool => sqlx::query_scalar("SELECT count(*) FROM awards")
        .fetch_one(pool)
        .await?);
    figures.insert("rebuild".to_owned(), json!(by_name));
    figures.insert("awards_rows".to_owned(), json!(awards));
    record(&args.out, figures)
}
