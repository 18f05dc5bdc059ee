//! `GET /api/v1/grants`: the grants, keyset-paged, from the `grant_ledger` read model (an extension
//! of api.md, listed in docs/decisions.md). Staff and auditors see every grant; applicants their own
//! groups' grants, as `GET /api/v1/applications` shows them their own applications; nobody else.

use axum::extract::State;
use axum::response::IntoResponse;
use grants_domain::grant::GrantStatus;
use grants_domain::RoundId;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;
use super::extract::Query;
use super::openapi as doc;
use super::paging;
use super::AppState;
use crate::auth::Actor;
use crate::service::grant_list::{self, GrantFilter};

/// The filters, and where the page starts and how long it is.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GrantPage {
    /// Only grants in this status.
    #[param(value_type = Option<doc::GrantStatus>)]
    status: Option<GrantStatus>,
    /// Only this round's grants.
    #[param(value_type = Option<uuid::Uuid>)]
    round_id: Option<RoundId>,
    /// Only grants with an advance request waiting for staff to pay it (`true`).
    open_advance: Option<bool>,
    /// The `grant_id` of the last grant of the previous page; the `Link: rel="next"` header of a
    /// full page gives the next page's address.
    after: Option<String>,
    /// How many grants per page, 1 to 1,000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
}

/// `GET /api/v1/grants?status=&round_id=&open_advance=&after=&limit=`: one page of grants in grant id order
/// (grant ids are time-ordered, so oldest decision first).
#[utoipa::path(
    get,
    path = "/api/v1/grants",
    operation_id = "grants_list",
    tag = "grants",
    summary = "交付の一覧 / the grants, one page",
    params(GrantPage),
    responses(
        (status = 200, description = "one page of grants, oldest first; a full page has a `Link: <…>; rel=\"next\"` header", body = Vec<grants_projections::grant_ledger::ListedGrant>),
        (status = 403, description = "reviewers (who hold no other role) see no grants", body = doc::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` outside 1-1,000", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Query(page): Query<GrantPage>,
) -> Result<impl IntoResponse, ApiError> {
    let limit = paging::limit(page.limit)?;
    let filter = GrantFilter {
        status: page.status,
        round_id: page.round_id,
        open_advance: page.open_advance.unwrap_or(false),
    };
    let grants = grant_list::page(&state, &actor, &filter, page.after.as_deref(), limit).await?;
    let last = grants.last().map(|grant| grant.ledger.grant_id.clone());
    Ok(paging::answer(
        grants,
        limit,
        last.as_deref(),
        "/api/v1/grants",
        &[
            ("status", filter.status_code()),
            ("round_id", page.round_id.map(|id| id.to_string())),
            (
                "open_advance",
                page.open_advance.map(|open| open.to_string()),
            ),
        ],
    ))
}
