//! Opening the accounts of staff, reviewers (審査委員) and auditors (`/staff/users/new`), as
//! `POST /api/v1/users` does: people in those roles cannot register themselves.
//!
//! The API lists no accounts, so the new account's id (利用者ID, what the committee page takes to
//! appoint a reviewer) is shown once, right after the account is opened.
//!
//! The same page resets a colleague's second factor (2段階認証の解除, a lost device) by their
//! address, through the use case `service::second_factor::reset_by_email` run once per submission
//! (`Web::once`); the account's refusals (one's own, none to reset) are shown in Japanese.

use crate::web::form::PageForm;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use grants_domain::account::{Role, DISPLAY_NAME_MAX_CHARS};
use maud::html;
use serde::Deserialize;

use super::{act, refused_outright, status_of};
use crate::policy::Staff;
use crate::service::{second_factor, staff_accounts, ServiceError};
use crate::web::command::PageCommand;
use crate::web::form::{choice, Errors};
use crate::web::form::{FormData, FormState};
use crate::web::pages::{login_then, redirect};
use crate::web::session::Visitor;
use crate::web::view::{error_summary, flash, form_guard, page_with_status, Input};
use crate::web::Web;

/// Opening accounts (`/staff/users/new`) and resetting a colleague's second factor
/// (`/staff/users/totp-reset`).
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/staff/users/new", get(new_user).post(open_user))
        .route("/staff/users/totp-reset", axum::routing::post(reset_totp))
}

/// Where the reset form posts.
const RESET_PATH: &str = "/staff/users/totp-reset";
/// The reset form's field, named apart from the new account's address.
const RESET_FIELDS: &[&str] = &["reset_email"];

const USER_FIELDS: &[&str] = &["display_name", "email", "role", "password"];

/// The roles staff open accounts for, with their Japanese names.
const ROLES: &[(&str, &str)] = &[
    ("reviewer", "審査委員"),
    ("staff", "職員（市民協働推進課）"),
    ("auditor", "監査担当"),
    ("coordinator", "中間支援（市民協働コーディネーター）"),
];

#[derive(Deserialize)]
struct Opened {
    id: Option<String>,
    role: Option<String>,
    /// Set after a second factor was reset.
    totp_reset: Option<String>,
}

fn user_page(visitor: &Visitor, state: &FormState, opened: Option<&Opened>) -> Response {
    user_page_with(visitor, state, &FormState::new(FormData::default()), opened)
}

fn user_page_with(
    visitor: &Visitor,
    state: &FormState,
    reset: &FormState,
    opened: Option<&Opened>,
) -> Response {
    // A password is never sent back to the browser.
    let without_password = FormState {
        values: FormData(
            state
                .values
                .0
                .iter()
                .filter(|(name, _)| name != "password")
                .cloned()
                .collect(),
        ),
        ..state.clone()
    };
    let role = state.value("role");
    let role_error = state.errors.field("role");
    let body = html! {
        @if let Some(Opened { id: Some(id), role, .. }) = opened {
            (flash(Some("アカウントを作成しました。")))
            div.summary-box {
                p { "利用者ID：" strong #new-user-id { code { (id) } } }
                @if role.as_deref() == Some("reviewer") {
                    p { "審査委員のアカウントは、募集回の「審査委員会」の画面で氏名を選んで任命できます。" }
                }
            }
        }
        p { "職員・審査委員・監査担当のアカウントを作成します（申請者は自分で登録します）。パスワードは本人に安全な方法で伝えてください。" }
        (error_summary(state))
        form.stack method="post" action="/staff/users/new" {
            (form_guard(visitor, state))
            (Input::text("display_name", "氏名").required().max(DISPLAY_NAME_MAX_CHARS).render(&without_password))
            (Input::text("email", "メールアドレス").kind("email").required().autocomplete("off").render(&without_password))
            div.field.invalid[role_error.is_some()] {
                label for="f-role" { "役割" span.req { "必須" } }
                @if let Some(error) = role_error { p.error id="e-role" { (error) } }
                select #f-role name="role" aria-describedby=[role_error.map(|_| "e-role")] {
                    @for (code, label) in ROLES {
                        option value=(code) selected[*code == role] { (label) }
                    }
                }
            }
            (Input::text("password", "初期パスワード").kind("password").required().autocomplete("new-password")
                .hint("12文字以上。よく使われるパスワードは設定できません。").render(&without_password))
            div.actions { button type="submit" { "アカウントを作成する" } }
        }
        section #totp-reset {
            h2 { "2段階認証の解除（端末の紛失）" }
            @if opened.is_some_and(|opened| opened.totp_reset.is_some()) {
                (flash(Some("2段階認証を解除しました。本人のログインは終了し、次のログインで設定し直します。")))
            }
            p { "認証アプリの端末をなくした職員・監査担当の2段階認証を解除します。自分の2段階認証は解除できません（ほかの職員に依頼してください）。解除は監査の記録に残ります。" }
            (error_summary(reset))
            form.stack method="post" action=(RESET_PATH) {
                (form_guard(visitor, reset))
                (Input::text("reset_email", "解除するアカウント（ログインに使うメール）").kind("email").required().autocomplete("off").render(reset))
                div.actions { button type="submit" { "2段階認証を解除する" } }
            }
        }
        p { a href="/staff" { "職員トップへ" } }
    };
    page_with_status(
        status_of(&[state, reset]),
        visitor,
        "アカウントの作成",
        body,
    )
}

async fn new_user(visitor: Visitor, Query(opened): Query<Opened>) -> Response {
    if visitor.token().is_none() {
        return login_then("/staff/users/new");
    }
    let mut fields = FormData::default();
    fields.set("role", "reviewer");
    user_page(&visitor, &FormState::new(fields), Some(&opened))
}

async fn open_user(State(web): State<Web>, visitor: Visitor, PageForm(form): PageForm) -> Response {
    let form = FormData(form);
    let acting = match act(&web, visitor, &form).await {
        Ok(acting) => acting,
        // The form needs nothing read, so it comes back whole, signed in or not.
        Err((visitor, state)) => return user_page(&visitor, &state, None),
    };
    let role = choice::<Role>(form.get("role"));
    let user = staff_accounts::NewUser {
        email: form.get("email").trim().to_owned(),
        display_name: form.get("display_name").to_owned(),
        role: role.unwrap_or(Role::Applicant),
        password: form.get("password").to_owned(),
    };
    let state = &web.state;
    let command = PageCommand {
        path: "/staff/users/new",
        form: &form,
        step: "user",
    };
    let created = web
        .once(&acting.token, command, |actor, context| async move {
            let staff = Staff::admit(actor)?;
            if role.is_none() {
                return Err(ServiceError::invalid(
                    "request.invalid_field",
                    "役割を選んでください",
                    "choose a role",
                )
                .with_field("role"));
            }
            let (id, _) = staff_accounts::create(state, &context, &staff, user).await?;
            Ok(id)
        })
        .await;
    let response = match created {
        Ok(id) => redirect(&format!(
            "/staff/users/new?id={id}&role={}",
            crate::web::view::encode(form.get("role"))
        )),
        Err(problem) => refused_outright(&acting.visitor, &problem, "/staff/users/new")
            .unwrap_or_else(|| {
                let errors = Errors::placed(&problem, USER_FIELDS, &[]);
                user_page(
                    &acting.visitor,
                    &FormState::new(form.typed()).with_errors(errors),
                    None,
                )
            }),
    };
    acting.finish(response)
}

/// Resets the second factor of the colleague with the address typed, once per submission.
async fn reset_totp(
    State(web): State<Web>,
    visitor: Visitor,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let empty = || FormState::new(FormData::default());
    let acting = match act(&web, visitor, &form).await {
        Ok(acting) => acting,
        Err((visitor, state)) => return user_page_with(&visitor, &empty(), &state, None),
    };
    let state = &web.state;
    let email = form.get("reset_email").to_owned();
    let command = PageCommand {
        path: RESET_PATH,
        form: &form,
        step: "totp_reset",
    };
    let outcome = web
        .once(&acting.token, command, |actor, context| async move {
            second_factor::reset_by_email(state, &context, &Staff::admit(actor)?, &email).await
        })
        .await;
    let response = match outcome {
        Ok(_) => redirect("/staff/users/new?totp_reset=1#totp-reset"),
        Err(problem) => refused_outright(&acting.visitor, &problem, "/staff/users/new")
            .unwrap_or_else(|| {
                let problem = problem.renamed(&[("email", "reset_email")]);
                let errors = Errors::placed(&problem, RESET_FIELDS, &[]);
                user_page_with(
                    &acting.visitor,
                    &empty(),
                    &FormState::new(form.typed()).with_errors(errors),
                    None,
                )
            }),
    };
    acting.finish(response)
}
