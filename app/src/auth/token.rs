//! Session tokens: 256 random bits, shown to the client once, stored only as their SHA-256.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// How long a session lasts without being renewed.
pub const SESSION_LIFETIME: time::Duration = time::Duration::hours(12);

/// A fresh random token, as 64 hex digits.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the database keeps of a token.
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_long_random_and_hashed() {
        let (first, second) = (super::generate(), super::generate());
        assert_eq!(first.len(), 64);
        assert_ne!(first, second);
        assert_ne!(super::digest(&first), first);
        assert_eq!(super::digest(&first), super::digest(&first));
    }
}
