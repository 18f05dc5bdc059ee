//! Checks the grants service's audit log without its database or its code: the RFC 9162 Merkle
//! tree over the log ([`merkle`]), the events' canonical form and hash chain ([`leaf`]), signed tree
//! heads ([`head`]) and a full export of the log ([`export`]). `docs/verification.md` writes the
//! same algorithm down for anyone who wants to write their own verifier.
//!
//! The service uses this crate's [`merkle`] and [`leaf`] to build what it publishes, so the
//! verifier and the service cannot drift apart; the crate depends only on hashing, Ed25519 and JSON.

pub mod export;
pub mod head;
pub mod leaf;
pub mod merkle;

pub use merkle::Hash;

/// A hash as lowercase hex.
pub fn to_hex(hash: &Hash) -> String {
    hex::encode(hash)
}

/// A hash from 64 hex digits.
pub fn from_hex(text: &str) -> Option<Hash> {
    let mut hash = [0u8; 32];
    hex::decode_to_slice(text, &mut hash).ok()?;
    Some(hash)
}
