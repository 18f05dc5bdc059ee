//! A 繰上げ採択 offer to the group's application (`/applications/{id}/promotion`): the amount offered
//! and the last day to answer, as `GET /api/v1/applications/{id}/promotion-offer` answers them, and
//! the answer, sent to `POST /api/v1/rounds/{round}/promotion-offer`. After an acceptance the city
//! decides the award (交付決定) as for any other; a refusal of the answer (past the last day,
//! already answered) is shown on the page.

use crate::web::form::PageForm;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use maud::{html, Markup};
use serde_json::{json, Value};

use super::with_session;
use crate::web::api::{encode, Call, Problem};
use crate::web::form::{guard, Errors, FormData, FormState, Guard};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::session::Visitor;
use crate::web::view::{date_of, error_summary, form_guard, page_with_status, text, yen_of};
use crate::web::Web;

/// The promotion read of an application (`offer` null when none).
pub(super) async fn load_offer(web: &Web, token: &str, id: &str) -> Result<Value, Problem> {
    web.api
        .get(
            format!("/api/v1/applications/{}/promotion-offer", encode(id)),
            Some(token),
        )
        .await
}

/// The box on the application page when the application was offered a promotion.
pub(super) fn notice_box(application_id: &str, read: &Value) -> Markup {
    let offer = &read["offer"];
    html! {
        @if offer.is_object() {
            div.summary-box #promotion {
                p { "繰上げ採択の打診があります：" strong { (yen_of(&offer["amount"])) } "（回答期限 " (date_of(&offer["expires_on"])) "）" }
                p { a.button href={ "/applications/" (application_id) "/promotion" } { "打診の内容を見て回答する" } }
            }
        }
    }
}

fn page(visitor: &Visitor, id: &str, read: &Value, state: &FormState) -> Response {
    let offer = &read["offer"];
    let body = html! {
        @if offer.is_object() {
            p { "予算に戻った額があるため、審査の順位に従って、この申請に補助金の交付を打診します。受諾されると、市が交付決定を行います（交付決定額は打診額以内です）。" }
            dl.facts #promotion-offer {
                dt { "打診額" } dd { (yen_of(&offer["amount"])) }
                dt { "打診日" } dd { (date_of(&offer["offered_on"])) }
                dt { "回答期限" } dd { (date_of(&offer["expires_on"])) }
                dt { "回答" } dd { @match offer["accepted"].as_bool() { Some(true) => "受諾", Some(false) => "辞退", None => "未回答" } }
            }
            (error_summary(state))
            @if offer["accepted"].is_null() {
                form.stack method="post" action={ "/applications/" (id) "/promotion" } {
                    (form_guard(visitor, state))
                    div.actions {
                        button type="submit" name="accept" value="true" { "受諾する" }
                        " "
                        button.danger type="submit" name="accept" value="false" { "辞退する" }
                    }
                }
            }
        } @else {
            p { "この申請への繰上げ採択の打診はありません。" }
        }
        p { a href={ "/applications/" (id) } { "申請のページへ戻る" } }
    };
    let code = state.status();
    page_with_status(code, visitor, "繰上げ採択の打診", body)
}

pub(super) async fn promotion(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    let path = format!("/applications/{id}/promotion");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    match load_offer(&web, token, &id).await {
        Ok(read) => page(&visitor, &id, &read, &FormState::new(FormData::default())),
        Err(problem) => read_failed(&visitor, &problem, &path),
    }
}

pub(super) async fn answer_promotion(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let path = format!("/applications/{id}/promotion");
    let (visitor, token, again) = match guard(&web, visitor, &form).await {
        Guard::Proceed {
            visitor,
            token,
            signed_in_again,
        } => (visitor, token, signed_in_again),
        Guard::Rerender { visitor, state } => {
            let read = match visitor.token() {
                Some(token) => load_offer(&web, token, &id).await.unwrap_or(Value::Null),
                None => Value::Null,
            };
            return page(&visitor, &id, &read, &state);
        }
    };
    let read = match load_offer(&web, &token, &id).await {
        Ok(read) => read,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let call = Call::command(
        Method::POST,
        format!(
            "/api/v1/rounds/{}/promotion-offer",
            encode(text(&read["round_id"]))
        ),
        Some(&token),
        Some(json!({"application_id": id, "accept": form.get("accept") == "true"})),
    )
    .idempotent(form.idempotency_key("promotion-answer"));
    let response = match web.api.send(call).await {
        Ok(_) => redirect(&path),
        Err(problem) if problem.status == StatusCode::NOT_FOUND => {
            read_failed(&visitor, &problem, &path)
        }
        Err(problem) => {
            let errors = Errors::placed(&problem, &[], &[]);
            let read = load_offer(&web, &token, &id).await.unwrap_or(read);
            page(
                &visitor,
                &id,
                &read,
                &FormState::new(form.typed()).with_errors(errors),
            )
        }
    };
    with_session(response, &visitor, again)
}
