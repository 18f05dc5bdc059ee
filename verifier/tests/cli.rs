//! `grants-verify` as an auditor runs it, on files: exit 0 and "OK" when everything holds, exit 1
//! and the first bad index when not, exit 2 on bad usage. Synthetic log, no service, no database.

use std::path::{Path, PathBuf};
use std::process::Command;

use grants_verifier::export::{ConsistencyProof, ExportLine, InclusionProof};
use grants_verifier::head::{sign, SigningKey, TreeHead};
use grants_verifier::leaf::{self, LeafEvent, CHAIN_V2, GENESIS};
use grants_verifier::merkle::{self, Frontier, Hash};
use grants_verifier::to_hex;
use serde_json::json;

struct Files {
    dir: PathBuf,
}

impl Files {
    fn new(name: &str) -> Files {
        let dir = std::env::temp_dir().join(format!("grants-verify-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Files { dir }
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn event(i: u64) -> LeafEvent {
    LeafEvent {
        position: i as i64 + 1,
        recorded_at: format!("2026-04-01T00:00:{:02}Z", i),
        aggregate_type: "round".into(),
        aggregate_id: "r-1".into(),
        sequence: i as i64 + 1,
        event_type: "Noted".into(),
        event_version: "1.0".into(),
        payload: json!({"Noted": {"n": i, "note": "メモ"}}),
        metadata: json!({"request_id": format!("req-{i}")}),
    }
}

/// A log of `n` events, its export lines, its leaves and heads at `sizes`.
fn log(n: u64, sizes: &[u64], key: &SigningKey) -> (Vec<String>, Vec<Hash>, Vec<TreeHead>) {
    let mut previous = GENESIS;
    let mut lines = Vec::new();
    let mut leaves = Vec::new();
    let mut frontier = Frontier::default();
    let mut heads = Vec::new();
    for i in 0..n {
        let event = event(i);
        let input = leaf::leaf_input(&event);
        previous = leaf::chain_hash(&previous, &input);
        leaves.push(merkle::leaf_hash(&input));
        frontier.push(merkle::leaf_hash(&input));
        if sizes.contains(&frontier.size()) {
            heads.push(sign(key, frontier.size(), &frontier.root(), 1_000 + i));
        }
        lines.push(
            serde_json::to_string(&ExportLine {
                index: i,
                chain_version: CHAIN_V2,
                chain_hash: to_hex(&previous),
                event,
            })
            .unwrap(),
        );
    }
    (lines, leaves, heads)
}

fn run(args: &[&Path], command: &str, key: &str) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grants-verify"));
    cmd.arg(command).arg("--key").arg(key);
    for arg in args {
        cmd.arg(arg);
    }
    let output = cmd.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn the_verifier_checks_files_and_names_the_first_bad_index() {
    let files = Files::new("cli");
    let key = SigningKey::from_bytes(&[5; 32]);
    let public = to_hex(&key.verifying_key().to_bytes());
    let (lines, leaves, heads) = log(13, &[5, 13], &key);
    let heads_file = files.write(
        "heads.json",
        &json!({"public_key": public, "heads": heads}).to_string(),
    );

    let good = files.write("log.jsonl", &(lines.join("\n") + "\n"));
    let (code, out) = run(
        &[Path::new("--heads"), &heads_file, &good],
        "export",
        &public,
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("OK: 13 events, 2 signed heads match"),
        "{out}"
    );

    let mut changed = lines.clone();
    changed[7] = changed[7].replace("req-7", "req-8");
    let bad = files.write("changed.jsonl", &changed.join("\n"));
    let (code, out) = run(
        &[Path::new("--heads"), &heads_file, &bad],
        "export",
        &public,
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("FAILED: first bad index 7 (position 8)"),
        "{out}"
    );

    let (code, out) = run(&[&heads_file], "heads", &public);
    assert_eq!(code, 0, "{out}");

    let path = merkle::inclusion_ranges(4, 13)
        .iter()
        .map(|&(a, b)| to_hex(&merkle::root(&leaves[a as usize..b as usize])))
        .collect();
    let inclusion = InclusionProof {
        leaf_index: 4,
        tree_size: 13,
        leaf_hash: to_hex(&leaves[4]),
        audit_path: path,
        head: heads[1].clone(),
        event: Some(event(4)),
    };
    let file = files.write(
        "inclusion.json",
        &serde_json::to_string(&inclusion).unwrap(),
    );
    let (code, out) = run(&[&file], "inclusion", &public);
    assert_eq!(code, 0, "{out}");
    let mut wrong = inclusion.clone();
    wrong.event = Some(event(5));
    let file = files.write("wrong.json", &serde_json::to_string(&wrong).unwrap());
    let (code, out) = run(&[&file], "inclusion", &public);
    assert_eq!(code, 1, "{out}");

    let proof = merkle::consistency_ranges(5, 13)
        .iter()
        .map(|&(a, b)| to_hex(&merkle::root(&leaves[a as usize..b as usize])))
        .collect();
    let consistency = ConsistencyProof {
        first: heads[0].clone(),
        second: heads[1].clone(),
        proof,
    };
    let file = files.write(
        "consistency.json",
        &serde_json::to_string(&consistency).unwrap(),
    );
    let (code, out) = run(&[&file], "consistency", &public);
    assert_eq!(code, 0, "{out}");
    // With another key, nothing verifies.
    let other = to_hex(&SigningKey::from_bytes(&[6; 32]).verifying_key().to_bytes());
    let (code, out) = run(&[&file], "consistency", &other);
    assert_eq!(code, 1, "{out}");
    let (code, _) = run(&[], "export", &public);
    assert_eq!(code, 2);
}
