//! The service layer: what every adapter (the JSON API, the pages, the command line, the process
//! managers) shares below HTTP. No module here knows axum or HTTP statuses; failures are one
//! [`ServiceError`] whose [`ErrorKind`] each adapter shows in its own way.

pub mod application_read;
pub mod applications;
pub mod attachment_read;
pub mod attachments;
pub mod audit;
pub mod caller;
pub mod context;
pub mod decisions;
pub mod documents;
pub mod erasure;
pub mod error;
pub mod figures;
pub mod grant_list;
pub mod grant_read;
pub mod grants;
pub mod group_read;
pub mod groups;
pub mod idempotency;
pub mod load;
pub mod members;
pub mod password_reset;
pub mod promotions;
pub mod public;
pub mod review_read;
pub mod reviews;
pub mod round_read;
pub mod rounds;
pub mod second_factor;
pub mod sessions;
pub mod staff_accounts;
pub mod work_queue;

pub use context::CommandContext;
pub use error::{ErrorKind, Problem, ServiceError};

/// An instant as every output of the service writes it (the API, the exports, the signed heads):
/// RFC 3339 in Japan Standard Time (+09:00). Instants are stored in UTC.
pub fn jst(instant: time::OffsetDateTime) -> String {
    use time::format_description::well_known::Rfc3339;
    instant
        .to_offset(grants_domain::JST)
        .format(&Rfc3339)
        .unwrap_or_default()
}
