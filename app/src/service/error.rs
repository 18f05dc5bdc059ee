//! The service layer's one error type: what went wrong, in words a person can act on (Japanese and
//! English), and which kind of failure it is.
//!
//! Nothing here knows HTTP: the JSON API maps each [`ErrorKind`] to a status in one place
//! (`crate::http::error`), the pages show the words beside the field, the command line prints them.
//! Internal failures are logged with their cause here and carry no detail outward.

use std::borrow::Cow;
use std::time::Duration;

use grants_domain::{FieldRefusal, Refusal, RefusalKind};

use crate::store::StoreError;

/// How long a client is asked to wait before retrying during a database outage.
pub const RETRY_AFTER_OUTAGE_SECONDS: u64 = 2;

/// Which kind of failure a [`ServiceError`] is; each adapter decides how to show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input could not be read at all (not JSON, a wrong type).
    Malformed,
    /// The input was read, and a rule refuses it.
    Invalid,
    /// The object does not exist (or the caller may not know that it does).
    NotFound,
    /// Nobody is signed in, or the credentials are wrong.
    NotSignedIn,
    /// The caller is known and may not do this.
    Forbidden,
    /// The object's state does not allow this now (or a concurrent change won).
    Conflict,
    /// What the input names existed and no longer does (an expired or used one-time link).
    Gone,
    /// A body or file over its size limit.
    TooLarge,
    /// A body or file of a type that is not accepted.
    UnsupportedType,
    /// Too many attempts; `retry_after` says when to try again.
    TooMany,
    /// The database or the file store is out of reach for now; `retry_after` says when to retry.
    Unavailable,
    /// Our failure, not the caller's: logged in full, shown without detail.
    Internal,
}

/// A failure of a use case (boxed: it travels in every `Result`).
#[derive(Debug)]
pub struct ServiceError(Box<Problem>);

/// The content of a [`ServiceError`]: its kind, a stable code and the rule in Japanese and English.
#[derive(Debug)]
pub struct Problem {
    /// What sort of failure it is; the adapters map it to a status.
    pub kind: ErrorKind,
    /// A stable, dotted code (`auth.forbidden`) clients may match on.
    pub code: String,
    /// The rule or failure in Japanese, shown to people.
    pub detail_ja: String,
    /// The same in English.
    pub detail_en: String,
    /// The input field the problem is about, when the rule names one (for forms).
    pub field: Option<Cow<'static, str>>,
    /// Every refusal of one input found at once, when there were several.
    pub errors: Option<Vec<FieldRefusal>>,
    /// Seconds to wait before trying again ([`ErrorKind::TooMany`], [`ErrorKind::Unavailable`]).
    pub retry_after: Option<u64>,
}

impl ServiceError {
    /// A failure of `kind` with its stable code and its message in Japanese and English.
    pub fn new(
        kind: ErrorKind,
        code: impl Into<String>,
        detail_ja: impl Into<String>,
        detail_en: impl Into<String>,
    ) -> Self {
        ServiceError(Box::new(Problem {
            kind,
            code: code.into(),
            detail_ja: detail_ja.into(),
            detail_en: detail_en.into(),
            field: None,
            errors: None,
            retry_after: None,
        }))
    }

    /// Names the input field the problem is about (shown beside that field in forms).
    pub fn with_field(mut self, field: &'static str) -> Self {
        self.0.field = Some(Cow::Borrowed(field));
        self
    }

    /// Names an input field known only at run time (the body field a malformed value sits in).
    pub fn with_field_name(mut self, field: String) -> Self {
        self.0.field = Some(Cow::Owned(field));
        self
    }

    fn retry_after(mut self, seconds: u64) -> Self {
        self.0.retry_after = Some(seconds);
        self
    }

    /// Too many failed attempts: try again after `wait`.
    pub fn too_many_attempts(wait: Duration) -> Self {
        let seconds = wait.as_secs().max(1);
        Self::new(
            ErrorKind::TooMany,
            "auth.too_many_attempts",
            format!("ログインの失敗が続いたため、{seconds}秒後にもう一度お試しください"),
            format!("too many failed sign-ins; try again in {seconds} s"),
        )
        .retry_after(seconds)
    }

    /// Too many sign-ups from one address: try again after `wait`.
    pub fn too_many_sign_ups(wait: Duration) -> Self {
        let seconds = wait.as_secs().max(1);
        Self::new(
            ErrorKind::TooMany,
            "auth.too_many_sign_ups",
            format!("同じ接続元からの登録が続いたため、{seconds}秒後にもう一度お試しください"),
            format!("too many sign-ups from this address; try again in {seconds} s"),
        )
        .retry_after(seconds)
    }

    /// Too many invitations from one group: try again after `wait`.
    pub fn too_many_invitations(wait: Duration) -> Self {
        let seconds = wait.as_secs().max(1);
        Self::new(
            ErrorKind::TooMany,
            "group.too_many_invitations",
            format!("この団体からの招待が続いたため、{seconds}秒後にもう一度お試しください"),
            format!("too many invitations from this group; try again in {seconds} s"),
        )
        .retry_after(seconds)
    }

    /// Input that could not be read at all (code `request.malformed`).
    pub fn bad_request(detail_ja: impl Into<String>, detail_en: impl Into<String>) -> Self {
        Self::new(
            ErrorKind::Malformed,
            "request.malformed",
            detail_ja,
            detail_en,
        )
    }

    /// Input that was read and a rule refuses.
    pub fn invalid(
        code: impl Into<String>,
        detail_ja: impl Into<String>,
        detail_en: impl Into<String>,
    ) -> Self {
        Self::new(ErrorKind::Invalid, code, detail_ja, detail_en)
    }

    /// The object does not exist, or the caller may not know that it does.
    pub fn not_found() -> Self {
        Self::new(
            ErrorKind::NotFound,
            "request.not_found",
            "指定されたものは見つかりません",
            "the requested object does not exist",
        )
    }

    /// Nobody is signed in, or the credentials are wrong.
    pub fn unauthorized() -> Self {
        Self::new(
            ErrorKind::NotSignedIn,
            "auth.not_signed_in",
            "ログインしてください",
            "sign in first",
        )
    }

    /// The caller is known and may not do this.
    pub fn forbidden() -> Self {
        Self::new(
            ErrorKind::Forbidden,
            "auth.forbidden",
            "この操作を行う権限がありません",
            "you may not do this",
        )
    }

    /// The object's state does not allow this now, or a concurrent change won.
    pub fn conflict(
        code: impl Into<String>,
        detail_ja: impl Into<String>,
        detail_en: impl Into<String>,
    ) -> Self {
        Self::new(ErrorKind::Conflict, code, detail_ja, detail_en)
    }

    /// A failure that is ours, not the caller's: logged in full, answered without detail.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            ErrorKind::Internal,
            "server.internal",
            "サーバーで問題が発生しました。時間をおいて再度お試しください",
            "the server failed; please try again later",
        )
    }

    /// The database is out of reach for now (down, restarting, every connection busy): callers are
    /// asked to retry; nothing was changed that the retry would double (see `docs/operations.md`,
    /// Idempotency).
    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %cause, "database unavailable");
        Self::new(
            ErrorKind::Unavailable,
            "server.unavailable",
            "ただいまデータベースに接続できません。しばらくしてから再度お試しください",
            "the database is unavailable; please try again shortly",
        )
        .retry_after(RETRY_AFTER_OUTAGE_SECONDS)
    }

    /// A domain refusal, of the kind the refusal says.
    pub fn refused(refusal: &dyn Refusal) -> Self {
        let kind = match (refusal.code(), refusal.kind()) {
            // A file over its limit, or of a type not accepted.
            ("attachment.file_too_large", _) => ErrorKind::TooLarge,
            ("attachment.unsupported_type", _) => ErrorKind::UnsupportedType,
            (_, RefusalKind::State) => ErrorKind::Conflict,
            (_, RefusalKind::Rule | RefusalKind::Invalid) => ErrorKind::Invalid,
        };
        let mut error = Self::new(
            kind,
            refusal.code(),
            refusal.message_ja(),
            refusal.message_en(),
        );
        error.0.field = refusal.field().map(Cow::Borrowed);
        if kind == ErrorKind::Invalid {
            error.0.errors = Some(refusal.each());
        }
        error
    }

    /// Several refusals of one body's fields found at once (values that could not be read, and
    /// what the domain's checks said about the others): the first as `code` and `field`, every one
    /// in `errors`.
    pub fn invalid_fields(found: &[FieldRefusal]) -> Self {
        let Some(first) = found.first() else {
            return Self::invalid(
                "request.invalid_field",
                "入力項目の型・値または項目名が正しくありません",
                "invalid field",
            );
        };
        let ja: Vec<&str> = found.iter().map(|one| one.message_ja.as_str()).collect();
        let en: Vec<&str> = found.iter().map(|one| one.message_en.as_str()).collect();
        let mut error = Self::invalid(first.code, ja.join("。"), en.join("; "));
        error.0.field = first.field.map(Cow::Borrowed);
        error.0.errors = Some(found.to_vec());
        error
    }
}

impl std::ops::Deref for ServiceError {
    type Target = Problem;
    fn deref(&self) -> &Problem {
        &self.0
    }
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.detail_en)
    }
}

impl std::error::Error for ServiceError {}

impl<E: Refusal> From<StoreError<E>> for ServiceError {
    fn from(error: StoreError<E>) -> Self {
        match error {
            StoreError::Refused(refusal) => ServiceError::refused(&refusal),
            StoreError::Conflict => ServiceError::conflict(
                "store.concurrent_change",
                "同時に別の変更が行われました。もう一度お試しください",
                "a concurrent change won; please try again",
            ),
            StoreError::Unavailable(cause) => ServiceError::unavailable(cause),
            StoreError::Storage(cause) => ServiceError::internal(cause),
        }
    }
}

impl From<sqlx::Error> for ServiceError {
    fn from(error: sqlx::Error) -> Self {
        if grants_projections::is_outage(&error) {
            ServiceError::unavailable(error)
        } else {
            ServiceError::internal(error)
        }
    }
}

impl From<grants_projections::ProjectionError> for ServiceError {
    fn from(error: grants_projections::ProjectionError) -> Self {
        if error.is_outage() {
            ServiceError::unavailable(error)
        } else {
            ServiceError::internal(error)
        }
    }
}

impl From<crate::audit::AuditError> for ServiceError {
    fn from(error: crate::audit::AuditError) -> Self {
        match error {
            crate::audit::AuditError::Log(error) => error.into(),
            other => ServiceError::internal(other),
        }
    }
}

/// A blob the store could not read or write: a missing or corrupt one is named (never served), a
/// store outage is unavailable.
impl From<crate::blobs::BlobError> for ServiceError {
    fn from(error: crate::blobs::BlobError) -> Self {
        use crate::blobs::BlobError;
        match error {
            BlobError::Missing { .. } => {
                tracing::error!(%error, "an attached file is missing from the store");
                ServiceError::new(
                    ErrorKind::Internal,
                    "attachment.missing",
                    "添付ファイルが保管場所に見つかりません。市の担当課に連絡してください",
                    "the attached file is missing from the store; the city has been alerted",
                )
            }
            BlobError::Corrupt { .. } => {
                tracing::error!(%error, "an attached file is corrupt in the store");
                ServiceError::new(
                    ErrorKind::Internal,
                    "attachment.corrupt",
                    "添付ファイルが破損しているため表示できません。市の担当課に連絡してください",
                    "the attached file is corrupt (its checksum does not match) and is not served",
                )
            }
            BlobError::Store(cause) => ServiceError::unavailable(cause),
        }
    }
}

/// Why an input field could not be read, as one of several field refusals
/// ([`ServiceError::invalid_fields`]).
pub fn unreadable(field: &'static str, message_ja: &str, message_en: &str) -> FieldRefusal {
    FieldRefusal {
        field: Some(field),
        code: "request.invalid_field",
        message_ja: message_ja.to_owned(),
        message_en: format!("invalid field {field}: {message_en}"),
    }
}
