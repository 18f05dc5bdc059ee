//! The Japanese web interface (issue 7): server-rendered pages for the public, applicants,
//! reviewers, staff and auditors, plain HTML forms that work without JavaScript.
//!
//! The one design rule: pages decide no business rule and no access rule. A page calls the service
//! layer's use cases (`crate::service`) as the signed-in caller ([`caller`]), exactly as the JSON
//! API's handlers do: it reads their typed answers, and runs a command once per form submission
//! ([`command`]). A refusal is shown as the same form with everything typed and the rule's
//! Japanese message beside the field it concerns ([`form`], [`problem`]).
//!
//! - [`session`]: cookies and the signed-in user; [`caller`]: the session's actor for the service
//!   layer; [`csrf`]: form tokens; [`form`]: posted fields, errors and the guard every POST passes;
//!   [`problem`]: a refusal as a page shows it; [`view`]: layout and formats; [`pages`]: the pages.

pub mod caller;
pub mod command;
pub mod csrf;
pub mod form;
pub mod pages;
pub mod problem;
pub mod session;
pub mod view;

use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// What page handlers reach: the service layer (through [`Web::caller`]'s actor) and the CSRF
/// key. Pages never touch a store or the database themselves: every read
/// goes through a use case, which checks the caller's access.
#[derive(Clone)]
pub struct Web {
    /// The service's state, for the use cases of `crate::service` only.
    pub state: crate::state::AppState,
    /// The CSRF tokens' server key.
    pub csrf: csrf::Csrf,
    /// The city's contact for the programme, at the foot of every page.
    pub contact: std::sync::Arc<crate::config::ContactConfig>,
    /// The service's clock, for what a page shows about time (is a window open, today's date).
    pub clock: crate::clock::Clock,
}

impl Web {
    /// The pages over `state`'s use cases, with the state's contact and clock.
    pub fn new(state: crate::state::AppState) -> Self {
        Web {
            csrf: csrf::Csrf::new(state.db.clone()),
            contact: state.contact.clone(),
            clock: state.clock.clone(),
            state,
        }
    }
}

/// The pages' Content-Security-Policy: everything from our own origin, no inline script or style,
/// no framing, forms only to ourselves.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const STYLESHEET: &str = include_str!("assets/style.css");
const SCRIPT: &str = include_str!("assets/app.js");
const ICON: &str = include_str!("assets/favicon.svg");

/// The pages and their assets.
pub fn router(web: Web) -> Router {
    Router::new()
        .merge(pages::routes())
        .route(
            "/static/style.css",
            get(|| asset("text/css; charset=utf-8", STYLESHEET)),
        )
        .route(
            "/static/app.js",
            get(|| asset("text/javascript; charset=utf-8", SCRIPT)),
        )
        // Browsers ask for /favicon.ico whatever the page says; both answer the one icon.
        .route("/static/favicon.svg", get(|| asset("image/svg+xml", ICON)))
        .route("/favicon.ico", get(|| asset("image/svg+xml", ICON)))
        .layer(axum::middleware::from_fn(session::visitor_cookie))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(web)
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// Middleware: the security headers of every page and asset.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set("content-security-policy", CONTENT_SECURITY_POLICY);
    set("x-content-type-options", "nosniff");
    set("x-frame-options", "DENY");
    set("referrer-policy", "same-origin");
    if !headers.contains_key(CACHE_CONTROL) {
        // Pages show personal data: never keep them in a shared or back-button cache.
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The answer to a form that could not be read: too large for [`form::PAGE_FORM_LIMIT_BYTES`], or
/// broken off. A Japanese page that says what happened and what to do; nothing was saved.
pub fn form_refused(too_large: bool) -> Response {
    let limit_mb = form::PAGE_FORM_LIMIT_BYTES / (1024 * 1024);
    let (status, title) = if too_large {
        (StatusCode::PAYLOAD_TOO_LARGE, "送信内容が大きすぎます")
    } else {
        (StatusCode::BAD_REQUEST, "送信内容を受け取れませんでした")
    };
    let body = maud::html! {
        @if too_large {
            p { "送信された内容が大きすぎるため（上限 約" (limit_mb) "MB）、受け付けられませんでした。入力内容は保存されていません。" }
            p { "ブラウザの「戻る」で前のページに戻ると、入力した内容が残っている場合があります。各項目の文字数の上限（項目名の横に表示しています）以内に短くしてから、もう一度送信してください。" }
        } @else {
            p { "通信が途中で切れたため、送信内容を受け取れませんでした。入力内容は保存されていません。" }
            p { "ブラウザの「戻る」で前のページに戻り、もう一度送信してください。" }
        }
        p { a href="/" { "トップページへ" } }
    };
    standalone_page(status, title, body)
}

/// A page outside the layout of signed-in pages (no session is read): for answers given before a
/// handler runs.
fn standalone_page(status: StatusCode, title: &str, body: maud::Markup) -> Response {
    let markup = maud::html! {
        (maud::DOCTYPE)
        html lang="ja" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="stylesheet" href="/static/style.css";
            }
            body { main.wrap { h1 { (title) } (body) } }
        }
    };
    let mut response = (status, axum::response::Html(markup.into_string())).into_response();
    let headers = response.headers_mut();
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The answer for a path nothing serves: problem+json under `/api/`, a page elsewhere.
pub async fn not_found(request: Request) -> Response {
    if request.uri().path().starts_with("/api/") {
        return crate::http::error::ApiError::not_found().into_response();
    }
    let body = maud::html! {
        p { "お探しのページは見つかりませんでした。" }
        p { a href="/" { "トップページへ" } }
    };
    standalone_page(StatusCode::NOT_FOUND, "ページが見つかりません", body)
}
