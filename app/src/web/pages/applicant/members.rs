//! A group's member accounts (`/groups/{id}/members`, issue 18): the members with the
//! representative (代表者), the invitations still open, a form to invite an address, and for the
//! representative a button per member to hand the role over or remove the member, and one per open
//! invitation to withdraw it (staff see that one too). The mailed link
//! lands on `/groups/{id}/join?token=…`, which accepts the invitation for the signed-in account.
//! Every step runs the use case of `/api/v1/groups/{id}/members…` (`service::members`) once per
//! submission of its form; a refusal is shown on the page.

use std::future::Future;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use grants_domain::{GroupId, UserId};
use maud::html;
use serde::Deserialize;

use super::with_session;
use crate::auth::Actor;
use crate::policy::Applicant;
use crate::service::members::{self, Members};
use crate::service::{CommandContext, ServiceError};
use crate::state::AppState;
use crate::web::caller::path_id;
use crate::web::command::PageCommand;
use crate::web::form::{guard, Errors, FormData, FormState, Guard, PageForm};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::encode;
use crate::web::view::{self, error_summary, form_guard, page_with_status, Input};
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

fn members_page(
    visitor: &Visitor,
    id: &str,
    list: &Members,
    done: Option<&str>,
    state: &FormState,
) -> Response {
    let me = visitor.user.as_ref().map(|user| user.id.as_str());
    let representative = list.group.representative().map(|id| id.to_string());
    let i_represent = me.is_some() && representative.as_deref() == me;
    let may_withdraw = i_represent || visitor.user.as_ref().is_some_and(|user| user.has("staff"));
    let members = &list.members;
    let invitations = &list.pending;
    let coordinators = &list.coordinators;
    let body = html! {
        @if let Some(done) = done { p.notice role="status" { (done) } }
        (error_summary(state))
        p { "団体のメンバーは、この団体の申請と交付決定の手続を行えます。代表者はメンバーの削除と代表者の交代ができます。" }
        section aria-labelledby="members" {
            h2 #members { "メンバー（" (members.len()) "人）" }
            table #member-list {
                thead { tr { th scope="col" { "氏名" } th scope="col" { "役割" } @if i_represent { th scope="col" { "操作" } } } }
                tbody {
                    @for member in members {
                        @let uid = member.user_id.to_string();
                        @let representative = member.representative;
                        tr {
                            td { (member.display_name) @if Some(uid.as_str()) == me { "（あなた）" } }
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
                ul #invitation-list { @for invitation in invitations {
                    li {
                        (invitation.email) "（" (view::instant(invitation.expires_at)) "まで有効）"
                        @if may_withdraw {
                            " "
                            form.inline method="post" action={ "/groups/" (id) "/members/invitations/withdraw" } {
                                (form_guard(visitor, state))
                                input type="hidden" name="invited_email" value=(invitation.email);
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
                        @for coordinator in coordinators {
                            @let uid = coordinator.user_id;
                            tr {
                                td { (coordinator.display_name) }
                                td { @if coordinator.may_submit { "認める" } @else { "認めない" } }
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
    let title = format!("{}のメンバー", list.group.name());
    page_with_status(state.status(), visitor, &title, body)
}

async fn load(web: &Web, token: &str, id: &str) -> Result<Members, Problem> {
    let actor = web.caller(token).await?;
    Ok(members::list(&web.state, &actor, path_id(id)?).await?)
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

/// Runs one step of the page once per submission of its form (`use_case` as the caller, on the
/// group); back to the page with `done`, or the page again with the refusal.
async fn step<F, Fut>(
    web: Web,
    visitor: Visitor,
    id: &str,
    form: FormData,
    use_case: F,
    done: &str,
) -> Response
where
    F: FnOnce(AppState, Actor, CommandContext, GroupId) -> Fut,
    Fut: Future<Output = Result<(), ServiceError>>,
{
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
    let state = web.state.clone();
    let group = path_id::<GroupId>(id);
    let command = PageCommand {
        path: &path,
        form: &form,
        step: done,
    };
    let outcome = web
        .once(&token, command, |actor, context| async move {
            use_case(state, actor, context, group?).await
        })
        .await;
    let response = match outcome {
        Ok(()) => redirect(&format!("{path}?done={done}")),
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
    let use_case = |state: AppState, actor: Actor, _: CommandContext, group| async move {
        members::invite(&state, &actor, group, &email)
            .await
            .map(|_| ())
    };
    step(web, visitor, &id, form, use_case, "invited").await
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
    let use_case = |state: AppState, actor: Actor, _: CommandContext, group| async move {
        members::withdraw_invitation(&state, &actor, group, &email)
            .await
            .map(|_| ())
    };
    step(web, visitor, &id, form, use_case, "uninvited").await
}

/// A member's account id in a page's path.
fn member(uid: &str) -> Result<UserId, ServiceError> {
    path_id(uid)
}

pub(super) async fn remove(
    State(web): State<Web>,
    visitor: Visitor,
    Path((id, uid)): Path<(String, String)>,
    PageForm(form): PageForm,
) -> Response {
    let use_case = |state: AppState, actor, context: CommandContext, group| async move {
        let applicant = Applicant::admit(actor)?;
        members::remove(&state, &context, &applicant, group, member(&uid)?).await?;
        Ok(())
    };
    step(web, visitor, &id, FormData(form), use_case, "removed").await
}

pub(super) async fn make_representative(
    State(web): State<Web>,
    visitor: Visitor,
    Path((id, uid)): Path<(String, String)>,
    PageForm(form): PageForm,
) -> Response {
    let use_case = |state: AppState, actor, context: CommandContext, group| async move {
        let applicant = Applicant::admit(actor)?;
        members::make_representative(&state, &context, &applicant, group, member(&uid)?).await?;
        Ok(())
    };
    step(web, visitor, &id, FormData(form), use_case, "handed").await
}

pub(super) async fn consent(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let coordinator = form.get("coordinator_id").trim().parse::<UserId>();
    let may_submit = form.get("may_submit") == "true";
    let use_case = |state: AppState, actor, context: CommandContext, group| async move {
        let coordinator = coordinator.map_err(|_| {
            ServiceError::invalid(
                "request.invalid_field",
                "コーディネーターのアカウントID（UUID）を入力してください",
                "the coordinator's account id must be a UUID",
            )
            .with_field("coordinator_id")
        })?;
        let applicant = Applicant::admit(actor)?;
        members::consent(&state, &context, &applicant, group, coordinator, may_submit).await?;
        Ok(())
    };
    step(web, visitor, &id, form, use_case, "consented").await
}

pub(super) async fn withdraw_consent(
    State(web): State<Web>,
    visitor: Visitor,
    Path((id, uid)): Path<(String, String)>,
    PageForm(form): PageForm,
) -> Response {
    let use_case = |state: AppState, actor, context: CommandContext, group| async move {
        let applicant = Applicant::admit(actor)?;
        members::withdraw_consent(&state, &context, &applicant, group, member(&uid)?).await?;
        Ok(())
    };
    step(web, visitor, &id, FormData(form), use_case, "withdrawn").await
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
    let state = &web.state;
    let group = path_id::<GroupId>(&id);
    let path = format!("/groups/{id}/join");
    let command = PageCommand {
        path: &path,
        form: &form,
        step: "join",
    };
    let joined = web
        .once(&token, command, |actor, context| async move {
            let applicant = Applicant::admit(actor)?;
            let executed = members::accept(state, &context, &applicant, group?, &link).await?;
            Ok(executed.state.name().to_owned())
        })
        .await;
    let link = form.get("token");
    let response = match joined {
        Ok(name) => {
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
                link,
                &FormState::new(form.typed()).with_errors(errors),
            )
        }
    };
    with_session(response, &visitor, again)
}
