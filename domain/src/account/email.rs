//! `EmailAddress`: a plausible address, trimmed and lower-cased so that uniqueness is case-insensitive.

use serde::{Deserialize, Serialize};

use super::AccountError;

/// Longest address accepted (RFC 5321's path limit).
pub const EMAIL_MAX_CHARS: usize = 254;

/// A person's e-mail address: trimmed, lower case, at most `EMAIL_MAX_CHARS`, shaped
/// `local@domain.tld`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Reads an address as a person typed it: trims it, lower-cases it and checks its shape.
    pub fn parse(text: &str) -> Result<Self, AccountError> {
        let address = text.trim().to_lowercase();
        let plausible = address.chars().count() <= EMAIL_MAX_CHARS
            && !address.chars().any(char::is_whitespace)
            && matches!(address.split_once('@'), Some((local, domain))
                if !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
                    && !domain.ends_with('.') && !domain.contains('@'));
        if plausible {
            Ok(EmailAddress(address))
        } else {
            Err(AccountError::BadEmail)
        }
    }

    /// The address in lower case, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address once the account's personal data is erased (issue 19): 「削除済み」, which no
    /// person can type in as an address ([`EmailAddress::parse`] refuses it), so it matches no one.
    pub fn erased() -> Self {
        EmailAddress(crate::group::ERASED.to_owned())
    }

    /// Whether this is the placeholder of an erased account rather than a real address.
    pub fn is_erased(&self) -> bool {
        self.0 == crate::group::ERASED
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = AccountError;
    /// Also the erased address: the event store opens an erased account's sealed address as it.
    fn try_from(text: String) -> Result<Self, Self::Error> {
        if text == crate::group::ERASED {
            return Ok(EmailAddress::erased());
        }
        EmailAddress::parse(&text)
    }
}

impl From<EmailAddress> for String {
    fn from(address: EmailAddress) -> Self {
        address.0
    }
}
