//! What the public reads: the list of awarded projects (rule 12: group name, project, course, fiscal
//! year, amounts and dates; never a person's name, address, phone or e-mail, never a score).

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use grants_domain::GrantId;
use grants_projections::awards::{Award, AwardQuery};
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;
use super::extract::{Json, Path, Query};
use super::openapi as doc;
use super::paging;
use super::AppState;
use crate::service::public::{self, AwardFilters, AwardRead};

/// The filters of the public list of awarded projects and its downloads.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AwardFilter {
    /// The fiscal year (年度) by its starting calendar year, e.g. 2026.
    fiscal_year: Option<i32>,
    /// The course name, e.g. ステップアップ.
    course: Option<String>,
}

/// One page of the list: the filter, and where the page starts and how long it is.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AwardPage {
    /// The fiscal year (年度) by its starting calendar year, e.g. 2026.
    fiscal_year: Option<i32>,
    /// The course name, e.g. ステップアップ.
    course: Option<String>,
    /// The `grant_id` of the last award of the previous page; the `Link: rel="next"` header of a
    /// full page gives the next page's address.
    after: Option<String>,
    /// How many awards per page, 1 to 1,000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
}

/// `GET /api/v1/public/awards?fiscal_year=&course=&after=&limit=`: one page of the list, ordered by
/// award date and grant. A full page carries `Link: <…>; rel="next"` (RFC 8288); the exports below
/// give the whole list at once.
#[utoipa::path(
    get,
    path = "/api/v1/public/awards",
    operation_id = "public_awards",
    tag = "public",
    summary = "交付決定事業の一覧（公開） / the awarded projects, one page (public)",
    params(AwardPage),
    security(()),
    responses(
        (status = 200, description = "one page of awarded projects, ordered by award date; a full page has a `Link: <…>; rel=\"next\"` header", body = Vec<Award>),
        (status = 422, description = "`limit` outside 1-1,000", body = doc::Problem),
    ),
)]
pub async fn awards(
    State(state): State<AppState>,
    Query(page): Query<AwardPage>,
) -> Result<impl IntoResponse, ApiError> {
    let limit = paging::limit(page.limit)?;
    let query = AwardQuery {
        fiscal_year: page.fiscal_year,
        course: page.course.as_deref(),
        after: page.after.as_deref(),
        limit: Some(limit),
    };
    let awards = public::awards(&state, &query).await?;
    let last = awards.last().map(|award| award.grant_id.clone());
    Ok(paging::answer(
        awards,
        limit,
        last.as_deref(),
        "/api/v1/public/awards",
        &[
            ("fiscal_year", page.fiscal_year.map(|year| year.to_string())),
            ("course", page.course.clone()),
        ],
    ))
}

/// `GET /api/v1/public/awards/{id}`: one awarded project.
#[utoipa::path(
    get,
    path = "/api/v1/public/awards/{id}",
    operation_id = "public_award",
    tag = "public",
    summary = "交付決定事業（公開） / one awarded project (public)",
    params(("id" = uuid::Uuid, Path, description = "the grant")),
    security(()),
    responses(
        (status = 200, description = "the awarded project", body = AwardRead),
        (status = 404, description = "no such awarded project", body = doc::Problem),
    ),
)]
pub async fn award(
    State(state): State<AppState>,
    Path(grant_id): Path<GrantId>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(public::award(&state, grant_id).await?))
}

/// `GET /api/v1/public/award-filters`: the fiscal years and courses the list can be filtered by.
#[utoipa::path(
    get,
    path = "/api/v1/public/award-filters",
    operation_id = "public_award_filters",
    tag = "public",
    summary = "交付決定事業の絞り込み条件（公開） / the fiscal years and courses to filter the list by (public)",
    security(()),
    responses((status = 200, description = "the filter options", body = AwardFilters)),
)]
pub async fn award_filters(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(public::filters(&state).await?))
}

/// The whole list (the exports), filtered.
async fn listed(
    state: &AppState,
    filter: &AwardFilter,
) -> Result<Vec<grants_projections::awards::Award>, ApiError> {
    let query = AwardQuery::filtered(filter.fiscal_year, filter.course.as_deref());
    public::awards(state, &query).await
}

/// `GET /api/v1/public/awards.csv`: the same list as CSV, UTF-8 with BOM, Japanese headers, CRLF line
/// ends. A text cell that a spreadsheet would run as a formula (one starting with `=`, `+`, `-`, `@`,
/// TAB or CR) starts with a `'` (CSV injection); numbers and dates are plain.
#[utoipa::path(
    get,
    path = "/api/v1/public/awards.csv",
    operation_id = "public_awards_csv",
    tag = "public",
    summary = "交付決定事業の一覧（CSV） / the awarded projects as CSV (UTF-8 with BOM)",
    params(AwardFilter),
    security(()),
    responses((status = 200, description = "CSV with Japanese headers; text cells starting with =, +, -, @, TAB or CR are prefixed with '", content_type = "text/csv", body = String)),
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
    let awards = listed(&state, &filter).await?;
    Ok(Json(public::three_sixty_giving(&state, &awards)))
}
