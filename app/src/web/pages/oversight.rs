//! Auditors (and staff): the event log in global order with the hash chain's verification
//! (`/audit`), a page at a time. Read-only: the page only shows what the audit API answers.

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::html;
use serde::Deserialize;

use super::{login_then, read_failed};
use crate::web::session::Visitor;
use crate::web::view::{instant_of, page, text};
use crate::web::Web;

pub fn routes() -> Router<Web> {
    Router::new().route("/audit", get(log))
}

/// Events per page.
const PAGE: i64 = 100;

#[derive(Deserialize)]
struct After {
    after: Option<i64>,
}

async fn log(State(web): State<Web>, visitor: Visitor, Query(after): Query<After>) -> Response {
    let Some(token) = visitor.token() else {
        return login_then("/audit");
    };
    let after = after.after.unwrap_or(0).max(0);
    let verification = match web.api.get("/api/v1/audit/verification", Some(token)).await {
        Ok(verification) => verification,
        Err(problem) => return read_failed(&visitor, &problem, "/audit"),
    };
    let events = match web
        .api
        .get(
            format!("/api/v1/audit/events?after={after}&limit={PAGE}"),
            Some(token),
        )
        .await
    {
        Ok(events) => events.as_array().cloned().unwrap_or_default(),
        Err(problem) => return read_failed(&visitor, &problem, "/audit"),
    };
    let last = events.last().and_then(|event| event["position"].as_i64());
    let ok = verification["ok"].as_bool() == Some(true);
    let body = html! {
        div.summary-box role="status" {
            @if ok {
                p { strong { "改ざんは検出されませんでした。" } "（検査したイベント " (verification["events_checked"]) "件）" }
            } @else {
                p.error { "ハッシュの連鎖が位置 " (verification["first_bad_position"]) " で一致しません。" }
            }
            p { "最新のハッシュ：" code { (text(&verification["head_hash"])) } }
        }
        table {
            caption { "イベントログ（位置 " (after + 1) " から）" }
            thead { tr {
                th.num scope="col" { "位置" } th scope="col" { "記録日時" } th scope="col" { "対象" }
                th scope="col" { "イベント" } th scope="col" { "操作者の役割" } th scope="col" { "ハッシュ" }
            } }
            tbody {
                @for event in &events {
                    tr {
                        td.num { (event["position"]) }
                        td { (instant_of(&event["recorded_at"])) }
                        td { (text(&event["aggregate_type"])) " " code { (text(&event["aggregate_id"]).get(..8).unwrap_or("")) } }
                        td { (text(&event["event_type"])) }
                        td { (text(&event["metadata"]["actor_role"])) }
                        td { code { (text(&event["hash"]).get(..12).unwrap_or("")) } }
                    }
                }
            }
        }
        p {
            @if after > 0 { a href={ "/audit?after=" ((after - PAGE).max(0)) } { "前の" (PAGE) "件" } " " }
            @if let (Some(last), true) = (last, events.len() as i64 == PAGE) { a href={ "/audit?after=" (last) } { "次の" (PAGE) "件" } }
        }
    };
    page(&visitor, "監査：イベントログ", body)
}
