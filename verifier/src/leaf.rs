//! An event as the Merkle tree and the hash chain see it, and its canonical bytes: RFC 8785 (JCS)
//! canonical JSON of the [`LeafEvent`] object, so anyone can recompute them with a JCS library.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::merkle::{self, Hash};

/// The hash chain's versions. Links of version 1 hash the service's own canonical form of the
/// event (`projections/src/canonical.rs`, checked by `grants audit verify` only); links of version
/// 2 hash [`leaf_input`], which this crate recomputes.
pub const CHAIN_V1: u32 = 1;
pub const CHAIN_V2: u32 = 2;

/// The hash before the first link: 32 zero bytes.
pub const GENESIS: Hash = [0; 32];

/// One event of the log: what a leaf of the tree is made of. `recorded_at` is RFC 3339 at UTC, as
/// the service formats it; payload and metadata are the event's JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeafEvent {
    pub position: i64,
    pub recorded_at: String,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub event_type: String,
    pub event_version: String,
    pub payload: serde_json::Value,
    pub metadata: serde_json::Value,
}

/// The leaf input: the JCS bytes of the event object.
pub fn leaf_input(event: &LeafEvent) -> Vec<u8> {
    // Serialising strings, integers and JSON values cannot fail.
    serde_jcs::to_vec(event).unwrap_or_default()
}

/// The event's leaf hash in the tree: `SHA-256(0x00 || leaf_input)`.
pub fn event_leaf_hash(event: &LeafEvent) -> Hash {
    merkle::leaf_hash(&leaf_input(event))
}

/// A version-2 link: `SHA-256(previous || leaf_input)`.
pub fn chain_hash(previous: &Hash, input: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update(input);
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_leaf_input_is_jcs() {
        let event = LeafEvent {
            position: 7,
            recorded_at: "2026-04-01T00:00:00.5Z".into(),
            aggregate_type: "group".into(),
            aggregate_id: "g-1".into(),
            sequence: 1,
            event_type: "GroupRegistered".into(),
            event_version: "1.0".into(),
            payload: json!({"z": 1.0, "a": "\u{20ac}\n", "m": [true, null, 1e21]}),
            metadata: json!({}),
        };
        // Keys sorted, no spaces, numbers as ECMAScript prints them, strings minimally escaped.
        assert_eq!(
            String::from_utf8(leaf_input(&event)).unwrap(),
            "{\"aggregate_id\":\"g-1\",\"aggregate_type\":\"group\",\"event_type\":\"GroupRegistered\",\
             \"event_version\":\"1.0\",\"metadata\":{},\"payload\":{\"a\":\"\u{20ac}\\n\",\"m\":[true,null,1e+21],\"z\":1},\
             \"position\":7,\"recorded_at\":\"2026-04-01T00:00:00.5Z\",\"sequence\":1}"
        );
    }
}
