//! The staff dashboard (`/staff`): every round with where it stands, its remaining budget and the
//! links to its work; the applications waiting for screening; and the grants with something for
//! staff to do (an advance request to pay, a settlement report to review, a refund to receive, a
//! remainder to pay).
//!
//! The grants come from the grant list (`GET /api/v1/grants?open_advance=true` and `?status=`,
//! every page of each); its rows carry what the dashboard shows (amounts, title, group name).

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::html;
use serde_json::Value;
use time::OffsetDateTime;

use super::{round_state, title_of};
use crate::web::api::{encode, Problem};
use crate::web::pages::{login_then, read_failed};
use crate::web::session::Visitor;
use crate::web::view::{self, page, text, yen_of};
use crate::web::Web;

pub fn routes() -> Router<Web> {
    Router::new().route("/staff", get(dashboard))
}

/// What a grant waits for from staff, as its list row says: a report to review, a refund to
/// receive, a remainder to pay (by status), and an advance request to pay (`open_advance`, the
/// domain's rule applied by the grant ledger). Empty when it waits for nothing.
fn waits_for(grant: &Value) -> Vec<&'static str> {
    let mut what = Vec::new();
    if grant["open_advance"].as_i64().unwrap_or(0) > 0 {
        what.push("概算払の支払");
    }
    match text(&grant["status"]) {
        "report_submitted" => what.push("実績報告の審査"),
        "refund_due" => what.push("返還金の受領"),
        "finalised" if grant["payable"].as_i64().unwrap_or(0) > 0 => what.push("確定額の支払"),
        _ => {}
    }
    what
}

/// The lists in which a grant may wait for staff (the grant's row then says whether it does):
/// the grants with an advance request to pay, and those in a status that may wait.
fn lists_that_may_wait() -> Vec<String> {
    let mut lists = vec!["/api/v1/grants?open_advance=true".to_owned()];
    lists.extend(
        ["report_submitted", "refund_due", "finalised"]
            .iter()
            .map(|status| format!("/api/v1/grants?status={}", encode(status))),
    );
    lists
}

/// Every grant that waits for staff, once each with all it waits for, whatever its fiscal year:
/// those with an advance request to pay first, then by status, oldest decision first within each.
async fn waiting_grants(web: &Web, token: &str) -> Result<Vec<(Value, String)>, Problem> {
    let mut waiting: Vec<(Value, String)> = Vec::new();
    for list in lists_that_may_wait() {
        let grants = web.api.get_all(&list, Some(token), "grant_id").await?;
        for grant in grants {
            let what = waits_for(&grant);
            let listed = waiting
                .iter()
                .any(|(seen, _)| seen["grant_id"] == grant["grant_id"]);
            if !what.is_empty() && !listed {
                waiting.push((grant, what.join("・")));
            }
        }
    }
    Ok(waiting)
}

async fn dashboard(State(web): State<Web>, visitor: Visitor) -> Response {
    let Some(token) = visitor.token() else {
        return login_then("/staff");
    };
    let rounds = match web.api.get("/api/v1/rounds", Some(token)).await {
        Ok(rounds) => rounds.as_array().cloned().unwrap_or_default(),
        Err(problem) => return read_failed(&visitor, &problem, "/staff"),
    };
    let submitted = match web
        .api
        .get("/api/v1/applications?status=submitted", Some(token))
        .await
    {
        Ok(rows) => rows.as_array().cloned().unwrap_or_default(),
        Err(problem) => return read_failed(&visitor, &problem, "/staff"),
    };
    let to_act = match waiting_grants(&web, token).await {
        Ok(grants) => grants,
        Err(problem) => return read_failed(&visitor, &problem, "/staff"),
    };
    let to_screen: Vec<&Value> = submitted.iter().collect();
    let now = OffsetDateTime::now_utc();
    let body = html! {
        section aria-labelledby="staff-rounds" {
            h2 #staff-rounds { "募集回" }
            p {
                a.button href="/staff/rounds/new" { "募集回を開設する" }
                " "
                a href="/staff/users/new" { "職員・審査委員・監査担当のアカウントを作成する" }
                " "
                a href="/staff/figures" { "年度の実績（年度・コース別の集計）" }
            }
            @if rounds.is_empty() {
                p { "まだ募集回はありません。" }
            } @else {
                table #rounds {
                    caption.visually-hidden { "募集回" }
                    thead { tr {
                        th scope="col" { "募集回" } th scope="col" { "年度・コース" } th scope="col" { "状況" }
                        th.num scope="col" { "予算の残額" } th scope="col" { "業務" }
                    } }
                    tbody {
                        @for round in &rounds {
                            @let id = text(&round["id"]);
                            tr {
                                td { a href={ "/staff/rounds/" (id) } { (text(&round["title"])) } }
                                td { (round["fiscal_year"]) "年度・" (text(&round["course"])) }
                                td { (round_state(round, now)) }
                                td.num { (yen_of(&round["remaining_budget"])) " / " (yen_of(&round["budget"])) }
                                td {
                                    a href={ "/staff/rounds/" (id) "/screening" } { "形式審査" } " ・ "
                                    a href={ "/staff/rounds/" (id) "/committee" } { "審査委員会" } " ・ "
                                    a href={ "/staff/rounds/" (id) "/ranking" } { "順位" } " ・ "
                                    a href={ "/staff/rounds/" (id) "/decisions" } { "交付決定" }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="staff-screening" {
            h2 #staff-screening { "形式審査を待つ申請（" (to_screen.len()) "件）" }
            @if to_screen.is_empty() {
                p { "形式審査を待つ申請はありません。" }
            } @else {
                ul {
                    @for row in &to_screen {
                        li {
                            a href={ "/staff/applications/" (text(&row["application_id"])) } { (title_of(row)) }
                            "（" (text(&row["group_name"])) "、" (view::instant_of(&row["submitted_at"])) " 提出）"
                        }
                    }
                }
            }
        }
        section aria-labelledby="staff-grants" {
            h2 #staff-grants { "対応が必要な交付（" (to_act.len()) "件）" }
            @if to_act.is_empty() {
                p { "対応が必要な交付はありません。" }
            } @else {
                (grants_table(&to_act))
            }
            p.hint { "各交付の記録は、文書番号から、または募集回の「交付決定」の画面から開けます。" }
        }
    };
    page(&visitor, "職員：業務の一覧", body)
}

fn grants_table(grants: &[(Value, String)]) -> maud::Markup {
    html! {
        table {
            caption.visually-hidden { "対応が必要な交付" }
            thead { tr {
                th scope="col" { "文書番号" } th scope="col" { "事業名" } th scope="col" { "団体名" }
                th scope="col" { "状況" } th.num scope="col" { "交付決定額" } th.num scope="col" { "支払済額" }
                th scope="col" { "必要な対応" }
            } }
            tbody {
                @for (grant, what) in grants {
                    tr {
                        td { a href={ "/staff/grants/" (text(&grant["grant_id"])) } { (text(&grant["notice_number"])) } }
                        td { (text(&grant["title"])) }
                        td { (text(&grant["group_name"])) }
                        td { (view::grant_status(text(&grant["status"]))) }
                        td.num { (yen_of(&grant["decided_amount"])) }
                        td.num { (yen_of(&grant["paid_total"])) }
                        td { (what) }
                    }
                }
            }
        }
    }
}
