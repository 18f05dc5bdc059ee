//! The year's figures for the city's plan report, per fiscal year and course, from the
//! `year_figures` read model: staff and auditors read them, nobody else. Which fiscal year each
//! figure belongs to is said in `grants_projections::year_figures`.

use grants_projections::year_figures::{self, FiscalYearFigures};

use super::ServiceError;
use crate::policy::Overseer;
use crate::state::AppState;

/// Per fiscal year (newest first), each course's figures and the year's total; only `fiscal_year`
/// when one is named.
pub async fn figures(
    state: &AppState,
    _overseer: &Overseer,
    fiscal_year: Option<i32>,
) -> Result<Vec<FiscalYearFigures>, ServiceError> {
    Ok(year_figures::figures(&state.db, fiscal_year).await?)
}

/// The same figures as CSV (UTF-8 with BOM, Japanese headers), with the file name to save it as.
pub async fn csv(
    state: &AppState,
    overseer: &Overseer,
    fiscal_year: Option<i32>,
) -> Result<(String, Vec<u8>), ServiceError> {
    let csv = year_figures::figures_csv(&figures(state, overseer, fiscal_year).await?);
    let name = match fiscal_year {
        Some(year) => format!("figures-{year}.csv"),
        None => "figures.csv".to_owned(),
    };
    Ok((name, csv))
}
