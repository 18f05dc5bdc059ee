//! Crypto-shredding (issue 19, item 6), on both backends: a group's contact details enter the log
//! sealed with the group's own key (the log, its export and the audit API never hold them in plain
//! text), read in plain text by those who may; staff erase them, which destroys the key and records
//! `PersonalDataErased`; afterwards they read 「削除済み」, and the whole log, the signed heads
//! (signatures included) and an inclusion proof of the group's registration still verify. A group
//! registered before sealing (`GroupRegistered` 1.0, contact in plain text) still loads, and reads
//! 「削除済み」 once erased.

use std::time::Duration;

use grants_app::config::TreeHeadConfig;
use grants_app::tree_heads::DEV_KEY_SEED;
use grants_projections::LogPool;
use grants_tests::{spawn_app_with, Backend, TestApp};
use grants_verifier::export::{self, InclusionProof};
use grants_verifier::head::{self, TreeHead};
use reqwest::Method;
use serde_json::Value;

const PERSONAL: [&str; 4] = [
    "代表 太郎",
    "市内本町1-2-3",
    "0564-00-0000",
    "group@example.jp",
];

async fn get(app: &TestApp, path: &str, token: &str) -> Value {
    let answer = app.send(Method::GET, path, Some(token), None).await;
    assert_eq!(answer.status, 200, "{path}: {:?}", answer.body);
    answer.body
}

/// The log as the audit API shows it: every event, with its stored payload.
async fn log(app: &TestApp, auditor: &str) -> Vec<Value> {
    get(app, "/api/v1/audit/events", auditor)
        .await
        .as_array()
        .unwrap()
        .clone()
}

async fn head_of_everything(app: &TestApp, auditor: &str) -> TreeHead {
    let total = log(app, auditor).await.len() as u64;
    for _ in 0..100 {
        let answer = app.get("/api/v1/public/tree-heads").await;
        let heads: Vec<TreeHead> = serde_json::from_value(answer.body["heads"].clone()).unwrap();
        if let Some(head) = heads.into_iter().find(|head| head.tree_size == total) {
            return head;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no head was signed for the {total} events of the log");
}

async fn export_text(app: &TestApp, auditor: &str) -> String {
    app.client
        .get(app.url("/api/v1/audit/export"))
        .bearer_auth(auditor)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
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
    let member = app.applicant("member@example.jp").await;
    let group = app.register_group(&member, "みどりの会").await;
    let path = format!("/api/v1/groups/{group}");

    // The members read the contact details; the log holds them sealed, as version 2.0.
    let read = get(&app, &path, &member).await;
    assert_eq!(read["email"], "group@example.jp");
    assert_eq!(read["representative_name"], "代表 太郎");
    assert_eq!(read["personal_data_erased"], false);
    let registered = log(&app, &auditor)
        .await
        .into_iter()
        .find(|event| event["event_type"] == "GroupRegistered")
        .unwrap();
    assert_eq!(registered["event_version"], "2.0");
    let contact = &registered["payload"]["GroupRegistered"]["contact"]["sealed"];
    assert_eq!(contact["alg"], "XChaCha20-Poly1305", "{registered}");
    assert_eq!(
        registered["payload"]["GroupRegistered"]["name"],
        "みどりの会"
    );
    let export_before = export_text(&app, &auditor).await;
    for personal in PERSONAL {
        assert!(
            !registered.to_string().contains(personal),
            "{personal} in the log"
        );
        assert!(
            !export_before.contains(personal),
            "{personal} in the export"
        );
    }

    // Only staff erase, once.
    let erasure = format!("{path}/personal-data/erasure");
    let refused = app.send(Method::POST, &erasure, Some(&member), None).await;
    assert_eq!(refused.status, 403);
    let erased = app.send(Method::POST, &erasure, Some(&staff), None).await;
    assert_eq!(erased.status, 200, "{:?}", erased.body);
    let again = app.send(Method::POST, &erasure, Some(&staff), None).await;
    assert_eq!(
        again.body["code"], "group.already_erased",
        "{:?}",
        again.body
    );

    // Every contact field reads 「削除済み」; the group itself stays.
    let read = get(&app, &path, &member).await;
    for field in ["representative_name", "address", "phone", "email"] {
        assert_eq!(read[field], "削除済み", "{field}");
    }
    assert_eq!(read["personal_data_erased"], true);
    assert_eq!(read["name"], "みどりの会");
    let staff_read = get(&app, &path, &staff).await;
    assert_eq!(staff_read["email"], "削除済み");

    // The key is gone from the database, and the erasure event holds no personal data.
    let pool: LogPool = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap()
        .clone();
    let sql =
        "SELECT key IS NULL AND erased_at IS NOT NULL FROM personal_data_keys WHERE subject = $1";
    let subject = format!("group:{group}");
    let destroyed: bool = match &pool {
        LogPool::Sqlite(p) => sqlx::query_scalar(sql).bind(&subject).fetch_one(p).await,
        LogPool::Postgres(p) => sqlx::query_scalar(sql).bind(&subject).fetch_one(p).await,
    }
    .unwrap();
    assert!(destroyed);
    let events = log(&app, &auditor).await;
    let erasure_event = events
        .iter()
        .find(|event| event["event_type"] == "PersonalDataErased")
        .unwrap();
    assert_eq!(erasure_event["aggregate_id"], group.as_str());

    // The whole log, every signed head (signatures too) and a proof of the registration verify.
    let head = head_of_everything(&app, &auditor).await;
    let key = head::parse_signing_key(DEV_KEY_SEED)
        .unwrap()
        .verifying_key();
    let heads: Vec<TreeHead> =
        serde_json::from_value(app.get("/api/v1/public/tree-heads").await.body["heads"].clone())
            .unwrap();
    let export_after = export_text(&app, &auditor).await;
    assert!(
        export_after.starts_with(&export_before),
        "the log before the erasure is unchanged"
    );
    let report = export::verify_export(
        export_after
            .lines()
            .map(|line| Ok::<_, std::io::Error>(line.to_owned())),
        &heads,
        &key,
    )
    .expect("the export verifies after the erasure");
    assert_eq!(report.root_hash, head.root_hash);
    let proof: InclusionProof = serde_json::from_value(
        get(
            &app,
            &format!(
                "/api/v1/audit/proofs/inclusion?position={}",
                registered["position"]
            ),
            &auditor,
        )
        .await,
    )
    .unwrap();
    export::verify_inclusion(&proof, &key).expect("the registration's proof verifies");
    let verification = grants_projections::verify_signed(&pool, &[key])
        .await
        .unwrap();
    assert!(verification.ok, "{verification:?}");
    assert_eq!(verification.signatures_checked as usize, heads.len());
    let api = get(&app, "/api/v1/audit/verification", &auditor).await;
    assert_eq!(api["ok"], true, "{api}");
    assert!(api["signatures_checked"].as_u64().unwrap() >= 1, "{api}");
    // A head signed with another key is caught by the signature check.
    let other = head::parse_signing_key(&"22".repeat(32))
        .unwrap()
        .verifying_key();
    let forged = grants_projections::verify_signed(&pool, &[other])
        .await
        .unwrap();
    assert!(!forged.ok);
    assert!(forged.problem.unwrap().contains("replaced or forged"));
}

/// A group as version 1.0 stored it, written into the log as the old service did (plain contact).
async fn a_plain_version_1_group_loads_and_is_erased(backend: Backend) {
    let app = grants_tests::spawn_app(backend).await;
    let staff = app.account_with_role("staff", "staff@example.jp").await;
    let group = uuid::Uuid::now_v7();
    let payload = serde_json::json!({"GroupRegistered": {
        "group_id": group, "name": "古くからの会", "registration_number": "R-1",
        "contact": {"representative_name": "岡崎 花子", "address": "岡崎市康生通西2-1",
                    "phone": "0564-11-1111", "email": "hanako@example.jp"},
        "founded_on": "2019-04-01", "member_count": 5, "resident_member_count": 3,
        "purpose": "河川敷の清掃", "by": uuid::Uuid::now_v7(), "at": "2026-04-01T01:00:00Z"
    }})
    .to_string();
    let pool = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap()
        .clone();
    let insert = |cast: &str| {
        format!(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
             VALUES ('group', $1, 1, 'GroupRegistered', '1.0', $2{cast}, '{{}}'{cast})"
        )
    };
    match &pool {
        LogPool::Sqlite(p) => sqlx::query(&insert(""))
            .bind(group.to_string())
            .bind(&payload)
            .execute(p)
            .await
            .map(|_| ()),
        LogPool::Postgres(p) => sqlx::query(&insert("::json"))
            .bind(group.to_string())
            .bind(&payload)
            .execute(p)
            .await
            .map(|_| ()),
    }
    .unwrap();
    let path = format!("/api/v1/groups/{group}");
    let read = get(&app, &path, &staff).await;
    assert_eq!(read["email"], "hanako@example.jp");
    assert_eq!(read["name"], "古くからの会");
    let erased = app
        .send(
            Method::POST,
            &format!("{path}/personal-data/erasure"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(erased.status, 200, "{:?}", erased.body);
    let read = get(&app, &path, &staff).await;
    assert_eq!(read["email"], "削除済み");
    assert_eq!(read["representative_name"], "削除済み");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_1_sqlite() {
    a_plain_version_1_group_loads_and_is_erased(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_1_postgres() {
    a_plain_version_1_group_loads_and_is_erased(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    erasure_keeps_every_proof(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    erasure_keeps_every_proof(Backend::Postgres).await;
}
