//! CSRF tokens for the HTML forms: an HMAC-SHA256, under a server key kept in the database, of the
//! secret the browser holds in an HttpOnly cookie: the session token once signed in, the visitor
//! cookie before. A cross-site page can neither read those cookies nor our pages, so it cannot
//! produce the token a form carries.
//!
//! Not for: deciding who may do what (the API does that on every call).

use std::sync::Arc;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use tokio::sync::OnceCell;

use crate::db::Database;
use crate::with_pool;

type HmacSha256 = Hmac<Sha256>;

/// What a token is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binding {
    /// The session token (the `grants_session` cookie).
    Session,
    /// The visitor cookie, for forms shown before sign-in (sign-in, register, re-sign-in).
    Visitor,
}

impl Binding {
    fn label(self) -> &'static [u8] {
        match self {
            Binding::Session => b"session:",
            Binding::Visitor => b"visitor:",
        }
    }
}

/// The server key, read (or created) once per process.
#[derive(Clone)]
pub struct Csrf {
    db: Database,
    key: Arc<OnceCell<Vec<u8>>>,
}

impl Csrf {
    /// The key is read from (or created in) `db` on first use.
    pub fn new(db: Database) -> Self {
        Csrf {
            db,
            key: Arc::default(),
        }
    }

    async fn key(&self) -> Result<&[u8], sqlx::Error> {
        self.key
            .get_or_try_init(|| load_or_create(&self.db))
            .await
            .map(Vec::as_slice)
    }

    /// The token for a form shown to the holder of `secret`.
    pub async fn token(&self, binding: Binding, secret: &str) -> Result<String, sqlx::Error> {
        let mac = self.mac(binding, secret).await?;
        Ok(hex::encode(mac.finalize().into_bytes()))
    }

    /// Whether `presented` is the token for the holder of `secret` (compared in constant time).
    pub async fn verify(
        &self,
        binding: Binding,
        secret: &str,
        presented: &str,
    ) -> Result<bool, sqlx::Error> {
        let Some(bytes) = unhex(presented) else {
            return Ok(false);
        };
        let mac = self.mac(binding, secret).await?;
        Ok(mac.verify_slice(&bytes).is_ok())
    }

    async fn mac(&self, binding: Binding, secret: &str) -> Result<HmacSha256, sqlx::Error> {
        let key = self.key().await?;
        let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
        mac.update(binding.label());
        mac.update(secret.as_bytes());
        Ok(mac)
    }
}

async fn load_or_create(db: &Database) -> Result<Vec<u8>, sqlx::Error> {
    let mut fresh = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut fresh);
    with_pool!(db, pool => sqlx::query(
        "INSERT INTO web_keys (name, secret) VALUES ('csrf', $1) ON CONFLICT (name) DO NOTHING",
    )
    .bind(hex::encode(fresh))
    .execute(pool)
    .await
    .map(|_| ()))?;
    let stored: String = with_pool!(db, pool => sqlx::query_scalar(
        "SELECT secret FROM web_keys WHERE name = 'csrf'",
    )
    .fetch_one(pool)
    .await)?;
    unhex(&stored).ok_or_else(|| sqlx::Error::Protocol("the stored CSRF key is not hex".into()))
}

/// Random hex of `bytes` random bytes (visitor cookies, form ids).
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buffer);
    hex::encode(buffer)
}

/// The bytes of a stored key (at most 64 bytes), or `None` if it is not hex.
fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() > 128 {
        return None;
    }
    hex::decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_junk() {
        assert_eq!(
            unhex(&hex::encode([0, 1, 254, 255])),
            Some(vec![0, 1, 254, 255])
        );
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("abc"), None);
        assert_eq!(random_hex(16).len(), 32);
    }
}
