//! Signed tree heads: the size and root of the tree at one moment, signed with the service's
//! Ed25519 key. The signed bytes are the JCS form of `{"log", "root_hash", "timestamp",
//! "tree_size"}` ([`signed_message`]); a head carries nothing else that is signed, and no personal
//! data.

pub use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use ed25519_dalek::{Signer, Verifier};
use serde::{Deserialize, Serialize};

use crate::{from_hex, to_hex, Hash};

/// The log a head speaks of, inside the signed bytes.
pub const LOG_NAME: &str = "grants-audit-log";

/// A signed head of the Merkle tree over the log, as the service publishes it (docs/verification.md).
/// No personal data. `issued_at` is for people (JST) and is not signed; `timestamp` is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TreeHead {
    /// The number of events the tree holds.
    pub tree_size: u64,
    /// The RFC 9162 root hash, hex.
    pub root_hash: String,
    /// When it was signed, milliseconds since 1970-01-01 UTC (signed).
    pub timestamp: u64,
    /// Ed25519 over the JCS bytes of {"log":"grants-audit-log","root_hash","timestamp","tree_size"}
    /// (`signed_message`), hex.
    pub signature: String,
    /// The signing key's public half, hex (to pick the key; the verifier trusts only keys it is given).
    pub key_id: String,
    /// When it was signed, RFC 3339 in JST (for people; not signed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<String>,
}

#[derive(Serialize)]
struct Signed<'a> {
    log: &'a str,
    root_hash: &'a str,
    timestamp: u64,
    tree_size: u64,
}

/// The bytes a head's signature covers.
pub fn signed_message(tree_size: u64, root: &Hash, timestamp: u64) -> Vec<u8> {
    let root_hash = to_hex(root);
    serde_jcs::to_vec(&Signed {
        log: LOG_NAME,
        root_hash: &root_hash,
        timestamp,
        tree_size,
    })
    .unwrap_or_default()
}

/// Signs a head.
pub fn sign(key: &SigningKey, tree_size: u64, root: &Hash, timestamp: u64) -> TreeHead {
    let signature = key.sign(&signed_message(tree_size, root, timestamp));
    TreeHead {
        tree_size,
        root_hash: to_hex(root),
        timestamp,
        signature: hex::encode(signature.to_bytes()),
        key_id: hex::encode(key.verifying_key().to_bytes()),
        issued_at: None,
    }
}

/// A public key from 64 hex digits.
pub fn parse_key(text: &str) -> Option<VerifyingKey> {
    VerifyingKey::from_bytes(&from_hex(text.trim())?).ok()
}

/// A signing key from its 32-byte seed in 64 hex digits.
pub fn parse_signing_key(text: &str) -> Option<SigningKey> {
    Some(SigningKey::from_bytes(&from_hex(text.trim())?))
}

/// Why a head is not good.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeadError {
    /// A field of the head cannot be read (named: e.g. `root_hash`, `signature`).
    Malformed(&'static str),
    /// The signature does not verify with the given public key.
    BadSignature,
}

impl std::fmt::Display for HeadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeadError::Malformed(what) => write!(f, "its {what} is not well formed"),
            HeadError::BadSignature => f.write_str("its signature does not verify with the key"),
        }
    }
}

impl TreeHead {
    /// The root, if well formed.
    pub fn root(&self) -> Result<Hash, HeadError> {
        from_hex(&self.root_hash).ok_or(HeadError::Malformed("root_hash"))
    }

    /// Checks the signature with `key`; returns the root.
    pub fn verify(&self, key: &VerifyingKey) -> Result<Hash, HeadError> {
        let root = self.root()?;
        let mut bytes = [0u8; 64];
        hex::decode_to_slice(&self.signature, &mut bytes)
            .map_err(|_| HeadError::Malformed("signature"))?;
        key.verify(
            &signed_message(self.tree_size, &root, self.timestamp),
            &Signature::from_bytes(&bytes),
        )
        .map_err(|_| HeadError::BadSignature)?;
        Ok(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_head_verifies_and_a_changed_one_does_not() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let root = crate::merkle::leaf_hash(b"x");
        let head = sign(&key, 3, &root, 1_700_000_000_000);
        assert_eq!(head.verify(&key.verifying_key()), Ok(root));
        assert_eq!(
            String::from_utf8(signed_message(3, &root, 1_700_000_000_000)).unwrap(),
            format!(
                "{{\"log\":\"grants-audit-log\",\"root_hash\":\"{}\",\"timestamp\":1700000000000,\"tree_size\":3}}",
                to_hex(&root)
            )
        );
        let mut bigger = head.clone();
        bigger.tree_size = 4;
        assert_eq!(
            bigger.verify(&key.verifying_key()),
            Err(HeadError::BadSignature)
        );
        let other = SigningKey::from_bytes(&[8; 32]);
        assert_eq!(
            head.verify(&other.verifying_key()),
            Err(HeadError::BadSignature)
        );
    }
}
