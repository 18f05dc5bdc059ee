//! The fault suite (issue 13): clients that retry with the same `Idempotency-Key` after a connection
//! error or a 5xx, while the service is killed with SIGKILL (10 times) and, on PostgreSQL, the
//! database server is restarted under load as a crash restarts it (`pg_ctl restart -m immediate`, 4
//! times, and once `-m fast`). PostgreSQL runs in a cluster of the test's own with durability on
//! ([`grants_tests::cluster`]).
//!
//! Afterwards: every acknowledged command is in the log exactly once; no key maps to two executions
//! (a second copy of every key gets the first answer); no key is left in flight; the read models
//! equal their rebuild; the audit chain verifies.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use grants_app::http::AppState;
use grants_tests::child::{serve_from_env, sign_in, Server};
use grants_tests::cluster::PrivateCluster;
use grants_tests::consistency::{caught_up, read_models};
use grants_tests::scenario::{form, group, step_up_round};
use grants_tests::TEST_PASSWORD;
use serde_json::{json, Value};

const KILLS: usize = 10;
const CLIENTS: usize = 4;
/// Drafts the load must have acknowledged before it stops, for the checks to mean something.
const MIN_DRAFTS: usize = 10;

#[tokio::test]
#[ignore = "started by the fault suite as its server process"]
async fn fault_suite_server() {
    serve_from_env().await;
}

/// Where the service is now (its port changes at every restart).
type Base = Arc<RwLock<String>>;

/// Sends a command under `key` until it gets an answer that is not a server failure: retried
/// after connection errors, 5xx and 409 `request.idempotency_in_flight`, as a careful client does.
async fn send_until_answered(
    client: &reqwest::Client,
    base: &Base,
    token: &str,
    path: &str,
    key: &str,
    body: &Value,
) -> (u16, Value) {
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "no answer for {key} within 90 s"
        );
        let url = format!("{}{path}", base.read().unwrap());
        let sent = client
            .post(url)
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body)
            .timeout(Duration::from_secs(30))
            .send()
            .await;
        let Ok(response) = sent else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let status = response.status().as_u16();
        let Ok(answer) = response.json::<Value>().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let in_flight = answer["code"] == "request.idempotency_in_flight";
        if status >= 500 || in_flight {
            if status != 503 && !in_flight {
                panic!("{key}: {status} {answer}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        return (status, answer);
    }
}

/// What a client learnt: for each key, the request and its answer.
#[derive(Clone, Debug)]
struct Acknowledged {
    token: String,
    path: String,
    key: String,
    body: Value,
    status: u16,
    answer: Value,
}

/// One client: drafts an application, saves it, submits it, and again, until told to stop.
async fn client_loop(
    n: usize,
    base: Base,
    token: String,
    round: String,
    group: String,
    stop: Arc<AtomicBool>,
    drafted: Arc<AtomicUsize>,
) -> Vec<Acknowledged> {
    let client = reqwest::Client::new();
    let mut acknowledged = Vec::new();
    let mut send = async |path: String, key: String, body: Value| {
        let (status, answer) =
            send_until_answered(&client, &base, &token, &path, &key, &body).await;
        acknowledged.push(Acknowledged {
            token: token.clone(),
            path,
            key,
            body,
            status,
            answer: answer.clone(),
        });
        (status, answer)
    };
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        let mut draft = form(500_000, 0, 100_000);
        draft["round_id"] = json!(round);
        draft["group_id"] = json!(group);
        draft["title"] = json!(format!("負荷 {n}-{i}"));
        let (status, started) = send(
            "/api/v1/applications".into(),
            format!("c{n}-{i}-draft"),
            draft.clone(),
        )
        .await;
        assert_eq!(status, 201, "{started}");
        drafted.fetch_add(1, Ordering::Relaxed);
        let id = started["id"].as_str().unwrap().to_owned();
        let (status, submitted) = send(
            format!("/api/v1/applications/{id}/submit"),
            format!("c{n}-{i}-submit"),
            json!({}),
        )
        .await;
        assert_eq!(
            status, 200,
            "the first execution of a submit succeeds: {submitted}"
        );
        i += 1;
    }
    acknowledged
}

async fn created(client: &reqwest::Client, url: String, token: Option<&str>, body: Value) -> Value {
    let mut request = client.post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status().as_u16(), 201);
    response.json().await.unwrap()
}

async fn count_where(db: &grants_app::db::Database, sql: &str) -> i64 {
    grants_app::with_pool!(db, pool => sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await
        .unwrap())
}

async fn run_faults(url: &str, cluster: Option<&PrivateCluster>) {
    let work = tempfile::tempdir().unwrap();
    let db = grants_app::db::Database::connect(url).await.unwrap();
    db.migrate().await.unwrap();
    let state = AppState::new(db.clone());
    let metadata = grants_app::store::CommandMetadata {
        attempt: None,
        actor_id: grants_domain::UserId::new(),
        actor_role: grants_app::store::ActorRole::System,
        on_behalf_of: None,
        request_id: "fault-suite".into(),
        idempotency_key: None,
        recorded_at: time::OffsetDateTime::now_utc(),
    };
    let staff = grants_app::accounts::NewAccount {
        email: "staff@city.example.jp".into(),
        password: TEST_PASSWORD.into(),
        display_name: "職員".into(),
        role: grants_domain::account::Role::Staff,
        self_registered: false,
    };
    grants_app::accounts::open_account(&state, grants_domain::UserId::new(), staff, &metadata)
        .await
        .unwrap();

    let client = reqwest::Client::new();
    let server = Server::start("faults::fault_suite_server", url, work.path(), None).await;
    let staff = sign_in(
        &client,
        &server.base,
        "staff@city.example.jp",
        TEST_PASSWORD,
    )
    .await;
    let round = created(
        &client,
        format!("{}/api/v1/rounds", server.base),
        Some(&staff),
        step_up_round(100_000_000, time::Duration::days(7)),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut members = Vec::new();
    for n in 0..CLIENTS {
        let email = format!("member{n}@example.jp");
        let account =
            json!({"email": email, "password": TEST_PASSWORD, "display_name": "申請 花子"});
        created(
            &client,
            format!("{}/api/v1/accounts", server.base),
            None,
            account,
        )
        .await;
        let token = sign_in(&client, &server.base, &email, TEST_PASSWORD).await;
        let group = created(
            &client,
            format!("{}/api/v1/groups", server.base),
            Some(&token),
            group(&format!("負荷の会{n}")),
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        members.push((token, group));
    }

    let base: Base = Arc::new(RwLock::new(server.base.clone()));
    let stop = Arc::new(AtomicBool::new(false));
    let drafted = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = members
        .iter()
        .enumerate()
        .map(|(n, (token, group))| {
            tokio::spawn(client_loop(
                n,
                base.clone(),
                token.clone(),
                round.clone(),
                group.clone(),
                stop.clone(),
                drafted.clone(),
            ))
        })
        .collect();

    let mut server = Some(server);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut restarts = 0;
    for kill in 0..KILLS {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        tokio::time::sleep(Duration::from_millis(200 + seed % 500)).await;
        if let Some(cluster) = cluster {
            if kill % 2 == 1 {
                // Under load: every connection is cut, commits in flight have an unknown outcome.
                cluster.restart(if restarts == 3 { "fast" } else { "immediate" });
                restarts += 1;
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
        server.take().unwrap().kill();
        let log = work.path().join(format!("server-{kill}.log"));
        let restarted =
            Server::start("faults::fault_suite_server", url, work.path(), Some(log)).await;
        *base.write().unwrap() = restarted.base.clone();
        server = Some(restarted);
    }
    // The kills come at fixed intervals; on a loaded machine fewer drafts fit between them, so
    // the load goes on until it has done enough to say something (or a minute has passed).
    let loaded = Instant::now();
    tokio::time::sleep(Duration::from_millis(500)).await;
    while drafted.load(Ordering::Relaxed) < MIN_DRAFTS && loaded.elapsed() < Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut acknowledged = Vec::new();
    for client in clients {
        acknowledged.extend(client.await.unwrap());
    }
    let server = server.unwrap();

    // A second copy of every request gets the first answer (and completes any claim whose
    // answer could not be stored), and appends nothing.
    let before = grants_tests::consistency::events(&db).await;
    for ack in &acknowledged {
        let (status, answer) =
            send_until_answered(&client, &base, &ack.token, &ack.path, &ack.key, &ack.body).await;
        assert_eq!(status, ack.status, "{}: {answer}", ack.key);
        assert_eq!(answer["id"], ack.answer["id"], "{}", ack.key);
        assert_eq!(answer["status"], ack.answer["status"], "{}", ack.key);
    }
    assert_eq!(
        grants_tests::consistency::events(&db).await,
        before,
        "a repeated request appends nothing"
    );

    // Every acknowledged command exactly once; no key executed twice; nothing in flight.
    let drafts: Vec<&Acknowledged> = acknowledged
        .iter()
        .filter(|ack| ack.key.ends_with("-draft"))
        .collect();
    assert!(
        drafts.len() >= MIN_DRAFTS,
        "the load ran: {} drafts",
        drafts.len()
    );
    let mut by_aggregate: HashMap<String, (i64, i64)> = HashMap::new();
    let rows: Vec<(String, String)> = grants_app::with_pool!(&db, pool => sqlx::query_as(
        "SELECT aggregate_id, event_type FROM events WHERE aggregate_type = 'application'",
    )
    .fetch_all(pool)
    .await
    .unwrap());
    for (aggregate, event_type) in rows {
        let entry = by_aggregate.entry(aggregate).or_default();
        match event_type.as_str() {
            "ApplicationDraftStarted" => entry.0 += 1,
            "ApplicationSubmitted" => entry.1 += 1,
            _ => {}
        }
    }
    for ack in &drafts {
        let id = ack.answer["id"].as_str().unwrap();
        assert_eq!(
            by_aggregate.get(id),
            Some(&(1, 1)),
            "{}: started and submitted once",
            ack.key
        );
    }
    assert_eq!(
        by_aggregate.len(),
        drafts.len(),
        "no draft the clients never learnt of (an orphan of a second execution)"
    );
    let in_flight = count_where(
        &db,
        "SELECT count(*) FROM idempotency_keys WHERE status IS NULL",
    )
    .await;
    assert_eq!(in_flight, 0, "no key is left in flight");

    // The read models equal their rebuild; the chain verifies.
    caught_up(&client, &server.base).await;
    server.kill();
    let pool = db.clone();
    let live = read_models(&pool).await;
    for name in state.projections.names() {
        state.projections.rebuild(name).await.unwrap();
    }
    assert_eq!(
        live,
        read_models(&pool).await,
        "a read model differs from its rebuild"
    );
    let verification = grants_projections::verify(&pool).await.unwrap();
    assert!(
        verification.ok,
        "the audit chain verifies: {verification:?}"
    );
    // What the faults did, from the servers' logs: the takeovers and the steps found committed.
    let mut resumed = 0;
    let mut skipped = 0;
    let mut outages = 0;
    for entry in std::fs::read_dir(work.path()).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
        resumed += text.matches("resuming an idempotent request").count();
        skipped += text
            .matches("step already committed by this attempt")
            .count();
        outages += text.matches("database unavailable").count();
    }
    eprintln!(
        "{KILLS} kills, {restarts} database restarts, {} commands acknowledged, {} drafts; \
         {resumed} requests resumed, {skipped} committed steps not run again, {outages} 503s",
        acknowledged.len(),
        drafts.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kills_lose_and_double_nothing_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("grants.sqlite3");
    run_faults(&url.to_string_lossy(), None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kills_and_database_restarts_lose_and_double_nothing_postgres() {
    let cluster = PrivateCluster::start();
    let url = cluster.create_database("faults").await;
    run_faults(&url, Some(&cluster)).await;
}
