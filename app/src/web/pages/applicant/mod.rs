//! Applicants: the dashboard (`/my`), registering a group (`/groups/new`), the application form
//! (`/rounds/{id}/apply` for a new draft, `/applications/{id}/edit` afterwards), one application
//! with its status and the reasons it was returned (`/applications/{id}`), and withdrawing it.
//!
//! Every question and every limit is on the form from the start (the limits are the domain's
//! constants). "保存" saves the draft through the API, which answers the maximum subsidy; a refusal
//! shows the form again with what was typed and the rule beside its field.

mod application_form;
mod applications;
mod dashboard;
mod groups;

use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::web::api::{encode, Problem};
use crate::web::form::Errors;
use crate::web::session::{set_session, Visitor};
use crate::web::view::text;
use crate::web::Web;
use application_form::{edit_application, new_application, save_application, start_application};
use applications::{application, withdraw_application};
use dashboard::dashboard;
use groups::{new_group, register_group};

pub fn routes() -> Router<Web> {
    Router::new()
        .route("/my", get(dashboard))
        .route("/groups/new", get(new_group).post(register_group))
        .route(
            "/rounds/{id}/apply",
            get(new_application).post(start_application),
        )
        .route("/applications/{id}", get(application))
        .route(
            "/applications/{id}/edit",
            get(edit_application).post(save_application),
        )
        .route("/applications/{id}/withdraw", post(withdraw_application))
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

/// A number field as JSON: digits (full-width ones and commas allowed) become a number, an empty
/// field 0, anything else stays text so that the API refuses it; `bad` collects such fields.
pub(super) fn number(value: &str, field: &str, bad: &mut Vec<String>) -> Value {
    let digits: String = value
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | '¥' | '￥' | '円'))
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect();
    if digits.is_empty() {
        return json!(0);
    }
    match digits.parse::<u64>() {
        Ok(number) => json!(number),
        Err(_) => {
            bad.push(field.to_owned());
            json!(value)
        }
    }
}

/// Shows a problem the API answered about a form whose number fields `bad` could not be read: the
/// API's message goes beside the first of them.
pub(super) fn place(
    errors: &mut Errors,
    problem: &Problem,
    fields: &[&str],
    by_code: &[(&str, &str)],
    bad: &[String],
) {
    if problem.code == "request.invalid_field" {
        if let Some(field) = bad.first() {
            errors.add(Some(field), problem.detail_ja.clone());
            return;
        }
    }
    errors.problem(problem, fields, by_code);
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
}

pub(super) async fn load_application(
    web: &Web,
    token: &str,
    id: &str,
) -> Result<(Value, Option<Value>), Problem> {
    let application = web
        .api
        .get(format!("/api/v1/applications/{}", encode(id)), Some(token))
        .await?;
    let round = web
        .api
        .get(
            format!("/api/v1/rounds/{}", encode(text(&application["round_id"]))),
            Some(token),
        )
        .await
        .ok();
    Ok((application, round))
}
