//! The HTTP API of `../shared/design/api.md`: the router, its shared state and its middleware.
//! Handlers translate between HTTP and domain commands; they decide nothing.

pub mod accounts;
pub mod answers;
pub mod applications;
pub mod attachments;
pub mod audit;
pub mod caller;
pub mod client_address;
pub mod consistency;
pub mod context;
pub mod decisions;
pub mod discontinuation;
pub mod documents;
pub mod email_verification;
pub mod erasure;
pub mod error;
pub mod extract;
pub mod figures;
pub mod grant_list;
pub mod grants;
pub mod groups;
pub mod health;
pub mod idempotency;
pub mod mail;
pub mod members;
pub mod metrics;
pub mod openapi;
pub mod paging;
pub mod password_reset;
pub mod promotions;
pub mod public;
pub mod public_photos;
pub mod reviews;
pub mod round_corrections;
pub mod rounds;
pub mod settlement_due;
pub mod totp;
pub mod users;
pub mod verifiable;
pub mod work_queue;

use axum::extract::DefaultBodyLimit;
use axum::http::HeaderName;
use axum::Router;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Request bodies above this size are refused with 413.
pub const BODY_LIMIT_BYTES: usize = 256 * 1024;

/// The header that carries the request's id, read from the client or made up, and returned.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub use crate::state::AppState;

/// Every route of the API with its documentation. `routes!()` registers a handler together with its
/// `#[utoipa::path]` description, so a route cannot be served without being in the OpenAPI document
/// (do not add routes with plain `.route()`). One `routes!()` per path: it serves each listed handler
/// on every path in the list.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(metrics::metrics))
        .routes(routes!(accounts::register))
        .routes(routes!(accounts::create_user, users::list))
        .routes(routes!(accounts::sign_in))
        .routes(routes!(password_reset::request))
        .routes(routes!(password_reset::confirm))
        .routes(routes!(email_verification::verify))
        .routes(routes!(email_verification::resend))
        .routes(routes!(totp::begin))
        .routes(routes!(totp::confirm))
        .routes(routes!(totp::reset))
        .routes(routes!(accounts::sign_out, accounts::current))
        .routes(routes!(groups::register, groups::list))
        .routes(routes!(groups::get))
        .routes(routes!(members::list))
        .routes(routes!(members::invite))
        .routes(routes!(members::accept))
        .routes(routes!(members::withdraw_invitation))
        .routes(routes!(members::remove))
        .routes(routes!(members::make_representative))
        .routes(routes!(members::consent))
        .routes(routes!(members::withdraw_consent))
        .routes(routes!(erasure::erase))
        .routes(routes!(erasure::erase_account))
        .routes(routes!(rounds::open, rounds::list))
        .routes(routes!(rounds::get))
        .routes(routes!(rounds::appoint))
        .routes(routes!(rounds::close_scoring))
        .routes(routes!(round_corrections::correct))
        .routes(routes!(decisions::get_ranking, decisions::fix_ranking))
        .routes(routes!(decisions::decide))
        .routes(routes!(decisions::answer_offer))
        .routes(routes!(grant_list::list))
        .routes(routes!(work_queue::work_queue))
        .routes(routes!(mail::outbox))
        .routes(routes!(mail::notices))
        .routes(routes!(mail::mark_read))
        .routes(routes!(grants::get))
        .routes(routes!(grants::withdraw))
        .routes(routes!(grants::request_advance))
        .routes(routes!(grants::record_payment))
        .routes(routes!(grants::request_change))
        .routes(routes!(grants::decide_change))
        .routes(routes!(grants::save_report, grants::get_report))
        .routes(routes!(grants::submit_report))
        .routes(routes!(grants::review_report))
        .routes(routes!(grants::record_refund))
        .routes(routes!(grants::cancel))
        .routes(routes!(discontinuation::request))
        .routes(routes!(discontinuation::decide))
        .routes(routes!(promotions::offer))
        .routes(routes!(promotions::answer))
        .routes(routes!(promotions::of_application))
        .routes(routes!(settlement_due::extend))
        .routes(routes!(settlement_due::accept_delay))
        .routes(routes!(applications::start, applications::list))
        .routes(routes!(applications::get, applications::save))
        .routes(routes!(applications::submit))
        .routes(routes!(applications::preview_maximum))
        .routes(routes!(applications::withdraw))
        .routes(routes!(applications::screen))
        .routes(routes!(attachments::download, attachments::remove))
        .routes(routes!(documents::grant_list))
        .routes(routes!(documents::grant_document))
        .routes(routes!(documents::application_list))
        .routes(routes!(documents::application_document))
        .routes(routes!(
            attachments::report_download,
            attachments::report_remove
        ))
        .routes(routes!(
            attachments::change_download,
            attachments::change_remove
        ))
        // Uploads alone may be as large as a file (`attachments::UPLOAD_BODY_LIMIT_BYTES`).
        .merge(
            OpenApiRouter::new()
                .routes(routes!(attachments::upload))
                .routes(routes!(attachments::report_upload))
                .routes(routes!(attachments::change_upload))
                .layer(DefaultBodyLimit::max(attachments::UPLOAD_BODY_LIMIT_BYTES)),
        )
        .routes(routes!(reviews::declare))
        .routes(routes!(reviews::save, reviews::mine))
        .routes(routes!(reviews::seal))
        .routes(routes!(public::awards))
        .routes(routes!(public::award))
        .routes(routes!(public_photos::photo))
        .routes(routes!(public::award_filters))
        .routes(routes!(public::awards_csv))
        .routes(routes!(public::awards_360giving))
        .routes(routes!(audit::events))
        .routes(routes!(audit::stream))
        .routes(routes!(audit::application_as_of))
        .routes(routes!(audit::verification))
        .routes(routes!(verifiable::heads))
        .routes(routes!(verifiable::key))
        .routes(routes!(verifiable::inclusion))
        .routes(routes!(verifiable::consistency))
        .routes(routes!(verifiable::export))
        .routes(routes!(figures::figures))
        .routes(routes!(figures::figures_csv))
        .routes(routes!(openapi::openapi_json))
        .routes(routes!(openapi::docs))
}

/// The API routes with their own middleware (idempotency, read-your-writes, metrics), without the
/// pages.
pub fn api_routes(state: AppState) -> Router {
    let (routes, _) = api_router().split_for_parts();
    routes
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            idempotency::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            consistency::wait_for_position,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::count,
        ))
        .with_state(state)
}

pub use crate::service::jst;
