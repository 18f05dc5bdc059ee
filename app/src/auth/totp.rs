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
//! - The secret is kept in clear in `totp_secrets` (migration 0027): checking a code needs it.
//!
//! - **Required for staff and auditors** while `--require-staff-totp` is on (the default for
//!   `grants serve`): until they enrol, their requests other than [`open_before_enrolment`] are
//!   refused (403 `auth.totp_enrolment_required`, naming the page `/account/totp`). The demo is
//!   seeded with the rule off; the tests' services have it off unless a test sets it.

use grants_domain::UserId;
use rand::RngCore;
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
    pub secret: String,
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
pub async fn begin(db: &Database, user_id: UserId, email: &str) -> Result<Enrolment, ServiceError> {
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
    .bind(hex::encode(&secret))
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

async fn secret_of(db: &Database, user_id: UserId) -> Result<Option<(Vec<u8>, i64)>, ServiceError> {
    let row: Option<(String, i64)> = with_pool!(db, pool => sqlx::query_as(
        "SELECT secret, last_step FROM totp_secrets WHERE user_id = $1",
    )
    .bind(user_id.to_string())
    .fetch_optional(pool)
    .await?);
    row.map(|(secret, last)| Ok((hex::decode(secret).map_err(ServiceError::internal)?, last)))
        .transpose()
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
    let Some((secret, last)) = secret_of(db, user_id).await? else {
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
    let Some((secret, last)) = secret_of(db, user_id).await? else {
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
}
