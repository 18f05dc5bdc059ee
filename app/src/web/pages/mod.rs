//! The pages, one module per audience: [`public`] (open calls, awarded projects), [`account`]
//! (sign-in, register, sign-out), [`applicant`] (groups, applications, grants and settlement
//! reports), [`reviewer`] (work list and scoresheets), [`staff`] (rounds, screening, committee,
//! ranking, decisions and grants), [`oversight`] (the auditors' log, timelines, state as of an
//! instant, chain verification).

pub mod account;
pub mod applicant;
pub mod documents;
pub mod oversight;
pub mod password;
pub mod public;
pub mod reviewer;
pub mod staff;
pub mod totp;
pub mod verify;

use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use maud::html;

use super::problem::Problem;
use super::session::Visitor;
use super::view;
use super::view::encode;
use super::Web;

/// Every page of the service, with the documents' downloads (`/grants/{id}/documents/{kind}`,
/// `/applications/{id}/documents/{kind}`).
pub fn routes() -> Router<Web> {
    Router::new()
        .merge(public::routes())
        .merge(account::routes())
        .merge(password::routes())
        .merge(verify::routes())
        .merge(totp::routes())
        .merge(applicant::routes())
        .merge(reviewer::routes())
        .merge(staff::routes())
        .merge(oversight::routes())
        .route(
            "/grants/{id}/documents/{kind}",
            axum::routing::get(documents::grant_document),
        )
        .route(
            "/applications/{id}/documents/{kind}",
            axum::routing::get(documents::application_document),
        )
}

/// 303 See Other: after a POST, the browser GETs the result (a reload does not post again).
pub fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

/// The sign-in page that comes back to `path` afterwards.
pub fn login_then(path: &str) -> Response {
    redirect(&format!("/login?next={}", encode(path)))
}

/// A read the API refused: sign in, not found, not allowed, or our failure.
pub fn read_failed(visitor: &Visitor, problem: &Problem, path: &str) -> Response {
    match problem.status {
        StatusCode::UNAUTHORIZED => login_then(path),
        StatusCode::NOT_FOUND => view::page_with_status(
            StatusCode::NOT_FOUND,
            visitor,
            "ページが見つかりません",
            html! { p { (problem.detail_ja) } p { a href="/" { "トップページへ" } } },
        ),
        StatusCode::FORBIDDEN => view::page_with_status(
            StatusCode::FORBIDDEN,
            visitor,
            "このページは表示できません",
            html! { p { (problem.detail_ja) } },
        ),
        status => view::page_with_status(
            if status.is_server_error() {
                status
            } else {
                StatusCode::BAD_REQUEST
            },
            visitor,
            "表示できませんでした",
            html! { p { (problem.detail_ja) } },
        ),
    }
}

/// The page a role starts from after signing in.
pub fn home_of(user: &super::session::User) -> &'static str {
    if user.has("staff") {
        "/staff"
    } else if user.has("reviewer") {
        "/review"
    } else if user.has("auditor") {
        "/audit"
    } else {
        "/my"
    }
}

/// A path of ours to go back to (never another site: `//host` and `/\host` are refused).
pub fn local_path(next: &str) -> Option<&str> {
    let safe = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(char::is_control);
    safe.then_some(next)
}
