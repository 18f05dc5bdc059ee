//! `GET /api/v1/grants`: the grants, keyset-paged, from the `grant_ledger` read model (an extension
//! of api.md, listed in docs/decisions.md). Staff and auditors see every grant; applicants their own
//! groups' grants, as `GET /api/v1/applications` shows them their own applications; nobody else.

use axum::extract::State;
use axum::response::IntoResponse;
use grants_domain::grant::GrantStatus;
use grants_domain::RoundId;
use grants_projections::grant_ledger::GrantQuery;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;
use super::extract::Query;
use super::openapi as doc;
use super::paging;
use super::AppState;
use crate::auth::Actor;

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
    let groups = crate::policy::grant_list_groups(&state, &actor).await?;
    let limit = paging::limit(page.limit)?;
    let status = page.status.map(status_text);
    let round = page.round_id.map(|id| id.to_string());
    let query = GrantQuery {
        status: status.as_deref(),
        round_id: round.as_deref(),
        group_ids: groups.as_deref(),
        open_advance: page.open_advance.unwrap_or(false),
        after: page.after.as_deref(),
        limit,
    };
    let grants = grants_projections::grant_ledger::list(&state.db, &query)
        .await
        .map_err(ApiError::from)?;
    let last = grants.last().map(|grant| grant.ledger.grant_id.clone());
    Ok(paging::answer(
        grants,
        limit,
        last.as_deref(),
        "/api/v1/grants",
        &[
            ("status", status),
            ("round_id", round),
            (
                "open_advance",
                page.open_advance.map(|open| open.to_string()),
            ),
        ],
    ))
}

/// The status as the read model stores it (its snake_case name).
fn status_text(status: GrantStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}
