//! The whole service as one router: the JSON API (`crate::http`), the pages (`crate::web`), both
//! thin adapters over the use cases of `crate::service`, and the middleware both share (request
//! ids, tracing, body limit, timeouts, security headers). `startup` serves it; tests and the demo drive it in-process.

use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Request};
use axum::Router;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::http::{api_routes, client_address, BODY_LIMIT_BYTES, REQUEST_ID};
use crate::state::AppState;

/// The whole service: the API, the pages and the middleware both share.
pub fn router(state: AppState) -> Router {
    let api = api_routes(state.clone());
    let pages = crate::web::router(crate::web::Web::new(state.clone()));
    api.merge(pages)
        .fallback(crate::web::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            client_address::layer,
        ))
        .layer(axum::middleware::map_response(close_after_too_large))
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
        // Security headers on every answer; a page that needs its own policy (the API docs, the
        // web pages) sets it and these leave it alone. No CORS layer: other origins are refused by
        // the browser's same-origin rule.
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(security_header(header::REFERRER_POLICY, "no-referrer"))
        .layer(security_header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ))
        .layer(security_header(header::CACHE_CONTROL, "no-store"))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
}

/// A 413 is answered before the body has been read, so the connection cannot carry another
/// request: say so, or a client that reuses it fails its next request (seen under load as
/// "IncompleteMessage" in the bad-input tests).
async fn close_after_too_large(mut response: axum::response::Response) -> axum::response::Response {
    if response.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    response
}

fn security_header(
    name: HeaderName,
    value: &'static str,
) -> tower_http::set_header::SetResponseHeaderLayer<HeaderValue> {
    tower_http::set_header::SetResponseHeaderLayer::if_not_present(
        name,
        HeaderValue::from_static(value),
    )
}
