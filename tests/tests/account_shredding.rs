//! Crypto-shredding of accounts (issue 19, item 6), on both backends: an account's address and name
//! enter the log sealed with the account's own key (`AccountRegistered` 2.0: neither the log nor
//! its export holds them in plain text); sign-in finds the account through the directory
//! (`credentials`), not the log. Staff erase them, which records `PersonalDataErased`, destroys the
//! key and blanks the directory: the account can no longer sign in (its sessions end), reads
//! 「削除済み」 in the staff's list and in the aggregate, its address is free again while live
//! addresses stay unique, and the whole log, every signed head and an inclusion proof of the
//! registration still verify. `grants personal-data erase` does the same for operators.

use std::time::Duration;

use clap::Parser;
use grants_app::cli::{run, Cli};
use grants_app::config::TreeHeadConfig;
use grants_app::tree_heads::DEV_KEY_SEED;
use grants_projections::LogPool;
use grants_tests::{spawn_app_with, Backend, TestApp, TEST_PASSWORD};
use grants_verifier::export::{self, InclusionProof};
use grants_verifier::head::{self, TreeHead};
use reqwest::Method;
use serde_json::{json, Value};

const ADDRESS: &str = "hanako@example.jp";
const NAME: &str = "申請 花子";

async fn get(app: &TestApp, path: &str, token: &str) -> Value {
    let answer = app.send(Method::GET, path, Some(token), None).await;
    assert_eq!(answer.status, 200, "{path}: {:?}", answer.body);
    answer.body
}

async fn log(app: &TestApp, auditor: &str) -> Vec<Value> {
    get(app, "/api/v1/audit/events", auditor)
        .await
        .as_array()
        .unwrap()
        .clone()
}

async fn export_text(app: &TestApp, auditor: &str) -> String {
    let url = app.url("/api/v1/audit/export");
    let answer = app.client.get(url).bearer_auth(auditor).send().await;
    answer.unwrap().text().await.unwrap()
}

/// Every signed head, once one covers the whole log.
async fn heads_of_everything(app: &TestApp, auditor: &str) -> Vec<TreeHead> {
    let total = log(app, auditor).await.len() as u64;
    for _ in 0..100 {
        let answer = app.get("/api/v1/public/tree-heads").await;
        let heads: Vec<TreeHead> = serde_json::from_value(answer.body["heads"].clone()).unwrap();
        if heads.iter().any(|head| head.tree_size == total) {
            return heads;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no head was signed for the {total} events of the log");
}

async fn user_id(app: &TestApp, token: &str) -> String {
    let current = get(app, "/api/v1/sessions/current", token).await;
    current["user"]["id"].as_str().unwrap().to_owned()
}

async fn listed(app: &TestApp, staff: &str, id: &str) -> Value {
    let users = get(app, "/api/v1/users?limit=1000", staff).await;
    let users = users.as_array().unwrap();
    users.iter().find(|user| user["id"] == id).unwrap().clone()
}

async fn cli(app: &TestApp, args: &[&str]) -> anyhow::Result<()> {
    let mut argv = vec![
        "grants",
        "personal-data",
        "erase",
        "--database-url",
        &app.database_url,
    ];
    argv.extend_from_slice(args);
    run(Cli::try_parse_from(argv)?).await
}

async fn erasure_keeps_every_proof(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.tree_heads = TreeHeadConfig {
            key: Some(DEV_KEY_SEED.into()),
            every_events: 1,
            every_seconds: 3600,
            ..TreeHeadConfig::default()
        };
    })
    .await;
    let staff = app.account_with_role("staff", "staff@example.jp").await;
    let auditor = app.account_with_role("auditor", "auditor@example.jp").await;
    let person = app.applicant(ADDRESS).await;
    let id = user_id(&app, &person).await;

    // The log holds the address and name sealed, as version 2.0; the directory in plain text.
    let registered = log(&app, &auditor)
        .await
        .into_iter()
        .find(|event| event["event_type"] == "AccountRegistered" && event["aggregate_id"] == id)
        .unwrap();
    assert_eq!(registered["event_version"], "2.0");
    let body = &registered["payload"]["AccountRegistered"];
    assert_eq!(body["email"]["sealed"]["alg"], "XChaCha20-Poly1305");
    assert_eq!(body["display_name"]["sealed"]["alg"], "XChaCha20-Poly1305");
    assert_eq!(body["role"], "applicant");
    let export_before = export_text(&app, &auditor).await;
    for personal in [ADDRESS, NAME, "staff@example.jp", "auditor@example.jp"] {
        assert!(
            !export_before.contains(personal),
            "{personal} in the export"
        );
    }
    assert_eq!(listed(&app, &staff, &id).await["email"], ADDRESS);

    // Only staff erase, once.
    let erasure = format!("/api/v1/users/{id}/personal-data/erasure");
    let refused = app.send(Method::POST, &erasure, Some(&person), None).await;
    assert_eq!(refused.status, 403);
    let erased = app.send(Method::POST, &erasure, Some(&staff), None).await;
    assert_eq!(erased.status, 200, "{:?}", erased.body);
    let again = app.send(Method::POST, &erasure, Some(&staff), None).await;
    assert_eq!(again.status, 409);
    assert_eq!(again.body["code"], "account.already_erased");

    // The account no longer signs in, its session is over, and it reads 「削除済み」.
    let session = app
        .send(Method::GET, "/api/v1/sessions/current", Some(&person), None)
        .await;
    assert_eq!(session.status, 401);
    let sign_in = json!({"email": ADDRESS, "password": TEST_PASSWORD});
    assert_eq!(
        app.post_json("/api/v1/sessions", &sign_in).await.status,
        401
    );
    let row = listed(&app, &staff, &id).await;
    assert_eq!(
        (&row["email"], &row["display_name"]),
        (&json!("削除済み"), &json!("削除済み"))
    );
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    let state = grants_app::http::AppState::new(db.clone());
    let account = grants_app::accounts::load(&state, id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.email.unwrap().as_str(), "削除済み");
    assert_eq!(account.display_name, "削除済み");
    let pool: LogPool = db.clone();
    let sql =
        "SELECT key IS NULL AND erased_at IS NOT NULL FROM personal_data_keys WHERE subject = $1";
    let subject = format!("account:{id}");
    let destroyed: bool = match &pool {
        LogPool::Sqlite(p) => sqlx::query_scalar(sql).bind(&subject).fetch_one(p).await,
        LogPool::Postgres(p) => sqlx::query_scalar(sql).bind(&subject).fetch_one(p).await,
    }
    .unwrap();
    assert!(destroyed);

    // The address is free for a new account; a live address is still taken.
    let again = json!({"email": ADDRESS, "password": TEST_PASSWORD, "display_name": "新しい人"});
    assert_eq!(app.post_json("/api/v1/accounts", &again).await.status, 201);
    let taken = app.post_json("/api/v1/accounts", &again).await;
    assert_eq!(taken.status, 409, "{:?}", taken.body);

    // Operators erase from the command line: a group's contact details and an account.
    let member = app.applicant("member@example.jp").await;
    let member_id = user_id(&app, &member).await;
    let group = app.register_group(&member, "みどりの会").await;
    assert!(cli(&app, &["--group", &group, "--account", &member_id])
        .await
        .is_err());
    cli(&app, &["--group", &group]).await.unwrap();
    let read = get(&app, &format!("/api/v1/groups/{group}"), &staff).await;
    assert_eq!(read["email"], "削除済み");
    // A mail the outbox sent to the member and someone else: the member's address goes from it.
    let insert = "INSERT INTO outbox_mails (message_id, stream_id, sequence, template, subject_id,
        position, group_id, recipients, subject, body, created_at, next_attempt_at, sent_at)
        VALUES ('m1', 's', 1, 't', 'x', 1, $1, $2, '件名', '本文', 'now', 9000000000000, 'then')";
    let recipients = "member@example.jp\nother@example.jp";
    let sent = "SELECT recipients FROM outbox_mails WHERE message_id = 'm1'";
    match &pool {
        LogPool::Sqlite(p) => sqlx::query(insert)
            .bind(&group)
            .bind(recipients)
            .execute(p)
            .await
            .map(|_| ()),
        LogPool::Postgres(p) => sqlx::query(insert)
            .bind(&group)
            .bind(recipients)
            .execute(p)
            .await
            .map(|_| ()),
    }
    .unwrap();
    cli(&app, &["--account", &member_id]).await.unwrap();
    let scrubbed: String = match &pool {
        LogPool::Sqlite(p) => sqlx::query_scalar(sent).fetch_one(p).await,
        LogPool::Postgres(p) => sqlx::query_scalar(sent).fetch_one(p).await,
    }
    .unwrap();
    assert_eq!(scrubbed, "削除済み\nother@example.jp");
    let repeated = cli(&app, &["--account", &member_id]).await.unwrap_err();
    assert!(
        repeated.to_string().contains("already been erased"),
        "{repeated}"
    );
    assert_eq!(listed(&app, &staff, &member_id).await["email"], "削除済み");

    // The log before the erasures is unchanged; it, every head and the registration's proof verify.
    let heads = heads_of_everything(&app, &auditor).await;
    let key = head::parse_signing_key(DEV_KEY_SEED)
        .unwrap()
        .verifying_key();
    let export_after = export_text(&app, &auditor).await;
    assert!(export_after.starts_with(&export_before));
    let erasures = export_after
        .lines()
        .filter(|line| line.contains("PersonalDataErased"))
        .count();
    assert_eq!(erasures, 3);
    for personal in [ADDRESS, NAME, "member@example.jp"] {
        assert!(!export_after.contains(personal), "{personal} in the export");
    }
    let lines = export_after
        .lines()
        .map(|line| Ok::<_, std::io::Error>(line.to_owned()));
    export::verify_export(lines, &heads, &key).expect("the export verifies after the erasures");
    let proof = format!(
        "/api/v1/audit/proofs/inclusion?position={}",
        registered["position"]
    );
    let proof: InclusionProof = serde_json::from_value(get(&app, &proof, &auditor).await).unwrap();
    export::verify_inclusion(&proof, &key).expect("the registration's proof verifies");
    let verification = grants_projections::verify_signed(&pool, &[key])
        .await
        .unwrap();
    assert!(verification.ok, "{verification:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    erasure_keeps_every_proof(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    erasure_keeps_every_proof(Backend::Postgres).await;
}
