//! A group's member accounts (`/groups/{id}/members`, issue 18): the members with the
//! representative (代表者), the invitations still open, a form to invite an address, and for the
//! representative a button per member to hand the role over or remove the member, and one per open
//! invitation to withdraw it (staff see that one too). The mailed link
//! lands on `/groups/{id}/join?token=…`, which accepts the invitation for the signed-in account.
//! Everything goes through `/api/v1/groups/{id}/members…`; a refusal is shown on the page.

use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use serde_json::{json, Value};

use super::with_session;
use crate::web::api::{encode, Call, Problem};
use crate::web::form::{guard, Errors, FormData, FormState, Guard, PageForm};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::session::Visitor;
use crate::web::view::{error_summary, form_guard, page_with_status, text, Input};
use crate::web::Web;

/// What the page says after a step that succeeded (`?done=`).
#[derive(Deserialize, Default)]
pub(super) struct Done {
    #[serde(default)]
    done: String,
}

fn done_message(done: &str) -> Option<&'static str> {
    match done {
        "invited" => Some("招待のメールを送りました。"),
        "removed" => Some("メンバーを削除しました。"),
        "handed" => Some("代表者を交代しました。"),
        "consented" => Some("コーディネーターへの同意を記録しました。"),
        "withdrawn" => Some("コーディネーターへの同意を撤回しました。"),
        "uninvited" => Some("招待を取り消しました。リンクは使えなくなりました。"),
        _ => None,
    }
}

/// An RFC 3339 instant of the API (JST) as a Japanese date and time.
fn jst_text(value: &Value) -> String {
    let raw = text(value);
    match (raw.get(..10), raw.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time}"),
        _ => raw.to_owned(),
    }
}

fn members_page(
    visitor: &Visitor,
    id: &str,
    list: &Value,
    done: Option<&str>,
    state: &FormState,
) -> Response {
    let me = visitor.user.as_ref().map(|user| user.id.as_str());
    let i_represent = me.is_some() && list["representative"].as_str() == me;
    let may_withdraw = i_represent || visitor.user.as_ref().is_some_and(|user| user.has("staff"));
    let members = list["members"].as_array().cloned().unwrap_or_default();
    let invitations = list["invitations"].as_array().cloned().unwrap_or_default();
    let coordinators = list["coordinators"].as_array().cloned().unwrap_or_default();
    let body = html! {
        @if let Some(done) = done { p.notice role="status" { (done) } }
        (error_summary(state))
        p { "団体のメンバーは、この団体の申請と交付決定の手続を行えます。代表者はメンバーの削除と代表者の交代ができます。" }
        section aria-labelledby="members" {
            h2 #members { "メンバー（" (members.len()) "人）" }
            table #member-list {
                thead { tr { th scope="col" { "氏名" } th scope="col" { "役割" } @if i_represent { th scope="col" { "操作" } } } }
                tbody {
                    @for member in &members {
                        @let uid = text(&member["user_id"]);
                        @let representative = member["representative"] == true;
                        tr {
                            td { (text(&member["display_name"])) @if Some(uid) == me { "（あなた）" } }
                            td { @if representative { strong { "代表者" } } @else { "メンバー" } }
                            @if i_represent {
                                td {
                                    @if !representative {
                                        form.inline method="post" action={ "/groups/" (id) "/members/" (uid) "/representative" } {
                                            (form_guard(visitor, state))
                                            button type="submit" { "代表者にする" }
                                        }
                                        form.inline method="post" action={ "/groups/" (id) "/members/" (uid) "/remove" } {
                                            (form_guard(visitor, state))
                                            button.danger type="submit" { "削除する" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="invitations" {
            h2 #invitations { "招待中" }
            @if invitations.is_empty() {
                p { "招待中のメールアドレスはありません。" }
            } @else {
                ul #invitation-list { @for invitation in &invitations {
                    li {
                        (text(&invitation["email"])) "（" (jst_text(&invitation["expires_at"])) "まで有効）"
                        @if may_withdraw {
                            " "
                            form.inline method="post" action={ "/groups/" (id) "/members/invitations/withdraw" } {
                                (form_guard(visitor, state))
                                input type="hidden" name="invited_email" value=(text(&invitation["email"]));
                                button.danger type="submit" { "招待を取り消す" }
                            }
                        }
                    }
                } }
            }
            form.stack method="post" action={ "/groups/" (id) "/members/invite" } {
                (form_guard(visitor, state))
                (Input::text("email", "招待するメールアドレス").kind("email").required().render(state))
                p.hint { "招待のリンクをメールで送ります。リンクは7日間、一度だけ使えます。" }
                div.actions { button type="submit" { "招待する" } }
            }
        }
        section aria-labelledby="coordinators" {
            h2 #coordinators { "コーディネーター（中間支援）" }
            p { "団体が同意したコーディネーターは、この団体の申請の下書きと実績報告を閲覧・編集できます。提出は、団体が認めた場合だけできます。同意と撤回は代表者が行います。" }
            @if coordinators.is_empty() {
                p { "同意しているコーディネーターはいません。" }
            } @else {
                table #coordinator-list {
                    thead { tr { th scope="col" { "氏名" } th scope="col" { "提出" } @if i_represent { th scope="col" { "操作" } } } }
                    tbody {
                        @for coordinator in &coordinators {
                            @let uid = text(&coordinator["user_id"]);
                            tr {
                                td { (text(&coordinator["display_name"])) }
                                td { @if coordinator["may_submit"] == true { "認める" } @else { "認めない" } }
                                @if i_represent {
                                    td {
                                        form.inline method="post" action={ "/groups/" (id) "/coordinators/" (uid) "/withdraw" } {
                                            (form_guard(visitor, state))
                                            button.danger type="submit" { "同意を撤回する" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if i_represent {
                form.stack method="post" action={ "/groups/" (id) "/coordinators" } {
                    (form_guard(visitor, state))
                    (Input::text("coordinator_id", "コーディネーターのアカウントID（コーディネーターから伝えられたもの）").required().render(state))
                    div.field {
                        label { input type="checkbox" name="may_submit" value="true"; " 申請と実績報告の提出も認める" }
                    }
                    div.actions { button type="submit" { "このコーディネーターに同意する" } }
                }
            }
        }
        p { a href="/my" { "マイページへ戻る" } }
    };
    let title = format!("{}のメンバー", text(&list["group_name"]));
    page_with_status(state.status(), visitor, &title, body)
}

async fn load(web: &Web, token: &str, id: &str) -> Result<Value, Problem> {
    web.api
        .get(
            format!("/api/v1/groups/{}/members", encode(id)),
            Some(token),
        )
        .await
}

pub(super) async fn members(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let path = format!("/groups/{id}/members");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    match load(&web, token, &id).await {
        Ok(list) => members_page(
            &visitor,
            &id,
            &list,
            done_message(&done.done),
            &FormState::new(FormData::default()),
        ),
        Err(problem) => read_failed(&visitor, &problem, &path),
    }
}

/// Runs one step of the page through the API; back to the page with `done`, or the page again with
/// the refusal.
async fn step(
    web: Web,
    visitor: Visitor,
    id: &str,
    form: FormData,
    call: impl FnOnce(&str) -> Call<'_>,
    done: &str,
) -> Response {
    let path = format!("/groups/{id}/members");
    let (visitor, token, again) = match guard(&web, visitor, &form).await {
        Guard::Proceed {
            visitor,
            token,
            signed_in_again,
        } => (visitor, token, signed_in_again),
        Guard::Rerender { visitor, state } => {
            return match visitor.token() {
                Some(token) => match load(&web, token, id).await {
                    Ok(list) => members_page(&visitor, id, &list, None, &state),
                    Err(problem) => read_failed(&visitor, &problem, &path),
                },
                None => login_then(&path),
            };
        }
    };
    let response = match web.api.send(call(&token)).await {
        Ok(_) => redirect(&format!("{path}?done={done}")),
        Err(problem) if problem.status == StatusCode::NOT_FOUND => {
            read_failed(&visitor, &problem, &path)
        }
        Err(problem) => {
            let mut errors = Errors::default();
            // A refusal of a withdrawal names the address's field, which is hidden: shown above.
            let problem = problem.renamed(&[("email", done_field(done))]);
            errors.problem(&problem, &["email", "coordinator_id"]);
            match load(&web, &token, id).await {
                Ok(list) => members_page(
                    &visitor,
                    id,
                    &list,
                    None,
                    &FormState::new(form.typed()).with_errors(errors),
                ),
                Err(problem) => read_failed(&visitor, &problem, &path),
            }
        }
    };
    with_session(response, &visitor, again)
}

pub(super) async fn invite(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let email = form.get("email").to_owned();
    let api = format!("/api/v1/groups/{}/members/invitations", encode(&id));
    let key = form.idempotency_key("invite");
    step(
        web,
        visitor,
        &id,
        form,
        move |token| {
            Call::command(
                Method::POST,
                api,
                Some(token),
                Some(json!({ "email": email })),
            )
            .idempotent(key)
        },
        "invited",
    )
    .await
}

/// The field a step's refusal naming `email` is shown beside: the invitation form's, except for a
/// withdrawal, whose address is a hidden field (its refusal goes to the page's summary).
fn done_field(done: &str) -> &'static str {
    if done == "uninvited" {
        "invited_email"
    } else {
        "email"
    }
}

pub(super) async fn withdraw_invitation(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let email = form.get("invited_email").to_owned();
    let api = format!(
        "/api/v1/groups/{}/members/invitations/withdraw",
        encode(&id)
    );
    let key = form.idempotency_key("withdraw-invitation");
    step(
        web,
        visitor,
        &id,
        form,
        move |token| {
            Call::command(
                Method::POST,
                api,
                Some(token),
                Some(json!({ "email": email })),
            )
            .idempotent(key)
        },
        "uninvited",
    )
    .await
}

pub(super) async fn remove(
    State(web): State<Web>,
    visitor: Visitor,
    Path((id, uid)): Path<(String, String)>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let api = format!("/api/v1/groups/{}/members/{}", encode(&id), encode(&uid));
    let key = form.idempotency_key("remove");
    step(
        web,
        visitor,
        &id,
        form,
        move |token| Call::command(Method::DELETE, api, Some(token), None).idempotent(key),
        "removed",
    )
    .await
}

pub(super) async fn make_representative(
    State(web): State<Web>,
    visitor: Visitor,
    Path((id, uid)): Path<(String, String)>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let api = format!(
        "/api/v1/groups/{}/members/{}/representative",
        encode(&id),
        encode(&uid)
    );
    let key = form.idempotency_key("representative");
    step(
        web,
        visitor,
        &id,
        form,
        move |token| Call::command(Method::POST, api, Some(token), None).idempotent(key),
        "handed",
    )
    .await
}

pub(super) async fn consent(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let body = json!({
        "coordinator_id": form.get("coordinator_id").trim(),
        "may_submit": form.get("may_submit") == "true",
    });
    let api = format!("/api/v1/groups/{}/coordinators", encode(&id));
    let key = form.idempotency_key("consent");
    step(
        web,
        visitor,
        &id,
        form,
        move |token| Call::command(Method::POST, api, Some(token), Some(body)).idempotent(key),
        "consented",
    )
    .await
}

pub(super) async fn withdraw_consent(
    State(web): State<Web>,
    visitor: Visitor,
    Path((id, uid)): Path<(String, String)>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let api = format!(
        "/api/v1/groups/{}/coordinators/{}",
        encode(&id),
        encode(&uid)
    );
    let key = form.idempotency_key("withdraw-consent");
    step(
        web,
        visitor,
        &id,
        form,
        move |token| Call::command(Method::DELETE, api, Some(token), None).idempotent(key),
        "withdrawn",
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct Token {
    #[serde(default)]
    token: String,
}

fn join_page(visitor: &Visitor, id: &str, token: &str, state: &FormState) -> Response {
    let body = html! {
        (error_summary(state))
        p { "団体のメンバーに招待されています。招待を受けると、この団体の申請と交付決定の手続を行えるようになります。" }
        p { "招待されたメールアドレスのアカウントでログインしていることを確かめてから、次のボタンを押してください。" }
        form.stack method="post" action={ "/groups/" (id) "/join" } {
            (form_guard(visitor, state))
            input type="hidden" name="token" value=(token);
            div.actions { button type="submit" { "招待を受けてメンバーになる" } }
        }
    };
    page_with_status(state.status(), visitor, "団体への招待", body)
}

/// The mailed link's page: sign in (or sign up) first, then accept.
pub(super) async fn join_form(
    visitor: Visitor,
    Path(id): Path<String>,
    Query(token): Query<Token>,
) -> Response {
    if visitor.token().is_none() {
        return login_then(&format!("/groups/{id}/join?token={}", encode(&token.token)));
    }
    join_page(
        &visitor,
        &id,
        &token.token,
        &FormState::new(FormData::default()),
    )
}

pub(super) async fn join(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let link = form.get("token").to_owned();
    let (visitor, token, again) = match guard(&web, visitor, &form).await {
        Guard::Proceed {
            visitor,
            token,
            signed_in_again,
        } => (visitor, token, signed_in_again),
        Guard::Rerender { visitor, state } => return join_page(&visitor, &id, &link, &state),
    };
    let call = Call::command(
        Method::POST,
        format!("/api/v1/groups/{}/members/invitations/accept", encode(&id)),
        Some(&token),
        Some(json!({ "token": link })),
    )
    .idempotent(form.idempotency_key("join"));
    let response = match web.api.send(call).await {
        Ok(_) => {
            let name = web
                .api
                .get(format!("/api/v1/groups/{}", encode(&id)), Some(&token))
                .await
                .map(|group| text(&group["name"]).to_owned())
                .unwrap_or_default();
            let body = html! {
                p.notice role="status" { "「" (name) "」のメンバーになりました。" }
                p { a href={ "/groups/" (id) "/members" } { "団体のメンバーを見る" } }
                p { a href="/my" { "マイページへ" } }
            };
            page_with_status(StatusCode::OK, &visitor, "団体への招待", body)
        }
        Err(problem) => {
            let mut errors = Errors::default();
            errors.problem(&problem, &[]);
            join_page(
                &visitor,
                &id,
                &link,
                &FormState::new(form.typed()).with_errors(errors),
            )
        }
    };
    with_session(response, &visitor, again)
}
