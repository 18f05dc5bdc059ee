//! One application (`/applications/{id}`): its status, plan and budget, and withdrawing it.

use crate::web::form::PageForm;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use grants_domain::{ExpenseCategory, IncomeKind};
use maud::{html, Markup};
use serde_json::{json, Value};

use super::application_form::status_box;
use super::{load_application, non_empty, with_session, Flags};
use crate::service::attachment_read::AttachmentRead;
use crate::web::api::{encode, Call};
use crate::web::form::{guard, Errors, FormData, FormState, Guard};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::session::Visitor;
use crate::web::view::{
    self, date_of, error_summary, flash, form_guard, page_with_status, text, yen_of, Input,
};
use crate::web::Web;
use grants_domain::application::ApplicationStatus;

/// What the application page shows above its forms when it is first opened: a 繰上げ offer, the
/// documents (`pages::documents`).
struct Above<'a> {
    promotion: Option<&'a Value>,
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
    application: &Value,
    round: Option<&Value>,
    notice: Option<&str>,
    withdraw: &FormState,
    above: Above<'_>,
    upload: &FormState,
) -> Response {
    let Above {
        promotion,
        documents,
    } = above;
    let id = text(&application["id"]);
    // What the group may still do is the domain's rule (a runner-up may withdraw, too).
    let known = serde_json::from_value::<ApplicationStatus>(application["status"].clone()).ok();
    let editable = known.is_some_and(ApplicationStatus::is_editable);
    let withdrawable = known.is_some_and(ApplicationStatus::is_withdrawable);
    // This page still reads the application as the API answered it; its files are read into
    // the service's type, which the shared files section shows.
    let files: Vec<AttachmentRead> =
        serde_json::from_value(application["attachments"].clone()).unwrap_or_default();
    let body = html! {
        (flash(notice))
        @if let Some(round) = round { p { "公募：" a href={ "/rounds/" (text(&round["id"])) } { (text(&round["title"])) } } }
        (status_box(application))
        (documents)
        @if let Some(read) = promotion { (super::promotion::notice_box(id, read)) }
        @if let Some(grant_id) = application["grant_id"].as_str() {
            p { a.button href={ "/grants/" (grant_id) } { "交付決定のページへ" } }
        }
        @if let Some(at) = application["submitted_at"].as_str() { p { "提出日時：" (view::instant_ja(at)) } }
        @if editable {
            p { a.button href={ "/applications/" (id) "/edit" } { "申請書を編集・提出する" } }
        }
        h2 { "事業計画" }
        dl.facts {
            dt { "受付番号" } dd #receipt-number { (text(&application["receipt_number"])) }
            dt { "事業名" } dd { (text(&application["title"])) }
            dt { "事業概要" } dd { (text(&application["summary"])) }
            dt { "事業の目的・内容" } dd { (text(&application["purpose"])) }
            dt { "対象者・受益者" } dd { (text(&application["beneficiaries"])) }
            dt { "事業期間" } dd { (date_of(&application["period"]["start"])) " 〜 " (date_of(&application["period"]["end"])) }
        }
        h2 { "収支予算" }
        table {
            caption { "支出" }
            thead { tr { th scope="col" { "費目" } th scope="col" { "内容" } th.num scope="col" { "数量" } th.num scope="col" { "単価" } } }
            tbody {
                @for line in application["budget"]["expenses"].as_array().into_iter().flatten() {
                    @let category: Option<ExpenseCategory> = serde_json::from_value(line["category"].clone()).ok();
                    tr {
                        td { (category.map(|c| c.label_ja()).unwrap_or("—")) @if category.is_some_and(|c| !c.is_eligible()) { "（補助対象外）" } }
                        td { (text(&line["item"])) }
                        td.num { (line["quantity"]) }
                        td.num { (yen_of(&line["unit_price"])) }
                    }
                }
            }
        }
        table {
            caption { "収入" }
            thead { tr { th scope="col" { "種類" } th scope="col" { "内容" } th.num scope="col" { "金額" } } }
            tbody {
                @for line in application["budget"]["income"].as_array().into_iter().flatten() {
                    @let kind: Option<IncomeKind> = serde_json::from_value(line["kind"].clone()).ok();
                    tr { td { (kind.map(|k| k.label_ja()).unwrap_or("—")) } td { (text(&line["description"])) } td.num { (yen_of(&line["amount"])) } }
                }
            }
        }
        (crate::web::view::budget_totals(&application["budget"]))
        (super::attachments::section(
            visitor,
            &super::attachments::Files {
                page: format!("/applications/{id}"),
                files: &files,
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
    let title = format!("申請：{}", non_empty(text(&application["title"])));
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
    let call = Call::command(
        Method::POST,
        format!("/api/v1/applications/{}/withdraw", encode(&id)),
        Some(&token),
        Some(json!({"reason": form.get("reason")})),
    )
    .idempotent(form.idempotency_key("withdraw"));
    let response = match web.api.send(call).await {
        Ok(_) => redirect(&format!("/applications/{id}?withdrawn=1")),
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
