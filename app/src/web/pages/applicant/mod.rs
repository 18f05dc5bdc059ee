//! Applicants: the dashboard (`/my`), registering a group (`/groups/new`), the application form
//! (`/rounds/{id}/apply` for a new draft, `/applications/{id}/edit` afterwards), one application
//! with its status and the reasons it was returned (`/applications/{id}`), withdrawing it,
//! answering the offers it was made (`/applications/{id}/runner-up`, `/promotion`) and the files
//! attached to it (`attachments`); after the award, one grant (`/grants/{id}`: advances,
//! withdrawal, change requests) and its settlement
//! report (`/grants/{id}/report`); a group's member accounts (`/groups/{id}/members`) and the
//! invitation's landing page (`/groups/{id}/join`).
//!
//! Every question and every limit is on the form from the start (the limits are the domain's
//! constants). "保存" saves the draft through the API, which answers the maximum subsidy; a refusal
//! shows the form again with what was typed and the rule beside its field.

mod application_form;
mod applications;
mod attachments;
mod change_files;
mod dashboard;
mod discontinuation;
mod grants;
mod groups;
mod members;
mod promotion;
mod settlement;

use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::service::application_read::ApplicationRead;
use crate::service::round_read::RoundRead;
use crate::web::form::FormData;
use crate::web::problem::Problem;
use crate::web::session::{set_session, Visitor};
use crate::web::Web;
use application_form::{
    edit_application, new_application, preview_maximum, save_application, start_application,
};
use applications::{application, withdraw_application};
use dashboard::{dashboard, read_notice};
use discontinuation::{discontinuation_form, request_discontinuation};
use grants::{change_form, grant, request_advance, request_change, withdraw_grant};
use groups::{new_group, register_group};
use promotion::{answer_promotion, answer_runner_up, promotion, runner_up};
use settlement::{report_form, save_report};

/// The applicants' pages: `/my`, their groups and members, applications, grants, offers and
/// reports.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/my", get(dashboard))
        .route("/my/notices/read", post(read_notice))
        .route("/groups/new", get(new_group).post(register_group))
        .route("/groups/{id}/members", get(members::members))
        .route("/groups/{id}/members/invite", post(members::invite))
        .route(
            "/groups/{id}/members/invitations/withdraw",
            post(members::withdraw_invitation),
        )
        .route("/groups/{id}/members/{uid}/remove", post(members::remove))
        .route(
            "/groups/{id}/members/{uid}/representative",
            post(members::make_representative),
        )
        .route("/groups/{id}/coordinators", post(members::consent))
        .route(
            "/groups/{id}/coordinators/{uid}/withdraw",
            post(members::withdraw_consent),
        )
        .route(
            "/groups/{id}/join",
            get(members::join_form).post(members::join),
        )
        .route(
            "/rounds/{id}/apply",
            get(new_application).post(start_application),
        )
        .route("/applications/{id}", get(application))
        .route(
            "/applications/{id}/edit",
            get(edit_application).post(save_application),
        )
        .route("/applications/{id}/maximum", post(preview_maximum))
        .route("/applications/{id}/withdraw", post(withdraw_application))
        // Uploads alone may be as large as a file (`http::attachments::UPLOAD_BODY_LIMIT_BYTES`).
        .route(
            "/applications/{id}/attachments",
            post(attachments::upload).layer(upload_limit()),
        )
        .route(
            "/applications/{id}/attachments/{attachment_id}",
            get(attachments::download),
        )
        .route(
            "/applications/{id}/attachments/{attachment_id}/remove",
            post(attachments::remove),
        )
        .route(
            "/applications/{id}/promotion",
            get(promotion).post(answer_promotion),
        )
        .route(
            "/applications/{id}/runner-up",
            get(runner_up).post(answer_runner_up),
        )
        .route("/grants/{id}", get(grant))
        .route("/grants/{id}/advance", post(request_advance))
        .route("/grants/{id}/withdraw", post(withdraw_grant))
        .route("/grants/{id}/change", get(change_form).post(request_change))
        .route("/grants/{id}/report", get(report_form).post(save_report))
        .route(
            "/grants/{id}/report/attachments",
            post(attachments::report_upload).layer(upload_limit()),
        )
        .route(
            "/grants/{id}/report/attachments/{attachment_id}",
            get(attachments::report_download),
        )
        .route(
            "/grants/{id}/report/attachments/{attachment_id}/remove",
            post(attachments::report_remove),
        )
        .route(
            "/grants/{id}/changes/{cid}",
            get(change_files::change_files),
        )
        .route(
            "/grants/{id}/changes/{cid}/attachments",
            post(attachments::change_upload).layer(upload_limit()),
        )
        .route(
            "/grants/{id}/changes/{cid}/attachments/{attachment_id}",
            get(attachments::change_download),
        )
        .route(
            "/grants/{id}/changes/{cid}/attachments/{attachment_id}/remove",
            post(attachments::change_remove),
        )
        .route(
            "/grants/{id}/discontinuation",
            get(discontinuation_form).post(request_discontinuation),
        )
}

/// Sets the new session cookie when the guard signed the user in again.
pub(super) fn with_session(
    mut response: Response,
    visitor: &Visitor,
    signed_in_again: bool,
) -> Response {
    if let (true, Some(token)) = (signed_in_again, visitor.token()) {
        let (name, value) = set_session(token, visitor.secure);
        response.headers_mut().append(name, value);
    }
    response
}

/// The rows of a table of repeated fields (`names` in column order) as posted or loaded, without
/// the blank ones, then `blanks` empty rows to type into.
pub(super) fn rows(values: &FormData, names: &[&str], blanks: usize) -> Vec<Vec<String>> {
    let columns: Vec<Vec<&str>> = names.iter().map(|name| values.all(name)).collect();
    let count = columns.iter().map(Vec::len).max().unwrap_or(0);
    (0..count)
        .map(|n| {
            columns
                .iter()
                .map(|column| column.get(n).copied().unwrap_or("").to_owned())
                .collect::<Vec<String>>()
        })
        .filter(|line| !line.iter().all(|field| field.trim().is_empty()))
        .chain(std::iter::repeat_with(|| vec![String::new(); names.len()]).take(blanks))
        .collect()
}

pub(super) fn non_empty(title: &str) -> &str {
    if title.trim().is_empty() {
        "（事業名未入力）"
    } else {
        title
    }
}

#[derive(Deserialize)]
pub(super) struct Flags {
    pub(super) saved: Option<String>,
    pub(super) submitted: Option<String>,
    pub(super) withdrawn: Option<String>,
    pub(super) attached: Option<String>,
    pub(super) removed: Option<String>,
}

/// An application the caller may read and its round (none when the round cannot be read), through
/// the service layer.
pub(super) async fn load_application(
    web: &Web,
    token: &str,
    id: &str,
) -> Result<(ApplicationRead, Option<RoundRead>), Problem> {
    let reads = web.reads(token).await?;
    let application = reads.application(id).await?;
    let round = reads.round(&application.round_id.to_string()).await.ok();
    Ok((application, round))
}

/// Beside a form's "保存して提出", for a coordinator (中間支援): submission is the group's unless
/// its representative allowed it (the API says which, `group.coordinator_may_not_submit`).
fn coordinator_submit_hint(visitor: &Visitor) -> maud::Markup {
    maud::html! {
        @if visitor.user.as_ref().is_some_and(|user| user.has("coordinator")) {
            p.hint { "中間支援の方が提出できるのは、団体の代表者が提出を認めている場合だけです。認められていないときは、保存したうえで団体に提出を依頼してください。" }
        }
    }
}

/// The body limit of an upload route: one file at its limit, and the form around it.
fn upload_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(crate::http::attachments::UPLOAD_BODY_LIMIT_BYTES)
}
