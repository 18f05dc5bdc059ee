//! One aggregate's history as a timeline (`/audit/streams/{type}/{id}`): each event with its JST
//! time, the role it was recorded in and a Japanese summary; for an application or a grant, the
//! way to the other one and to the state as of a chosen instant.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{html, Markup};
use serde_json::Value;

use super::{aggregate_label, fields, stamp, stream_path, summary};
use crate::web::api::encode;
use crate::web::pages::{login_then, read_failed};
use crate::web::session::Visitor;
use crate::web::view::{page, text};
use crate::web::Web;

/// How many events one page of the timeline shows.
pub(super) const TIMELINE_PAGE: usize = 50;

/// Where the timeline's page starts (`?from=`, the 0-based index of its first event).
#[derive(serde::Deserialize, Default)]
pub(super) struct TimelinePage {
    from: Option<usize>,
}

/// The first value of `field` in events of type `event_type` (e.g. the grant id of the award).
fn first_field(events: &[Value], event_type: &str, pick: impl Fn(&Value) -> &Value) -> String {
    events
        .iter()
        .filter(|event| text(&event["event_type"]) == event_type)
        .map(|event| text(pick(fields(event_type, &event["payload"]))).to_owned())
        .find(|value| !value.is_empty())
        .unwrap_or_default()
}

/// The form that asks for the application's state at an instant.
pub(super) fn as_of_form(application_id: &str) -> Markup {
    html! {
        form.filters method="get" action="/audit/as-of" {
            input type="hidden" name="application_id" value=(application_id);
            div.field {
                label for="f-at" { "日時（日本時間）" }
                input #f-at type="datetime-local" name="at";
            }
            button type="submit" { "この時点の状態を表示" }
        }
    }
}

pub(super) async fn stream(
    State(web): State<Web>,
    visitor: Visitor,
    Path((aggregate_type, aggregate_id)): Path<(String, String)>,
    Query(at): Query<TimelinePage>,
) -> Response {
    let path = stream_path(&aggregate_type, &aggregate_id);
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    let events = match web
        .api
        .get(
            format!(
                "/api/v1/audit/streams/{}/{}",
                encode(&aggregate_type),
                encode(&aggregate_id)
            ),
            Some(token),
        )
        .await
    {
        Ok(events) => events.as_array().cloned().unwrap_or_default(),
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    // For an application: its grant; for a grant: its application (both from the events).
    let (application_id, grant_id) = match aggregate_type.as_str() {
        "application" => (
            aggregate_id.clone(),
            first_field(&events, "ApplicationAwarded", |f| &f["grant_id"]),
        ),
        "grant" => (
            first_field(&events, "GrantDecided", |f| {
                &f["decision"]["application_id"]
            }),
            String::new(),
        ),
        _ => (String::new(), String::new()),
    };
    let label = aggregate_label(&aggregate_type);
    let from = at.from.unwrap_or(0).min(events.len().saturating_sub(1));
    let until = (from + TIMELINE_PAGE).min(events.len());
    let shown = events.get(from..until).unwrap_or_default();
    let page_link = |start: usize| format!("{path}?from={start}");
    let body = html! {
        dl.facts {
            dt { "対象" } dd { (label) }
            dt { "ID" } dd { code { (aggregate_id) } }
            dt { "イベント数" } dd { (events.len()) "件" }
        }
        @if aggregate_type == "grant" && !application_id.is_empty() {
            p { a href=(stream_path("application", &application_id)) { "この交付の申請の履歴" } }
        }
        @if !grant_id.is_empty() {
            p { a href=(stream_path("grant", &grant_id)) { "この申請の交付（交付決定後）の履歴" } }
        }
        @if !application_id.is_empty() {
            h2 { "ある時点の状態" }
            p { "申請と交付が、指定した日時にどうなっていたかを、記録されたイベントから再現します。" }
            (as_of_form(&application_id))
        }
        h2 { "履歴" }
        @if events.len() > TIMELINE_PAGE {
            p #timeline-range { (events.len()) "件中 " (from + 1) "〜" (until) "件目" }
        }
        ol.timeline #timeline start=(from + 1) {
            @for event in shown {
                li {
                    (stamp(event))
                    br;
                    (summary(event))
                    span.hash { "ハッシュ " code { (text(&event["hash"]).get(..12).unwrap_or("")) } }
                }
            }
        }
        @if events.len() > TIMELINE_PAGE {
            nav.pager aria-label="履歴のページ" {
                @if from > 0 { a href=(page_link(from.saturating_sub(TIMELINE_PAGE))) { "前の" (TIMELINE_PAGE) "件" } " " }
                @if until < events.len() { a href=(page_link(until)) { "次の" (TIMELINE_PAGE) "件" } }
            }
        }
        p { a href="/audit" { "イベントログへ戻る" } }
    };
    page(&visitor, &format!("監査：{label}の履歴"), body)
}
