//! The export of the log (JSON Lines, one [`ExportLine`] per event in log order) and its full
//! check against the signed tree heads: every mutation class is named with the first bad index.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::head::{TreeHead, VerifyingKey};
use crate::jcs::Canonicalizer;
use crate::leaf::{self, LeafEvent, LeafText, CHAIN_V1, CHAIN_V2, GENESIS};
use crate::merkle::{self, Frontier, Hash};
use crate::{from_hex, to_hex};

/// One line of the export: the event at leaf `index` (0 for the first event of the log), its
/// chain link's version and hash.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportLine {
    /// The event's leaf index in the log's order, from 0.
    pub index: u64,
    /// The version of this event's chain link (`CHAIN_V1` or `CHAIN_V2`), which says what bytes it
    /// hashes.
    pub chain_version: u32,
    /// The chain link after this event, `SHA-256(previous link || bytes)`, hex.
    pub chain_hash: String,
    /// The event as its leaf hashes it.
    pub event: LeafEvent,
}

/// What a good export holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// How many events the export holds.
    pub events: u64,
    /// Links hashed with the old canonical form (before the switch to JCS): their chain hashes are
    /// taken as given, their events are covered by the tree.
    pub chain_v1_links: u64,
    /// How many signed tree heads were checked against the export's roots.
    pub heads_checked: usize,
    /// The root over every event of the export, hex.
    pub root_hash: String,
}

/// The first thing wrong, with the leaf index (and the event's position where one is at hand).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The leaf index of the first bad event; `None` when the failure is not one event's (e.g. a
    /// head).
    pub index: Option<u64>,
    /// The log position of that event, when it could be read.
    pub position: Option<i64>,
    /// What is wrong, for a person to read.
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.index, self.position) {
            (Some(index), Some(position)) => {
                write!(f, "first bad index {index} (position {position}): ")?
            }
            (Some(index), None) => write!(f, "first bad index {index}: ")?,
            _ => {}
        }
        f.write_str(&self.message)
    }
}

fn fail(index: Option<u64>, position: Option<i64>, message: String) -> Failure {
    Failure {
        index,
        position,
        message,
    }
}

/// Checks the heads among themselves: each signature with `key`, and one root per size (two
/// signed roots for one size are a fork). Returns the roots by size.
pub fn check_heads(heads: &[TreeHead], key: &VerifyingKey) -> Result<BTreeMap<u64, Hash>, Failure> {
    let mut roots: BTreeMap<u64, Hash> = BTreeMap::new();
    for head in heads {
        let root = head.verify(key).map_err(|error| {
            fail(
                None,
                None,
                format!(
                    "the signed head for size {} (timestamp {}) is not good: {error}; it was replaced or forged",
                    head.tree_size, head.timestamp
                ),
            )
        })?;
        if let Some(other) = roots.insert(head.tree_size, root) {
            if other != root {
                return Err(fail(
                    head.tree_size.checked_sub(1),
                    None,
                    format!(
                        "fork: two signed heads for size {} with different roots ({} and {})",
                        head.tree_size,
                        to_hex(&other),
                        to_hex(&root)
                    ),
                ));
            }
        }
    }
    Ok(roots)
}

/// Checks a whole export (its lines in order) against signed heads: the lines' indexes, the hash
/// chain from the switch to JCS on, and the tree's root at every head's size.
///
/// Fetch the heads first and the export second: the export then covers every head.
///
/// Lines are read in batches; each batch's lines are parsed (payload and metadata kept as text),
/// written in JCS and hashed on every core (`check_batch`), and then judged in order on one
/// thread, so the first failure is the same as a line-by-line check would find.
pub fn verify_export<E: std::fmt::Display>(
    lines: impl IntoIterator<Item = Result<String, E>>,
    heads: &[TreeHead],
    key: &VerifyingKey,
) -> Result<Report, Failure> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    verify_export_on(lines, heads, key, threads)
}

fn verify_export_on<E: std::fmt::Display>(
    lines: impl IntoIterator<Item = Result<String, E>>,
    heads: &[TreeHead],
    key: &VerifyingKey,
    threads: usize,
) -> Result<Report, Failure> {
    let roots = check_heads(heads, key)?;
    let mut lines = lines.into_iter();
    let mut frontier = Frontier::default();
    let mut previous = GENESIS;
    let mut last_version = CHAIN_V1;
    let mut v1 = 0;
    let mut last_good_head = 0u64;
    let mut last_position = None;
    let mut batch: Vec<String> = Vec::with_capacity(BATCH);
    loop {
        batch.clear();
        let mut read_error = None;
        for line in lines.by_ref() {
            match line {
                Ok(text) => batch.push(text),
                Err(e) => {
                    read_error = Some(e.to_string());
                    break;
                }
            }
            if batch.len() == BATCH {
                break;
            }
        }
        let checked = check_batch(&batch, threads);
        for (i, outcome) in checked.into_iter().enumerate() {
            let expected = frontier.size();
            let line = match outcome {
                Outcome::Blank => continue,
                Outcome::NotALine(e) => {
                    return Err(fail(
                        Some(expected),
                        None,
                        format!("the line is not an export line: {e}"),
                    ))
                }
                Outcome::Line(line) => line,
            };
            let position = Some(line.position);
            if line.index != expected {
                let after = last_position
                    .map(|p| format!(" after position {p}"))
                    .unwrap_or_default();
                let is_expected = |text: &str| {
                    serde_json::from_str::<IndexOnly>(text)
                        .is_ok_and(|later| later.index == expected)
                };
                let message = if line.index < expected {
                    format!(
                        "the export has index {} again where {expected} belongs: an event was inserted{after}, or events reordered",
                        line.index
                    )
                } else if batch[i + 1..].iter().any(|text| is_expected(text))
                    || (read_error.is_none()
                        && lines.any(|rest| rest.ok().is_some_and(|text| is_expected(&text))))
                {
                    format!(
                        "index {expected} comes later in the export, index {} stands in its place: events reordered{after}",
                        line.index
                    )
                } else {
                    format!(
                        "the export goes from index {} to {}: {} event(s) deleted{after}",
                        expected.wrapping_sub(1) as i64,
                        line.index,
                        line.index - expected
                    )
                };
                return Err(fail(Some(expected), position, message));
            }
            let stored = line.stored.ok_or_else(|| {
                fail(
                    Some(expected),
                    position,
                    "its chain_hash is not 32 bytes of hex".into(),
                )
            })?;
            let leaf = match line.leaf {
                Ok(leaf) => leaf,
                Err(e) => return Err(fail(Some(expected), position, e)),
            };
            match line.chain_version {
                CHAIN_V1 if last_version == CHAIN_V1 => {
                    // The old canonical form: checked by `grants audit verify`; the tree covers the event.
                    v1 += 1;
                }
                CHAIN_V2 => {
                    let good = match line.chain {
                        Chain::Good => true,
                        Chain::Bad => false,
                        Chain::Deferred(input) => leaf::chain_hash(&previous, &input) == stored,
                    };
                    if !good {
                        return Err(fail(
                            Some(expected),
                            position,
                            "the event does not hash to its chain link: its payload, metadata or another field was changed, or an event before it was removed, added or moved".into(),
                        ));
                    }
                }
                version => {
                    return Err(fail(
                        Some(expected),
                        position,
                        format!("chain version {version} cannot follow version {last_version}"),
                    ))
                }
            }
            last_version = line.chain_version;
            previous = stored;
            last_position = position;
            frontier.append(leaf);
            let size = frontier.size();
            if let Some(root) = roots.get(&size) {
                if frontier.root() != *root {
                    return Err(fail(
                        Some(last_good_head),
                        None,
                        format!(
                            "the first {size} events do not give the root signed for size {size}: the log was changed between index {last_good_head} and {}",
                            size - 1
                        ),
                    ));
                }
                last_good_head = size;
            }
        }
        if let Some(e) = read_error {
            return Err(fail(
                Some(frontier.size()),
                None,
                format!("cannot read: {e}"),
            ));
        }
        if batch.len() < BATCH {
            break;
        }
    }
    let events = frontier.size();
    if let Some((&size, _)) = roots.range(events + 1..).next() {
        return Err(fail(
            Some(events),
            None,
            format!(
                "the export ends after {events} events, but a head was signed for {size}: the tail from index {events} is missing (truncated)"
            ),
        ));
    }
    Ok(Report {
        events,
        chain_v1_links: v1,
        heads_checked: heads.len(),
        root_hash: to_hex(&frontier.root()),
    })
}

/// Lines checked together (about 1 MB of export).
const BATCH: usize = 1024;

/// An export line as text: the event's payload and metadata are left as JSON text, so the line is
/// parsed once and its leaf input written from the text ([`LeafText`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineText<'a> {
    index: u64,
    chain_version: u32,
    #[serde(borrow)]
    chain_hash: Cow<'a, str>,
    #[serde(borrow)]
    event: EventText<'a>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventText<'a> {
    position: i64,
    #[serde(borrow)]
    recorded_at: Cow<'a, str>,
    #[serde(borrow)]
    aggregate_type: Cow<'a, str>,
    #[serde(borrow)]
    aggregate_id: Cow<'a, str>,
    sequence: i64,
    #[serde(borrow)]
    event_type: Cow<'a, str>,
    #[serde(borrow)]
    event_version: Cow<'a, str>,
    #[serde(borrow)]
    payload: &'a RawValue,
    #[serde(borrow)]
    metadata: &'a RawValue,
}

/// What the parallel part found about one line; the order-dependent checks are left to
/// [`verify_export`]'s single pass.
enum Outcome {
    Blank,
    NotALine(String),
    Line(Checked),
}

struct Checked {
    index: u64,
    position: i64,
    chain_version: u32,
    stored: Option<Hash>,
    /// The leaf hash, or why the event has none.
    leaf: Result<Hash, String>,
    chain: Chain,
}

/// A version-2 link against the stored hash of the line before it.
enum Chain {
    Good,
    Bad,
    /// The first line of a thread's share: the line before it was another thread's, so the link
    /// is hashed in the single pass (the leaf input is kept for it).
    Deferred(Vec<u8>),
}

/// Parses, canonicalises and hashes `batch` on up to `threads` threads, in contiguous shares.
fn check_batch(batch: &[String], threads: usize) -> Vec<Outcome> {
    let share = batch.len().div_ceil(threads.max(1)).max(64);
    if batch.len() <= share {
        return check_share(batch);
    }
    std::thread::scope(|scope| {
        let mut shares = batch.chunks(share);
        let mine = shares.next().unwrap_or_default();
        let others: Vec<_> = shares
            .map(|lines| scope.spawn(move || check_share(lines)))
            .collect();
        let mut outcomes = check_share(mine);
        for other in others {
            // A thread that panicked (it cannot: every error is an outcome) is checked again here.
            outcomes.extend(other.join().unwrap_or_else(|_| Vec::new()));
        }
        outcomes
    })
}

fn check_share(lines: &[String]) -> Vec<Outcome> {
    let mut jcs = Canonicalizer::default();
    let mut input = Vec::with_capacity(4096);
    let mut previous: Option<Hash> = None;
    lines
        .iter()
        .map(|text| {
            if text.trim().is_empty() {
                return Outcome::Blank;
            }
            let line: LineText = match serde_json::from_str(text) {
                Ok(line) => line,
                Err(e) => {
                    previous = None;
                    return Outcome::NotALine(e.to_string());
                }
            };
            let event = &line.event;
            let stored = from_hex(&line.chain_hash);
            input.clear();
            let written = LeafText {
                position: event.position,
                recorded_at: &event.recorded_at,
                aggregate_type: &event.aggregate_type,
                aggregate_id: &event.aggregate_id,
                sequence: event.sequence,
                event_type: &event.event_type,
                event_version: &event.event_version,
                payload: event.payload.get(),
                metadata: event.metadata.get(),
            }
            .write_input(&mut jcs, &mut input);
            let leaf = written
                .map(|()| merkle::leaf_hash(&input))
                .map_err(|e| e.to_string());
            let chain = match (line.chain_version, previous) {
                (CHAIN_V2, Some(before)) => match stored {
                    Some(stored) if leaf::chain_hash(&before, &input) == stored => Chain::Good,
                    _ => Chain::Bad,
                },
                (CHAIN_V2, None) => Chain::Deferred(input.clone()),
                _ => Chain::Good,
            };
            previous = stored;
            Outcome::Line(Checked {
                index: line.index,
                position: event.position,
                chain_version: line.chain_version,
                stored,
                leaf,
                chain,
            })
        })
        .collect()
}

#[derive(Deserialize)]
struct IndexOnly {
    index: u64,
}

/// An inclusion proof (RFC 9162 2.1.3) of one event in a signed tree head, as the service answers it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InclusionProof {
    /// The event's place in the tree, from 0.
    pub leaf_index: u64,
    /// The number of events in the tree the proof is for (the head's size).
    pub tree_size: u64,
    /// The leaf hash, SHA-256(0x00 || JCS(event)), hex.
    pub leaf_hash: String,
    /// The audit path, hex, from the leaf up.
    pub audit_path: Vec<String>,
    /// The signed head of `tree_size`.
    pub head: TreeHead,
    /// The event itself, when the proof is asked for by position: its leaf hash is recomputed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<LeafEvent>,
}

/// A consistency proof (RFC 9162 2.1.4) between two signed tree heads, as the service answers it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsistencyProof {
    /// The signed head of the smaller tree.
    pub first: TreeHead,
    /// The signed head of the larger tree, which must extend the first.
    pub second: TreeHead,
    /// The proof's hashes, hex.
    pub proof: Vec<String>,
}

fn hashes(texts: &[String]) -> Result<Vec<Hash>, String> {
    texts
        .iter()
        .map(|text| from_hex(text).ok_or_else(|| format!("{text} is not 32 bytes of hex")))
        .collect()
}

/// Checks an inclusion proof: the head's signature, the event's leaf hash, the path to the root.
pub fn verify_inclusion(proof: &InclusionProof, key: &VerifyingKey) -> Result<(), String> {
    let root = proof
        .head
        .verify(key)
        .map_err(|e| format!("the head for size {}: {e}", proof.head.tree_size))?;
    if proof.head.tree_size != proof.tree_size {
        return Err("the proof is for another size than its head".into());
    }
    let leaf = from_hex(&proof.leaf_hash).ok_or("leaf_hash is not 32 bytes of hex")?;
    if let Some(event) = &proof.event {
        if leaf::event_leaf_hash(event) != leaf {
            return Err(format!(
                "the event at position {} does not hash to the proof's leaf hash",
                event.position
            ));
        }
    }
    merkle::verify_inclusion(
        proof.leaf_index,
        proof.tree_size,
        &leaf,
        &hashes(&proof.audit_path)?,
        &root,
    )
    .map_err(|e| {
        format!(
            "leaf {} in a tree of {}: {e}",
            proof.leaf_index, proof.tree_size
        )
    })
}

/// Checks a consistency proof: both heads' signatures, then that the second tree extends the first.
pub fn verify_consistency(proof: &ConsistencyProof, key: &VerifyingKey) -> Result<(), String> {
    let first = proof
        .first
        .verify(key)
        .map_err(|e| format!("the head for size {}: {e}", proof.first.tree_size))?;
    let second = proof
        .second
        .verify(key)
        .map_err(|e| format!("the head for size {}: {e}", proof.second.tree_size))?;
    merkle::verify_consistency(
        proof.first.tree_size,
        proof.second.tree_size,
        &first,
        &second,
        &hashes(&proof.proof)?,
    )
    .map_err(|e| {
        format!(
            "from size {} to {}: {e}",
            proof.first.tree_size, proof.second.tree_size
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::head::{sign, SigningKey};
    use serde_json::json;

    /// An export of `n` events (hashed through `serde_jcs`, the reference) and a head every 100.
    fn export(n: u64) -> (Vec<String>, Vec<TreeHead>, VerifyingKey) {
        let key = SigningKey::from_bytes(&[3; 32]);
        let mut frontier = Frontier::default();
        let mut previous = GENESIS;
        let mut lines = Vec::new();
        let mut heads = Vec::new();
        for i in 0..n {
            let event = LeafEvent {
                position: i as i64 + 1,
                recorded_at: "2026-04-01T00:00:00Z".into(),
                aggregate_type: "group".into(),
                aggregate_id: format!("g-{}", i / 7),
                sequence: (i % 7) as i64 + 1,
                event_type: "Noted".into(),
                event_version: "1.0".into(),
                payload: json!({"Noted": {"note": format!("メモ\n{i}"), "yen": i * 1000, "ok": true}}),
                metadata: json!({"z": null, "actor": "a"}),
            };
            let input = leaf::leaf_input(&event);
            previous = leaf::chain_hash(&previous, &input);
            frontier.push(merkle::leaf_hash(&input));
            let line = ExportLine {
                index: i,
                chain_version: CHAIN_V2,
                chain_hash: to_hex(&previous),
                event,
            };
            lines.push(serde_json::to_string(&line).unwrap());
            if (i + 1) % 100 == 0 {
                heads.push(sign(&key, i + 1, &frontier.root(), i));
            }
        }
        (lines, heads, key.verifying_key())
    }

    fn check(lines: &[String], heads: &[TreeHead], key: &VerifyingKey) -> Result<Report, Failure> {
        let lines = || lines.iter().cloned().map(Ok::<_, String>);
        let one = verify_export_on(lines(), heads, key, 1);
        // Three threads: shares of 342 lines, so the links at 342, 684 and each batch's first line are
        // hashed in the single pass; the outcome must not depend on it.
        assert_eq!(verify_export_on(lines(), heads, key, 3), one);
        one
    }

    #[test]
    fn batches_and_threads_find_the_same_first_failure() {
        let (lines, heads, key) = export(1100);
        assert_eq!(check(&lines, &heads, &key).unwrap().events, 1100);
        // A changed byte at the first line of a thread's share, of a batch, and inside one.
        for at in [342, 1024, 1060] {
            let mut changed = lines.clone();
            changed[at] = changed[at].replace("メモ", "メエ");
            let failure = check(&changed, &heads, &key).unwrap_err();
            assert_eq!(failure.index, Some(at as u64), "{at}: {failure}");
            assert!(failure.message.contains("chain link"), "{failure}");
        }
        // Two lines swapped across a batch's edge, and a line deleted there.
        let mut swapped = lines.clone();
        swapped.swap(1023, 1024);
        let failure = check(&swapped, &heads, &key).unwrap_err();
        assert_eq!(failure.index, Some(1023));
        assert!(failure.message.contains("reordered"), "{failure}");
        let mut deleted = lines.clone();
        deleted.remove(1024);
        let failure = check(&deleted, &heads, &key).unwrap_err();
        assert_eq!(failure.index, Some(1024));
        assert!(failure.message.contains("deleted"), "{failure}");
        // A line that is not an export line, and a truncated tail.
        let mut broken = lines.clone();
        broken[700] = "{\"index\": 700}".into();
        assert_eq!(check(&broken, &heads, &key).unwrap_err().index, Some(700));
        let failure = check(&lines[..1050], &heads, &key).unwrap_err();
        assert!(failure.message.contains("truncated"), "{failure}");
    }
}
