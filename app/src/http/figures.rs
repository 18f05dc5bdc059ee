//! `GET /api/v1/figures` and `GET /api/v1/figures.csv`: the year's figures for the city's plan
//! report, per fiscal year and course, from the `year_figures` read model (an extension of api.md,
//! listed in docs/decisions.md). Staff and auditors read them; nobody else. Which fiscal year each
//! figure belongs to is said in `grants_projections::year_figures`.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use grants_projections::year_figures::{self, FiscalYearFigures};
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;
use super::extract::{Json, Query};
use super::AppState;
use crate::policy::Overseer;

/// Which fiscal year.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearFilter {
    /// Only this fiscal year (named by the calendar year it starts in: 2026 = 令和8年度); every
    /// fiscal year with a round when absent.
    fiscal_year: Option<i32>,
}

async fn read(state: &AppState, filter: &YearFilter) -> Result<Vec<FiscalYearFigures>, ApiError> {
    year_figures::figures(&state.db, filter.fiscal_year)
        .await
        .map_err(ApiError::from)
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
    _: Overseer,
    Query(filter): Query<YearFilter>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(read(&state, &filter).await?))
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
    _: Overseer,
    Query(filter): Query<YearFilter>,
) -> Result<impl IntoResponse, ApiError> {
    let csv = year_figures::figures_csv(&read(&state, &filter).await?);
    let name = match filter.fiscal_year {
        Some(year) => format!("attachment; filename=\"figures-{year}.csv\""),
        None => "attachment; filename=\"figures.csv\"".to_owned(),
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        csv,
    ))
}
