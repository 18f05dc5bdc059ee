//! Passwords: argon2id at OWASP's parameters (19 MiB, 2 iterations, 1 lane: the `argon2` crate's
//! defaults), at least 12 characters, and not one of the 99,838 passwords most common in breaches
//! (NIST SP 800-63B 5.1.1.2): the list the `passwords` crate ships (`common-password` feature), compared
//! as typed and in lower case.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use passwords::analyzer::is_common_password;

/// The fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The most characters a password may have.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Why a new password is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Shorter than `MIN_PASSWORD_CHARS` or longer than `MAX_PASSWORD_CHARS` characters.
    #[error("the password must have at least 12 and at most 256 characters")]
    Length,
    /// One of the most common passwords.
    #[error("the password is one of the most common passwords; choose another")]
    Common,
}

/// Checks the password policy.
pub fn check_policy(password: &str) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(PasswordError::Length);
    }
    if is_common_password(password) || is_common_password(password.to_lowercase()) {
        return Err(PasswordError::Common);
    }
    Ok(())
}

/// An argon2id PHC string for the password.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| anyhow::anyhow!("hashing a password failed: {error}"))
}

/// Whether the password matches the stored hash. With `None` (unknown e-mail) it verifies against a
/// fixed hash anyway, so that a wrong address and a wrong password take the same time.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("a dummy password for timing").unwrap_or_default());
    let candidate = stored.unwrap_or(dummy);
    let matches = PasswordHash::new(candidate)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    matches && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforces_length_and_refuses_common_passwords() {
        assert_eq!(check_policy("short"), Err(PasswordError::Length));
        assert_eq!(check_policy("Password1234"), Err(PasswordError::Common));
        assert_eq!(check_policy("correct horse battery staple"), Ok(()));
        // Characters, not bytes: twelve kana pass.
        assert_eq!(check_policy("あいうえおかきくけこさし"), Ok(()));
    }

    #[test]
    fn hashes_verify_and_unknown_users_never_match() {
        let stored = hash("correct horse battery staple").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery staple", Some(&stored)));
        assert!(!verify("wrong horse battery staple", Some(&stored)));
        assert!(!verify("a dummy password for timing", None));
    }
}
