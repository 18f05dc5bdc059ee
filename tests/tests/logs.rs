//! What the service logs, read from a real server process at debug level while people register,
//! sign in and apply: no password, token, hash or personal detail ever appears (issues 3 and 5).

use grants_tests::child::{serve_from_env, Server};
use grants_tests::scenario::group;
use grants_tests::{fresh_database, Backend, TEST_PASSWORD};
use serde_json::{json, Value};

#[tokio::test]
#[ignore = "started by the log test as its server process"]
async fn logging_server() {
    serve_from_env().await;
}

async fn logs_hold_no_secrets(backend: Backend) {
    let (url, _dir) = fresh_database(backend).await;
    let work = tempfile::tempdir().unwrap();
    let log = work.path().join("server.log");
    let server = Server::start("logs::logging_server", &url, work.path(), Some(log.clone())).await;
    let client = reqwest::Client::new();
    let email = "hanako.yamada@example.jp";
    let registered = client
        .post(format!("{}/api/v1/accounts", server.base))
        .json(&json!({"email": email, "password": TEST_PASSWORD, "display_name": "山田花子"}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    let session: Value = client
        .post(format!("{}/api/v1/sessions", server.base))
        .json(&json!({"email": email, "password": TEST_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap().to_owned();
    let wrong = client
        .post(format!("{}/api/v1/sessions", server.base))
        .json(&json!({"email": email, "password": "a wrong password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let created = client
        .post(format!(
            "{}/api/v1/groups?note=query-strings-are-not-logged",
            server.base
        ))
        .bearer_auth(&token)
        .json(&group("みどりの会"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    server.kill();

    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("request_id"),
        "the log is there and carries request ids:\n{logged}"
    );
    for secret in [
        TEST_PASSWORD,
        "a wrong password",
        token.as_str(),
        "$argon2",
        email,
        "山田花子",
        "代表 太郎",
        "市内本町1-2-3",
        "0564-00-0000",
        "group@example.jp",
        "query-strings-are-not-logged",
    ] {
        assert!(!logged.contains(secret), "{secret:?} appears in the log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_hold_no_secrets_sqlite() {
    logs_hold_no_secrets(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_hold_no_secrets_postgres() {
    logs_hold_no_secrets(Backend::Postgres).await;
}
