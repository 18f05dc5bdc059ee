//! One aggregate's history as a timeline (`/audit/streams/{type}/{id}`): each event with its JST
//! time, the role it was recorded in and a Japanese summary; for an application or a grant, the
//! way to the other one and to the state as of a chosen instant.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use cqrs_es::Aggregate;
use grants_domain::application::ApplicationEvent;
use grants_domain::grant::GrantEvent;
use grants_domain::{Application, Grant};
use maud::{html, Markup};

use super::{aggregate_label, short_hash, stamp, stream_path, summary};
use crate::policy::Overseer;
use crate::service::audit::{self, Audited, Fact};
use crate::web::pages::{login_then, read_failed};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::page;
use crate::web::Web;

/// How many events one page of the timeline shows.
pub(super) const TIMELINE_PAGE: usize = 50;

/// Where the timeline's page starts (`?from=`, the 0-based index of its first event).
#[derive(serde::Deserialize, Default)]
pub(super) struct TimelinePage {
    from: Option<usize>,
}

/// The application a grant's stream was decided for, and the grant an application's stream was
/// awarded (both from their events).
fn linked(events: &[Audited]) -> (Option<String>, Option<String>) {
    let mut application = None;
    let mut grant = None;
    for event in events {
        match &event.fact {
            Fact::Application(awarded) => {
                if let ApplicationEvent::ApplicationAwarded { grant_id, .. } = awarded.as_ref() {
                    grant.get_or_insert(grant_id.to_string());
                }
            }
            Fact::Grant(decided) => {
                if let GrantEvent::GrantDecided { decision, .. } = decided.as_ref() {
                    application.get_or_insert(decision.application_id.to_string());
                }
            }
            _ => {}
        }
    }
    (application, grant)
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
    let read = async {
        let overseer = Overseer::admit(web.caller(token).await?)?;
        let events = audit::stream(&web.state, &overseer, &aggregate_type, &aggregate_id).await?;
        Ok::<_, Problem>(events.into_iter().map(Audited::of).collect::<Vec<_>>())
    };
    let events = match read.await {
        Ok(events) => events,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    // For an application: itself and its grant; for a grant: its application.
    let (decided_for, awarded) = linked(&events);
    let application_id = match aggregate_type.as_str() {
        Application::TYPE => aggregate_id.clone(),
        _ => decided_for.unwrap_or_default(),
    };
    let grant_id = awarded.unwrap_or_default();
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
        @if aggregate_type == Grant::TYPE && !application_id.is_empty() {
            p { a href=(stream_path(Application::TYPE, &application_id)) { "この交付の申請の履歴" } }
        }
        @if !grant_id.is_empty() {
            p { a href=(stream_path(Grant::TYPE, &grant_id)) { "この申請の交付（交付決定後）の履歴" } }
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
                    span.hash { "ハッシュ " code { (short_hash(event)) } }
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
