//! The year's figures (`/staff/figures`): per fiscal year and course, the applications, awards,
//! amounts decided, paid, refunded and finalised, and the participants reported
//! (`service::figures`, as `GET /api/v1/figures` answers them); and their CSV
//! (`/staff/figures.csv`, the same as `GET /api/v1/figures.csv`, handed over as a download). Which fiscal year a figure belongs to is
//! the read model's definition (`grants_projections::year_figures`); the page repeats it for the
//! reader.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use grants_projections::year_figures::{Figures, FiscalYearFigures};
use maud::{html, Markup};

use crate::policy::Overseer;
use crate::service::figures;
use crate::web::pages::{login_then, read_failed};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::{count, page, yen};
use crate::web::Web;

/// The year's figures and their CSV: `/staff/figures`, `/staff/figures.csv`.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/staff/figures", get(figures))
        .route("/staff/figures.csv", get(figures_csv))
}

/// A fiscal year as the city writes it: 2026年度（令和8年度）; before 令和 (2019) the year alone.
fn year_ja(fiscal_year: i32) -> String {
    match fiscal_year - 2018 {
        1 => format!("{fiscal_year}年度（令和元年度）"),
        reiwa if reiwa > 1 => format!("{fiscal_year}年度（令和{reiwa}年度）"),
        _ => format!("{fiscal_year}年度"),
    }
}

async fn figures(State(web): State<Web>, visitor: Visitor) -> Response {
    let Some(token) = visitor.token() else {
        return login_then("/staff/figures");
    };
    let read = async {
        let overseer = Overseer::admit(web.caller(token).await?)?;
        Ok::<_, Problem>(figures::figures(&web.state, &overseer, None).await?)
    };
    let years: Vec<FiscalYearFigures> = match read.await {
        Ok(years) => years,
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

/// One row of a year's table: the figure's name and how it reads.
type Row = (&'static str, fn(&Figures) -> String);

/// The figures in the order of the CSV's columns.
const ROWS: [Row; 11] = [
    ("申請件数", |f| cases(f.applications)),
    ("採択件数", |f| cases(f.awards)),
    ("うち取下げ", |f| cases(f.withdrawn)),
    ("うち取消し", |f| cases(f.cancelled)),
    ("交付決定額", |f| yen(f.decided)),
    ("支払額", |f| yen(f.paid)),
    ("返還額", |f| yen(f.refunded)),
    ("差引支出額", |f| yen(f.net_paid)),
    ("確定件数", |f| cases(f.finalised_grants)),
    ("確定額", |f| yen(f.finalised)),
    ("参加者数", |f| format!("{}人", count(f.participants))),
];

fn cases(number: i64) -> String {
    format!("{}件", count(number))
}

/// A year's figures: one row per figure, one column per course and the year's total (a year has
/// few courses, so the table stays narrow enough for a phone).
fn year_table(year: &FiscalYearFigures) -> Markup {
    // On a narrow phone the table may scroll sideways (style.css): it takes the keyboard focus so
    // that it can be scrolled without a pointer (it holds nothing else that could take it).
    html! {
        table tabindex="0" {
            caption.visually-hidden { (year_ja(year.fiscal_year)) "の実績" }
            thead { tr {
                th scope="col" { "項目" }
                @for course in &year.courses {
                    th scope="col" { (course.course) }
                }
                th scope="col" { "合計" }
            } }
            tbody {
                @for (label, show) in ROWS {
                    tr {
                        th scope="row" { (label) }
                        @for course in &year.courses {
                            td.num { (show(&course.figures)) }
                        }
                        td.num { (show(&year.total)) }
                    }
                }
            }
        }
    }
}

/// The CSV, handed to the browser as a download.
async fn figures_csv(
    State(web): State<Web>,
    visitor: Visitor,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let fiscal_year = query.as_deref().and_then(fiscal_year_of);
    let Some(token) = visitor.token() else {
        return login_then("/staff/figures");
    };
    let read = async {
        let overseer = Overseer::admit(web.caller(token).await?)?;
        Ok::<_, Problem>(figures::csv(&web.state, &overseer, fiscal_year).await?)
    };
    match read.await {
        Ok((name, csv)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            csv,
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

#[cfg(test)]
mod tests {
    use super::year_ja;

    #[test]
    fn fiscal_years_read_with_their_reiwa_year() {
        assert_eq!(year_ja(2026), "2026年度（令和8年度）");
        assert_eq!(year_ja(2019), "2019年度（令和元年度）");
        assert_eq!(year_ja(2018), "2018年度");
    }
}
