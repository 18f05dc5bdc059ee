//! Checks the grants service's audit log without its database or its code: the RFC 9162 Merkle
//! tree over the log ([`merkle`]), the events' canonical form and hash chain ([`leaf`]), signed tree
//! heads ([`head`]) and a full export of the log ([`export`]). `docs/verification.md` writes the
//! same algorithm down for anyone who wants to write their own verifier.
//!
//! The service uses this crate's [`merkle`] and [`leaf`] to build what it publishes, so the
//! verifier and the service cannot drift apart; the crate depends only on hashing, Ed25519 and JSON.

pub mod export;
pub mod head;
pub mod jcs;
pub mod leaf;
pub mod merkle;

pub use merkle::Hash;

/// A hash as lowercase hex.
pub fn to_hex(hash: &Hash) -> String {
    hex::encode(hash)
}

/// A hash from 64 hex digits.
pub fn from_hex(text: &str) -> Option<Hash> {
    /// Each byte's hex digit value, or 0xff (a table: this runs for every line of an export).
    const DIGITS: [u8; 256] = {
        let mut table = [0xff; 256];
        let mut i = 0;
        while i < 10 {
            table[b'0' as usize + i] = i as u8;
            i += 1;
        }
        let mut i = 0;
        while i < 6 {
            table[b'a' as usize + i] = 10 + i as u8;
            table[b'A' as usize + i] = 10 + i as u8;
            i += 1;
        }
        table
    };
    let text = text.as_bytes();
    if text.len() != 64 {
        return None;
    }
    let mut hash = [0u8; 32];
    let mut bad = 0u8;
    for (byte, pair) in hash.iter_mut().zip(text.chunks_exact(2)) {
        let (high, low) = (DIGITS[usize::from(pair[0])], DIGITS[usize::from(pair[1])]);
        bad |= high | low;
        *byte = high << 4 | low;
    }
    (bad & 0xf0 == 0).then_some(hash)
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_both_ways() {
        let hash: crate::Hash = std::array::from_fn(|i| (i * 37) as u8);
        assert_eq!(crate::from_hex(&crate::to_hex(&hash)), Some(hash));
        assert_eq!(
            crate::from_hex(&crate::to_hex(&hash).to_uppercase()),
            Some(hash)
        );
        assert_eq!(crate::from_hex("ab"), None);
        assert_eq!(crate::from_hex(&"g".repeat(64)), None);
    }
}
