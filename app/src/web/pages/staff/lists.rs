//! The staff's searchable lists (issue 15 finding 10): every application (`/staff/applications`)
//! and every grant (`/staff/grants`), filtered by status, by round and by a text found in the group's
//! name or the project's title. Status and round are the API's filters (`GET /api/v1/applications`,
//! `GET /api/v1/grants`, every page); the text is matched here, case-insensitively, on the rows
//! the API answered.

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use grants_domain::grant::GrantStatus;
use grants_domain::{ApplicationStatus, RoundId};
use maud::{html, Markup};
use serde::Deserialize;

use crate::service::applications::ListFilter;
use crate::service::grant_list::GrantFilter;
use crate::service::round_read::RoundRead;
use crate::web::form::choice;
use crate::web::pages::{login_then, read_failed};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::{self, page};
use crate::web::Web;

/// The searchable lists: `/staff/applications`, `/staff/grants`.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/staff/applications", get(applications))
        .route("/staff/grants", get(grants))
}

/// The filters of a list, as the form sends them; an empty value filters nothing.
#[derive(Deserialize, Default)]
struct Filter {
    status: Option<String>,
    round_id: Option<String>,
    q: Option<String>,
}

impl Filter {
    fn given(value: &Option<String>) -> Option<&str> {
        value
            .as_deref()
            .map(str::trim)
            .filter(|value| !value.is_empty())
    }

    /// The status filter, when the domain knows the status chosen.
    fn status<S: serde::de::DeserializeOwned>(&self) -> Option<S> {
        Self::given(&self.status).and_then(choice)
    }

    /// The round filter, when it names a round.
    fn round(&self) -> Option<RoundId> {
        Self::given(&self.round_id).and_then(|id| id.parse().ok())
    }

    /// Whether the group name or title holds the searched text.
    fn matches(&self, group_name: Option<&str>, title: Option<&str>) -> bool {
        let Some(q) = Self::given(&self.q) else {
            return true;
        };
        let q = q.to_lowercase();
        [group_name, title]
            .iter()
            .any(|field| field.unwrap_or_default().to_lowercase().contains(&q))
    }
}

fn code<T: serde::Serialize>(status: T) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The filter form: status (`statuses`: code and label), round, text.
fn filter_form(
    action: &str,
    filter: &Filter,
    statuses: &[(String, &str)],
    rounds: &[RoundRead],
) -> Markup {
    let chosen = |value: &Option<String>, option: &str| Filter::given(value) == Some(option);
    html! {
        form.filters method="get" action=(action) role="search" {
            div.field {
                label for="f-status" { "状況" }
                select #f-status name="status" {
                    option value="" { "すべて" }
                    @for (code, label) in statuses {
                        option value=(code) selected[chosen(&filter.status, code)] { (label) }
                    }
                }
            }
            div.field {
                label for="f-round" { "募集回" }
                select #f-round name="round_id" {
                    option value="" { "すべて" }
                    @for round in rounds {
                        @let id = round.id.to_string();
                        option value=(id) selected[chosen(&filter.round_id, &id)] {
                            (round.settings.fiscal_year) " " (round.settings.title)
                        }
                    }
                }
            }
            div.field {
                label for="f-q" { "団体名・事業名に含む文字" }
                input #f-q type="search" name="q" value=(filter.q.as_deref().unwrap_or_default());
            }
            button type="submit" { "絞り込む" }
        }
    }
}

async fn applications(
    State(web): State<Web>,
    visitor: Visitor,
    Query(filter): Query<Filter>,
) -> Response {
    let path = "/staff/applications";
    let Some(token) = visitor.token() else {
        return login_then(path);
    };
    let read = async {
        let reads = web.reads(token).await?;
        let list = ListFilter {
            round_id: filter.round(),
            status: filter.status(),
        };
        Ok::<_, Problem>((reads.rounds().await?, reads.applications(&list).await?))
    };
    let (rounds, rows) = match read.await {
        Ok(read) => read,
        Err(problem) => return read_failed(&visitor, &problem, path),
    };
    let rows: Vec<_> = rows
        .iter()
        .filter(|row| filter.matches(row.group_name.as_deref(), Some(&row.title)))
        .collect();
    let statuses: Vec<(String, &str)> = ApplicationStatus::ALL
        .iter()
        .map(|status| (code(status), status.label_ja()))
        .collect();
    let round_title = |id: &str| {
        rounds
            .iter()
            .find(|round| round.id.to_string() == id)
            .map(|round| round.settings.title.clone())
            .unwrap_or_default()
    };
    let body = html! {
        (filter_form(path, &filter, &statuses, &rounds))
        p #result-count { (rows.len()) "件" }
        @if rows.is_empty() {
            p { "条件に合う申請はありません。" }
        } @else {
            table #application-list {
                caption.visually-hidden { "申請の一覧" }
                thead { tr {
                    th scope="col" { "事業名" } th scope="col" { "団体名" } th scope="col" { "募集回" }
                    th scope="col" { "状況" } th.num scope="col" { "申請額" }
                } }
                tbody {
                    @for row in &rows {
                        tr {
                            td { a href={ "/staff/applications/" (row.application_id) } { (super::non_empty_title(Some(&row.title))) } }
                            td { (row.group_name.as_deref().unwrap_or_default()) }
                            td { (round_title(&row.round_id)) }
                            td { (row.status.label_ja()) }
                            td.num { (view::yen(row.requested_amount)) }
                        }
                    }
                }
            }
        }
        p { a href="/staff" { "職員の業務一覧へ戻る" } }
    };
    page(&visitor, "職員：申請の一覧", body)
}

async fn grants(
    State(web): State<Web>,
    visitor: Visitor,
    Query(filter): Query<Filter>,
) -> Response {
    let path = "/staff/grants";
    let Some(token) = visitor.token() else {
        return login_then(path);
    };
    let read = async {
        let reads = web.reads(token).await?;
        let list = GrantFilter {
            status: filter.status(),
            round_id: filter.round(),
            open_advance: false,
        };
        Ok::<_, Problem>((reads.rounds().await?, reads.grants(&list).await?))
    };
    let (rounds, rows) = match read.await {
        Ok(read) => read,
        Err(problem) => return read_failed(&visitor, &problem, path),
    };
    let rows: Vec<_> = rows
        .iter()
        .filter(|row| filter.matches(row.group_name.as_deref(), row.title.as_deref()))
        .collect();
    let statuses: Vec<(String, &str)> = GrantStatus::ALL
        .iter()
        .map(|status| (code(status), status.label_ja()))
        .collect();
    let body = html! {
        (filter_form(path, &filter, &statuses, &rounds))
        p #result-count { (rows.len()) "件" }
        @if rows.is_empty() {
            p { "条件に合う交付はありません。" }
        } @else {
            table #grant-list {
                caption.visually-hidden { "交付の一覧" }
                thead { tr {
                    th scope="col" { "文書番号" } th scope="col" { "事業名" } th scope="col" { "団体名" }
                    th scope="col" { "状況" } th.num scope="col" { "交付決定額" } th.num scope="col" { "支払済額" }
                } }
                tbody {
                    @for row in &rows {
                        tr {
                            td { a href={ "/staff/grants/" (row.ledger.grant_id) } { (row.ledger.notice_number.as_deref().unwrap_or_default()) } }
                            td { (row.title.as_deref().unwrap_or_default()) }
                            td { (row.group_name.as_deref().unwrap_or_default()) }
                            td { (row.ledger.status.label_ja()) }
                            td.num { (view::yen(row.ledger.decided_amount)) }
                            td.num { (view::yen(row.ledger.paid_total)) }
                        }
                    }
                }
            }
        }
        p { a href="/staff" { "職員の業務一覧へ戻る" } }
    };
    page(&visitor, "職員：交付の一覧", body)
}
