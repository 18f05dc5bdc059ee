//! Crash test (issue 4): the service is killed with SIGKILL at random moments under load, 20 times;
//! after each restart every projection, once caught up, equals a fresh rebuild from the log: no
//! update lost, none doubled.
//!
//! The service runs as a child process: this test binary started again with only the ignored test
//! `crash_test_server` selected, which serves the database named in its environment.

use std::time::{Duration, Instant};

use grants_app::demo::{DEMO_PASSWORD, DEMO_STAFF};
use grants_app::http::AppState;
use grants_tests::child::{serve_from_env, sign_in, Server};
use grants_tests::consistency::{caught_up, events, read_models as snapshot};
use grants_tests::{fresh_database, Backend};
use serde_json::{json, Value};

const KILLS: usize = 20;

#[tokio::test]
#[ignore = "started by the crash test as its server process"]
async fn crash_test_server() {
    serve_from_env().await;
}

/// Commands from several clients at once: drafts and saves in the demo's open round, and
/// applicant registrations; errors (the server dies mid-request) are expected and ignored.
async fn load(base: String, tokens: Vec<String>, round: String, groups: Vec<String>) {
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for (n, (token, group)) in tokens.into_iter().zip(groups).enumerate() {
        let client = client.clone();
        let base = base.clone();
        let round = round.clone();
        tasks.push(tokio::spawn(async move {
            // Until the server dies under it.
            for i in 0.. {
                let draft = json!({
                    "round_id": round, "group_id": group, "title": format!("負荷 {n}-{i}"),
                    "period": {"start": "2026-12-01", "end": "2027-02-28"},
                    "requested_amount": 1_000,
                });
                let Ok(response) = client
                    .post(format!("{base}/api/v1/applications"))
                    .bearer_auth(&token)
                    .json(&draft)
                    .send()
                    .await
                else {
                    return;
                };
                let Ok(answer) = response.json::<Value>().await else {
                    return;
                };
                if let Some(id) = answer["id"].as_str() {
                    let mut saved = draft.clone();
                    saved.as_object_mut().unwrap().remove("round_id");
                    saved.as_object_mut().unwrap().remove("group_id");
                    saved["summary"] = json!("保存");
                    let _ = client
                        .patch(format!("{base}/api/v1/applications/{id}"))
                        .bearer_auth(&token)
                        .json(&saved)
                        .send()
                        .await;
                }
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
}

async fn crash_repeatedly(backend: Backend) {
    let (url, dir) = fresh_database(backend).await;
    let work = tempfile::tempdir().unwrap();
    let db = grants_app::db::Database::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let state = AppState::new(db.clone());
    grants_app::demo::seed(&state)
        .await
        .expect("the demo seeds");
    let pool = db.clone();
    let client = reqwest::Client::new();

    // The open round and the demo groups, found through the API as a client would.
    let server = Server::start("crash::crash_test_server", &url, work.path(), None).await;
    let staff = sign_in(&client, &server.base, DEMO_STAFF, DEMO_PASSWORD).await;
    let rounds: Value = client
        .get(format!("{}/api/v1/rounds", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let open_round = rounds
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["course"] == "ステップアップ")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut tokens = Vec::new();
    let mut groups = Vec::new();
    for n in 1..=3 {
        let token = sign_in(
            &client,
            &server.base,
            &format!("group{n}@demo.example.jp"),
            DEMO_PASSWORD,
        )
        .await;
        // The applications list is a read model: wait until it shows the demo's application.
        let mut group = None;
        for _ in 0..200 {
            let own: Value = client
                .get(format!("{}/api/v1/applications", server.base))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            group = own[0]["group_id"].as_str().map(str::to_owned);
            if group.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let group = group.expect("the demo group's application is listed");
        tokens.push(token);
        groups.push(group);
    }
    drop(staff);
    server.kill();

    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let first = events(&pool).await;
    let mut killed_mid_load = 0;
    for kill in 0..KILLS {
        let before = events(&pool).await;
        let server = Server::start("crash::crash_test_server", &url, work.path(), None).await;
        let load = tokio::spawn(load(
            server.base.clone(),
            tokens.clone(),
            open_round.clone(),
            groups.clone(),
        ));
        // Once commands are flowing, kill at a random moment.
        let flowing = Instant::now();
        while events(&pool).await < before + 3 && flowing.elapsed() < Duration::from_secs(20) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        tokio::time::sleep(Duration::from_millis(seed % 400)).await;
        let during = events(&pool).await;
        let load_was_running = !load.is_finished();
        server.kill();
        let _ = load.await;
        if load_was_running && during > before {
            killed_mid_load += 1;
        }

        // Restart, let the projections catch up, stop, and compare with a fresh rebuild.
        let server = Server::start("crash::crash_test_server", &url, work.path(), None).await;
        caught_up(&client, &server.base).await;
        server.kill();
        let live = snapshot(&pool).await;
        for name in state.projections.names() {
            state.projections.rebuild(name).await.unwrap();
        }
        let rebuilt = snapshot(&pool).await;
        assert_eq!(
            live, rebuilt,
            "kill {kill}: a projection differs from its rebuild"
        );
        let after = events(&pool).await;
        let links = live["chain"].as_array().unwrap().len() as i64;
        assert_eq!(
            links, after,
            "kill {kill}: every event is chained exactly once"
        );
        assert!(after >= before);
    }
    let last = events(&pool).await;
    eprintln!(
        "{KILLS} kills, {killed_mid_load} mid-load, {} events appended under load",
        last - first
    );
    assert!(
        killed_mid_load >= KILLS / 2,
        "most kills must land while commands are running"
    );
    drop(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_loses_and_doubles_nothing_sqlite() {
    crash_repeatedly(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_loses_and_doubles_nothing_postgres() {
    crash_repeatedly(Backend::Postgres).await;
}
