//! `GET /api/v1/users?role=`: the accounts, for staff (an extension of api.md, listed in
//! docs/decisions.md), so that staff appoint a reviewer by choosing a name rather than pasting an id.
//! Served from the `credentials` table that sign-in reads (the roles it holds are the ones sign-in
//! grants). E-mail addresses are personal data: only staff get this list, and nothing of it is logged.

use axum::extract::State;
use axum::response::IntoResponse;
use grants_domain::account::Role;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;
use super::extract::Query;
use super::openapi as doc;
use super::paging;
use super::AppState;
use crate::policy::Staff;

/// The role filter, and where the page starts and how long it is.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserPage {
    /// Only accounts holding this role.
    #[param(value_type = Option<doc::Role>)]
    role: Option<Role>,
    /// The `id` of the last account of the previous page; the `Link: rel="next"` header of a full
    /// page gives the next page's address.
    after: Option<String>,
    /// How many accounts per page, 1 to 1,000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
}

/// `GET /api/v1/users?role=&after=&limit=`: one page of accounts, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/users",
    operation_id = "accounts_list_users",
    tag = "accounts",
    summary = "アカウントの一覧（職員のみ） / the accounts, one page (staff only)",
    params(UserPage),
    responses(
        (status = 200, description = "one page of accounts, oldest first; a full page has a `Link: <…>; rel=\"next\"` header", body = Vec<crate::auth::AccountRow>),
        (status = 422, description = "`limit` outside 1-1,000", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    Staff(_actor): Staff,
    Query(page): Query<UserPage>,
) -> Result<impl IntoResponse, ApiError> {
    let limit = paging::limit(page.limit)?;
    let users =
        crate::auth::list_accounts(&state.db, page.role, page.after.as_deref(), limit).await?;
    let last = users.last().map(|user| user.id.clone());
    Ok(paging::answer(
        users,
        limit,
        last.as_deref(),
        "/api/v1/users",
        &[("role", page.role.map(|role| role.as_str().to_owned()))],
    ))
}
