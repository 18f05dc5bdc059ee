//! Asking to discontinue a project (`/grants/{id}/discontinuation`, 事業中止（廃止）承認申請): the
//! reason, sent to `POST /api/v1/grants/{id}/discontinuation`. The form is offered when the grant
//! read's `allowed_actions` (the domain's) include `request_discontinuation`; the API's refusal is
//! shown beside the reason, with what was typed.

use crate::web::form::PageForm;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use grants_domain::grant::{GrantAction, LONG_TEXT_MAX_CHARS};
use maud::html;

use super::grants::{grant_summary, load_grant};
use super::with_session;
use crate::policy::Applicant;
use crate::service::grant_read::GrantRead;
use crate::service::grants::{self, DiscontinuationRequest};
use crate::web::caller::path_id;
use crate::web::command::PageCommand;
use crate::web::form::{guard, Errors, FormData, FormState, Guard};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::session::Visitor;
use crate::web::view::{error_summary, form_guard, page_with_status, Input};
use crate::web::Web;

/// The form; without the grant read (the session ended while it was typed), the form alone.
fn discontinuation_page(
    visitor: &Visitor,
    id: &str,
    grant: Option<&GrantRead>,
    state: &FormState,
) -> Response {
    let allowed = grant.is_some_and(|grant| grant.allows(GrantAction::RequestDiscontinuation));
    let body = html! {
        @if let Some(grant) = grant { (grant_summary(grant)) }
        p { "事業を続けられなくなったときは、中止（廃止）の承認を申請してください。市が承認すると、承認の日で事業は終わり、それまでに使った経費で実績報告を提出していただきます。補助金の額は実績報告をもとに確定し、受け取った概算払が確定額を上回るときは差額を返還していただきます。" }
        @if allowed || !state.errors.is_empty() {
            (error_summary(state))
            form.stack method="post" action={ "/grants/" (id) "/discontinuation" } {
                (form_guard(visitor, state))
                (Input::text("reason", "中止（廃止）の理由").required().max(LONG_TEXT_MAX_CHARS).textarea(state))
                div.actions { button.danger type="submit" { "中止（廃止）の承認を申請する" } }
            }
        } @else {
            p { "この交付決定は、いまの状況では中止（廃止）を申請できません。" }
        }
        p { a href={ "/grants/" (id) } { "交付決定のページへ戻る" } }
    };
    let code = state.status();
    page_with_status(code, visitor, "事業の中止（廃止）の承認申請", body)
}

pub(super) async fn discontinuation_form(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    let path = format!("/grants/{id}/discontinuation");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    match load_grant(&web, token, &id).await {
        Ok((grant, _)) => discontinuation_page(
            &visitor,
            &id,
            Some(&grant),
            &FormState::new(FormData::default()),
        ),
        Err(problem) => read_failed(&visitor, &problem, &path),
    }
}

pub(super) async fn request_discontinuation(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let path = format!("/grants/{id}/discontinuation");
    let (visitor, token, again) = match guard(&web, visitor, &form).await {
        Guard::Proceed {
            visitor,
            token,
            signed_in_again,
        } => (visitor, token, signed_in_again),
        Guard::Rerender { visitor, state } => {
            let grant = match visitor.token() {
                Some(token) => load_grant(&web, token, &id).await.ok().map(|found| found.0),
                None => None,
            };
            return discontinuation_page(&visitor, &id, grant.as_ref(), &state);
        }
    };
    let state = &web.state;
    let grant = path_id(&id);
    let input = DiscontinuationRequest {
        reason: form.get("reason").to_owned(),
    };
    let command = PageCommand {
        path: &path,
        form: &form,
        step: "discontinuation",
    };
    let outcome = web
        .once(&token, command, |actor, context| async move {
            let applicant = Applicant::admit(actor)?;
            grants::request_discontinuation(state, &context, &applicant, grant?, input)
                .await
                .map(|_| ())
        })
        .await;
    let response = match outcome {
        Ok(()) => redirect(&format!("/grants/{id}?discontinuation=1")),
        Err(problem) if problem.status == StatusCode::NOT_FOUND => {
            read_failed(&visitor, &problem, &path)
        }
        Err(problem) => {
            let mut errors = Errors::default();
            errors.problem(&problem, &["reason"]);
            let grant = match load_grant(&web, &token, &id).await {
                Ok((grant, _)) => grant,
                Err(problem) => return read_failed(&visitor, &problem, &path),
            };
            discontinuation_page(
                &visitor,
                &id,
                Some(&grant),
                &FormState::new(form.typed()).with_errors(errors),
            )
        }
    };
    with_session(response, &visitor, again)
}
