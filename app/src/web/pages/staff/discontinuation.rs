//! Deciding a request to discontinue (`/staff/grants/{id}/discontinuation`, 中止・廃止の承認): the
//! group's reason as the grant read shows it, and the decision sent to
//! `POST /api/v1/grants/{id}/discontinuation/decision` — approve (with an optional note) or refuse
//! (with the reason the domain requires). The form is offered when the grant read's
//! `allowed_actions` include `decide_discontinuation`; the API's refusal is shown beside the field.

use crate::web::form::PageForm;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use grants_domain::grant::{GrantAction, LONG_TEXT_MAX_CHARS};
use maud::html;

use super::{act, refused_outright, resubmit};
use crate::policy::Staff;
use crate::service::grant_read::GrantRead;
use crate::service::grants::{self, DiscontinuationDecision};
use crate::web::caller::path_id;
use crate::web::command::PageCommand;
use crate::web::form::{Errors, FormData, FormState};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::session::Visitor;
use crate::web::view::{self, error_summary, form_guard, page_with_status, Input};
use crate::web::Web;

/// Deciding a request to discontinue: `/staff/grants/{id}/discontinuation`.
pub fn routes() -> Router<Web> {
    Router::new().route(
        "/staff/grants/{id}/discontinuation",
        get(discontinuation).post(decide),
    )
}

fn page(visitor: &Visitor, id: &str, grant: &GrantRead, state: &FormState) -> Response {
    let decidable = grant.allows(GrantAction::DecideDiscontinuation) || !state.errors.is_empty();
    let approved = state.value("approved") != "false";
    let body = html! {
        p { a href={ "/staff/grants/" (id) } { "交付決定のページへ戻る" } }
        div.summary-box #grant {
            p { "状況：" strong #grant-status { (view::grant_state(grant.status)) } }
            p { "交付決定額：" (grant.decided_amount) "・支払済額：" (grant.paid_total) }
            p { "事業の完了期限：" (view::day(grant.completion_deadline)) }
        }
        @if let Some(record) = &grant.discontinuation {
            dl.facts #discontinuation {
                dt { "申請の理由" } dd { (record.reason) }
                dt { "審査" } dd { (record.status.label_ja()) }
                @if let Some(reason) = &record.decision_reason {
                    dt { "審査の理由・付記" } dd { (reason) }
                }
                @if record.discontinued_on.is_some() {
                    dt { "事業の終了日" } dd { (view::day(record.discontinued_on)) }
                }
            }
        } @else {
            p { "中止（廃止）の承認申請はありません。" }
        }
        @if decidable {
            h2 { "中止（廃止）の承認" }
            p { "承認すると、今日（日本時間）で事業は終わり、完了期限が今日になります。団体はそれまでに使った経費で実績報告を提出し、その審査で額を確定します。交付決定額との差額は募集回の予算に戻ります。" }
            (error_summary(state))
            form.stack method="post" action={ "/staff/grants/" (id) "/discontinuation" } {
                (form_guard(visitor, state))
                fieldset #f-approved {
                    legend { "審査の結果" }
                    label { input type="radio" name="approved" value="true" checked[approved]; " 承認する" }
                    br;
                    label { input type="radio" name="approved" value="false" checked[!approved]; " 承認しない（理由が必要です）" }
                }
                (Input::text("reason", "理由・付記").max(LONG_TEXT_MAX_CHARS).textarea(state))
                div.actions { button type="submit" { "審査の結果を記録する" } }
            }
        }
    };
    let code = state.status();
    page_with_status(code, visitor, "事業の中止（廃止）の承認", body)
}

async fn load(web: &Web, token: &str, id: &str) -> Result<GrantRead, crate::web::problem::Problem> {
    web.reads(token).await?.grant(id).await
}

async fn discontinuation(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    let path = format!("/staff/grants/{id}/discontinuation");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    match load(&web, token, &id).await {
        Ok(grant) => page(&visitor, &id, &grant, &FormState::new(FormData::default())),
        Err(problem) => read_failed(&visitor, &problem, &path),
    }
}

async fn decide(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let path = format!("/staff/grants/{id}/discontinuation");
    let acting = match act(&web, visitor, &form).await {
        Ok(acting) => acting,
        Err((visitor, state)) => {
            return match visitor.token() {
                Some(token) => match load(&web, token, &id).await {
                    Ok(grant) => page(&visitor, &id, &grant, &state),
                    Err(problem) => read_failed(&visitor, &problem, &path),
                },
                None => resubmit(&visitor, &path, "中止（廃止）の承認", &state),
            };
        }
    };
    let state = &web.state;
    let grant = path_id(&id);
    let input = DiscontinuationDecision {
        approved: form.get("approved") != "false",
        reason: form.get("reason").to_owned(),
    };
    let command = PageCommand {
        path: &path,
        form: &form,
        step: "discontinuation-decision",
    };
    let outcome = web
        .once(&acting.token, command, |actor, context| async move {
            let staff = Staff::admit(actor)?;
            grants::decide_discontinuation(state, &context, &staff, grant?, input)
                .await
                .map(|_| ())
        })
        .await;
    let response = match outcome {
        Ok(()) => redirect(&format!("/staff/grants/{id}")),
        Err(problem) => match refused_outright(&acting.visitor, &problem, &path) {
            Some(page_) => page_,
            None => match load(&web, &acting.token, &id).await {
                Ok(grant) => {
                    let errors = Errors::placed(&problem, &["approved", "reason"], &[]);
                    let state = FormState::new(form.typed()).with_errors(errors);
                    page(&acting.visitor, &id, &grant, &state)
                }
                Err(problem) => read_failed(&acting.visitor, &problem, &path),
            },
        },
    };
    acting.finish(response)
}
