//! The export of the log (JSON Lines, one [`ExportLine`] per event in log order) and its full
//! check against the signed tree heads: every mutation class is named with the first bad index.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::head::{TreeHead, VerifyingKey};
use crate::leaf::{self, LeafEvent, CHAIN_V1, CHAIN_V2, GENESIS};
use crate::merkle::{self, Frontier, Hash};
use crate::{from_hex, to_hex};

/// One line of the export: the event at leaf `index` (0 for the first event of the log), its
/// chain link's version and hash.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportLine {
    pub index: u64,
    pub chain_version: u32,
    pub chain_hash: String,
    pub event: LeafEvent,
}

/// What a good export holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    pub events: u64,
    /// Links hashed with the old canonical form (before the switch to JCS): their chain hashes are
    /// taken as given, their events are covered by the tree.
    pub chain_v1_links: u64,
    pub heads_checked: usize,
    /// The root over every event of the export, hex.
    pub root_hash: String,
}

/// The first thing wrong, with the leaf index (and the event's position where one is at hand).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub index: Option<u64>,
    pub position: Option<i64>,
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
pub fn verify_export<E: std::fmt::Display>(
    lines: impl IntoIterator<Item = Result<String, E>>,
    heads: &[TreeHead],
    key: &VerifyingKey,
) -> Result<Report, Failure> {
    let roots = check_heads(heads, key)?;
    let mut lines = lines.into_iter();
    let mut frontier = Frontier::default();
    let mut previous = GENESIS;
    let mut last_version = CHAIN_V1;
    let mut v1 = 0;
    let mut last_good_head = 0u64;
    let mut last_position = None;
    while let Some(text) = lines.next() {
        let expected = frontier.size();
        let text = text.map_err(|e| fail(Some(expected), None, format!("cannot read: {e}")))?;
        if text.trim().is_empty() {
            continue;
        }
        let line: ExportLine = serde_json::from_str(&text).map_err(|e| {
            fail(
                Some(expected),
                None,
                format!("the line is not an export line: {e}"),
            )
        })?;
        let position = Some(line.event.position);
        if line.index != expected {
            let after = last_position
                .map(|p| format!(" after position {p}"))
                .unwrap_or_default();
            let message = if line.index < expected {
                format!(
                    "the export has index {} again where {expected} belongs: an event was inserted{after}, or events reordered",
                    line.index
                )
            } else if lines.any(|rest| {
                rest.ok()
                    .and_then(|text| serde_json::from_str::<IndexOnly>(&text).ok())
                    .is_some_and(|later| later.index == expected)
            }) {
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
        let input = leaf::leaf_input(&line.event);
        let stored = from_hex(&line.chain_hash).ok_or_else(|| {
            fail(
                Some(expected),
                position,
                "its chain_hash is not 32 bytes of hex".into(),
            )
        })?;
        match line.chain_version {
            CHAIN_V1 if last_version == CHAIN_V1 => {
                // The old canonical form: checked by `grants audit verify`; the tree covers the event.
                v1 += 1;
            }
            CHAIN_V2 => {
                if leaf::chain_hash(&previous, &input) != stored {
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
        frontier.push(merkle::leaf_hash(&input));
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

#[derive(Deserialize)]
struct IndexOnly {
    index: u64,
}

/// An inclusion proof as the service answers it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InclusionProof {
    pub leaf_index: u64,
    pub tree_size: u64,
    /// The leaf hash, hex.
    pub leaf_hash: String,
    /// The audit path, hex, from the leaf up.
    pub audit_path: Vec<String>,
    /// The signed head of `tree_size`.
    pub head: TreeHead,
    /// The event itself, when the proof is asked for by position: its leaf hash is recomputed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<LeafEvent>,
}

/// A consistency proof between two signed heads as the service answers it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    pub first: TreeHead,
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
