//! Crypto-shredding (issue 19): personal fields are sealed with a key of their data subject before
//! they enter an event, and opened again when the event store loads them, here and nowhere else, so
//! the domain, the pages and the read models never see ciphertext.
//!
//! - Which fields: [`PERSONAL_FIELDS`] (a group's `contact` in `GroupRegistered`; an account's
//!   `email` and `display_name` in `AccountRegistered`, its `email` in `EmailVerified`). Each field
//!   (its JSON) is sealed as one value and the payload keeps its shape around it:
//!   `"contact": {"sealed": {"alg": "XChaCha20-Poly1305", "nonce": "…", "ciphertext": "…"}}`
//!   (base64). The additional data binds the ciphertext to its subject and field, so a ciphertext
//!   moved to another group's event does not open.
//! - Keys: 32 random bytes per subject (`group:<id>`, `account:<id>`), made on the subject's first sealing, in
//!   `personal_data_keys` (migration 0028), never in the log. The event's hashes (chain, Merkle
//!   leaf, signed heads) cover the ciphertext, so destroying the key changes no hash.
//! - Erasure: [`Keys::destroy`] drops the key and leaves a tombstone (`erased_at`); from then on a
//!   sealed field opens as the domain's erased value (「削除済み」 in every text), and so does a
//!   field the log holds in plain text (events from before sealing, version 1.0) of an erased
//!   subject. The group's and the account's `PersonalDataErased` event says the same to the
//!   aggregate, so its reads are right even before the key is gone.
//!
//! XChaCha20-Poly1305 (RustCrypto's `chacha20poly1305`): a 24-byte random nonce per sealing is safe
//! at any number of events, and the crate is pure Rust (docs/decisions.md has its build cost).

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use cqrs_es::persist::SerializedEvent;
use grants_domain::group::{ContactDetails, ERASED};
use serde_json::{json, Value};

use crate::db::Database;

/// The AEAD, as named in a sealed field.
pub const ALGORITHM: &str = "XChaCha20-Poly1305";

/// A personal field of an event: the aggregate type, the event type and the field of its body.
#[derive(Clone, Copy, Debug)]
pub struct PersonalField {
    /// The aggregate type the event is logged under (`group`, `account`).
    pub aggregate_type: &'static str,
    /// The event's name (`GroupRegistered`, ...).
    pub event_type: &'static str,
    /// The field of the event's body that is sealed whole (`contact`, `email`, ...).
    pub field: &'static str,
    /// The subject's id prefix: the subject is `{prefix}:{aggregate id}`.
    pub subject: &'static str,
    /// What the field reads as once erased.
    pub erased: fn() -> Value,
}

fn erased_contact() -> Value {
    serde_json::to_value(ContactDetails::erased()).unwrap_or(Value::Null)
}

fn erased_text() -> Value {
    Value::String(ERASED.to_owned())
}

/// Every personal field the log holds.
pub const PERSONAL_FIELDS: &[PersonalField] = &[
    PersonalField {
        aggregate_type: "group",
        event_type: "GroupRegistered",
        field: "contact",
        subject: "group",
        erased: erased_contact,
    },
    PersonalField {
        aggregate_type: "account",
        event_type: "AccountRegistered",
        field: "email",
        subject: "account",
        erased: erased_text,
    },
    PersonalField {
        aggregate_type: "account",
        event_type: "AccountRegistered",
        field: "display_name",
        subject: "account",
        erased: erased_text,
    },
    PersonalField {
        aggregate_type: "account",
        event_type: "EmailVerified",
        field: "email",
        subject: "account",
        erased: erased_text,
    },
];

/// The data subject of a group's personal data.
pub fn group_subject(group_id: impl std::fmt::Display) -> String {
    format!("group:{group_id}")
}

/// The data subject of an account's personal data.
pub fn account_subject(user_id: impl std::fmt::Display) -> String {
    format!("account:{user_id}")
}

/// Whether the event is of a type with a personal field.
pub fn has_personal_field(event: &SerializedEvent) -> bool {
    personal_fields(&event.aggregate_type, &event.event_type)
        .next()
        .is_some()
}

/// The personal fields of events of `event_type` of `aggregate_type`.
fn personal_fields<'a>(
    aggregate_type: &'a str,
    event_type: &'a str,
) -> impl Iterator<Item = &'static PersonalField> + 'a {
    PERSONAL_FIELDS.iter().filter(move |field| {
        field.event_type == event_type && field.aggregate_type == aggregate_type
    })
}

/// The additional authenticated data of a sealed field.
fn aad(subject: &str, field: &str) -> Vec<u8> {
    format!("grants-personal-data:{subject}:{field}").into_bytes()
}

/// Seals `value` with `key` for `subject`'s `field`.
pub fn seal(key: &[u8; 32], subject: &str, field: &str, value: &Value) -> Result<Value, Error> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let mut nonce = [0u8; 24];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut nonce);
    let plaintext = serde_json::to_vec(value).map_err(|e| Error::Sealing(e.to_string()))?;
    let ciphertext = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &plaintext,
                aad: &aad(subject, field),
            },
        )
        .map_err(|_| Error::Sealing("the AEAD refused to seal".into()))?;
    Ok(json!({"sealed": {
        "alg": ALGORITHM,
        "nonce": BASE64.encode(nonce),
        "ciphertext": BASE64.encode(ciphertext),
    }}))
}

/// Opens a sealed field; `None` if it is not sealed with `key` for `subject`'s `field` (or is not
/// a sealed field at all).
pub fn open(key: &[u8; 32], subject: &str, field: &str, sealed: &Value) -> Option<Value> {
    let sealed = sealed.get("sealed")?;
    if sealed.get("alg")?.as_str()? != ALGORITHM {
        return None;
    }
    let nonce = BASE64.decode(sealed.get("nonce")?.as_str()?).ok()?;
    let ciphertext = BASE64.decode(sealed.get("ciphertext")?.as_str()?).ok()?;
    if nonce.len() != 24 {
        return None;
    }
    let plaintext = XChaCha20Poly1305::new(key.into())
        .decrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &ciphertext,
                aad: &aad(subject, field),
            },
        )
        .ok()?;
    serde_json::from_slice(&plaintext).ok()
}

/// Whether a field's value is a sealed one.
pub fn is_sealed(value: &Value) -> bool {
    value.get("sealed").is_some_and(Value::is_object)
}

/// Why personal data could not be sealed or its key reached.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The key table could not be read or written.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// The field could not be serialised or sealed.
    #[error("cannot seal personal data: {0}")]
    Sealing(String),
    /// The subject's key is gone (erased): nothing new is sealed for it.
    #[error("the personal data of {0} was erased: nothing new is sealed for it")]
    Erased(String),
}

/// A subject's key as found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyState {
    /// The subject's 32-byte key.
    Key([u8; 32]),
    /// Destroyed: the subject's personal data was erased.
    Erased,
    /// No key was ever made (nothing sealed for the subject).
    Missing,
}

/// The keys of the data subjects (`personal_data_keys`).
#[derive(Clone, Debug)]
pub struct Keys {
    database: Database,
}

fn now_text() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn key_of(bytes: Option<Vec<u8>>) -> KeyState {
    match bytes.map(<[u8; 32]>::try_from) {
        Some(Ok(key)) => KeyState::Key(key),
        _ => KeyState::Erased,
    }
}

impl Keys {
    /// The keys kept in `database`'s `personal_data_keys`.
    pub fn new(database: &Database) -> Self {
        Keys {
            database: database.clone(),
        }
    }

    /// The subject's key; `Missing` if none was made, `Erased` after [`Keys::destroy`].
    pub async fn get(&self, subject: &str) -> Result<KeyState, sqlx::Error> {
        let row: Option<(Option<Vec<u8>>,)> = crate::with_pool!(&self.database, pool => {
            sqlx::query_as("SELECT key FROM personal_data_keys WHERE subject = $1")
                .bind(subject)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map_or(KeyState::Missing, |(key,)| key_of(key)))
    }

    /// The subject's key, made now if it has none; an error after erasure.
    pub async fn for_sealing(&self, subject: &str) -> Result<[u8; 32], Error> {
        let mut key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
        crate::with_pool!(&self.database, pool => {
            sqlx::query(
                "INSERT INTO personal_data_keys (subject, key, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (subject) DO NOTHING",
            )
            .bind(subject)
            .bind(key.to_vec())
            .bind(now_text())
            .execute(pool)
            .await
            .map(|_| ())?
        });
        match self.get(subject).await? {
            KeyState::Key(key) => Ok(key),
            KeyState::Erased | KeyState::Missing => Err(Error::Erased(subject.to_owned())),
        }
    }

    /// Destroys the subject's key (and keeps a tombstone, also when it had none): its sealed fields
    /// can no longer be opened. Doing it again changes nothing.
    pub async fn destroy(&self, subject: &str) -> Result<(), sqlx::Error> {
        let now = now_text();
        crate::with_pool!(&self.database, pool => {
            sqlx::query(
                "INSERT INTO personal_data_keys (subject, key, created_at, erased_at) VALUES ($1, NULL, $2, $2)
                 ON CONFLICT (subject) DO UPDATE SET key = NULL,
                     erased_at = COALESCE(personal_data_keys.erased_at, excluded.erased_at)",
            )
            .bind(subject)
            .bind(&now)
            .execute(pool)
            .await
            .map(|_| ())?
        });
        Ok(())
    }

    /// Seals the personal fields of `events` (as the domain wrote them, in plain text) in place.
    /// Returns whether any was sealed.
    pub async fn seal_events(&self, events: &mut [SerializedEvent]) -> Result<bool, Error> {
        let mut sealed_any = false;
        for event in events.iter_mut() {
            for personal in personal_fields(&event.aggregate_type, &event.event_type) {
                let subject = format!("{}:{}", personal.subject, event.aggregate_id);
                let Some(value) = event
                    .payload
                    .get_mut(personal.event_type)
                    .and_then(|body| body.get_mut(personal.field))
                else {
                    continue;
                };
                if is_sealed(value) {
                    continue;
                }
                let key = self.for_sealing(&subject).await?;
                *value = seal(&key, &subject, personal.field, value)?;
                sealed_any = true;
            }
        }
        Ok(sealed_any)
    }

    /// Opens the personal fields of loaded `events` in place: a sealed field with its subject's key,
    /// or as erased when the key is gone (or the field does not open); a plain field (an event from
    /// before sealing) as it is, or as erased once the subject was erased.
    pub async fn open_events(&self, events: &mut [SerializedEvent]) -> Result<(), sqlx::Error> {
        let mut keys: HashMap<String, KeyState> = HashMap::new();
        for event in events.iter_mut() {
            for personal in personal_fields(&event.aggregate_type, &event.event_type) {
                let subject = format!("{}:{}", personal.subject, event.aggregate_id);
                let key = match keys.get(&subject) {
                    Some(key) => *key,
                    None => {
                        let key = self.get(&subject).await?;
                        keys.insert(subject.clone(), key);
                        key
                    }
                };
                let Some(value) = event
                    .payload
                    .get_mut(personal.event_type)
                    .and_then(|body| body.get_mut(personal.field))
                else {
                    continue;
                };
                let opened = match key {
                    KeyState::Key(key) if is_sealed(value) => {
                        open(&key, &subject, personal.field, value)
                    }
                    KeyState::Erased => None,
                    KeyState::Key(_) | KeyState::Missing if !is_sealed(value) => continue,
                    KeyState::Key(_) | KeyState::Missing => None,
                };
                *value = opened.unwrap_or_else(personal.erased);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_field_opens_only_with_its_key_subject_and_field() {
        let key = [7u8; 32];
        let value = json!({"email": "hanako@example.jp", "phone": "0564-00-0000"});
        let sealed = seal(&key, "group:1", "contact", &value).unwrap();
        assert!(is_sealed(&sealed));
        assert!(!sealed.to_string().contains("hanako"));
        assert_eq!(
            open(&key, "group:1", "contact", &sealed),
            Some(value.clone())
        );
        assert_eq!(open(&[8u8; 32], "group:1", "contact", &sealed), None);
        assert_eq!(open(&key, "group:2", "contact", &sealed), None);
        assert_eq!(open(&key, "group:1", "other", &sealed), None);
        // A fresh nonce each time: two sealings of one value differ.
        assert_ne!(seal(&key, "group:1", "contact", &value).unwrap(), sealed);
    }
}
