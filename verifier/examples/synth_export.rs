//! A synthetic export and its signed heads, for timing `grants-verify export` without a service:
//! `cargo run --release -p grants-verifier --example synth_export -- EVENTS DIR` writes
//! `DIR/log.jsonl` (events of about 1 KB shaped like the service's: nested payloads, Japanese text,
//! UUIDs, integer yen), `DIR/heads.json` (a head every 1,000 events and one at the end) and
//! `DIR/key.txt` (the public key), and `DIR/inclusion.json` (the middle event in the last head) and
//! `DIR/consistency.json` (from the head of half the events to the last), as the API answers them.
//! Hashes are made with `serde_jcs`, the reference, so the
//! verifier's own canonical writer is checked against it on every line. Used by `scripts/bench`.

use std::io::Write;

use std::collections::HashMap;

use grants_verifier::export::{ConsistencyProof, ExportLine, InclusionProof};
use grants_verifier::head::{sign, SigningKey};
use grants_verifier::leaf::{self, LeafEvent, CHAIN_V2, GENESIS};
use grants_verifier::merkle::{self, Frontier};
use grants_verifier::to_hex;
use serde_json::json;

fn uuid(k: u64, salt: u64) -> String {
    let a = k.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt;
    let b = a.rotate_left(17).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    format!(
        "{:08x}-{:04x}-7{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b & 0xfff,
        b >> 16
    )
}

fn event(i: u64) -> LeafEvent {
    let group = uuid(i / 10, 1);
    let (event_type, payload) = match i % 4 {
        0 => (
            "GroupRegistered",
            json!({"GroupRegistered": {
                "group_id": group,
                "name": format!("まちづくり市民の会 第{i}支部"),
                "representative": {"name": "山田 太郎", "title": "代表"},
                "contact": {"name": "佐藤 花子", "email": format!("contact{i}@example.jp"),
                            "phone": "045-123-4567", "postal_code": "231-0021",
                            "address": "神奈川県横浜市中区日本大通1番地 市民活動センター3階"},
                "members": 25 + i % 100, "founded": "2019-04-01",
                "purpose": "地域の子どもたちの居場所づくりと、高齢者の見守り活動を通じて、誰もが安心して暮らせるまちをつくる。",
            }}),
        ),
        1 => (
            "ApplicationSubmitted",
            json!({"ApplicationSubmitted": {
                "application_id": uuid(i, 2), "group_id": group, "round_id": uuid(7, 3),
                "course": "start_up", "title": "子ども食堂と学習支援の立ち上げ",
                "budget": {"lines": [
                    {"item": "会場使用料", "amount": 120000, "kind": "expense"},
                    {"item": "食材費", "amount": 240000, "kind": "expense"},
                    {"item": "チラシ印刷", "amount": 35000, "kind": "expense"},
                    {"item": "参加費", "amount": 50000, "kind": "income"}],
                    "requested": 300000},
                "schedule": {"planned_start": "2026-06-01", "planned_end": "2027-03-31"},
                "summary": "週一回の子ども食堂を開き、放課後の学習支援を行う。ボランティアは大学生と地域の方々。\n\t\"引用\" と \\ を含む。",
            }}),
        ),
        2 => (
            "ReviewScored",
            json!({"ReviewScored": {
                "application_id": uuid(i - 1, 2), "reviewer": uuid(i % 5, 4),
                "scores": {"public_benefit": 4, "feasibility": 3, "budget": 5, "originality": 4},
                "comment": "地域の課題に即した計画で、実施体制も整っている。予算の積算は妥当。",
                "total": 16, "conflict_of_interest": false, "weight": null,
            }}),
        ),
        _ => (
            "GrantDecided",
            json!({"GrantDecided": {
                "grant_id": uuid(i, 5), "application_id": uuid(i - 3, 2),
                "amount_awarded": 300000, "decision_number": format!("横市民第{i}号"),
                "conditions": ["実績報告書を期限までに提出すること", "領収書を保管すること"],
                "decided_on": "2026-05-20",
            }}),
        ),
    };
    LeafEvent {
        position: i as i64 + 1,
        recorded_at: format!(
            "2026-04-01T00:{:02}:{:02}.{:06}Z",
            (i / 60) % 60,
            i % 60,
            i % 1_000_000
        ),
        aggregate_type: "group".into(),
        aggregate_id: group.clone(),
        sequence: (i % 10) as i64 + 1,
        event_type: event_type.into(),
        event_version: "1.0".into(),
        payload,
        metadata: json!({"actor": uuid(i % 97, 6), "request_id": uuid(i, 7), "ip": "192.0.2.1"}),
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let events: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    std::fs::create_dir_all(&dir)?;
    let key = SigningKey::from_bytes(&[7; 32]);
    let mut log = std::io::BufWriter::new(std::fs::File::create(dir.join("log.jsonl"))?);
    let mut frontier = Frontier::default();
    let mut previous = GENESIS;
    let mut heads = Vec::new();
    let mut nodes = HashMap::new();
    let middle = events / 2;
    let mut middle_event = None;
    for i in 0..events {
        let event = event(i);
        let input = leaf::leaf_input(&event);
        previous = leaf::chain_hash(&previous, &input);
        nodes.extend(frontier.push(merkle::leaf_hash(&input)));
        if i == middle {
            middle_event = Some(event.clone());
        }
        let line = ExportLine {
            index: i,
            chain_version: CHAIN_V2,
            chain_hash: to_hex(&previous),
            event,
        };
        serde_json::to_writer(&mut log, &line)?;
        log.write_all(b"\n")?;
        if (i + 1) % 1000 == 0 || i + 1 == events {
            heads.push(sign(&key, i + 1, &frontier.root(), 1_796_000_000_000 + i));
        }
    }
    log.flush()?;
    std::fs::write(dir.join("heads.json"), serde_json::to_vec(&heads)?)?;
    let node = |id| nodes.get(&id).copied();
    let hashes = |ranges: Vec<(u64, u64)>| -> Vec<String> {
        ranges
            .into_iter()
            .map(|(a, b)| to_hex(&merkle::range_hash(a, b, &node).unwrap_or_default()))
            .collect()
    };
    if let (Some(last), Some(event)) = (heads.last(), middle_event) {
        let proof = InclusionProof {
            leaf_index: middle,
            tree_size: last.tree_size,
            leaf_hash: to_hex(&leaf::event_leaf_hash(&event)),
            audit_path: hashes(merkle::inclusion_ranges(middle, last.tree_size)),
            head: last.clone(),
            event: Some(event),
        };
        std::fs::write(dir.join("inclusion.json"), serde_json::to_vec(&proof)?)?;
        let first = &heads[(heads.len() - 1) / 2];
        let proof = ConsistencyProof {
            first: first.clone(),
            second: last.clone(),
            proof: hashes(merkle::consistency_ranges(first.tree_size, last.tree_size)),
        };
        std::fs::write(dir.join("consistency.json"), serde_json::to_vec(&proof)?)?;
    }
    std::fs::write(dir.join("key.txt"), to_hex(&key.verifying_key().to_bytes()))?;
    eprintln!(
        "{events} events, {} heads in {}",
        heads.len(),
        dir.display()
    );
    Ok(())
}
