//! An application and its grant as they stood at a chosen instant (`/audit/as-of`), replayed by the
//! audit API (`GET /api/v1/audit/applications/{id}?as_of=`) from the events recorded by then. The
//! instant is typed in Japan Standard Time.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;

use super::log::jst_local;
use super::stream_path;
use crate::web::api::encode;
use crate::web::form::{Errors, FormData, FormState};
use crate::web::pages::{login_then, read_failed};
use crate::web::session::Visitor;
use crate::web::view::{
    self, date_of, error_summary, instant_of, page_with_status, text, yen_of, Input,
};
use crate::web::Web;

#[derive(Deserialize, Default)]
pub(super) struct AsOfQuery {
    application_id: Option<String>,
    at: Option<String>,
}

fn facts_of(found: &Value) -> maud::Markup {
    let application = &found["application"];
    let grant = &found["grant"];
    html! {
        div.summary-box #as-of role="status" {
            p { strong { (instant_of(&found["as_of"])) " 時点" } }
        }
        h2 { "申請" }
        dl.facts {
            dt { "事業名" } dd { (text(&application["title"])) }
            dt { "状況" } dd #as-of-application-status { (view::application_status(text(&application["status"]))) }
            dt { "申請額" } dd { (yen_of(&application["requested_amount"])) }
            dt { "補助上限額" } dd { (yen_of(&application["max_amount"])) }
            dt { "提出日時" } dd { (instant_of(&application["submitted_at"])) }
            @if let Some(reason) = application["returned_reason"].as_str() { dt { "差戻しの理由" } dd { (reason) } }
            @if let Some(reason) = application["closing_reason"].as_str() { dt { "理由" } dd { (reason) } }
        }
        p { a href=(stream_path("application", text(&application["id"]))) { "この申請の履歴" } }
        h2 { "交付" }
        @if grant.is_null() {
            p { "この時点では交付決定されていません。" }
        } @else {
            dl.facts {
                dt { "状況" } dd #as-of-grant-status { (view::grant_status(text(&grant["status"]))) }
                dt { "交付決定額" } dd { (yen_of(&grant["decided_amount"])) }
                dt { "交付決定日" } dd { (date_of(&grant["decided_on"])) }
                dt { "文書番号" } dd { (text(&grant["notice_number"])) }
                dt { "支払済額" } dd { (yen_of(&grant["paid_total"])) }
                dt { "確定額" } dd { (yen_of(&grant["finalised_amount"])) }
                dt { "返還額" } dd { (yen_of(&grant["refund_due"])) }
                dt { "支払残額" } dd { (yen_of(&grant["payable"])) }
            }
            p { a href=(stream_path("grant", text(&grant["grant_id"]))) { "この交付の履歴" } }
        }
    }
}

pub(super) async fn as_of(
    State(web): State<Web>,
    visitor: Visitor,
    Query(query): Query<AsOfQuery>,
) -> Response {
    let Some(token) = visitor.token() else {
        return login_then("/audit/as-of");
    };
    let id = query.application_id.as_deref().unwrap_or("").trim();
    let at = query.at.as_deref().unwrap_or("").trim();
    let mut values = FormData::default();
    values.set("application_id", id);
    values.set("at", at);
    let mut errors = Errors::default();
    let mut found = None;
    if !id.is_empty() {
        // A datetime-local value is Japan time; anything else goes as typed, for the API to judge.
        let instant = match jst_local(at) {
            Some(instant) => instant.format(&Rfc3339).unwrap_or_default(),
            None => at.to_owned(),
        };
        let mut path = format!("/api/v1/audit/applications/{}", encode(id));
        if !instant.is_empty() {
            path.push_str(&format!("?as_of={}", encode(&instant)));
        }
        match web.api.get(path, Some(token)).await {
            Ok(answer) => found = Some(answer),
            Err(problem) if problem.status == StatusCode::NOT_FOUND => {
                errors.add(Some("application_id"), problem.detail_ja)
            }
            Err(problem) if problem.status == StatusCode::BAD_REQUEST => {
                errors.add(Some("at"), problem.detail_ja)
            }
            Err(problem) => return read_failed(&visitor, &problem, "/audit/as-of"),
        }
    }
    let state = FormState::new(values).with_errors(errors);
    let body = html! {
        p { "申請と交付が、指定した日時（日本時間）にどうなっていたかを、その時までに記録されたイベントから再現します。日時を空欄にすると現在の状態です。" }
        (error_summary(&state))
        form.filters method="get" action="/audit/as-of" {
            (Input::text("application_id", "申請のID").required().render(&state))
            (Input::text("at", "日時（日本時間）").kind("datetime-local").render(&state))
            button type="submit" { "この時点の状態を表示" }
        }
        @if let Some(found) = &found { (facts_of(found)) }
        p { a href="/audit" { "イベントログへ戻る" } }
    };
    let status = state.status();
    page_with_status(status, &visitor, "監査：ある時点の状態", body)
}
