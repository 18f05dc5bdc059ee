//! What the service's e-mailed one-time links share (the password reset's, `super::reset`, and the
//! address verification's, `super::verification`): a token of 256 random bits whose SHA-256 alone
//! is stored with its account, an expiry and when it was used; and what a presented token is.

use grants_domain::UserId;
use time::OffsetDateTime;

use crate::service::ServiceError;

/// What a presented link is, on a given instant.
#[derive(Debug, PartialEq, Eq)]
pub enum Link {
    /// Valid: it acts for this account.
    Valid(UserId),
    /// No link has this token.
    Unknown,
    /// Past its expiry, unused.
    Expired,
    /// Already used (whatever its expiry).
    Used,
}

/// A link's stored row, as both tables keep it.
pub struct Stored {
    /// The account it acts for.
    pub user_id: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// Unix seconds, once used.
    pub used_at: Option<i64>,
}

/// What the row found for a token (`None`: no such token) makes of it at `now`. A used link is
/// used whatever its expiry.
pub fn classify(found: Option<Stored>, now: OffsetDateTime) -> Result<Link, ServiceError> {
    Ok(match found {
        None => Link::Unknown,
        Some(Stored {
            used_at: Some(_), ..
        }) => Link::Used,
        Some(Stored { expires_at, .. }) if expires_at <= now.unix_timestamp() => Link::Expired,
        Some(Stored { user_id, .. }) => {
            Link::Valid(user_id.parse().map_err(ServiceError::internal)?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_unknown_used_expired_or_valid_in_that_order() {
        let now = OffsetDateTime::from_unix_timestamp(1_000).unwrap();
        let user = UserId::new();
        let row = |expires_at, used_at| {
            Some(Stored {
                user_id: user.to_string(),
                expires_at,
                used_at,
            })
        };
        assert_eq!(classify(None, now).unwrap(), Link::Unknown);
        assert_eq!(classify(row(2_000, Some(900)), now).unwrap(), Link::Used);
        assert_eq!(classify(row(1_000, None), now).unwrap(), Link::Expired);
        assert_eq!(classify(row(1_001, None), now).unwrap(), Link::Valid(user));
    }
}
