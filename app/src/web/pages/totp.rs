//! 2段階認証の設定 (`/account/totp`): start enrolment (the secret and its `otpauth://` URI to type or
//! paste into an authenticator app), confirm it with the app's code, and read the recovery codes
//! once. The API does the work (`http/totp.rs`, `crate::auth::totp`).

use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::html;

use super::login_then;
use crate::service::{second_factor, CommandContext};
use crate::web::csrf::Binding;
use crate::web::form::{Errors, FormData, FormState, PageForm};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::{error_summary, page, page_with_status, Input};
use crate::web::Web;

const PATH: &str = "/account/totp";

/// The second factor's set-up: `/account/totp`, and its start and confirm forms.
pub fn routes() -> Router<Web> {
    Router::new()
        .route(PATH, get(start_page))
        .route("/account/totp/start", post(start))
        .route("/account/totp/confirm", post(confirm))
}

async fn start_page(visitor: Visitor) -> Response {
    if visitor.user.is_none() {
        return login_then(PATH);
    }
    let body = html! {
        p { "ログインのときに、パスワードに加えて認証アプリ（Google Authenticator など）の6桁のコードを入力するようにします。職員・監査の方は設定してください。" }
        form.stack method="post" action="/account/totp/start" {
            input type="hidden" name="_csrf" value=(visitor.csrf);
            button type="submit" { "2段階認証の設定を始める" }
        }
    };
    page(&visitor, "2段階認証の設定", body)
}

fn confirm_page(visitor: &Visitor, secret: &str, uri: &str, state: &FormState) -> Response {
    let body = html! {
        p { "認証アプリに次の設定キーを入力するか、URI を貼り付けてください。そのあと、アプリに表示された6桁のコードを入力してください。" }
        dl {
            dt { "設定キー" } dd { code #totp-secret { (secret) } }
            dt { "URI" } dd { code #totp-uri { (uri) } }
        }
        (error_summary(state))
        form.stack method="post" action="/account/totp/confirm" {
            input type="hidden" name="_csrf" value=(visitor.csrf);
            input type="hidden" name="secret" value=(secret);
            input type="hidden" name="uri" value=(uri);
            (Input::text("code", "確認コード").required().autocomplete("one-time-code").render(state))
            button type="submit" { "設定を完了する" }
        }
    };
    page_with_status(state.status(), visitor, "2段階認証の設定", body)
}

async fn confirmed(web: &Web, visitor: &Visitor, form: &FormData) -> Option<String> {
    let ok = visitor
        .csrf_matches(web, Binding::Session, form.get("_csrf"))
        .await;
    visitor.token().filter(|_| ok).map(str::to_owned)
}

async fn start(State(web): State<Web>, visitor: Visitor, PageForm(form): PageForm) -> Response {
    let form = FormData(form);
    let Some(token) = confirmed(&web, &visitor, &form).await else {
        return login_then(PATH);
    };
    let begun = async {
        let actor = web.caller_enrolling(&token).await?;
        Ok::<_, Problem>(second_factor::begin(&web.state, &actor).await?)
    };
    match begun.await {
        Ok(begun) => confirm_page(
            &visitor,
            &begun.secret,
            &begun.otpauth_uri,
            &FormState::new(FormData::default()),
        ),
        Err(problem) => {
            let body = html! { p.error { (problem.detail_ja) } };
            page(&visitor, "2段階認証の設定", body)
        }
    }
}

async fn confirm(State(web): State<Web>, visitor: Visitor, PageForm(form): PageForm) -> Response {
    let form = FormData(form);
    let Some(token) = confirmed(&web, &visitor, &form).await else {
        return login_then(PATH);
    };
    let done = async {
        let actor = web.caller_enrolling(&token).await?;
        let context = CommandContext::at(web.state.clock.now());
        let code = form.get("code");
        Ok::<_, Problem>(second_factor::confirm(&web.state, &context, &actor, code).await?)
    };
    match done.await {
        Ok(codes) => {
            let body = html! {
                p { "2段階認証を設定しました。次の回復コードは、認証アプリを使えないときに1回ずつ使えます。この画面でしか表示しませんので、安全な場所に控えてください。" }
                ul #recovery-codes { @for code in codes { li { code { (code) } } } }
            };
            page(&visitor, "2段階認証を設定しました", body)
        }
        Err(problem) => {
            let mut errors = Errors::default();
            errors.problem(&problem, &["code"]);
            confirm_page(
                &visitor,
                form.get("secret"),
                form.get("uri"),
                &FormState::new(form.typed()).with_errors(errors),
            )
        }
    }
}
