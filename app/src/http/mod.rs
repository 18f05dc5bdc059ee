//! The HTTP API of `../shared/design/api.md`: the router, its shared state and its middleware.
//! Handlers translate between HTTP and domain commands; they decide nothing.

pub mod accounts;
pub mod applications;
pub mod context;
pub mod decisions;
pub mod error;
pub mod extract;
pub mod grants;
pub mod groups;
pub mod health;
pub mod idempotency;
pub mod reviews;
pub mod rounds;

use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use axum::routing::{delete, get, post, put};
use axum::Router;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Request bodies above this size are refused with 413.
pub const BODY_LIMIT_BYTES: usize = 256 * 1024;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api/v1/accounts", post(accounts::register))
        .route("/api/v1/users", post(accounts::create_user))
        .route("/api/v1/sessions", post(accounts::sign_in))
        .route("/api/v1/sessions/current", delete(accounts::sign_out))
        .route("/api/v1/groups", post(groups::register))
        .route("/api/v1/groups/{id}", get(groups::get))
        .route("/api/v1/rounds", post(rounds::open).get(rounds::list))
        .route("/api/v1/rounds/{id}", get(rounds::get))
        .route("/api/v1/rounds/{id}/committee", post(rounds::appoint))
        .route("/api/v1/rounds/{id}/scoring/close", post(rounds::close_scoring))
        .route("/api/v1/rounds/{id}/ranking", get(decisions::get_ranking).post(decisions::fix_ranking))
        .route("/api/v1/rounds/{id}/decisions", post(decisions::decide))
        .route("/api/v1/rounds/{id}/runner-up-offer", post(decisions::answer_offer))
        .route("/api/v1/grants/{id}", get(grants::get))
        .route("/api/v1/grants/{id}/withdraw", post(grants::withdraw))
        .route("/api/v1/grants/{id}/advance-requests", post(grants::request_advance))
        .route("/api/v1/grants/{id}/payments", post(grants::record_payment))
        .route("/api/v1/grants/{id}/change-requests", post(grants::request_change))
        .route("/api/v1/grants/{id}/change-requests/{cid}/decision", post(grants::decide_change))
        .route("/api/v1/grants/{id}/settlement-report", put(grants::save_report).get(grants::get_report))
        .route("/api/v1/grants/{id}/settlement-report/submit", post(grants::submit_report))
        .route("/api/v1/grants/{id}/settlement-report/review", post(grants::review_report))
        .route("/api/v1/grants/{id}/refunds", post(grants::record_refund))
        .route("/api/v1/grants/{id}/cancellation", post(grants::cancel))
        .route("/api/v1/applications", post(applications::start))
        .route("/api/v1/applications/{id}", get(applications::get).patch(applications::save))
        .route("/api/v1/applications/{id}/submit", post(applications::submit))
        .route("/api/v1/applications/{id}/withdraw", post(applications::withdraw))
        .route("/api/v1/applications/{id}/screening", post(applications::screen))
        .route("/api/v1/applications/{id}/conflict-declaration", post(reviews::declare))
        .route("/api/v1/applications/{id}/my-review", put(reviews::save).get(reviews::mine))
        .route("/api/v1/applications/{id}/my-review/submit", post(reviews::seal))
        .fallback(|| async { error::ApiError::not_found() })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            idempotency::layer,
        ))
        .with_state(state)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let request_id = request
                    .headers()
                    .get(&REQUEST_ID)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or("-");
                // Only the method, the path and the request id: never bodies or query strings,
                // which may hold personal data.
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id)
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
}

/// An instant as the API answers it: RFC 3339 in Japan Standard Time (+09:00).
pub fn jst(instant: time::OffsetDateTime) -> String {
    use time::format_description::well_known::Rfc3339;
    instant
        .to_offset(grants_domain::JST)
        .format(&Rfc3339)
        .unwrap_or_default()
}
