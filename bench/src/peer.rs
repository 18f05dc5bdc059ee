//! Side by side with the peer (issue 20): this service and serverlesstechnology's cqrs-demo
//! (`../shared/peers/cqrs-demo`, built and started by `scripts/bench`), on one PostgreSQL, driven by
//! this same load generator with the same number of connections, in interleaved passes.
//!
//! A pass runs four timed phases, one service at a time, in this order:
//! 1. the peer opens accounts (`POST /account/{id}` with `OpenAccount`: one new aggregate, one
//!    event, its view updated in the request);
//! 2. this service creates drafts (`POST /api/v1/applications`: one new aggregate, one event);
//! 3. the peer deposits into the accounts it opened (an existing aggregate, one event);
//! 4. this service submits the drafts of phase 2 (an existing aggregate, one event).
//!
//! After each of this service's phases the load generator waits until the service's read models and
//! process managers have applied every event (`/metrics`), so that this service's background does
//! not run on into the peer's next phase; the wait is recorded beside the phase, with the rate
//! counted over the phase and the wait together.
//!
//! Passes repeat the four (ABAB), so a drift of the machine shows as a difference between passes
//! rather than as a bias towards one service. Each phase's figures go into the results file under
//! `peer.pass{n}.{phase}`; `report` prints the ratios.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use reqwest::Method;
use serde_json::{json, Value};

use crate::http::{draft_body, group, round_settings, Api, PASSWORD, STAFF_EMAIL};
use crate::stats::{record, Measured};

#[derive(clap::Args, Debug)]
pub struct PeerArgs {
    /// This service, e.g. http://127.0.0.1:8080
    #[arg(long)]
    url: String,
    /// The peer (cqrs-demo), e.g. http://127.0.0.1:3030
    #[arg(long)]
    peer_url: String,
    /// Connections for every phase (the measurement used 16).
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Seconds of each phase.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Passes of the four phases.
    #[arg(long, default_value_t = 2)]
    passes: usize,
    /// Results file (JSON, merged).
    #[arg(long)]
    out: std::path::PathBuf,
}

/// The longest [`drain`] waits for the service's followers.
const DRAIN_LIMIT: Duration = Duration::from_secs(300);

/// Waits until this service's read models and process managers have applied every event of the
/// phase just run, and answers how long that took. The peer updates its view in the request, so it
/// leaves nothing behind; this service's background would otherwise go on in the peer's next phase,
/// taking the machine from it, and its own phase would look cheaper than it was.
async fn drain(api: &Api) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let mut first = true;
    loop {
        let behind = api.behind().await?;
        let total: i64 = behind.iter().map(|(_, events)| events).sum();
        if total == 0 {
            let drained = started.elapsed();
            println!("        drained in {:.1} s", drained.as_secs_f64());
            return Ok(drained);
        }
        if first {
            let waiting: Vec<String> = behind
                .iter()
                .filter(|(_, events)| *events > 0)
                .map(|(name, events)| format!("{name} {events}"))
                .collect();
            println!("        behind at the phase's end: {}", waiting.join(", "));
            first = false;
        }
        if started.elapsed() > DRAIN_LIMIT {
            bail!("the followers are still {total} events behind after {DRAIN_LIMIT:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A phase's figures with its drain: how long the background took afterwards, and the rate counted
/// over the phase and its drain together (the commands' sustained rate, background included).
fn with_drain(measured: &Measured, drained: Duration) -> Value {
    let mut figures = measured.summary();
    let sustained = measured.count() as f64 / (measured.elapsed + drained).as_secs_f64();
    figures["drain_seconds"] = json!(drained.as_secs_f64());
    figures["sustained_per_second"] = json!(sustained);
    figures
}

/// Runs `work(lane, n)` on `lanes` connections at once, each lane its calls in order, until
/// `duration` has passed or the lane's work is done (`Ok(None)`); every call's latency is recorded.
/// Answers what each lane's calls answered.
async fn timed<F, Fut>(
    lanes: usize,
    duration: Duration,
    work: F,
) -> anyhow::Result<(Measured, Vec<Vec<String>>)>
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<Option<String>>> + Send,
{
    let work = Arc::new(work);
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for lane in 0..lanes {
        let work = Arc::clone(&work);
        tasks.push(tokio::spawn(async move {
            let (mut latencies, mut answers) = (Vec::new(), Vec::new());
            let mut n = 0;
            while Instant::now() < deadline {
                let begun = Instant::now();
                let Some(answer) = work(lane, n).await? else {
                    break;
                };
                latencies.push(begun.elapsed());
                answers.push(answer);
                n += 1;
            }
            anyhow::Ok((latencies, answers))
        }));
    }
    let mut measured = Measured::default();
    let mut answers = Vec::new();
    for task in tasks {
        let (latencies, lane_answers) = task.await??;
        measured.latencies.extend(latencies);
        answers.push(lane_answers);
    }
    measured.elapsed = started.elapsed();
    Ok((measured, answers))
}

/// One command to the peer; it answers 204 when the command is accepted.
async fn peer_command(
    client: &reqwest::Client,
    base: &str,
    account: &str,
    body: &Value,
) -> anyhow::Result<()> {
    let response = client
        .post(format!("{base}/account/{account}"))
        .json(body)
        .send()
        .await?;
    let status = response.status();
    if !status.is_success() {
        bail!(
            "the peer answered {status} to {body}: {}",
            response.text().await.unwrap_or_default()
        );
    }
    Ok(())
}

pub async fn run(args: PeerArgs) -> anyhow::Result<()> {
    let duration = Duration::from_secs(args.seconds);
    let lanes = args.connections;
    let api = Api::new(&args.url)?;
    let peer = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .timeout(Duration::from_secs(60))
        .build()?;
    let peer_base: Arc<str> = args.peer_url.trim_end_matches('/').into();

    // This service's setup: one applicant with a group per connection, one round open for the run.
    let staff = api.sign_in(STAFF_EMAIL).await?;
    let mut applicants = Vec::with_capacity(lanes);
    for n in 0..lanes {
        let email = format!("peer-side{n}@bench.example.jp");
        let body =
            json!({"email": email, "password": PASSWORD, "display_name": format!("申請者{n}")});
        api.ok(Method::POST, "/api/v1/accounts", None, Some(&body))
            .await?;
        let token = api.sign_in(&email).await?;
        let created = api
            .ok(
                Method::POST,
                "/api/v1/groups",
                Some(&token),
                Some(&group(n)),
            )
            .await?;
        let group_id = created["id"].as_str().context("group id")?.to_owned();
        applicants.push((Arc::<str>::from(token), group_id));
    }
    let window = Duration::from_secs(120) + 4 * duration * args.passes as u32;
    let round: Arc<str> = api
        .ok(
            Method::POST,
            "/api/v1/rounds",
            Some(&staff),
            Some(&round_settings(1000, window)),
        )
        .await?["id"]
        .as_str()
        .context("round id")?
        .into();
    let applicants = Arc::new(applicants);

    let mut figures = std::collections::BTreeMap::new();
    for pass in 1..=args.passes {
        let key = |phase: &str| format!("peer.pass{pass}.{phase}");

        // 1. The peer opens accounts.
        let (opened, accounts) = timed(lanes, duration, {
            let (peer, base) = (peer.clone(), Arc::clone(&peer_base));
            move |_, _| {
                let (peer, base) = (peer.clone(), Arc::clone(&base));
                async move {
                    let account = uuid::Uuid::new_v4().to_string();
                    let body = json!({"OpenAccount": {"account_id": account}});
                    peer_command(&peer, &base, &account, &body).await?;
                    Ok(Some(account))
                }
            }
        })
        .await?;
        println!(
            "    pass {pass}: peer open account   {:>7.0}/s p99 {:.1} ms",
            opened.rate(),
            opened.percentile_ms(99.0)
        );
        figures.insert(key("peer_open"), opened.summary());

        // 2. This service drafts.
        let (drafted, drafts) = timed(lanes, duration, {
            let (api, applicants, round) =
                (api.clone(), Arc::clone(&applicants), Arc::clone(&round));
            move |lane, n| {
                let (api, applicants, round) =
                    (api.clone(), Arc::clone(&applicants), Arc::clone(&round));
                async move {
                    let (token, group) = &applicants[lane];
                    let body = draft_body(&round, group, n);
                    let answer = api
                        .ok(
                            Method::POST,
                            "/api/v1/applications",
                            Some(token),
                            Some(&body),
                        )
                        .await?;
                    Ok(Some(answer["id"].as_str().context("draft id")?.to_owned()))
                }
            }
        })
        .await?;
        println!(
            "    pass {pass}: service draft       {:>7.0}/s p99 {:.1} ms",
            drafted.rate(),
            drafted.percentile_ms(99.0)
        );
        figures.insert(key("draft"), with_drain(&drafted, drain(&api).await?));

        // 3. The peer deposits into the accounts each lane opened.
        let accounts = Arc::new(accounts);
        let (deposited, _) = timed(lanes, duration, {
            let (peer, base, accounts) =
                (peer.clone(), Arc::clone(&peer_base), Arc::clone(&accounts));
            move |lane, n| {
                let (peer, base, accounts) =
                    (peer.clone(), Arc::clone(&base), Arc::clone(&accounts));
                async move {
                    let mine = &accounts[lane];
                    if mine.is_empty() {
                        return Ok(None);
                    }
                    let account = &mine[n % mine.len()];
                    let body = json!({"DepositMoney": {"amount": 1000.0}});
                    peer_command(&peer, &base, account, &body).await?;
                    Ok(Some(String::new()))
                }
            }
        })
        .await?;
        println!(
            "    pass {pass}: peer deposit        {:>7.0}/s p99 {:.1} ms",
            deposited.rate(),
            deposited.percentile_ms(99.0)
        );
        figures.insert(key("peer_deposit"), deposited.summary());

        // 4. This service submits each lane's drafts (a lane stops early when it has none left).
        let drafts = Arc::new(drafts);
        let (submitted, _) = timed(lanes, duration, {
            let (api, applicants, drafts) =
                (api.clone(), Arc::clone(&applicants), Arc::clone(&drafts));
            move |lane, n| {
                let (api, applicants, drafts) =
                    (api.clone(), Arc::clone(&applicants), Arc::clone(&drafts));
                async move {
                    let Some(id) = drafts[lane].get(n) else {
                        return Ok(None);
                    };
                    let path = format!("/api/v1/applications/{id}/submit");
                    api.ok(Method::POST, &path, Some(&applicants[lane].0), None)
                        .await?;
                    Ok(Some(String::new()))
                }
            }
        })
        .await?;
        println!(
            "    pass {pass}: service submit      {:>7.0}/s p99 {:.1} ms",
            submitted.rate(),
            submitted.percentile_ms(99.0)
        );
        figures.insert(key("submit"), with_drain(&submitted, drain(&api).await?));
    }
    figures.insert(
        "peer.setup".into(),
        json!({"connections": lanes, "seconds": args.seconds, "passes": args.passes}),
    );
    record(&args.out, figures)
}
