//! 「パスワードをお忘れの方」 (`/password/forgot`): ask for a one-time link by e-mail; and the reset
//! form the link opens (`/password/reset?token=…`). Both call the API (`http/password_reset.rs`);
//! the rules are in `crate::auth::reset`.

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::html;
use serde::Deserialize;

use super::account::{from_this_browser, RESUBMIT};
use crate::service::{password_reset, CommandContext};
use crate::web::form::{Errors, FormData, FormState, PageForm};
use crate::web::session::Visitor;
use crate::web::view::{error_summary, form_guard, page, page_with_status, Input};
use crate::web::Web;

/// The password reset pages: `/password/forgot` and `/password/reset`.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/password/forgot", get(forgot_form).post(forgot))
        .route("/password/reset", get(reset_form).post(reset))
}

fn forgot_page(visitor: &Visitor, state: &FormState) -> Response {
    let body = html! {
        p { "登録したメールアドレスを入力してください。パスワードを設定し直すためのリンクをお送りします（30分間、一度だけ使えます）。" }
        (error_summary(state))
        form.stack method="post" action="/password/forgot" {
            (form_guard(visitor, state))
            (Input::text("email", "メールアドレス").kind("email").required().autocomplete("username").render(state))
            button type="submit" { "再設定のリンクを送る" }
        }
        p { a href="/login" { "ログインに戻る" } }
    };
    page_with_status(state.status(), visitor, "パスワードをお忘れの方", body)
}

async fn forgot_form(visitor: Visitor) -> Response {
    forgot_page(&visitor, &FormState::new(FormData::default()))
}

async fn forgot(State(web): State<Web>, visitor: Visitor, PageForm(form): PageForm) -> Response {
    let form = FormData(form);
    let mut errors = Errors::default();
    if !from_this_browser(&web, &visitor, &form).await {
        errors.add(None, RESUBMIT);
        return forgot_page(&visitor, &FormState::new(form.typed()).with_errors(errors));
    }
    let requested = password_reset::request(&web.state, form.get("email"), visitor.client).await;
    if let Err(error) = requested {
        errors.problem(&error.into(), &["email"]);
        return forgot_page(&visitor, &FormState::new(form.typed()).with_errors(errors));
    }
    let body = html! {
        p #reset-sent { "入力されたメールアドレスが登録されていれば、パスワードを設定し直すためのリンクをお送りしました。メールをご確認ください。" }
        p { "メールが届かないときは、迷惑メールのフォルダもご確認のうえ、しばらくしてからもう一度お申し込みください。" }
        p { a href="/login" { "ログインに戻る" } }
    };
    page(&visitor, "再設定のリンクをお送りしました", body)
}

#[derive(Deserialize)]
struct Token {
    token: Option<String>,
}

fn reset_page(visitor: &Visitor, state: &FormState) -> Response {
    let body = html! {
        (error_summary(state))
        form.stack method="post" action="/password/reset" {
            (form_guard(visitor, state))
            input type="hidden" name="token" value=(state.value("token"));
            (Input::text("password", "新しいパスワード").kind("password").required().autocomplete("new-password")
                .hint("12文字以上。よく使われるパスワードは使えません。").render(&FormState { values: FormData::default(), ..state.clone() }))
            button type="submit" { "パスワードを設定する" }
        }
        p { "リンクの有効期限が切れたときは " a href="/password/forgot" { "もう一度お申し込み" } " ください。" }
    };
    page_with_status(state.status(), visitor, "パスワードの再設定", body)
}

async fn reset_form(visitor: Visitor, Query(token): Query<Token>) -> Response {
    let mut values = FormData::default();
    values.set("token", token.token.unwrap_or_default());
    reset_page(&visitor, &FormState::new(values))
}

async fn reset(State(web): State<Web>, visitor: Visitor, PageForm(form): PageForm) -> Response {
    let form = FormData(form);
    let mut errors = Errors::default();
    if !from_this_browser(&web, &visitor, &form).await {
        errors.add(None, RESUBMIT);
        return reset_page(&visitor, &FormState::new(form.typed()).with_errors(errors));
    }
    let context = CommandContext::at(web.state.clock.now());
    let password = form.get("password").to_owned();
    let reset = password_reset::confirm(&web.state, &context, form.get("token"), password).await;
    if let Err(error) = reset {
        errors.problem(&error.into(), &["password"]);
        return reset_page(&visitor, &FormState::new(form.typed()).with_errors(errors));
    }
    let body = html! {
        p #reset-done { "パスワードを設定し直しました。新しいパスワードでログインしてください。" }
        p { a href="/login" { "ログイン" } }
    };
    page(&visitor, "パスワードを設定し直しました", body)
}
