//! The service over HTTP on loopback: the load generator is this process, the service another.
//!
//! One run, in this order (every step goes through the public API, as a client would):
//! 1. setup: a staff account (opened by `grants user add` beforehand), one reviewer, `APPLICANTS`
//!    applicants each with a group, and rounds whose application window closes in `window` seconds:
//!    8 rounds for the 8-connection phases and 32 for the 32-connection ones;
//! 2. drafts (`POST /applications`, 32 connections; reported as the draft command);
//! 3. submit-application with 8 connections, then with 32, each over its own drafts;
//! 4. while the window is still open: projection lag at a steady rate of drafts on a long-open round;
//! 5. once the window has closed: screening and one reviewer's sheet for the applications to decide,
//!    close scoring and fix each round's ranking;
//! 6. decide (`POST /rounds/{id}/decisions`, one award per request) with 8 connections, each on its own
//!    round, then with 32; a decision appends to the round, opens the grant and marks the application;
//! 7. one grant gets 199 saved settlement reports, so the store phase can load a 200-event grant.
//!
//! Resident memory of the service is sampled at rest (after setup) and every 100 ms under load.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use reqwest::Method;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::stats::{record, rss_mib, Measured};

pub const STAFF_EMAIL: &str = "staff@bench.example.jp";
pub const PASSWORD: &str = "bench-password-2026";
const APPLICANTS: usize = 32;
const AMOUNT: i64 = 100_000;

#[derive(clap::Args, Debug)]
pub struct HttpArgs {
    /// The service, e.g. http://127.0.0.1:8080
    #[arg(long)]
    url: String,
    /// The service's process id, for its resident memory.
    #[arg(long)]
    pid: u32,
    /// The service's database: PostgreSQL for the lag phase (read-only use: checkpoints).
    #[arg(long)]
    database_url: String,
    /// A name for the figures: `postgres` or `sqlite`.
    #[arg(long)]
    backend: String,
    /// Submits per connection count (8 and 32).
    #[arg(long, default_value_t = 1000)]
    submits: usize,
    /// Decisions per connection count (8 and 32).
    #[arg(long, default_value_t = 400)]
    decides: usize,
    /// Seconds of the steady-rate lag phase (0: skip it).
    #[arg(long, default_value_t = 20)]
    lag_seconds: u64,
    /// The steady rate the lag phase aims at, commands per second.
    #[arg(long, default_value_t = 1000.0)]
    lag_rate: f64,
    /// Results file (JSON, merged).
    #[arg(long)]
    out: std::path::PathBuf,
}

/// The API, as one client with a connection pool.
#[derive(Clone)]
pub struct Api {
    client: reqwest::Client,
    base: Arc<str>,
}

impl Api {
    /// A client of the service at `url`, with a pool of connections for many lanes at once.
    pub fn new(url: &str) -> anyhow::Result<Self> {
        Ok(Api {
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(64)
                .timeout(Duration::from_secs(60))
                .build()?,
            base: url.trim_end_matches('/').into(),
        })
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }

    /// A call that must succeed (2xx); returns the body.
    pub async fn ok(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let (status, answer) = self.send(method.clone(), path, token, body).await?;
        if !(200..300).contains(&status) {
            bail!("{method} {path} answered {status}: {answer}");
        }
        Ok(answer)
    }

    /// How many events each of the service's followers of the log has still to apply, by name
    /// (`/metrics`: `grants_projection_behind_events` for the read models and
    /// `grants_process_behind_events` for the process managers).
    pub async fn behind(&self) -> anyhow::Result<Vec<(String, i64)>> {
        let metrics = self
            .client
            .get(format!("{}/metrics", self.base))
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?;
        let mut behind = Vec::new();
        for line in metrics.lines() {
            let Some(series) = line
                .strip_prefix("grants_projection_behind_events{")
                .or_else(|| line.strip_prefix("grants_process_behind_events{"))
            else {
                continue;
            };
            let (label, value) = series.rsplit_once(' ').context("a metric's value")?;
            let name = label.split('"').nth(1).unwrap_or(label).to_owned();
            behind.push((name, value.parse::<i64>().context("a metric's value")?));
        }
        Ok(behind)
    }

    pub async fn sign_in(&self, email: &str) -> anyhow::Result<String> {
        let body = json!({"email": email, "password": PASSWORD});
        let answer = self
            .ok(Method::POST, "/api/v1/sessions", None, Some(&body))
            .await?;
        Ok(answer["token"].as_str().context("a token")?.to_owned())
    }
}

/// Runs `work` over `lanes` concurrently, one task per lane (one HTTP connection each), the items of
/// a lane in order; every item's latency is recorded.
async fn run_lanes<T, F, Fut>(lanes: Vec<Vec<T>>, work: F) -> anyhow::Result<(Measured, Vec<Value>)>
where
    T: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<Value>> + Send,
{
    let work = Arc::new(work);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for lane in lanes {
        let work = Arc::clone(&work);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(lane.len());
            let mut answers = Vec::with_capacity(lane.len());
            for item in lane {
                let begun = Instant::now();
                answers.push(work(item).await?);
                latencies.push(begun.elapsed());
            }
            anyhow::Ok((latencies, answers))
        }));
    }
    let mut measured = Measured::default();
    let mut answers = Vec::new();
    for task in tasks {
        let (latencies, lane_answers) = task.await??;
        measured.latencies.extend(latencies);
        answers.extend(lane_answers);
    }
    measured.elapsed = started.elapsed();
    Ok((measured, answers))
}

/// Deals `items` round-robin onto `lanes` lanes.
fn deal<T>(items: Vec<T>, lanes: usize) -> Vec<Vec<T>> {
    let mut dealt: Vec<Vec<T>> = (0..lanes).map(|_| Vec::new()).collect();
    for (n, item) in items.into_iter().enumerate() {
        dealt[n % lanes].push(item);
    }
    dealt
}

fn instant(offset: time::Duration) -> String {
    (OffsetDateTime::now_utc() + offset)
        .format(&Rfc3339)
        .unwrap_or_default()
}

fn fiscal_year() -> i32 {
    grants_domain::FiscalYear::of_instant(OffsetDateTime::now_utc()).year()
}

fn fiscal_year_end() -> String {
    format!("{}-03-31", fiscal_year() + 1)
}

fn today() -> String {
    grants_domain::fiscal_year::jst_date(OffsetDateTime::now_utc()).to_string()
}

pub fn round_settings(n: usize, closes_in: Duration) -> Value {
    let criteria: Vec<Value> = [
        ("public_benefit", "公益性"),
        ("civic", "市民性"),
        ("growth", "発展性"),
        ("feasibility", "実現性"),
        ("independence", "自立性"),
    ]
    .iter()
    .map(|(key, label)| json!({"key": key, "label": label, "min": 0, "max": 10}))
    .collect();
    json!({
        "fiscal_year": fiscal_year(),
        "course": "ステップアップ",
        "title": format!("市民公益活動事業費補助金（ベンチマーク{n}）"),
        "description": "市民が主体となって行う公益的な活動を支援します。",
        "budget": 100_000_000_000_i64,
        "cap": 500_000,
        "floor": 0,
        "rate_schedule": ["1/1"],
        "rounding_unit": 1_000,
        "max_grants_per_group": 1_000_000,
        "opens_at": instant(time::Duration::hours(-1)),
        "closes_at": instant(time::Duration::try_from(closes_in).unwrap_or(time::Duration::ZERO)),
        "criteria": criteria,
        "pass_ratio": "7/10",
        "advance_cap_ratio": "4/5",
        "change_threshold_ratio": "1/5",
        "settlement_days": 30,
    })
}

pub fn group(n: usize) -> Value {
    json!({
        "name": format!("ベンチ市民活動団体{n}"), "registration_number": format!("市民活動-{n:04}"),
        "representative_name": "代表 太郎", "address": "市内本町1-2-3", "phone": "0564-00-0000",
        "email": format!("group{n}@bench.example.jp"), "founded_on": "2019-05-01", "member_count": 12,
        "resident_member_count": 8, "purpose": "公園の緑化と子どもの自然体験",
    })
}

pub fn draft_body(round: &str, group: &str, n: usize) -> Value {
    json!({
        "round_id": round, "group_id": group,
        "title": format!("こども自然教室 第{n}期"),
        "summary": "市内の公園で月1回の自然観察会を開く。",
        "purpose": "子どもが身近な自然に親しむ機会をつくる。",
        "beneficiaries": "市内の小学生とその保護者",
        "period": {"start": today(), "end": fiscal_year_end()},
        "budget": {
            "income": [{"kind": "own_funds", "description": "会費", "amount": 20_000}],
            "expenses": [
                {"category": "rentals", "item": "会場使用料", "quantity": 10, "unit_price": 12_000},
                {"category": "supplies", "item": "ルーペ", "quantity": 20, "unit_price": 400}
            ],
        },
        "requested_amount": AMOUNT,
    })
}

fn sheet() -> Value {
    json!({"scores": {"public_benefit": 8, "civic": 8, "growth": 8, "feasibility": 8, "independence": 8},
           "comment": "計画が具体的で、地域への広がりが期待できる。"})
}

fn settlement_report(n: usize) -> Value {
    json!({
        "income": [{"kind": "project_income", "description": "参加費", "amount": 18_000}],
        "expenses": [
            {"category": "rentals", "item": "会場使用料", "quantity": 10, "unit_price": 11_000, "receipt_date": today(), "receipt_number": format!("R-{n:04}")},
            {"category": "supplies", "item": "ルーペ", "quantity": 20, "unit_price": 400, "receipt_date": today(), "receipt_number": "R-0002"}
        ],
        "outcomes": format!("全10回、延べ{n}人の親子が参加した。"),
        "participants": n,
    })
}

/// An applicant: the bearer token and the group it registered.
#[derive(Clone)]
struct Applicant {
    token: Arc<str>,
    group: String,
}

/// A drafted application and who drafted it.
#[derive(Clone)]
struct Drafted {
    id: String,
    round: usize,
    applicant: usize,
}

/// Samples the service's resident memory every 100 ms, keeping the maximum.
struct RssSampler {
    max_kib: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl RssSampler {
    fn start(pid: u32) -> Self {
        let max_kib = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn({
            let max_kib = Arc::clone(&max_kib);
            async move {
                loop {
                    if let Some(mib) = rss_mib(pid) {
                        max_kib.fetch_max((mib * 1024.0) as u64, Ordering::Relaxed);
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        });
        RssSampler { max_kib, task }
    }

    fn max_mib(&self) -> f64 {
        self.max_kib.load(Ordering::Relaxed) as f64 / 1024.0
    }
}

impl Drop for RssSampler {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn run(args: HttpArgs) -> anyhow::Result<()> {
    let backend = args.backend.clone();
    let api = Api::new(&args.url)?;
    let mut figures = BTreeMap::new();
    let key = |name: &str| format!("{backend}.{name}");

    // 1. Setup.
    figures.insert(
        key("rss_start_mib"),
        json!(rss_mib(args.pid).unwrap_or(f64::NAN)),
    );
    let staff = api.sign_in(STAFF_EMAIL).await?;
    let reviewer_email = "reviewer@bench.example.jp";
    let body = json!({"email": reviewer_email, "password": PASSWORD, "display_name": "審査委員（ベンチ）", "role": "reviewer"});
    let reviewer_id = api
        .ok(Method::POST, "/api/v1/users", Some(&staff), Some(&body))
        .await?["id"]
        .as_str()
        .context("reviewer id")?
        .to_owned();
    let reviewer = api.sign_in(reviewer_email).await?;
    let (_, answers) = run_lanes(deal((0..APPLICANTS).collect(), 8), {
        let api = api.clone();
        move |n: usize| {
            let api = api.clone();
            async move {
                let email = format!("applicant{n}@bench.example.jp");
                let body = json!({"email": email, "password": PASSWORD, "display_name": format!("申請者{n}")});
                api.ok(Method::POST, "/api/v1/accounts", None, Some(&body)).await?;
                let token = api.sign_in(&email).await?;
                let created = api
                    .ok(Method::POST, "/api/v1/groups", Some(&token), Some(&group(n)))
                    .await?;
                Ok(json!({"token": token, "group": created["id"]}))
            }
        }
    })
    .await?;
    let applicants: Arc<Vec<Applicant>> = Arc::new(
        answers
            .iter()
            .map(|a| Applicant {
                token: a["token"].as_str().unwrap_or_default().into(),
                group: a["group"].as_str().unwrap_or_default().to_owned(),
            })
            .collect(),
    );

    // The window must stay open through the drafts and submits: assume at least 100 commands/s.
    let commands = 4 * args.submits;
    let window = Duration::from_secs(10) + Duration::from_millis(10 * commands as u64);
    let window_closes = Instant::now() + window;
    let mut rounds = Vec::new();
    for n in 0..(8 + 32) {
        let id = api
            .ok(
                Method::POST,
                "/api/v1/rounds",
                Some(&staff),
                Some(&round_settings(n, window)),
            )
            .await?["id"]
            .as_str()
            .context("round id")?
            .to_owned();
        let body = json!({"reviewer_id": reviewer_id});
        api.ok(
            Method::POST,
            &format!("/api/v1/rounds/{id}/committee"),
            Some(&staff),
            Some(&body),
        )
        .await?;
        rounds.push(id);
    }
    let rounds = Arc::new(rounds);
    // At rest after 34 sign-ins and 33 password hashes (argon2id, 19 MiB each).
    figures.insert(
        key("rss_rest_mib"),
        json!(rss_mib(args.pid).unwrap_or(f64::NAN)),
    );
    let sampler = RssSampler::start(args.pid);

    // 2. Drafts: the first `submits` in the 8 rounds, the next in the 32 rounds.
    let plan: Vec<(usize, usize)> = (0..2 * args.submits)
        .map(|n| {
            let round = if n < args.submits { n % 8 } else { 8 + n % 32 };
            (n, round)
        })
        .collect();
    let (drafting, answers) = run_lanes(deal(plan.clone(), 32), {
        let (api, applicants, rounds) = (api.clone(), Arc::clone(&applicants), Arc::clone(&rounds));
        move |(n, round): (usize, usize)| {
            let (api, applicants, rounds) =
                (api.clone(), Arc::clone(&applicants), Arc::clone(&rounds));
            async move {
                let who = &applicants[n % APPLICANTS];
                let body = draft_body(&rounds[round], &who.group, n);
                let answer = api
                    .ok(
                        Method::POST,
                        "/api/v1/applications",
                        Some(&who.token),
                        Some(&body),
                    )
                    .await?;
                Ok(json!({"n": n, "id": answer["id"]}))
            }
        }
    })
    .await?;
    figures.insert(key("draft_32"), drafting.summary());
    let mut drafted: Vec<Drafted> = answers
        .iter()
        .map(|a| {
            let n = a["n"].as_u64().unwrap_or_default() as usize;
            Drafted {
                id: a["id"].as_str().unwrap_or_default().to_owned(),
                round: plan[n].1,
                applicant: n % APPLICANTS,
            }
        })
        .collect();
    drafted.sort_by_key(|d| d.round >= 8);
    let (for_8, for_32) = drafted.split_at(args.submits);
    let (for_8, for_32) = (for_8.to_vec(), for_32.to_vec());

    // 3. Submit with 8, then 32 connections.
    let submit = {
        let (api, applicants) = (api.clone(), Arc::clone(&applicants));
        move |d: Drafted| {
            let (api, applicants) = (api.clone(), Arc::clone(&applicants));
            async move {
                let path = format!("/api/v1/applications/{}/submit", d.id);
                api.ok(
                    Method::POST,
                    &path,
                    Some(&applicants[d.applicant].token),
                    None,
                )
                .await
            }
        }
    };
    for (connections, set) in [(8, &for_8), (32, &for_32)] {
        let (measured, _) = run_lanes(deal(set.clone(), connections), submit.clone()).await?;
        println!(
            "{backend}: submit with {connections} connections: {:.0}/s p50 {:.1} ms p99 {:.1} ms",
            measured.rate(),
            measured.percentile_ms(50.0),
            measured.percentile_ms(99.0)
        );
        figures.insert(key(&format!("submit_{connections}")), measured.summary());
    }
    if Instant::now() >= window_closes {
        bail!("the application window closed before the submits finished; the machine is slower than 100 commands/s");
    }

    // 4. Projection lag at a steady rate, while the window is still open.
    if args.lag_seconds > 0 {
        let lag_round = api
            .ok(
                Method::POST,
                "/api/v1/rounds",
                Some(&staff),
                Some(&round_settings(99, Duration::from_secs(86_400))),
            )
            .await?["id"]
            .as_str()
            .context("round id")?
            .to_owned();
        // Aim at the requested rate, or at 80% of what the service just did with 32 connections if
        // less; then at half that, to tell queueing under saturation from the read models' own pace.
        let best = figures[&key("draft_32")]["per_second"]
            .as_f64()
            .unwrap_or(0.0);
        let rate = args.lag_rate.min((best * 0.8).floor()).max(1.0);
        let applicants: Vec<(String, String)> = applicants
            .iter()
            .map(|a| (a.token.to_string(), a.group.clone()))
            .collect();
        for (name, rate) in [("lag", rate), ("lag_half", (rate / 2.0).floor().max(1.0))] {
            let lag = crate::lag::measure(
                &api.client,
                &api.base,
                &args.database_url,
                &lag_round,
                &applicants,
                rate,
                Duration::from_secs(args.lag_seconds),
            )
            .await?;
            println!("{backend}: projection lag at {rate:.0}/s: {lag}");
            figures.insert(key(name), lag);
        }
    }
    let loaded_rss = sampler.max_mib();

    // 5. Screening and scoring of the applications to decide, after the window.
    let to_decide_8: Vec<Drafted> = for_8.iter().take(args.decides).cloned().collect();
    let to_decide_32: Vec<Drafted> = for_32.iter().take(args.decides).cloned().collect();
    let wait = window_closes.saturating_duration_since(Instant::now()) + Duration::from_millis(500);
    println!(
        "{backend}: waiting {:.1} s for the application window to close",
        wait.as_secs_f64()
    );
    tokio::time::sleep(wait).await;
    let everything: Vec<Drafted> = to_decide_8.iter().chain(&to_decide_32).cloned().collect();
    let (scoring, _) = run_lanes(deal(everything, 32), {
        let (api, staff, reviewer) = (api.clone(), staff.clone(), reviewer.clone());
        move |d: Drafted| {
            let (api, staff, reviewer) = (api.clone(), staff.clone(), reviewer.clone());
            async move {
                let path = format!("/api/v1/applications/{}", d.id);
                let eligible = json!({"outcome": "eligible"});
                api.ok(
                    Method::POST,
                    &format!("{path}/screening"),
                    Some(&staff),
                    Some(&eligible),
                )
                .await?;
                let declaration = json!({"conflict": false, "note": ""});
                api.ok(
                    Method::POST,
                    &format!("{path}/conflict-declaration"),
                    Some(&reviewer),
                    Some(&declaration),
                )
                .await?;
                api.ok(
                    Method::PUT,
                    &format!("{path}/my-review"),
                    Some(&reviewer),
                    Some(&sheet()),
                )
                .await?;
                api.ok(
                    Method::POST,
                    &format!("{path}/my-review/submit"),
                    Some(&reviewer),
                    None,
                )
                .await
            }
        }
    })
    .await?;
    println!(
        "{backend}: screened and scored {} applications (4 commands each) in {:.1} s",
        scoring.count(),
        scoring.elapsed.as_secs_f64()
    );
    for round in rounds.iter() {
        api.ok(
            Method::POST,
            &format!("/api/v1/rounds/{round}/scoring/close"),
            Some(&staff),
            None,
        )
        .await?;
        api.ok(
            Method::POST,
            &format!("/api/v1/rounds/{round}/ranking"),
            Some(&staff),
            None,
        )
        .await?;
    }

    // 6. Decide: each connection awards, one application per request, in its own round.
    let decide = {
        let (api, staff, rounds) = (api.clone(), staff.clone(), Arc::clone(&rounds));
        move |d: Drafted| {
            let (api, staff, rounds) = (api.clone(), staff.clone(), Arc::clone(&rounds));
            async move {
                let body = json!({"awards": [{"application_id": d.id, "amount": AMOUNT,
                    "conditions": "事業終了後に成果報告会を開くこと", "completion_deadline": fiscal_year_end()}]});
                let path = format!("/api/v1/rounds/{}/decisions", rounds[d.round]);
                let answer = api
                    .ok(Method::POST, &path, Some(&staff), Some(&body))
                    .await?;
                Ok(json!({"grant": answer["grants"][0]["grant_id"], "applicant": d.applicant}))
            }
        }
    };
    let mut a_grant = None;
    for (connections, set) in [(8, &to_decide_8), (32, &to_decide_32)] {
        let mut lanes: Vec<Vec<Drafted>> = (0..connections).map(|_| Vec::new()).collect();
        let base = if connections == 8 { 0 } else { 8 };
        for d in set.iter() {
            lanes[d.round - base].push(d.clone());
        }
        let (measured, answers) = run_lanes(lanes, decide.clone()).await?;
        println!(
            "{backend}: decide with {connections} connections: {:.0}/s p50 {:.1} ms p99 {:.1} ms",
            measured.rate(),
            measured.percentile_ms(50.0),
            measured.percentile_ms(99.0)
        );
        figures.insert(key(&format!("decide_{connections}")), measured.summary());
        a_grant = a_grant.or_else(|| answers.first().cloned());
    }
    let loaded_rss = loaded_rss.max(sampler.max_mib());
    figures.insert(key("rss_load_mib"), json!(loaded_rss));
    drop(sampler);

    // 7. A grant with 200 events: its decision and 199 saved settlement reports.
    let grant = a_grant.context("a decided grant")?;
    let grant_id = grant["grant"].as_str().context("grant id")?.to_owned();
    let token = &applicants[grant["applicant"].as_u64().unwrap_or_default() as usize].token;
    for n in 1..200 {
        api.ok(
            Method::PUT,
            &format!("/api/v1/grants/{grant_id}/settlement-report"),
            Some(token),
            Some(&settlement_report(n)),
        )
        .await?;
    }
    figures.insert(key("grant_200"), json!(grant_id));
    figures.insert(
        key("rss_end_mib"),
        json!(rss_mib(args.pid).unwrap_or(f64::NAN)),
    );
    record(&args.out, figures)
}
