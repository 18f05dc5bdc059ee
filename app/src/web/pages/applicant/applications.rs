//! One application (`/applications/{id}`): its status, plan and budget, and withdrawing it.

use crate::web::form::PageForm;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

use super::application_form::status_box;
use super::{load_application, non_empty, with_session, Flags};
use crate::policy::Applicant;
use crate::service::application_read::ApplicationRead;
use crate::service::applications;
use crate::service::round_read::RoundRead;
use crate::web::caller::path_id;
use crate::web::command::PageCommand;
use crate::web::form::{guard, Errors, FormData, FormState, Guard};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::session::Visitor;
use crate::web::view::{self, error_summary, flash, form_guard, page_with_status, Input};
use crate::web::Web;
use grants_domain::application::ApplicationStatus;

/// What the application page shows above its forms when it is first opened: a 繰上げ offer, the
/// documents (`pages::documents`).
struct Above<'a> {
    promotion: Option<&'a crate::service::promotions::Offers>,
    documents: Markup,
}

impl Above<'_> {
    fn none() -> Self {
        Above {
            promotion: None,
            documents: html! {},
        }
    }
}

fn application_page(
    visitor: &Visitor,
    application: &ApplicationRead,
    round: Option<&RoundRead>,
    notice: Option<&str>,
    withdraw: &FormState,
    above: Above<'_>,
    upload: &FormState,
) -> Response {
    let Above {
        promotion,
        documents,
    } = above;
    let id = application.id.to_string();
    let id = id.as_str();
    // What the group may still do is the domain's rule (a runner-up may withdraw, too).
    let editable = application
        .status
        .is_some_and(ApplicationStatus::is_editable);
    let withdrawable = application
        .status
        .is_some_and(ApplicationStatus::is_withdrawable);
    let body = html! {
        (flash(notice))
        @if let Some(round) = round { p { "公募：" a href={ "/rounds/" (round.id) } { (round.settings.title) } } }
        (status_box(application))
        (documents)
        @if let Some(read) = promotion { (super::promotion::notice_box(id, read)) }
        @if let Some(grant_id) = application.grant_id {
            p { a.button href={ "/grants/" (grant_id) } { "交付決定のページへ" } }
        }
        @if let Some(at) = &application.submitted_at { p { "提出日時：" (view::instant_ja(at)) } }
        @if editable {
            p { a.button href={ "/applications/" (id) "/edit" } { "申請書を編集・提出する" } }
        }
        h2 { "事業計画" }
        dl.facts {
            dt { "受付番号" } dd #receipt-number { (application.receipt_number) }
            (view::application_plan(application))
        }
        h2 { "収支予算" }
        @if let Some(budget) = &application.budget { (view::budget_lines(budget, "支出", "収入")) }
        (super::attachments::section(
            visitor,
            &super::attachments::Files {
                page: format!("/applications/{id}"),
                files: &application.attachments,
                kinds: super::attachments::application_kinds(),
                editable,
                lines: &[],
                photos_public: false,
            },
            upload,
        ))
        @if withdrawable {
            h2 { "申請の取下げ" }
            (error_summary(withdraw))
            form.stack method="post" action={ "/applications/" (id) "/withdraw" } {
                (form_guard(visitor, withdraw))
                (Input::text("reason", "取下げの理由").required().max(grants_domain::application::content::REASON_MAX).textarea(withdraw))
                button.danger type="submit" { "申請を取り下げる" }
            }
        }
        p { a href="/my" { "マイページへ戻る" } }
    };
    let title = format!(
        "申請：{}",
        non_empty(application.title.as_deref().unwrap_or_default())
    );
    let code = if upload.errors.is_empty() {
        withdraw.status()
    } else {
        upload.status()
    };
    page_with_status(code, visitor, &title, body)
}

pub(super) async fn application(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(flags): Query<Flags>,
) -> Response {
    let path = format!("/applications/{id}");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    let (application, round) = match load_application(&web, token, &id).await {
        Ok(found) => found,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let notice = if flags.submitted.is_some() {
        Some("申請書を提出しました。")
    } else if flags.withdrawn.is_some() {
        Some("申請を取り下げました。")
    } else if flags.attached.is_some() {
        Some("ファイルを添付しました。")
    } else if flags.removed.is_some() {
        Some("添付ファイルを削除しました。")
    } else {
        None
    };
    // A 繰上げ採択 offer, if the round made one (nothing is shown when it cannot be read).
    let promotion = super::promotion::load_offer(&web, token, &id).await.ok();
    let documents = crate::web::pages::documents::section(
        &web,
        token,
        crate::web::pages::documents::Owner::Application(&id),
    )
    .await;
    application_page(
        &visitor,
        &application,
        round.as_ref(),
        notice,
        &FormState::new(FormData::default()),
        Above {
            promotion: promotion.as_ref(),
            documents,
        },
        &FormState::new(FormData::default()),
    )
}

/// The application page with the upload form's refusals (`attachments`).
pub(super) async fn show(
    web: &Web,
    visitor: &Visitor,
    token: &str,
    id: &str,
    upload: &FormState,
) -> Response {
    match load_application(web, token, id).await {
        Ok((application, round)) => application_page(
            visitor,
            &application,
            round.as_ref(),
            None,
            &FormState::new(FormData::default()),
            Above::none(),
            upload,
        ),
        Err(problem) => read_failed(visitor, &problem, &format!("/applications/{id}")),
    }
}

pub(super) async fn withdraw_application(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let path = format!("/applications/{id}");
    let (visitor, token, again, state) = match guard(&web, visitor, &form).await {
        Guard::Proceed {
            visitor,
            token,
            signed_in_again,
        } => (visitor, token, signed_in_again, None),
        Guard::Rerender { visitor, state } => {
            let token = visitor.token().map(str::to_owned);
            (visitor, token.unwrap_or_default(), false, Some(state))
        }
    };
    if let Some(state) = state {
        if token.is_empty() {
            // Signed out: the withdrawal form alone, with the reason typed.
            let body = html! {
                (error_summary(&state))
                form.stack method="post" action={ "/applications/" (id) "/withdraw" } {
                    (form_guard(&visitor, &state))
                    (Input::text("reason", "取下げの理由").required().textarea(&state))
                    button.danger type="submit" { "申請を取り下げる" }
                }
            };
            return page_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &visitor,
                "申請の取下げ",
                body,
            );
        }
        return match load_application(&web, &token, &id).await {
            Ok((application, round)) => application_page(
                &visitor,
                &application,
                round.as_ref(),
                None,
                &state,
                Above::none(),
                &FormState::new(FormData::default()),
            ),
            Err(problem) => read_failed(&visitor, &problem, &path),
        };
    }
    let reason = form.get("reason").to_owned();
    let state = &web.state;
    let application = path_id(&id);
    let command = PageCommand {
        path: &path,
        form: &form,
        step: "withdraw",
    };
    let withdrawn = web
        .once(&token, command, |actor, context| async move {
            let applicant = Applicant::admit(actor)?;
            applications::withdraw(state, &context, &applicant, application?, reason).await?;
            Ok(())
        })
        .await;
    let response = match withdrawn {
        Ok(()) => redirect(&format!("/applications/{id}?withdrawn=1")),
        Err(problem) => {
            let mut errors = Errors::default();
            errors.problem(&problem, &["reason"]);
            match load_application(&web, &token, &id).await {
                Ok((application, round)) => application_page(
                    &visitor,
                    &application,
                    round.as_ref(),
                    None,
                    &FormState::new(form.typed()).with_errors(errors),
                    Above::none(),
                    &FormState::new(FormData::default()),
                ),
                Err(problem) => read_failed(&visitor, &problem, &path),
            }
        }
    };
    with_session(response.into_response(), &visitor, again)
}
