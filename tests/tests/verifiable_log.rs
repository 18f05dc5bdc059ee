//! The verifiable log (issue 19), on both backends: signed tree heads are issued from the log and
//! published with their key (no personal data); inclusion and consistency proofs and the export
//! verify with the standalone verifier's code; every mutation class of the export is caught with
//! the first bad index; and `grants audit verify` catches an event changed in the database, even
//! after the chain and tree were rebuilt over it, through the signed heads.

use std::time::Duration;

use grants_app::config::TreeHeadConfig;
use grants_app::tree_heads::DEV_KEY_SEED;
use grants_projections::LogPool;
use grants_tests::{spawn_app_with, Backend, TestApp};
use grants_verifier::export::{self, ConsistencyProof, ExportLine, InclusionProof};
use grants_verifier::head::{self, TreeHead, VerifyingKey};
use grants_verifier::{from_hex, leaf, to_hex};
use reqwest::Method;
use serde_json::Value;

async fn app(backend: Backend) -> TestApp {
    app_signing_every(backend, 1, 3600).await
}

async fn app_signing_every(backend: Backend, every_events: u64, every_seconds: u64) -> TestApp {
    spawn_app_with(backend, |config| {
        config.tree_heads = TreeHeadConfig {
            key: Some(DEV_KEY_SEED.into()),
            every_events,
            every_seconds,
            ..TreeHeadConfig::default()
        };
    })
    .await
}

async fn events(app: &TestApp, auditor: &str) -> Vec<Value> {
    let answer = app
        .send(Method::GET, "/api/v1/audit/events", Some(auditor), None)
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body.as_array().unwrap().clone()
}

/// Waits for the head that covers every event of the log.
async fn head_of_everything(app: &TestApp, auditor: &str) -> TreeHead {
    let total = events(app, auditor).await.len() as u64;
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

async fn body<T: serde::de::DeserializeOwned>(app: &TestApp, path: &str, token: &str) -> T {
    let answer = app.send(Method::GET, path, Some(token), None).await;
    assert_eq!(answer.status, 200, "{path}: {:?}", answer.body);
    serde_json::from_value(answer.body).unwrap()
}

async fn the_log_verifies_without_the_database(backend: Backend) {
    let app = app(backend).await;
    let auditor = app.account_with_role("auditor", "auditor@example.jp").await;
    let member = app.applicant("member@example.jp").await;
    app.register_group(&member, "みどりの会").await;
    let first = head_of_everything(&app, &auditor).await;
    app.register_group(&member, "あおぞらの会").await;
    let second = head_of_everything(&app, &auditor).await;
    assert!(first.tree_size < second.tree_size);

    // The heads and the key are public, and hold no personal data.
    let published = app.get("/api/v1/public/tree-heads").await;
    assert_eq!(published.status, 200);
    let text = published.body.to_string();
    for personal in ["@example.jp", "みどりの会", "member"] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }
    let heads: Vec<TreeHead> = serde_json::from_value(published.body["heads"].clone()).unwrap();
    let key_answer = app.get("/api/v1/public/tree-heads/key").await;
    assert_eq!(key_answer.status, 200);
    let key: VerifyingKey =
        head::parse_key(key_answer.body["public_key"].as_str().unwrap()).unwrap();
    assert_eq!(
        key,
        head::parse_signing_key(DEV_KEY_SEED)
            .unwrap()
            .verifying_key()
    );
    assert_eq!(published.body["public_key"], key_answer.body["public_key"]);

    // An inclusion proof of the first event in both heads, and a consistency proof between them.
    let position = events(&app, &auditor).await[0]["position"]
        .as_i64()
        .unwrap();
    for size in [first.tree_size, second.tree_size] {
        let proof: InclusionProof = body(
            &app,
            &format!("/api/v1/audit/proofs/inclusion?position={position}&tree_size={size}"),
            &auditor,
        )
        .await;
        assert_eq!(proof.leaf_index, 0);
        export::verify_inclusion(&proof, &key).unwrap();
        let mut forged = proof.clone();
        forged.event.as_mut().unwrap().aggregate_id.push('x');
        assert!(export::verify_inclusion(&forged, &key).is_err());
    }
    let proof: ConsistencyProof = body(
        &app,
        &format!(
            "/api/v1/audit/proofs/consistency?first={}&second={}",
            first.tree_size, second.tree_size
        ),
        &auditor,
    )
    .await;
    export::verify_consistency(&proof, &key).unwrap();
    // Proofs are for auditors and staff; a size without a head is refused by name.
    let path = format!("/api/v1/audit/proofs/inclusion?position={position}");
    assert_eq!(
        app.send(Method::GET, &path, Some(&member), None)
            .await
            .status,
        403
    );
    assert_eq!(app.send(Method::GET, &path, None, None).await.status, 401);
    let missing = app
        .send(
            Method::GET,
            &format!("{path}&tree_size={}", second.tree_size + 100),
            Some(&auditor),
            None,
        )
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(missing.body["code"], "audit.no_signed_head");

    // The export verifies against the heads.
    let export = app
        .client
        .get(app.url("/api/v1/audit/export"))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<String> = export.lines().map(str::to_owned).collect();
    assert_eq!(lines.len() as u64, second.tree_size);
    let report = verify(&lines, &heads, &key).expect("the export verifies");
    assert_eq!(report.events, second.tree_size);
    assert_eq!(report.root_hash, second.root_hash);
    assert_eq!(
        report.chain_v1_links, 0,
        "a new log hashes JCS from its first link"
    );

    every_mutation_is_caught(&lines, &heads, &key, &first);
    the_database_is_checked_against_the_heads(&app, backend, &auditor).await;
}

fn verify(
    lines: &[String],
    heads: &[TreeHead],
    key: &VerifyingKey,
) -> Result<export::Report, export::Failure> {
    export::verify_export(
        lines.iter().cloned().map(Ok::<_, std::io::Error>),
        heads,
        key,
    )
}

fn parse(line: &str) -> ExportLine {
    serde_json::from_str(line).unwrap()
}

/// Flips the case of the first letter after `field` in the line's text: one changed byte.
fn flip_after(line: &str, field: &str) -> String {
    let mut bytes = line.as_bytes().to_vec();
    let start = line.find(field).unwrap() + field.len();
    let at = (start..bytes.len())
        .find(|&i| bytes[i].is_ascii_alphabetic())
        .unwrap();
    bytes[at] ^= 0x20;
    String::from_utf8(bytes).unwrap()
}

/// Recomputes every chain hash from `from` on, as someone rewriting the export would.
fn reseal(lines: &mut [String], from: usize) {
    let mut previous = if from == 0 {
        leaf::GENESIS
    } else {
        from_hex(&parse(&lines[from - 1]).chain_hash).unwrap()
    };
    for (index, line) in lines.iter_mut().enumerate().skip(from) {
        let mut parsed = parse(line);
        parsed.index = index as u64;
        previous = leaf::chain_hash(&previous, &leaf::leaf_input(&parsed.event));
        parsed.chain_hash = to_hex(&previous);
        *line = serde_json::to_string(&parsed).unwrap();
    }
}

#[track_caller]
fn caught(
    lines: &[String],
    heads: &[TreeHead],
    key: &VerifyingKey,
    index: Option<u64>,
    words: &str,
) {
    let failure = verify(lines, heads, key).expect_err(words);
    assert_eq!(failure.index, index, "{failure}");
    assert!(failure.to_string().contains(words), "{failure}");
    if let Some(index) = index {
        assert!(
            failure.to_string().contains(&format!("index {index}")),
            "{failure}"
        );
    }
}

fn every_mutation_is_caught(
    lines: &[String],
    heads: &[TreeHead],
    key: &VerifyingKey,
    first: &TreeHead,
) {
    let k = lines.len() / 2;
    // A flipped byte in a payload, and in metadata.
    let mut changed = lines.to_vec();
    changed[k] = flip_after(&changed[k], "\"payload\":");
    caught(
        &changed,
        heads,
        key,
        Some(k as u64),
        "does not hash to its chain link",
    );
    let mut changed = lines.to_vec();
    changed[k] = flip_after(&changed[k], "\"metadata\":");
    caught(
        &changed,
        heads,
        key,
        Some(k as u64),
        "does not hash to its chain link",
    );
    // The same change with every chain hash after it recomputed: the signed heads catch it.
    let mut resealed = lines.to_vec();
    resealed[k] = flip_after(&resealed[k], "\"payload\":");
    reseal(&mut resealed, k);
    let before = heads
        .iter()
        .map(|head| head.tree_size)
        .filter(|&size| size <= k as u64)
        .max()
        .unwrap_or(0);
    caught(
        &resealed,
        heads,
        key,
        Some(before),
        "do not give the root signed",
    );
    // A deleted event.
    let mut deleted = lines.to_vec();
    deleted.remove(k);
    caught(&deleted, heads, key, Some(k as u64), "deleted");
    let mut renumbered = deleted.clone();
    for (index, line) in renumbered.iter_mut().enumerate().skip(k) {
        let mut parsed = parse(line);
        parsed.index = index as u64;
        *line = serde_json::to_string(&parsed).unwrap();
    }
    caught(
        &renumbered,
        heads,
        key,
        Some(k as u64),
        "does not hash to its chain link",
    );
    // An inserted event: a copy of the one before, numbered to fit.
    let mut inserted = lines.to_vec();
    inserted.insert(k, lines[k - 1].clone());
    caught(&inserted, heads, key, Some(k as u64), "inserted");
    for (index, line) in inserted.iter_mut().enumerate().skip(k) {
        let mut parsed = parse(line);
        parsed.index = index as u64;
        *line = serde_json::to_string(&parsed).unwrap();
    }
    caught(
        &inserted,
        heads,
        key,
        Some(k as u64),
        "does not hash to its chain link",
    );
    // Two events reordered.
    let mut swapped = lines.to_vec();
    swapped.swap(k, k + 1);
    caught(&swapped, heads, key, Some(k as u64), "reordered");
    // A truncated tail.
    let truncated = &lines[..lines.len() - 2];
    caught(
        truncated,
        heads,
        key,
        Some(truncated.len() as u64),
        "truncated",
    );
    // A replaced signed head: another root under the old signature, or signed by another key.
    let mut replaced = heads.to_vec();
    let last = replaced.len() - 1;
    replaced[last].root_hash = first.root_hash.clone();
    caught(lines, &replaced, key, None, "replaced or forged");
    let stranger = head::SigningKey::from_bytes(&[9; 32]);
    let mut replaced = heads.to_vec();
    replaced[last] = head::sign(
        &stranger,
        heads[last].tree_size,
        &from_hex(&heads[last].root_hash).unwrap(),
        heads[last].timestamp,
    );
    caught(lines, &replaced, key, None, "replaced or forged");
    // A fork: the key signed two different roots for one size.
    let dev = head::parse_signing_key(DEV_KEY_SEED).unwrap();
    let mut forked = heads.to_vec();
    forked.push(head::sign(
        &dev,
        first.tree_size,
        &grants_verifier::merkle::leaf_hash(b"another history"),
        first.timestamp + 1,
    ));
    caught(
        lines,
        &forked,
        key,
        Some(first.tree_size - 1),
        "fork: two signed heads for size",
    );
}

async fn the_database_is_checked_against_the_heads(app: &TestApp, backend: Backend, auditor: &str) {
    let pool: LogPool = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap()
        .clone();
    let before = grants_projections::verify(&pool).await.unwrap();
    assert!(before.ok, "{before:?}");
    assert!(before.heads_checked >= 2, "{before:?}");
    let verification: Value = body(app, "/api/v1/audit/verification", auditor).await;
    assert_eq!(verification["ok"], true);

    // Someone with the database changes a group's name in its event.
    let position = events(app, auditor)
        .await
        .iter()
        .find(|event| event["payload"].to_string().contains("みどりの会"))
        .map(|event| event["position"].as_i64().unwrap())
        .unwrap();
    let execute = |sql: String| {
        let pool = pool.clone();
        async move {
            match &pool {
                LogPool::Sqlite(p) => sqlx::query(&sql).execute(p).await.map(|_| ()),
                LogPool::Postgres(p) => sqlx::query(&sql).execute(p).await.map(|_| ()),
            }
            .unwrap()
        }
    };
    match backend {
        Backend::Sqlite => {
            execute("DROP TRIGGER events_no_update".into()).await;
            execute(format!("UPDATE events SET payload = replace(payload, 'みどりの会', 'みどりの怪') WHERE position = {position}")).await;
        }
        Backend::Postgres => {
            execute("ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete".into()).await;
            execute(format!("UPDATE events SET payload = replace(payload::text, 'みどりの会', 'みどりの怪')::json WHERE position = {position}")).await;
        }
    }
    let after = grants_projections::verify(&pool).await.unwrap();
    assert!(!after.ok);
    assert_eq!(after.first_bad_position, Some(position), "{after:?}");

    // Rebuilding the chain and the tree over the changed log re-seals the chain, not the heads.
    let state = grants_app::http::AppState::new(
        grants_app::db::Database::connect(&app.database_url)
            .await
            .unwrap(),
    );
    state.projections.rebuild("audit_chain").await.unwrap();
    let resealed = grants_projections::verify(&pool).await.unwrap();
    assert!(!resealed.ok, "{resealed:?}");
    assert!(
        resealed
            .problem
            .as_deref()
            .unwrap_or_default()
            .contains("do not give the root signed"),
        "{resealed:?}"
    );
}

/// Fewer than N events: the first head comes at once, the next one T seconds after the last, and
/// none while nothing is added.
async fn heads_come_after_t_seconds(backend: Backend) {
    let app = app_signing_every(backend, 1000, 1).await;
    let auditor = app.account_with_role("auditor", "auditor@example.jp").await;
    let first = head_of_everything(&app, &auditor).await;
    app.applicant("member@example.jp").await;
    let second = head_of_everything(&app, &auditor).await;
    assert!(second.tree_size > first.tree_size);
    assert!(
        second.timestamp - first.timestamp >= 1_000,
        "{first:?} {second:?}"
    );
    let listed = || async {
        let answer = app.get("/api/v1/public/tree-heads").await;
        serde_json::from_value::<Vec<TreeHead>>(answer.body["heads"].clone()).unwrap()
    };
    let before = listed().await;
    assert_eq!(before.last(), Some(&second));
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    assert_eq!(listed().await, before, "no head while nothing is added");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heads_come_after_t_seconds_sqlite() {
    heads_come_after_t_seconds(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heads_come_after_t_seconds_postgres() {
    heads_come_after_t_seconds(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    the_log_verifies_without_the_database(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    the_log_verifies_without_the_database(Backend::Postgres).await;
}

/// The verification never takes the chain moving on for tampering: while groups register (each
/// chained and signed as it lands), every verification of the database is clean.
async fn verified_while_the_chain_moves(backend: Backend) {
    let app = app(backend).await;
    let pool: LogPool = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap()
        .clone();
    let member = app.applicant("writer@example.jp").await;
    let done = std::sync::atomic::AtomicBool::new(false);
    let writing = async {
        for n in 0..40 {
            app.register_group(&member, &format!("団体{n}")).await;
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
    };
    let checking = async {
        let mut verified = 0;
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            let verification = grants_projections::verify(&pool).await.unwrap();
            assert!(verification.ok, "{verification:?}");
            verified += 1;
        }
        verified
    };
    let ((), verified) = tokio::join!(writing, checking);
    assert!(verified > 1, "the verification ran while the chain moved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verification_while_the_chain_moves_is_clean_sqlite() {
    verified_while_the_chain_moves(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verification_while_the_chain_moves_is_clean_postgres() {
    verified_while_the_chain_moves(Backend::Postgres).await;
}
