//! `GET /api/v1/figures` and `GET /api/v1/figures.csv`: the year's figures for the city's plan
//! report, per fiscal year and course, from the `year_figures` read model (an extension of api.md,
//! listed in docs/decisions.md). Staff and auditors read them; nobody else. Which fiscal year each
//! figure belongs to is said in `grants_projections::year_figures`.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use grants_projections::year_figures::FiscalYearFigures;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;
use super::extract::{Json, Query};
use super::AppState;
use crate::policy::Overseer;
use crate::service::figures;

/// Which fiscal year.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearFilter {
    /// Only this fiscal year (named by the calendar year it starts in: 2026 = 令和8年度); every
    /// fiscal year with a round when absent.
    fiscal_year: Option<i32>,
}

/// `GET /api/v1/figures?fiscal_year=`: per fiscal year (newest first), each course's figures and
/// the year's total.
#[utoipa::path(
    get,
    path = "/api/v1/figures",
    operation_id = "figures_get",
    tag = "figures",
    summary = "年度の実績（年度・コース別） / the year's figures per fiscal year and course",
    params(YearFilter),
    responses(
        (status = 200, description = "every fiscal year with a round, newest first (or the one asked for)", body = Vec<FiscalYearFigures>),
    ),
)]
pub async fn figures(
    State(state): State<AppState>,
    overseer: Overseer,
    Query(filter): Query<YearFilter>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(
        figures::figures(&state, &overseer, filter.fiscal_year).await?,
    ))
}

/// `GET /api/v1/figures.csv?fiscal_year=`: the same figures as CSV, UTF-8 with BOM, Japanese headers,
/// CRLF line ends, one line per course and a `合計` line per year; a course name a spreadsheet
/// would run as a formula starts with a `'`.
#[utoipa::path(
    get,
    path = "/api/v1/figures.csv",
    operation_id = "figures_csv",
    tag = "figures",
    summary = "年度の実績（CSV） / the year's figures as CSV (UTF-8 with BOM)",
    params(YearFilter),
    responses(
        (status = 200, description = "CSV with Japanese headers; a course name starting with =, +, -, @, TAB or CR is prefixed with '", content_type = "text/csv", body = String),
    ),
)]
pub async fn figures_csv(
    State(state): State<AppState>,
    overseer: Overseer,
    Query(filter): Query<YearFilter>,
) -> Result<impl IntoResponse, ApiError> {
    let (name, csv) = figures::csv(&state, &overseer, filter.fiscal_year).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        csv,
    ))
}
