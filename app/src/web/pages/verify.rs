//! The page the verification link opens (`/verify-email?token=…`): one button that uses the link
//! (a GET changes nothing: mail scanners open links). The rules are in
//! `crate::auth::verification`.

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::html;
use serde::Deserialize;

use super::account::{from_this_browser, RESUBMIT};
use crate::auth::verification;
use crate::service::CommandContext;
use crate::web::form::{Errors, FormData, FormState, PageForm};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::{error_summary, form_guard, page, page_with_status};
use crate::web::Web;

/// The verification link's page (`/verify-email`) and asking for a new link
/// (`/verify-email/resend`).
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/verify-email", get(verify_form).post(verify))
        .route("/verify-email/resend", axum::routing::post(resend))
}

#[derive(Deserialize)]
struct Token {
    token: Option<String>,
}

fn verify_page(visitor: &Visitor, state: &FormState) -> Response {
    let body = html! {
        p { "ボタンを押すと、このメールアドレスがお使いのものであることを確認します。確認が済むと、申請書を提出できます。" }
        (error_summary(state))
        form.stack method="post" action="/verify-email" {
            (form_guard(visitor, state))
            input type="hidden" name="token" value=(state.value("token"));
            button type="submit" { "メールアドレスを確認する" }
        }
        @if visitor.user.is_some() {
            form.stack method="post" action="/verify-email/resend" {
                input type="hidden" name="_csrf" value=(visitor.csrf);
                p { "リンクの有効期限（7日）が切れたときは、確認のメールをもう一度お送りします。" }
                button type="submit" { "確認のメールをもう一度送る" }
            }
        } @else {
            p { "リンクの有効期限（7日）が切れたときは、" a href="/login?next=/verify-email" { "ログイン" } "して、このページから確認のメールをもう一度送ってください。" }
        }
    };
    page_with_status(state.status(), visitor, "メールアドレスの確認", body)
}

async fn verify_form(visitor: Visitor, Query(token): Query<Token>) -> Response {
    let mut values = FormData::default();
    values.set("token", token.token.unwrap_or_default());
    verify_page(&visitor, &FormState::new(values))
}

async fn verify(State(web): State<Web>, visitor: Visitor, PageForm(form): PageForm) -> Response {
    let form = FormData(form);
    let mut errors = Errors::default();
    if !from_this_browser(&web, &visitor, &form).await {
        errors.add(None, RESUBMIT);
        return verify_page(&visitor, &FormState::new(form.typed()).with_errors(errors));
    }
    let context = CommandContext::at(web.state.clock.now());
    if let Err(error) = verification::confirm(&web.state, form.get("token"), &context).await {
        errors.problem(&error.into(), &[]);
        return verify_page(&visitor, &FormState::new(form.typed()).with_errors(errors));
    }
    let body = html! {
        p #email-verified { "メールアドレスを確認しました。申請書を提出できます。" }
        p { a href="/my" { "マイページへ" } }
    };
    page(&visitor, "メールアドレスを確認しました", body)
}

/// Mails the signed-in user a new link (as `POST /api/v1/sessions/current/email-verification`).
async fn resend(State(web): State<Web>, visitor: Visitor, PageForm(form): PageForm) -> Response {
    let form = FormData(form);
    let mut errors = Errors::default();
    let confirmed = visitor
        .csrf_matches(&web, crate::web::csrf::Binding::Session, form.get("_csrf"))
        .await;
    let Some(token) = visitor.token().filter(|_| confirmed) else {
        errors.add(None, RESUBMIT);
        return verify_page(
            &visitor,
            &FormState::new(FormData::default()).with_errors(errors),
        );
    };
    let resent = async {
        let actor = web.caller_enrolling(token).await?;
        Ok::<_, Problem>(verification::resend(&web.state, &actor, visitor.client).await?)
    };
    if let Err(problem) = resent.await {
        errors.problem(&problem, &[]);
        return verify_page(
            &visitor,
            &FormState::new(FormData::default()).with_errors(errors),
        );
    }
    let body = html! {
        p #verification-sent { "確認のメールをお送りしました。メールのリンクを7日以内に開いてください。" }
    };
    page(&visitor, "確認のメールをお送りしました", body)
}
