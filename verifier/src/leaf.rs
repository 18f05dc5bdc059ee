//! An event as the Merkle tree and the hash chain see it, and its canonical bytes: RFC 8785 (JCS)
//! canonical JSON of the [`LeafEvent`] object, so anyone can recompute them with a JCS library.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::jcs::{self, Canonicalizer};
use crate::merkle::{self, Hash};

/// The hash chain's versions. Links of version 1 hash the service's own canonical form of the
/// event (`projections/src/canonical.rs`, checked by `grants audit verify` only); links of version
/// 2 hash [`leaf_input`], which this crate recomputes.
pub const CHAIN_V1: u32 = 1;
/// Links of version 2 hash the leaf input (RFC 8785 JCS); every link of a log started since has
/// this version.
pub const CHAIN_V2: u32 = 2;

/// The hash before the first link: 32 zero bytes.
pub const GENESIS: Hash = [0; 32];

/// One event of the log: what a leaf of the tree is made of (its leaf input is the RFC 8785 (JCS)
/// form of this object). Payload and metadata are the event's JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LeafEvent {
    /// The event's position in the service's event store (not its leaf index).
    pub position: i64,
    /// RFC 3339 at UTC, as the service formats it.
    pub recorded_at: String,
    /// The kind of aggregate the event belongs to (e.g. `group`, `grant`).
    pub aggregate_type: String,
    /// The aggregate's id, as text.
    pub aggregate_id: String,
    /// The event's sequence number within its aggregate, from 1.
    pub sequence: i64,
    /// The event's name (e.g. `GroupRegistered`).
    pub event_type: String,
    /// The version of the event's payload schema (e.g. `1.0`).
    pub event_version: String,
    /// The event's data, as the service stored it.
    pub payload: serde_json::Value,
    /// The event's metadata (the actor, their role and the request), as the service stored it.
    pub metadata: serde_json::Value,
}

/// An event with its payload and metadata still as JSON text: what the export's lines and the
/// database hold. [`LeafText::write_input`] writes its leaf input without parsing the JSON into
/// values (the fast path; the same bytes as [`leaf_input`] of the parsed event).
#[derive(Clone, Copy, Debug)]
pub struct LeafText<'a> {
    /// The event's position in the service's event store (not its leaf index).
    pub position: i64,
    /// RFC 3339 at UTC, as the service formats it (taken as given, never reformatted).
    pub recorded_at: &'a str,
    /// The kind of aggregate the event belongs to.
    pub aggregate_type: &'a str,
    /// The aggregate's id, as text.
    pub aggregate_id: &'a str,
    /// The event's sequence number within its aggregate, from 1.
    pub sequence: i64,
    /// The event's name.
    pub event_type: &'a str,
    /// The version of the event's payload schema.
    pub event_version: &'a str,
    /// The payload's JSON text, not yet parsed.
    pub payload: &'a str,
    /// The metadata's JSON text, not yet parsed.
    pub metadata: &'a str,
}

impl LeafText<'_> {
    /// Appends the leaf input (the JCS bytes of the event object) to `out`; an error if the payload
    /// or metadata is not JSON.
    pub fn write_input(
        &self,
        jcs: &mut Canonicalizer,
        out: &mut Vec<u8>,
    ) -> Result<(), LeafTextError> {
        // The members in JCS order (the keys are ASCII, so byte order).
        let string = |name: &str, value: &str, out: &mut Vec<u8>| {
            out.extend_from_slice(name.as_bytes());
            jcs::write_string(value, out);
        };
        string("{\"aggregate_id\":", self.aggregate_id, out);
        string(",\"aggregate_type\":", self.aggregate_type, out);
        string(",\"event_type\":", self.event_type, out);
        string(",\"event_version\":", self.event_version, out);
        out.extend_from_slice(b",\"metadata\":");
        jcs.write(self.metadata, out)
            .map_err(|e| LeafTextError::Metadata(e.to_string()))?;
        out.extend_from_slice(b",\"payload\":");
        jcs.write(self.payload, out)
            .map_err(|e| LeafTextError::Payload(e.to_string()))?;
        out.extend_from_slice(b",\"position\":");
        jcs::write_i64(self.position, out);
        string(",\"recorded_at\":", self.recorded_at, out);
        out.extend_from_slice(b",\"sequence\":");
        jcs::write_i64(self.sequence, out);
        out.push(b'}');
        Ok(())
    }
}

/// The payload or the metadata of a [`LeafText`] is not JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeafTextError {
    /// The payload is not JSON (the parser's message).
    Payload(String),
    /// The metadata is not JSON (the parser's message).
    Metadata(String),
}

impl std::fmt::Display for LeafTextError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LeafTextError::Payload(e) => write!(f, "the payload is not JSON: {e}"),
            LeafTextError::Metadata(e) => write!(f, "the metadata is not JSON: {e}"),
        }
    }
}

impl std::error::Error for LeafTextError {}

/// The leaf input: the JCS bytes of the event object (through `serde_jcs`, the reference).
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
    fn the_text_path_writes_the_same_leaf_input() {
        let payload = r#"{"GroupRegistered": {"name": "会\u0022", "z": 1.5, "a": [1, {"y": null, "b": "\n"}]}}"#;
        let metadata = r#"{"request_id": "r", "actor": "a"}"#;
        let text = LeafText {
            position: 9_007_199_254_740_993,
            recorded_at: "2026-04-01T00:00:00Z",
            aggregate_type: "group",
            aggregate_id: "g\"1",
            sequence: -3,
            event_type: "GroupRegistered",
            event_version: "1.0",
            payload,
            metadata,
        };
        let event = LeafEvent {
            position: text.position,
            recorded_at: text.recorded_at.into(),
            aggregate_type: text.aggregate_type.into(),
            aggregate_id: text.aggregate_id.into(),
            sequence: text.sequence,
            event_type: text.event_type.into(),
            event_version: text.event_version.into(),
            payload: serde_json::from_str(payload).unwrap(),
            metadata: serde_json::from_str(metadata).unwrap(),
        };
        let mut out = Vec::new();
        text.write_input(&mut Canonicalizer::default(), &mut out)
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            String::from_utf8(leaf_input(&event)).unwrap()
        );
    }

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
