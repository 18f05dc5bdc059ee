//! The year's figures (`/staff/figures`): per fiscal year and course, the applications, awards,
//! amounts decided, paid, refunded and finalised, and the participants reported, as
//! `GET /api/v1/figures` answers them; and their CSV (`/staff/figures.csv`, the API's
//! `GET /api/v1/figures.csv` handed over as a download). Which fiscal year a figure belongs to is
//! the read model's definition (`grants_projections::year_figures`); the page repeats it for the
//! reader.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use grants_projections::year_figures::{Figures, FiscalYearFigures};
use maud::{html, Markup};

use crate::web::api::Problem;
use crate::web::pages::{login_then, read_failed};
use crate::web::session::Visitor;
use crate::web::view::{count, page, yen};
use crate::web::Web;

pub fn routes() -> Router<Web> {
    Router::new()
        .route("/staff/figures", get(figures))
        .route("/staff/figures.csv", get(figures_csv))
}

/// A fiscal year as the city writes it: 2026年度（令和8年度）.
fn year_ja(fiscal_year: i32) -> String {
    format!("{fiscal_year}年度（令和{}年度）", fiscal_year - 2018)
}

async fn figures(State(web): State<Web>, visitor: Visitor) -> Response {
    let Some(token) = visitor.token() else {
        return login_then("/staff/figures");
    };
    let years: Vec<FiscalYearFigures> = match web.api.get("/api/v1/figures", Some(token)).await {
        Ok(answer) => serde_json::from_value(answer).unwrap_or_default(),
        Err(problem) => return read_failed(&visitor, &problem, "/staff/figures"),
    };
    let body = html! {
        p { a.button href="/staff/figures.csv" download { "全年度の実績を CSV でダウンロード" } }
        (note())
        @if years.is_empty() {
            p { "まだ募集回はありません。" }
        }
        @for year in &years {
            @let id = format!("fy-{}", year.fiscal_year);
            section aria-labelledby=(id) {
                h2 id=(id) { (year_ja(year.fiscal_year)) }
                (year_table(year))
                p { a href={ "/staff/figures.csv?fiscal_year=" (year.fiscal_year) } download { (year_ja(year.fiscal_year)) "の CSV" } }
            }
        }
    };
    page(&visitor, "職員：年度の実績", body)
}

/// What each figure counts and which fiscal year it belongs to.
fn note() -> Markup {
    html! {
        details.note {
            summary { "集計の考え方" }
            ul.hint {
                li { "すべての数値は、申請・交付決定が属する募集回の年度とコースに計上しています。支払・額の確定・返還金の受領が翌年度（4月以降）になっても、その事業の年度に計上します（出納整理期間の考え方と同じです）。" }
                li { "申請件数：一度でも提出された申請の件数です（差戻し後の再提出は数えず、提出後の取下げも差し引きません）。" }
                li { "採択件数：交付決定の件数です。うち取下げ・うち取消しは、その後に団体が取り下げた件数と、交付決定を取り消した件数です。" }
                li { "交付決定額：取下げ・取消しのない交付決定の額の合計です（変更承認後の額）。" }
                li { "支払額：概算払と確定後の支払の合計、返還額：受領した返還金の合計、差引支出額：支払額から返還額を差し引いた額です。" }
                li { "確定件数・確定額：額の確定を行った件数と確定額の合計です。" }
                li { "参加者数：実績報告に記載された参加者数の合計で、額の確定に用いた報告の数値を計上します。" }
            }
        }
    }
}

fn year_table(year: &FiscalYearFigures) -> Markup {
    html! {
        table {
            caption.visually-hidden { (year_ja(year.fiscal_year)) "の実績" }
            thead { tr {
                th scope="col" { "コース" }
                th.num scope="col" { "申請件数" } th.num scope="col" { "採択件数" }
                th.num scope="col" { "うち取下げ" } th.num scope="col" { "うち取消し" }
                th.num scope="col" { "交付決定額" } th.num scope="col" { "支払額" }
                th.num scope="col" { "返還額" } th.num scope="col" { "差引支出額" }
                th.num scope="col" { "確定件数" } th.num scope="col" { "確定額" }
                th.num scope="col" { "参加者数" }
            } }
            tbody {
                @for course in &year.courses {
                    tr { th scope="row" { (course.course) } (cells(&course.figures)) }
                }
            }
            tfoot {
                tr { th scope="row" { "合計" } (cells(&year.total)) }
            }
        }
    }
}

fn cells(figures: &Figures) -> Markup {
    html! {
        td.num { (count(figures.applications)) "件" }
        td.num { (count(figures.awards)) "件" }
        td.num { (count(figures.withdrawn)) "件" }
        td.num { (count(figures.cancelled)) "件" }
        td.num { (yen(figures.decided)) }
        td.num { (yen(figures.paid)) }
        td.num { (yen(figures.refunded)) }
        td.num { (yen(figures.net_paid)) }
        td.num { (count(figures.finalised_grants)) "件" }
        td.num { (yen(figures.finalised)) }
        td.num { (count(figures.participants)) "人" }
    }
}

/// The API's CSV, handed to the browser as a download.
async fn figures_csv(
    State(web): State<Web>,
    visitor: Visitor,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let path = match query.as_deref().and_then(fiscal_year_of) {
        Some(year) => format!("/api/v1/figures.csv?fiscal_year={year}"),
        None => "/api/v1/figures.csv".to_owned(),
    };
    let Some(token) = visitor.token() else {
        return login_then("/staff/figures");
    };
    match web.api.get_file(&path, Some(token)).await {
        Ok(file) => (
            [
                (header::CONTENT_TYPE, file.content_type),
                (header::CONTENT_DISPOSITION, file.disposition),
            ],
            file.bytes,
        )
            .into_response(),
        Err(problem) => failed(&visitor, &problem),
    }
}

fn failed(visitor: &Visitor, problem: &Problem) -> Response {
    read_failed(visitor, problem, "/staff/figures")
}

/// The `fiscal_year` of a query string, when it is a year.
fn fiscal_year_of(query: &str) -> Option<i32> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "fiscal_year")
        .and_then(|(_, value)| value.trim().parse().ok())
}
