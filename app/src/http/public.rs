//! What the public reads: the list of awarded projects (rule 12: group name, project, course, fiscal
//! year, amounts and dates; never a person's name, address, phone or e-mail, never a score).

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use grants_projections::public::Publisher;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;
use super::extract::{Json, Query};
use super::openapi as doc;
use super::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AwardFilter {
    /// The fiscal year (年度) by its starting calendar year, e.g. 2026.
    fiscal_year: Option<i32>,
    /// The course name, e.g. ステップアップ.
    course: Option<String>,
}

/// `GET /api/v1/public/awards?fiscal_year=&course=`.
#[utoipa::path(
    get,
    path = "/api/v1/public/awards",
    operation_id = "public_awards",
    tag = "public",
    summary = "交付決定事業の一覧（公開） / the awarded projects (public)",
    params(AwardFilter),
    security(()),
    responses((status = 200, description = "awarded projects", body = Vec<doc::PublicAward>)),
)]
pub async fn awards(
    State(state): State<AppState>,
    Query(filter): Query<AwardFilter>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(listed(&state, &filter).await?))
}

async fn listed(
    state: &AppState,
    filter: &AwardFilter,
) -> Result<Vec<grants_projections::awards::Award>, ApiError> {
    grants_projections::awards::list(
        &state.db.log_pool(),
        filter.fiscal_year,
        filter.course.as_deref(),
    )
    .await
    .map_err(ApiError::internal)
}

/// `GET /api/v1/public/awards.csv`: the same list as CSV, UTF-8 with BOM, Japanese headers.
#[utoipa::path(
    get,
    path = "/api/v1/public/awards.csv",
    operation_id = "public_awards_csv",
    tag = "public",
    summary = "交付決定事業の一覧（CSV） / the awarded projects as CSV (UTF-8 with BOM)",
    params(AwardFilter),
    security(()),
    responses((status = 200, description = "CSV with Japanese headers", content_type = "text/csv", body = String)),
)]
pub async fn awards_csv(
    State(state): State<AppState>,
    Query(filter): Query<AwardFilter>,
) -> Result<impl IntoResponse, ApiError> {
    let csv = grants_projections::public::awards_csv(&listed(&state, &filter).await?);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"awards.csv\"",
            ),
        ],
        csv,
    ))
}

/// `GET /api/v1/public/awards.360giving.json`: a 360Giving 1.4.3 package.
#[utoipa::path(
    get,
    path = "/api/v1/public/awards.360giving.json",
    operation_id = "public_awards_360giving",
    tag = "public",
    summary = "交付決定事業の一覧（360Giving 1.4.3） / the awarded projects as a 360Giving package",
    params(AwardFilter),
    security(()),
    responses((status = 200, description = "a 360Giving 1.4.3 package", body = serde_json::Value)),
)]
pub async fn awards_360giving(
    State(state): State<AppState>,
    Query(filter): Query<AwardFilter>,
) -> Result<impl IntoResponse, ApiError> {
    let issued = grants_domain::fiscal_year::jst_date(time::OffsetDateTime::now_utc());
    let publisher = Publisher::placeholder(state.city_name.clone(), issued);
    let package =
        grants_projections::public::three_sixty_giving(&listed(&state, &filter).await?, &publisher);
    Ok(Json(package))
}
