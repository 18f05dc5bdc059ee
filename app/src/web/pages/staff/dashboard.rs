//! The staff dashboard (`/staff`): every round with where it stands, its remaining budget and the
//! links to its work; the applications waiting for screening; and the grants with something for
//! staff to do (an advance request to pay, a settlement report to review, a refund to receive, a
//! remainder to pay).
//!
//! The work comes from the staff work queue (`service::work_queue`, as `GET /api/v1/work-queue`
//! answers it), which reads it from the read models and the domain's rules of what waits on staff (`grants_domain::work`): a count per kind of
//! work at the top, then the applications to screen, the grants to act on and the runner-up offers
//! waiting for an answer.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::html;

use super::round_stage;
use grants_domain::work::StaffWork;

use crate::policy::Staff;
use crate::service::work_queue::{self, WorkEntry, WorkQueue};
use crate::web::pages::{login_then, read_failed};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::{self, page};
use crate::web::Web;

/// The staff dashboard: `/staff`.
pub fn routes() -> Router<Web> {
    Router::new().route("/staff", get(dashboard))
}

/// Where the dashboard lists a kind's objects.
fn anchor(kind: StaffWork) -> &'static str {
    match kind {
        StaffWork::Screen => "#staff-screening",
        StaffWork::OfferUnanswered => "#staff-offers",
        _ => "#staff-grants",
    }
}

/// The grants waiting on staff, once each, with every action each waits for.
fn waiting_grants(queue: &WorkQueue) -> Vec<(&WorkEntry, String)> {
    let mut grants: Vec<(&WorkEntry, Vec<&'static str>)> = Vec::new();
    for kind in queue
        .kinds
        .iter()
        .filter(|kind| kind.kind.is_about_a_grant())
    {
        for entry in &kind.items {
            match grants
                .iter_mut()
                .find(|(seen, _)| seen.grant_id == entry.grant_id)
            {
                Some((seen, actions)) => {
                    actions.push(kind.kind.action_ja());
                    // The row shows the work's last day, when one of its kinds has one.
                    if seen.due_on.is_none() {
                        *seen = entry;
                    }
                }
                None => grants.push((entry, vec![kind.kind.action_ja()])),
            }
        }
    }
    grants
        .into_iter()
        .map(|(entry, actions)| (entry, actions.join("・")))
        .collect()
}

fn items_of(queue: &WorkQueue, kind: StaffWork) -> &[WorkEntry] {
    queue
        .kinds
        .iter()
        .find(|listed| listed.kind == kind)
        .map(|listed| listed.items.as_slice())
        .unwrap_or_default()
}

fn entry_title(entry: &WorkEntry) -> &str {
    entry
        .title
        .as_deref()
        .map(str::trim)
        .filter(|title| !title.is_empty())
        .unwrap_or("（事業名未入力）")
}

fn amount(entry: &WorkEntry) -> String {
    entry.amount.map(view::yen).unwrap_or_default()
}

fn due(entry: &WorkEntry) -> String {
    entry
        .due_on
        .as_deref()
        .map_or_else(|| "—".to_owned(), view::date_ja)
}

async fn dashboard(State(web): State<Web>, visitor: Visitor) -> Response {
    let Some(token) = visitor.token() else {
        return login_then("/staff");
    };
    let read = async {
        let reads = web.reads(token).await?;
        let rounds = reads.rounds().await?;
        let staff = Staff::admit(web.caller(token).await?)?;
        let queue = work_queue::work_queue(&web.state, &staff).await?;
        Ok::<_, Problem>((rounds, queue))
    };
    let (rounds, queue) = match read.await {
        Ok(read) => read,
        Err(problem) => return read_failed(&visitor, &problem, "/staff"),
    };
    let to_screen = items_of(&queue, StaffWork::Screen);
    let offers = items_of(&queue, StaffWork::OfferUnanswered);
    let to_act = waiting_grants(&queue);
    let now = web.clock.now();
    let body = html! {
        section aria-labelledby="staff-queue" {
            h2 #staff-queue { "対応が必要な業務" }
            p { a href="/staff/applications" { "申請を探す" } " ・ " a href="/staff/grants" { "交付を探す" } }
            table #work-queue {
                caption.visually-hidden { "対応が必要な業務の件数" }
                thead { tr { th scope="col" { "業務" } th.num scope="col" { "件数" } } }
                tbody {
                    @for kind in &queue.kinds {
                        tr data-kind=(kind_name(kind.kind)) {
                            td {
                                @if kind.count > 0 {
                                    a href=(anchor(kind.kind)) { (kind.label) }
                                } @else {
                                    (kind.label)
                                }
                            }
                            td.num { (kind.count) "件" }
                        }
                    }
                }
            }
            p #failing-mail {
                "送信に失敗して再送を待っているメール：" strong { (queue.failing_mail) "件" } " "
                a href="/staff/mail" { "メールの送信状況を確かめる" }
            }
        }
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
                            @let id = round.id;
                            tr {
                                td { a href={ "/staff/rounds/" (id) } { (round.settings.title) } }
                                td { (round.settings.fiscal_year) "・" (round.settings.course) }
                                td { (round_stage(round, now)) }
                                td.num { (round.remaining_budget) " / " (round.settings.budget) }
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
                    @for entry in to_screen {
                        li {
                            a href={ "/staff/applications/" (entry.application_id.as_deref().unwrap_or_default()) } { (entry_title(entry)) }
                            "（" (entry.group_name.as_deref().unwrap_or_default()) "、申請額 " (amount(entry)) "）"
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
            p.hint { "各交付の記録は、事業名から、または募集回の「交付決定」の画面から開けます。" }
        }
        section aria-labelledby="staff-offers" {
            h2 #staff-offers { "回答を待つ繰上げの申出（" (offers.len()) "件）" }
            @if offers.is_empty() {
                p { "回答を待つ繰上げの申出はありません。" }
            } @else {
                ul {
                    @for entry in offers {
                        li {
                            a href={ "/staff/applications/" (entry.application_id.as_deref().unwrap_or_default()) } { (entry_title(entry)) }
                            "（" (entry.group_name.as_deref().unwrap_or_default()) "、回答期限 " (due(entry)) "）"
                        }
                    }
                }
            }
        }
    };
    page(&visitor, "職員：業務の一覧", body)
}

/// The kind as the API names it (a data attribute the browser checks read).
fn kind_name(kind: StaffWork) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn grants_table(grants: &[(&WorkEntry, String)]) -> maud::Markup {
    html! {
        table {
            caption.visually-hidden { "対応が必要な交付" }
            thead { tr {
                th scope="col" { "事業名" } th scope="col" { "団体名" }
                th.num scope="col" { "金額" } th scope="col" { "必要な対応" }
            } }
            tbody {
                @for (entry, what) in grants {
                    tr {
                        td { a href={ "/staff/grants/" (entry.grant_id.as_deref().unwrap_or_default()) } { (entry_title(entry)) } }
                        td { (entry.group_name.as_deref().unwrap_or_default()) }
                        td.num { (amount(entry)) }
                        td {
                            (what)
                            @if entry.due_on.is_some() { "（期限 " (due(entry)) "）" }
                            @if entry.overdue { " " strong.overdue { "期限を過ぎています" } }
                        }
                    }
                }
            }
        }
    }
}
