//! The applicant's dashboard (`/my`): their groups, their grants, their applications, the open calls.

use axum::extract::State;
use axum::response::Response;
use maud::html;
use serde_json::Value;
use time::OffsetDateTime;

use super::non_empty;
use crate::web::api::encode;
use crate::web::pages::public::window_open;
use crate::web::pages::{login_then, read_failed};
use crate::web::session::Visitor;
use crate::web::view::{self, date_of, instant_of, page, text, yen_of};
use crate::web::Web;

pub(super) async fn dashboard(State(web): State<Web>, visitor: Visitor) -> Response {
    let Some(token) = visitor.token() else {
        return login_then("/my");
    };
    let groups = match web.api.get("/api/v1/groups", Some(token)).await {
        Ok(groups) => groups,
        Err(problem) => return read_failed(&visitor, &problem, "/my"),
    };
    let applications = match web.api.get("/api/v1/applications", Some(token)).await {
        Ok(applications) => applications,
        Err(problem) => return read_failed(&visitor, &problem, "/my"),
    };
    let rounds = web
        .api
        .get("/api/v1/rounds", Some(token))
        .await
        .unwrap_or(Value::Array(Vec::new()));
    let now = OffsetDateTime::now_utc();
    let open: Vec<&Value> = rounds
        .as_array()
        .map(|rounds| {
            rounds
                .iter()
                .filter(|round| window_open(round, now))
                .collect()
        })
        .unwrap_or_default();
    let groups = groups.as_array().cloned().unwrap_or_default();
    let applications = applications.as_array().cloned().unwrap_or_default();
    // The group's grants: each awarded application's grant, as the grant read answers it.
    let mut grants = Vec::new();
    for row in &applications {
        if let Some(grant_id) = row["grant_id"].as_str() {
            let path = format!("/api/v1/grants/{}", encode(grant_id));
            if let Ok(grant) = web.api.get(path, Some(token)).await {
                grants.push((row, grant));
            }
        }
    }
    let body = html! {
        section aria-labelledby="my-groups" {
            h2 #my-groups { "団体" }
            @if groups.is_empty() {
                p { "申請するには、まず団体を登録してください。" }
            } @else {
                ul { @for group in &groups { li { (text(&group["name"])) "（登録番号 " (text(&group["registration_number"])) "）" } } }
            }
            p { a href="/groups/new" { "団体を登録する" } }
        }
        @if !grants.is_empty() {
            section aria-labelledby="my-grants" {
                h2 #my-grants { "交付決定" }
                table {
                    thead { tr {
                        th scope="col" { "事業名" } th scope="col" { "状況" } th.num scope="col" { "交付決定額" }
                        th.num scope="col" { "支払済額" } th scope="col" { "完了期限" }
                    } }
                    tbody {
                        @for (row, grant) in &grants {
                            tr {
                                td { a href={ "/grants/" (text(&grant["grant_id"])) } { (non_empty(text(&row["title"]))) } }
                                td { (view::grant_status(text(&grant["status"]))) }
                                td.num { (yen_of(&grant["decided_amount"])) }
                                td.num { (yen_of(&grant["paid_total"])) }
                                td { (date_of(&grant["completion_deadline"])) }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="my-applications" {
            h2 #my-applications { "申請" }
            @if applications.is_empty() {
                p { "まだ申請はありません。" }
            } @else {
                table {
                    thead { tr { th scope="col" { "事業名" } th scope="col" { "状況" } th scope="col" { "申請額" } th scope="col" { "補助上限額" } } }
                    tbody {
                        @for row in &applications {
                            tr {
                                td { a href={ "/applications/" (text(&row["application_id"])) } { (non_empty(text(&row["title"]))) } }
                                td { (view::application_status(text(&row["status"]))) }
                                td.num { (yen_of(&row["requested_amount"])) }
                                td.num { (yen_of(&row["max_amount"])) }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="my-calls" {
            h2 #my-calls { "募集中の公募" }
            @if open.is_empty() {
                p { "現在募集中の公募はありません。" }
            } @else {
                ul {
                    @for round in &open {
                        li {
                            a href={ "/rounds/" (text(&round["id"])) } { (text(&round["title"])) }
                            " （締切 " (instant_of(&round["closes_at"])) "） "
                            a href={ "/rounds/" (text(&round["id"])) "/apply" } { "申請書を作成する" }
                        }
                    }
                }
            }
        }
    };
    page(&visitor, "マイページ", body)
}
