//! Sign-in (`/login`), registering an applicant account (`/register`) and sign-out (`/logout`).
//! The session cookie holds the API's bearer token; it is HttpOnly and SameSite=Lax, and Secure
//! when the page was reached over https.

use crate::web::form::PageForm;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::html;
use serde::Deserialize;

use super::{home_of, local_path, redirect};
use crate::service::sessions::{self, SignUp};
use crate::web::command::PageCommand;
use crate::web::csrf::Binding;
use crate::web::form::{sign_in, sign_in_with_code, Errors, FormData, FormState};
use crate::web::session::{clear_session, set_session, Visitor};
use crate::web::view::{error_summary, form_guard, page, page_with_status, Input};
use crate::web::Web;

/// The sign-in, registration and sign-out pages: `/login`, `/register`, `/logout`.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/register", get(register_form).post(register))
        .route("/logout", axum::routing::post(logout))
}

/// Whether a form shown before sign-in came from this browser.
pub(super) async fn from_this_browser(web: &Web, visitor: &Visitor, form: &FormData) -> bool {
    let presented = form.get("_csrf");
    visitor.csrf_matches(web, Binding::Visitor, presented).await
        || visitor.csrf_matches(web, Binding::Session, presented).await
}

pub(super) const RESUBMIT: &str = "送信を確認できませんでした。もう一度送信してください。";

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

fn login_page(visitor: &Visitor, state: &FormState) -> Response {
    let body = html! {
        (error_summary(state))
        form.stack method="post" action="/login" {
            (form_guard(visitor, state))
            input type="hidden" name="next" value=(state.value("next"));
            (Input::text("email", "メールアドレス").kind("email").required().autocomplete("username").render(state))
            (Input::text("password", "パスワード").kind("password").required().autocomplete("current-password").render(&FormState { values: FormData::default(), ..state.clone() }))
            (Input::text("code", "確認コード（2段階認証を設定した方のみ）").autocomplete("one-time-code")
                .hint("認証アプリの6桁のコード、または回復コード").render(&FormState { values: FormData::default(), ..state.clone() }))
            button type="submit" { "ログイン" }
        }
        p { "はじめての方は " a href="/register" { "新規登録" } " してください。" }
        p { a href="/password/forgot" { "パスワードをお忘れの方" } }
    };
    let status = state.status();
    page_with_status(status, visitor, "ログイン", body)
}

async fn login_form(visitor: Visitor, Query(next): Query<Next>) -> Response {
    if let (Some(user), None) = (&visitor.user, &next.next) {
        return redirect(home_of(user));
    }
    let mut values = FormData::default();
    values.set("next", next.next.unwrap_or_default());
    let mut state = FormState::new(values);
    if visitor.session_expired() {
        state.errors.add(
            None,
            "ログインの有効期限が切れました。もう一度ログインしてください。",
        );
    }
    login_page(&visitor, &state)
}

async fn login(State(web): State<Web>, visitor: Visitor, PageForm(form): PageForm) -> Response {
    let form = FormData(form);
    let mut errors = Errors::default();
    if !from_this_browser(&web, &visitor, &form).await {
        errors.add(None, RESUBMIT);
        return login_page(&visitor, &FormState::new(form.typed()).with_errors(errors));
    }
    match sign_in_with_code(
        &web,
        visitor.client,
        form.get("email"),
        form.get("password"),
        form.get("code"),
    )
    .await
    {
        Ok((token, user)) => {
            let to = local_path(form.get("next"))
                .unwrap_or(home_of(&user))
                .to_owned();
            let mut response = redirect(&to);
            let (name, value) = set_session(&token, visitor.secure);
            response.headers_mut().append(name, value);
            response
        }
        Err(problem) => {
            errors.add(None, problem.detail_ja);
            login_page(&visitor, &FormState::new(form.typed()).with_errors(errors))
        }
    }
}

const REGISTER_FIELDS: &[&str] = &["display_name", "email", "password"];

fn register_page(visitor: &Visitor, state: &FormState) -> Response {
    let body = html! {
        p { "補助金を申請する団体の担当者として、アカウントを作成します。" }
        (error_summary(state))
        form.stack method="post" action="/register" {
            (form_guard(visitor, state))
            (Input::text("display_name", "お名前").required().max(100).autocomplete("name").render(state))
            (Input::text("email", "メールアドレス").kind("email").required().autocomplete("email").render(state))
            (Input::text("password", "パスワード").kind("password").required().autocomplete("new-password")
                .hint("12文字以上。よく使われるパスワードは登録できません。").render(&FormState { values: FormData::default(), ..state.clone() }))
            button type="submit" { "登録する" }
        }
    };
    let status = state.status();
    page_with_status(status, visitor, "新規登録", body)
}

async fn register_form(visitor: Visitor) -> Response {
    register_page(&visitor, &FormState::new(FormData::default()))
}

async fn register(State(web): State<Web>, visitor: Visitor, PageForm(form): PageForm) -> Response {
    let form = FormData(form);
    let mut errors = Errors::default();
    if !from_this_browser(&web, &visitor, &form).await {
        errors.add(None, RESUBMIT);
        return register_page(&visitor, &FormState::new(form.typed()).with_errors(errors));
    }
    let sign_up = SignUp {
        email: form.get("email").to_owned(),
        password: form.get("password").to_owned(),
        display_name: form.get("display_name").to_owned(),
    };
    let state = &web.state;
    let client = visitor.client;
    let command = PageCommand {
        path: "/register",
        form: &form,
        step: "register",
    };
    let opened = web
        .once_signed_out(&visitor, command, |context| async move {
            let (id, _) = sessions::sign_up(state, &context, client, sign_up).await?;
            Ok(id)
        })
        .await;
    if let Err(problem) = opened {
        errors.problem(&problem, REGISTER_FIELDS);
        return register_page(&visitor, &FormState::new(form.typed()).with_errors(errors));
    }
    match sign_in(
        &web,
        visitor.client,
        form.get("email"),
        form.get("password"),
    )
    .await
    {
        Ok((token, _)) => {
            let mut response = redirect("/my");
            let (name, value) = set_session(&token, visitor.secure);
            response.headers_mut().append(name, value);
            response
        }
        Err(_) => redirect("/login"),
    }
}

async fn logout(State(web): State<Web>, visitor: Visitor, PageForm(form): PageForm) -> Response {
    let form = FormData(form);
    let confirmed = visitor
        .csrf_matches(&web, Binding::Session, form.get("_csrf"))
        .await;
    if let (Some(token), true) = (visitor.token(), confirmed) {
        let now = web.state.clock.now();
        if let Err(error) =
            crate::auth::sign_out(&web.state.db, &web.state.sessions, token, now).await
        {
            tracing::warn!(%error, "a session could not be ended on sign-out");
        }
    } else if visitor.user.is_some() {
        // Not from our form: ask, rather than sign anyone out from another site.
        let body = html! {
            form method="post" action="/logout" {
                input type="hidden" name="_csrf" value=(visitor.csrf);
                button type="submit" { "ログアウトする" }
            }
        };
        return page(&visitor, "ログアウトしますか", body);
    }
    let mut response = redirect("/");
    response
        .headers_mut()
        .append(SET_COOKIE, clear_session(visitor.secure).1);
    response.into_response()
}
