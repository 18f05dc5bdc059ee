//! The head signer: follows the Merkle tree that the `audit_chain` projection builds from the log
//! and signs a head of it (size, root, time) every N events or T seconds, into `tree_heads`.
//!
//! Its checkpoint is the last head it signed (the largest `tree_size` in `tree_heads`): after a
//! restart it goes on from there. Heads are never rebuilt: they are what a rebuilt or rewritten log
//! is checked against (`grants audit verify`, `grants-verify`). Two instances may race to sign the
//! same size; the table keeps the first (one head per size) and the other's is dropped.

use std::time::Duration;

use grants_projections::merkle_store;
use grants_verifier::head::{self, SigningKey, TreeHead, VerifyingKey};

use crate::config::TreeHeadConfig;
use crate::state::AppState;

/// The development key's seed: `--demo` and the tests sign with it. Public, so never for a real log.
pub const DEV_KEY_SEED: &str = "6772616e74732d6465762d6b65792d6e6f742d666f722d70726f64756374696f";

/// How often the signer looks at the tree.
const POLL: Duration = Duration::from_millis(200);

/// The key and the rhythm of the heads.
#[derive(Clone)]
pub struct Signer {
    key: SigningKey,
    every_events: u64,
    every: Duration,
    /// Keys that signed heads before this one (configuration), trusted when heads are checked.
    older: Vec<VerifyingKey>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("public_key", &self.public_key_hex())
            .field("every_events", &self.every_events)
            .field("every", &self.every)
            .finish()
    }
}

impl Signer {
    /// From the configuration; `demo` signs with the development key when no key is given.
    pub fn from_config(config: &TreeHeadConfig, demo: bool) -> anyhow::Result<Signer> {
        let key = match (&config.key, demo) {
            (Some(text), _) => head::parse_signing_key(text).ok_or_else(|| {
                anyhow::anyhow!("GRANTS_TREE_HEAD_KEY must be 64 hex digits (an Ed25519 seed)")
            })?,
            (None, true) => dev_key(),
            (None, false) => {
                let key = random_key();
                tracing::warn!(
                    public_key = hex::encode(key.verifying_key().to_bytes()),
                    "no GRANTS_TREE_HEAD_KEY: tree heads are signed with a key made for this run"
                );
                key
            }
        };
        Ok(Signer {
            key,
            every_events: config.every_events,
            every: Duration::from_secs(config.every_seconds),
            older: older_keys(config)?,
        })
    }

    /// The keys a stored head's signature may verify with: this signer's and the older ones.
    pub fn trusted(&self) -> Vec<VerifyingKey> {
        let mut keys = vec![self.public_key()];
        keys.extend(self.older.iter().copied());
        keys
    }

    /// A signer with the development key and the given rhythm (tests).
    pub fn dev(every_events: u64, every: Duration) -> Signer {
        Signer {
            key: dev_key(),
            every_events,
            every,
            older: Vec::new(),
        }
    }

    /// The public key heads are signed for, which the verifier checks them with.
    pub fn public_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The public key as 64 lowercase hex digits, as published.
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.public_key().to_bytes())
    }

    /// Signs a head of the tree as it is if one is due; returns it.
    pub async fn step(&self, state: &AppState) -> anyhow::Result<Option<TreeHead>> {
        let pool = state.db.clone();
        let size = merkle_store::tree_size(&pool).await?;
        let last = merkle_store::latest_head(&pool).await?;
        let now = now_ms();
        let due = match &last {
            None => size > 0,
            Some(last) => {
                size > last.tree_size
                    && (size - last.tree_size >= self.every_events
                        || now.saturating_sub(last.timestamp) >= self.every.as_millis() as u64)
            }
        };
        if !due {
            return Ok(None);
        }
        let Some(root) = merkle_store::root(&pool, size).await? else {
            return Ok(None);
        };
        let head = head::sign(&self.key, size, &root, now);
        // On SQLite, take turns with the appends and the read models rather than wait in the busy
        // handler.
        let _turn = state.projections.gate().enter().await;
        Ok(merkle_store::insert_head(&pool, &head)
            .await?
            .then_some(head))
    }
}

impl Default for Signer {
    /// For commands that do not sign: a key made for this run.
    fn default() -> Self {
        Signer {
            key: random_key(),
            every_events: TreeHeadConfig::default().every_events,
            every: Duration::from_secs(TreeHeadConfig::default().every_seconds),
            older: Vec::new(),
        }
    }
}

/// The configured older public keys.
fn older_keys(config: &TreeHeadConfig) -> anyhow::Result<Vec<VerifyingKey>> {
    config
        .trusted_keys
        .iter()
        .filter(|text| !text.trim().is_empty())
        .map(|text| {
            head::parse_key(text).ok_or_else(|| {
                anyhow::anyhow!(
                    "GRANTS_TREE_HEAD_TRUSTED_KEYS: {text} is not 64 hex digits of an Ed25519 public key"
                )
            })
        })
        .collect()
}

/// The keys `grants audit verify` checks heads' signatures with: the configured signing key's
/// public half and the configured older keys (no key is made up: without any, signatures are not
/// checked).
pub fn configured_keys(config: &TreeHeadConfig) -> anyhow::Result<Vec<VerifyingKey>> {
    let mut keys = Vec::new();
    if let Some(text) = &config.key {
        let key = head::parse_signing_key(text).ok_or_else(|| {
            anyhow::anyhow!("GRANTS_TREE_HEAD_KEY must be 64 hex digits (an Ed25519 seed)")
        })?;
        keys.push(key.verifying_key());
    }
    keys.extend(older_keys(config)?);
    Ok(keys)
}

fn dev_key() -> SigningKey {
    head::parse_signing_key(DEV_KEY_SEED).expect("the development key is 64 hex digits")
}

fn random_key() -> SigningKey {
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
    SigningKey::from_bytes(&seed)
}

fn now_ms() -> u64 {
    u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or_default()
}

/// Signs heads while the service serves.
pub async fn run(state: AppState, stopped: impl std::future::Future<Output = ()>) {
    tokio::pin!(stopped);
    loop {
        if let Err(error) = state.tree_heads.step(&state).await {
            tracing::warn!(%error, "signing a tree head failed; trying again");
        }
        tokio::select! {
            () = &mut stopped => return,
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

/// A head as the API shows it: with `issued_at` in JST for people.
pub fn shown(mut head: TreeHead) -> TreeHead {
    let instant =
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(head.timestamp) * 1_000_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    head.issued_at = Some(crate::service::jst(instant));
    head
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_comes_from_the_configuration() {
        let config = |key: Option<&str>| TreeHeadConfig {
            key: key.map(str::to_owned),
            ..TreeHeadConfig::default()
        };
        let given = "11".repeat(32);
        let signer = Signer::from_config(&config(Some(&given)), true).unwrap();
        assert_eq!(
            signer.public_key(),
            SigningKey::from_bytes(&[0x11; 32]).verifying_key()
        );
        assert_eq!(
            Signer::from_config(&config(None), true)
                .unwrap()
                .public_key(),
            dev_key().verifying_key()
        );
        let made = Signer::from_config(&config(None), false).unwrap();
        assert_ne!(made.public_key(), dev_key().verifying_key());
        assert!(Signer::from_config(&config(Some("not hex")), false).is_err());
        assert!(Signer::from_config(&config(Some("abcd")), false).is_err());
    }
}
