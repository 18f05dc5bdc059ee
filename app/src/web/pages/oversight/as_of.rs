//! An application and its grant as they stood at a chosen instant (`/audit/as-of`), replayed by the
//! audit use case (`service::audit::application_as_of`, as `GET /api/v1/audit/applications/{id}`)
//! from the events recorded by then. The instant is typed in Japan Standard Time.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use cqrs_es::Aggregate;
use grants_domain::{Application, Grant};
use maud::html;
use serde::Deserialize;

use super::log::jst_local;
use super::stream_path;
use crate::policy::Overseer;
use crate::service::audit::{self, AsOfRead};
use crate::web::caller::path_id;
use crate::web::form::{Errors, FormData, FormState};
use crate::web::pages::{login_then, read_failed};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::{self, error_summary, page_with_status, Input};
use crate::web::Web;

/// An instant the page could not read: it takes the form's Japan time, or an instant as written.
const NOT_AN_INSTANT: &str =
    "日時は「2026-06-01T09:00」の形（日本時間）か、RFC 3339 形式（例 2026-06-01T09:00:00+09:00）で入力してください";

#[derive(Deserialize, Default)]
pub(super) struct AsOfQuery {
    application_id: Option<String>,
    at: Option<String>,
}

fn facts_of(found: &AsOfRead) -> maud::Markup {
    let application = &found.application;
    html! {
        div.summary-box #as-of role="status" {
            p { strong { (view::instant(found.at)) " 時点" } }
        }
        h2 { "申請" }
        dl.facts {
            dt { "事業名" } dd { (application.title.as_deref().unwrap_or("")) }
            dt { "状況" } dd #as-of-application-status { (view::application_state(application.status)) }
            dt { "申請額" } dd { (view::amount(application.requested_amount)) }
            dt { "補助上限額" } dd { (view::amount(application.max_amount)) }
            dt { "提出日時" } dd { (application.submitted_at.as_deref().map_or_else(|| "—".to_owned(), view::instant_ja)) }
            @if let Some(reason) = &application.returned_reason { dt { "差戻しの理由" } dd { (reason) } }
            @if let Some(reason) = &application.closing_reason { dt { "理由" } dd { (reason) } }
        }
        p { a href=(stream_path(Application::TYPE, &application.id.to_string())) { "この申請の履歴" } }
        h2 { "交付" }
        @match &found.grant {
            None => p { "この時点では交付決定されていません。" },
            Some(grant) => {
                dl.facts {
                    dt { "状況" } dd #as-of-grant-status { (view::grant_state(grant.status)) }
                    dt { "交付決定額" } dd { (grant.decided_amount) }
                    dt { "交付決定日" } dd { (view::day(grant.decided_on)) }
                    dt { "文書番号" } dd { (grant.notice_number.as_deref().unwrap_or("")) }
                    dt { "支払済額" } dd { (grant.paid_total) }
                    dt { "確定額" } dd { (view::amount(grant.finalised_amount)) }
                    dt { "返還額" } dd { (grant.refund_due) }
                    dt { "支払残額" } dd { (grant.payable) }
                }
                p { a href=(stream_path(Grant::TYPE, &grant.grant_id.to_string())) { "この交付の履歴" } }
            }
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
        // A datetime-local value is Japan time (an RFC 3339 instant is read as written); blank
        // is now.
        let instant = match at {
            "" => Some(None),
            typed => jst_local(typed)
                .or_else(|| crate::audit::parse_instant(typed))
                .map(Some),
        };
        let Some(instant) = instant else {
            errors.add(Some("at"), NOT_AN_INSTANT);
            return shown(&visitor, FormState::new(values).with_errors(errors), None);
        };
        let asked = async {
            let overseer = Overseer::admit(web.caller(token).await?)?;
            let id = path_id(id)?;
            Ok::<_, Problem>(audit::application_as_of(&web.state, &overseer, id, instant).await?)
        };
        match asked.await {
            Ok(answer) => found = Some(answer),
            Err(problem) if problem.status == StatusCode::NOT_FOUND => {
                errors.add(Some("application_id"), problem.detail_ja)
            }
            Err(problem) => return read_failed(&visitor, &problem, "/audit/as-of"),
        }
    }
    shown(
        &visitor,
        FormState::new(values).with_errors(errors),
        found.as_ref(),
    )
}

/// The page: the form, and what was found.
fn shown(visitor: &Visitor, state: FormState, found: Option<&AsOfRead>) -> Response {
    let body = html! {
        p { "申請と交付が、指定した日時（日本時間）にどうなっていたかを、その時までに記録されたイベントから再現します。日時を空欄にすると現在の状態です。" }
        (error_summary(&state))
        form.filters method="get" action="/audit/as-of" {
            (Input::text("application_id", "申請のID").required().render(&state))
            (Input::text("at", "日時（日本時間）").kind("datetime-local").render(&state))
            button type="submit" { "この時点の状態を表示" }
        }
        @if let Some(found) = found { (facts_of(found)) }
        p { a href="/audit" { "イベントログへ戻る" } }
    };
    let status = state.status();
    page_with_status(status, visitor, "監査：ある時点の状態", body)
}
