//! A second factor at sign-in: TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps, one step of
//! skew each way) through the kept crate `totp-rs`, with ten single-use recovery codes.
//!
//! - **Enrolment** (`POST /api/v1/sessions/current/totp`): a fresh 160-bit secret, answered once as
//!   base32 and as an `otpauth://` URI for an authenticator app; pending until a code from the app
//!   confirms it (`…/totp/confirm`), which answers the recovery codes, once. Only their SHA-256
//!   is kept.
//! - **Sign-in** of an enrolled account asks for `code`: a current TOTP code (each time step is
//!   accepted once: `last_step` moves forward) or an unused recovery code (`xxxx-xxxx`). Codes are
//!   checked on the injected clock (`crate::clock`), so tests compute the code for an instant they
//!   set.
//! - The secret is kept sealed in `totp_secrets` (migration 0027): XChaCha20-Poly1305 with the
//!   service's [`SecretKey`] (`--totp-key`, else the key file `totp.key` in the data directory),
//!   through the sealing of personal data (`crate::personal::seal`), bound to the account, so a
//!   copy of the database alone does not give the secrets, and a sealed secret moved to another
//!   account's row does not open. A secret stored in clear before sealing (40 hex digits) still
//!   verifies and is sealed when read; [`seal_clear_secrets`] seals them all at start.
//!
//! - **Required for staff and auditors** while `--require-staff-totp` is on (the default for
//!   `grants serve`): until they enrol, their requests other than [`open_before_enrolment`] are
//!   refused (403 `auth.totp_enrolment_required`, naming the page `/account/totp`). The demo is
//!   seeded with the rule off; the tests' services have it off unless a test sets it.

use std::path::Path;

use base64::Engine;
use grants_domain::UserId;
use rand::RngCore;
use serde_json::Value;
use time::OffsetDateTime;
use totp_rs::{Algorithm, TOTP};

use super::token;
use crate::db::Database;
use crate::service::ServiceError;
use crate::with_pool;

/// The issuer an authenticator app shows beside the account.
pub const ISSUER: &str = "grants";
/// Seconds per step.
pub const STEP: u64 = 30;
/// How many recovery codes enrolment gives.
pub const RECOVERY_CODES: usize = 10;

/// The key the TOTP secrets are sealed with at rest: 32 bytes, given as 64 hex digits or base64.
/// Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("SecretKey(…)")
    }
}

impl SecretKey {
    /// A key from 64 hex digits or the base64 of 32 bytes.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|error| error.to_string())?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|_| "32 bytes as 64 hex digits or base64".to_owned())?
        };
        <[u8; 32]>::try_from(bytes.as_slice())
            .map(SecretKey)
            .map_err(|_| "the key must be 32 bytes (64 hex digits or base64)".to_owned())
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        SecretKey(key)
    }

    /// The configured key, else the key file's (made on first start, see
    /// [`SecretKey::load_or_create`]).
    pub fn from_config(
        config: &crate::config::TotpConfig,
        database_url: &str,
    ) -> anyhow::Result<Self> {
        if let Some(key) = &config.key {
            return Ok(key.clone());
        }
        let file = crate::config::TotpConfig::key_file(database_url);
        let key = Self::load_or_create(&file)?;
        if !database_url.starts_with("postgres") {
            tracing::info!(file = %file.display(), "the TOTP secrets are sealed with the key file (no --totp-key)");
        } else {
            tracing::warn!(file = %file.display(), "no --totp-key: the TOTP secrets are sealed with this instance's key file; give every instance the same GRANTS_TOTP_KEY");
        }
        Ok(key)
    }

    /// The key in `path` (64 hex digits), made there (readable by the owner only) if there is
    /// none. Two services starting at once on one directory end with the same key: the file
    /// is written aside and linked into place, which fails if another made it first.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        use anyhow::Context;
        let read = |path: &Path| -> anyhow::Result<Self> {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the TOTP key file {}", path.display()))?;
            Self::parse(&text).map_err(|error| {
                anyhow::anyhow!("the TOTP key file {} is not a key: {error}", path.display())
            })
        };
        if path.exists() {
            return read(path);
        }
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let key = Self::generate();
        let aside = path.with_extension(format!("{}.tmp", uuid::Uuid::new_v4().simple()));
        {
            use std::io::Write;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&aside)?;
            writeln!(file, "{}", hex::encode(key.0))?;
            file.sync_all()?;
        }
        let linked = std::fs::hard_link(&aside, path);
        let _ = std::fs::remove_file(&aside);
        match linked {
            Ok(()) => Ok(key),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => read(path),
            Err(error) => Err(error.into()),
        }
    }
}

/// The data subject and field a secret is sealed for: the account.
fn subject(user_id: UserId) -> String {
    format!("totp:{user_id}")
}
const SEALED_FIELD: &str = "secret";

/// The secret as `totp_secrets.secret` keeps it: sealed with `key` for `user_id`.
fn seal(key: &SecretKey, user_id: UserId, secret: &[u8]) -> Result<String, ServiceError> {
    crate::personal::seal(
        &key.0,
        &subject(user_id),
        SEALED_FIELD,
        &Value::String(hex::encode(secret)),
    )
    .map(|sealed| sealed.to_string())
    .map_err(ServiceError::internal)
}

/// A stored secret: sealed, or in clear (a row from before sealing: 40 hex digits).
enum Stored {
    Sealed(Vec<u8>),
    Clear(Vec<u8>),
}

fn open(key: &SecretKey, user_id: UserId, stored: &str) -> Result<Stored, ServiceError> {
    if !stored.trim_start().starts_with('{') {
        return hex::decode(stored.trim())
            .map(Stored::Clear)
            .map_err(ServiceError::internal);
    }
    let sealed: Value = serde_json::from_str(stored).map_err(ServiceError::internal)?;
    let opened = crate::personal::open(&key.0, &subject(user_id), SEALED_FIELD, &sealed);
    let Some(Value::String(secret)) = opened else {
        return Err(ServiceError::internal(format_args!(
            "the TOTP key does not open the second factor of account {user_id}: is --totp-key \
             (or the key file) the one it was sealed with?"
        )));
    };
    hex::decode(secret)
        .map(Stored::Sealed)
        .map_err(ServiceError::internal)
}

/// Seals `user_id`'s secret stored in clear as `clear` (unless it changed meanwhile).
async fn seal_in_place(
    db: &Database,
    key: &SecretKey,
    user_id: UserId,
    clear: &str,
    secret: &[u8],
) -> Result<bool, ServiceError> {
    let sealed = seal(key, user_id, secret)?;
    let updated = with_pool!(db, pool => sqlx::query(
        "UPDATE totp_secrets SET secret = $1 WHERE user_id = $2 AND secret = $3",
    )
    .bind(sealed)
    .bind(user_id.to_string())
    .bind(clear)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(updated == 1)
}

/// Seals every secret still stored in clear (rows from before sealing); answers how many. Run at
/// start, so that no secret stays in clear until its owner signs in.
pub async fn seal_clear_secrets(db: &Database, key: &SecretKey) -> Result<u64, ServiceError> {
    let rows: Vec<(String, String)> = with_pool!(db, pool => sqlx::query_as(
        "SELECT user_id, secret FROM totp_secrets WHERE secret NOT LIKE '{%'",
    )
    .fetch_all(pool)
    .await?);
    let mut sealed = 0;
    for (user_id, stored) in rows {
        let user_id: UserId = user_id.parse().map_err(ServiceError::internal)?;
        if let Stored::Clear(secret) = open(key, user_id, &stored)? {
            if seal_in_place(db, key, user_id, &stored, &secret).await? {
                sealed += 1;
            }
        }
    }
    Ok(sealed)
}

fn totp(secret: Vec<u8>, account: &str) -> Result<TOTP, ServiceError> {
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP,
        secret,
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
    .map_err(ServiceError::internal)
}

/// A pending enrolment: the secret for the app, as base32 and as an `otpauth://` URI.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Enrolment {
    /// The shared secret in base32, to type into the authenticator app.
    pub secret: String,
    /// The same secret as an `otpauth://` URI (for a QR code or a link).
    pub otpauth_uri: String,
}

/// Whether `user_id` has a confirmed second factor.
pub async fn enrolled(db: &Database, user_id: UserId) -> Result<bool, ServiceError> {
    let row: Option<Option<i64>> = with_pool!(db, pool => sqlx::query_scalar(
        "SELECT enrolled_at FROM totp_secrets WHERE user_id = $1",
    )
    .bind(user_id.to_string())
    .fetch_optional(pool)
    .await?);
    Ok(matches!(row, Some(Some(_))))
}

/// Starts (or restarts) enrolment for `user_id` with a fresh secret.
pub async fn begin(
    db: &Database,
    key: &SecretKey,
    user_id: UserId,
    email: &str,
) -> Result<Enrolment, ServiceError> {
    if enrolled(db, user_id).await? {
        return Err(ServiceError::conflict(
            "auth.totp_already_enrolled",
            "2段階認証は既に設定されています",
            "a second factor is already enrolled",
        ));
    }
    let mut secret = vec![0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let totp = totp(secret.clone(), email)?;
    with_pool!(db, pool => sqlx::query(
        "INSERT INTO totp_secrets (user_id, secret, enrolled_at, last_step) VALUES ($1, $2, NULL, 0) \
         ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, enrolled_at = NULL, last_step = 0",
    )
    .bind(user_id.to_string())
    .bind(seal(key, user_id, &secret)?)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(Enrolment {
        secret: totp.get_secret_base32(),
        otpauth_uri: totp.get_url(),
    })
}

/// The step a current code of `secret` was made in, if `code` is one at `now` later than
/// `last_step`.
fn matching_step(secret: &[u8], code: &str, now: OffsetDateTime, last_step: i64) -> Option<i64> {
    let totp = TOTP::new_unchecked(
        Algorithm::SHA1,
        6,
        1,
        STEP,
        secret.to_vec(),
        None,
        String::new(),
    );
    let seconds = u64::try_from(now.unix_timestamp()).ok()?;
    let current = seconds / STEP;
    [current.saturating_sub(1), current, current + 1]
        .into_iter()
        .filter(|step| i64::try_from(*step).is_ok_and(|step| step > last_step))
        .find(|step| totp.generate(step * STEP) == code)
        .and_then(|step| i64::try_from(step).ok())
}

/// `user_id`'s secret and the last step used; a secret still in clear is sealed on the way.
async fn secret_of(
    db: &Database,
    key: &SecretKey,
    user_id: UserId,
) -> Result<Option<(Vec<u8>, i64)>, ServiceError> {
    let row: Option<(String, i64)> = with_pool!(db, pool => sqlx::query_as(
        "SELECT secret, last_step FROM totp_secrets WHERE user_id = $1",
    )
    .bind(user_id.to_string())
    .fetch_optional(pool)
    .await?);
    let Some((stored, last)) = row else {
        return Ok(None);
    };
    let secret = match open(key, user_id, &stored)? {
        Stored::Sealed(secret) => secret,
        Stored::Clear(secret) => {
            seal_in_place(db, key, user_id, &stored, &secret).await?;
            secret
        }
    };
    Ok(Some((secret, last)))
}

/// Accepts `code` for step-forward use: moves `last_step` to the code's step, once.
async fn take_step(db: &Database, user_id: UserId, step: i64) -> Result<bool, ServiceError> {
    let moved = with_pool!(db, pool => sqlx::query(
        "UPDATE totp_secrets SET last_step = $1 WHERE user_id = $2 AND last_step < $1",
    )
    .bind(step)
    .bind(user_id.to_string())
    .execute(pool)
    .await?
    .rows_affected());
    Ok(moved == 1)
}

/// Confirms a pending enrolment with a code from the app; answers the recovery codes, once.
pub async fn confirm(
    db: &Database,
    key: &SecretKey,
    user_id: UserId,
    code: &str,
    now: OffsetDateTime,
) -> Result<Vec<String>, ServiceError> {
    if enrolled(db, user_id).await? {
        return Err(ServiceError::conflict(
            "auth.totp_already_enrolled",
            "2段階認証は既に設定されています",
            "a second factor is already enrolled",
        ));
    }
    let Some((secret, last)) = secret_of(db, key, user_id).await? else {
        return Err(ServiceError::conflict(
            "auth.totp_not_started",
            "先に2段階認証の設定を始めてください",
            "start enrolment first",
        ));
    };
    let Some(step) = matching_step(&secret, code.trim(), now, last) else {
        return Err(ServiceError::invalid(
            "auth.bad_totp",
            "確認コードが正しくありません。認証アプリに表示されている最新のコードを入力してください",
            "the code does not match the new secret",
        )
        .with_field("code"));
    };
    take_step(db, user_id, step).await?;
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let raw = token::generate();
            format!("{}-{}", &raw[..4], &raw[4..8])
        })
        .collect();
    let mut tx = db.clone().begin().await?;
    grants_projections::exec_tx!(&mut tx, conn => sqlx::query(
        "DELETE FROM totp_recovery_codes WHERE user_id = $1",
    )
    .bind(user_id.to_string())
    .execute(&mut *conn)
    .await?);
    for code in &codes {
        grants_projections::exec_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO totp_recovery_codes (code_hash, user_id) VALUES ($1, $2)",
        )
        .bind(token::digest(code))
        .bind(user_id.to_string())
        .execute(&mut *conn)
        .await?);
    }
    grants_projections::exec_tx!(&mut tx, conn => sqlx::query(
        "UPDATE totp_secrets SET enrolled_at = $1 WHERE user_id = $2",
    )
    .bind(now.unix_timestamp())
    .bind(user_id.to_string())
    .execute(&mut *conn)
    .await?);
    tx.commit().await?;
    Ok(codes)
}

/// Removes `user_id`'s second factor (its secret and recovery codes) and ends its sessions, so that
/// the next sign-in asks for a new enrolment. Nothing happens to an account without one.
pub async fn remove(
    db: &Database,
    user_id: UserId,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    let user = user_id.to_string();
    let mut tx = db.clone().begin().await?;
    for statement in [
        "DELETE FROM totp_recovery_codes WHERE user_id = $1",
        "DELETE FROM totp_secrets WHERE user_id = $1",
    ] {
        grants_projections::exec_tx!(&mut tx, conn => sqlx::query(statement)
            .bind(&user)
            .execute(&mut *conn)
            .await?);
    }
    grants_projections::exec_tx!(&mut tx, conn => sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now.unix_timestamp())
    .bind(&user)
    .execute(&mut *conn)
    .await?);
    let revocation = super::session_cache::Revocation::User(user_id);
    super::session_cache::revoked_tx(&mut tx, &revocation).await?;
    tx.commit().await?;
    super::session_cache::revoke_in_process(&revocation);
    Ok(())
}

/// Whether `code` (a TOTP code or an unused recovery code) lets enrolled `user_id` in at `now`;
/// either is used up by succeeding.
pub async fn verify(
    db: &Database,
    key: &SecretKey,
    user_id: UserId,
    code: &str,
    now: OffsetDateTime,
) -> Result<bool, ServiceError> {
    let code = code.trim();
    if code.len() == 9 && code.as_bytes()[4] == b'-' {
        let used = with_pool!(db, pool => sqlx::query(
            "UPDATE totp_recovery_codes SET used_at = $1 \
             WHERE code_hash = $2 AND user_id = $3 AND used_at IS NULL",
        )
        .bind(now.unix_timestamp())
        .bind(token::digest(&code.to_lowercase()))
        .bind(user_id.to_string())
        .execute(pool)
        .await?
        .rows_affected());
        return Ok(used == 1);
    }
    let Some((secret, last)) = secret_of(db, key, user_id).await? else {
        return Ok(false);
    };
    match matching_step(&secret, code, now, last) {
        Some(step) => take_step(db, user_id, step).await,
        None => Ok(false),
    }
}

/// The routes a staff member or auditor may call before enrolling while enrolment is required:
/// who they are, signing out, and enrolment itself.
pub fn open_before_enrolment(path: &str) -> bool {
    matches!(
        path,
        "/api/v1/sessions/current"
            | "/api/v1/sessions/current/totp"
            | "/api/v1/sessions/current/totp/confirm"
            | "/api/v1/sessions/current/email-verification"
    )
}

/// A staff member or auditor who must enrol first.
pub fn enrolment_required() -> ServiceError {
    ServiceError::new(
        crate::service::ErrorKind::Forbidden,
        "auth.totp_enrolment_required",
        "職員・監査のアカウントは、2段階認証を設定してから使えます。「2段階認証の設定」（/account/totp）で設定してください",
        "staff and auditors must enrol a second factor first (/account/totp)",
    )
}

/// A code that does not match.
pub fn bad_code() -> ServiceError {
    ServiceError::new(
        crate::service::ErrorKind::NotSignedIn,
        "auth.bad_totp",
        "確認コードが正しくありません。認証アプリの最新のコードか、未使用の回復コードを入力してください",
        "the code is wrong or was already used",
    )
    .with_field("code")
}

/// An enrolled account signed in without a code.
pub fn code_required() -> ServiceError {
    ServiceError::new(
        crate::service::ErrorKind::NotSignedIn,
        "auth.totp_required",
        "2段階認証の確認コードを入力してください",
        "this account needs its second factor: send `code`",
    )
    .with_field("code")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_6238_test_vector_is_matched_once_per_step() {
        // RFC 6238, appendix B: the SHA-1 secret "12345678901234567890" at T = 59 s gives 94287082
        // with 8 digits; with 6 digits, its last six: 287082.
        let secret = b"12345678901234567890".to_vec();
        let at = OffsetDateTime::from_unix_timestamp(59).unwrap();
        assert_eq!(matching_step(&secret, "287082", at, 0), Some(1));
        assert_eq!(
            matching_step(&secret, "287082", at, 1),
            None,
            "a step already used"
        );
        assert_eq!(matching_step(&secret, "000000", at, 0), None);
    }

    #[test]
    fn a_sealed_secret_opens_for_its_account_only_and_a_clear_one_is_recognised() {
        let key = SecretKey::generate();
        let (owner, other) = (UserId::new(), UserId::new());
        let secret = b"12345678901234567890";
        let sealed = seal(&key, owner, secret).unwrap();
        assert!(!sealed.contains(&hex::encode(secret)), "{sealed}");
        assert!(matches!(open(&key, owner, &sealed), Ok(Stored::Sealed(s)) if s == secret));
        assert!(
            open(&key, other, &sealed).is_err(),
            "moved to another account"
        );
        assert!(
            open(&SecretKey::generate(), owner, &sealed).is_err(),
            "another key"
        );
        let clear = hex::encode(secret);
        assert!(matches!(open(&key, owner, &clear), Ok(Stored::Clear(s)) if s == secret));
    }

    #[test]
    fn a_key_is_read_as_hex_or_base64_and_the_key_file_is_made_once() {
        let hex_key = "00".repeat(32);
        assert_eq!(SecretKey::parse(&hex_key), Ok(SecretKey([0; 32])));
        let b64 = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(SecretKey::parse(&b64), Ok(SecretKey([7; 32])));
        assert!(SecretKey::parse("abcd").is_err());
        assert!(format!("{:?}", SecretKey([7; 32])).contains('…'));
        let dir = std::env::temp_dir().join(format!("grants-totp-{}", uuid::Uuid::new_v4()));
        let file = dir.join("sub").join("totp.key");
        let made = SecretKey::load_or_create(&file).unwrap();
        assert_eq!(SecretKey::load_or_create(&file).unwrap(), made);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
