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
use grants_domain::ApplicationStatus;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use crate::web::api::encode;
use crate::web::pages::{login_then, read_failed};
use crate::web::session::Visitor;
use crate::web::view::{self, page, text, yen_of};
use crate::web::Web;

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

    /// The API's query string for the status (when the domain knows it) and the round.
    fn api_query<S: serde::de::DeserializeOwned>(&self) -> String {
        let mut query = Vec::new();
        if let Some(status) = Self::given(&self.status)
            .filter(|status| serde_json::from_value::<S>(Value::from(*status)).is_ok())
        {
            query.push(format!("status={}", encode(status)));
        }
        if let Some(round) =
            Self::given(&self.round_id).filter(|id| uuid::Uuid::parse_str(id).is_ok())
        {
            query.push(format!("round_id={}", encode(round)));
        }
        if query.is_empty() {
            String::new()
        } else {
            format!("?{}", query.join("&"))
        }
    }

    /// Whether the row's group name or title holds the searched text.
    fn matches(&self, row: &Value) -> bool {
        let Some(q) = Self::given(&self.q) else {
            return true;
        };
        let q = q.to_lowercase();
        [&row["group_name"], &row["title"]]
            .iter()
            .any(|field| text(field).to_lowercase().contains(&q))
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
    rounds: &[Value],
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
                        @let id = text(&round["id"]);
                        option value=(id) selected[chosen(&filter.round_id, id)] {
                            (round["fiscal_year"]) "年度 " (text(&round["title"]))
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
    let rounds = match web.api.get("/api/v1/rounds", Some(token)).await {
        Ok(rounds) => rounds.as_array().cloned().unwrap_or_default(),
        Err(problem) => return read_failed(&visitor, &problem, path),
    };
    let list = format!(
        "/api/v1/applications{}",
        filter.api_query::<ApplicationStatus>()
    );
    let rows = match web.api.get(list, Some(token)).await {
        Ok(rows) => rows.as_array().cloned().unwrap_or_default(),
        Err(problem) => return read_failed(&visitor, &problem, path),
    };
    let rows: Vec<&Value> = rows.iter().filter(|row| filter.matches(row)).collect();
    let statuses: Vec<(String, &str)> = ApplicationStatus::ALL
        .iter()
        .map(|status| (code(status), status.label_ja()))
        .collect();
    let round_title = |id: &Value| {
        rounds
            .iter()
            .find(|round| round["id"] == *id)
            .map(|round| text(&round["title"]).to_owned())
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
                            td { a href={ "/staff/applications/" (text(&row["application_id"])) } { (super::title_of(row)) } }
                            td { (text(&row["group_name"])) }
                            td { (round_title(&row["round_id"])) }
                            td { (view::application_status(text(&row["status"]))) }
                            td.num { (yen_of(&row["requested_amount"])) }
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
    let rounds = match web.api.get("/api/v1/rounds", Some(token)).await {
        Ok(rounds) => rounds.as_array().cloned().unwrap_or_default(),
        Err(problem) => return read_failed(&visitor, &problem, path),
    };
    let list = format!("/api/v1/grants{}", filter.api_query::<GrantStatus>());
    let rows = match web.api.get_all(&list, Some(token), "grant_id").await {
        Ok(rows) => rows,
        Err(problem) => return read_failed(&visitor, &problem, path),
    };
    let rows: Vec<&Value> = rows.iter().filter(|row| filter.matches(row)).collect();
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
                            td { a href={ "/staff/grants/" (text(&row["grant_id"])) } { (text(&row["notice_number"])) } }
                            td { (text(&row["title"])) }
                            td { (text(&row["group_name"])) }
                            td { (view::grant_status(text(&row["status"]))) }
                            td.num { (yen_of(&row["decided_amount"])) }
                            td.num { (yen_of(&row["paid_total"])) }
                        }
                    }
                }
            }
        }
        p { a href="/staff" { "職員の業務一覧へ戻る" } }
    };
    page(&visitor, "職員：交付の一覧", body)
}
