//! The auditors' routes: the log in global order with its hash chain, one stream's history, an
//! application and its grant as they stood at an instant, and the verification of the chain.
//! Auditors and staff read them; nobody changes anything here.

use axum::extract::State;
use axum::response::IntoResponse;
use cqrs_es::Aggregate;
use grants_domain::ApplicationId;
use grants_projections::audit_chain::hashes_between;
use grants_projections::event_log::{read_page, read_stream, LogFilter};
use grants_projections::LoggedEvent;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;
use super::extract::{Json, Path, Query};
use super::openapi as doc;
use super::AppState;
use crate::audit::EventRead;
use crate::policy::Overseer;
use crate::service::application_read::ApplicationRead;
use crate::service::grant_read::GrantRead;

/// The most events one page of the log holds.
const PAGE_LIMIT: i64 = 1_000;

/// One event of the log as auditors read it: the event and its link in the hash chain.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = LoggedEvent)]
pub struct ChainedEvent {
    #[serde(flatten)]
    event: EventRead,
    /// SHA-256 over the previous hash and this event (hex); null until the chain reaches it.
    hash: Option<String>,
}

/// Events with their chain hashes (null for events the chain has not reached yet).
async fn with_hashes(
    state: &AppState,
    events: Vec<LoggedEvent>,
) -> Result<Vec<ChainedEvent>, ApiError> {
    let (Some(first), Some(last)) = (
        events.iter().map(|e| e.position).min(),
        events.iter().map(|e| e.position).max(),
    ) else {
        return Ok(Vec::new());
    };
    let hashes = hashes_between(&state.db, first, last)
        .await
        .map_err(ApiError::from)?;
    Ok(events
        .iter()
        .map(|event| ChainedEvent {
            event: EventRead::of(event),
            hash: hashes.get(&event.position).cloned(),
        })
        .collect())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// Only events after this position (default 0: from the start).
    after: Option<i64>,
    /// At most this many events (default and maximum 1,000).
    limit: Option<i64>,
    /// Only the events of this stream type: round, application, review, grant, group or account.
    aggregate_type: Option<String>,
    /// Only events recorded at or after this instant (RFC 3339 with offset, e.g.
    /// 2026-06-01T09:00:00+09:00).
    from: Option<String>,
    /// Only events recorded at or before this instant (RFC 3339 with offset).
    until: Option<String>,
}

/// The stream types of the log: one per aggregate.
const AGGREGATE_TYPES: [&str; 6] = [
    <grants_domain::Round as Aggregate>::TYPE,
    <grants_domain::Application as Aggregate>::TYPE,
    <grants_domain::Review as Aggregate>::TYPE,
    <grants_domain::Grant as Aggregate>::TYPE,
    <grants_domain::Group as Aggregate>::TYPE,
    <grants_domain::account::Account as Aggregate>::TYPE,
];

impl Page {
    /// The filter the query asks for; a value that cannot be one is a 422 naming its parameter.
    fn filter(&self) -> Result<LogFilter, ApiError> {
        let aggregate_type = match self.aggregate_type.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(kind) if AGGREGATE_TYPES.contains(&kind) => Some(kind.to_owned()),
            Some(_) => {
                return Err(ApiError::invalid(
                    "audit.unknown_aggregate_type",
                    "対象の種類は round, application, review, grant, group, account のいずれかで指定してください",
                    "aggregate_type must be one of round, application, review, grant, group, account",
                )
                .with_field("aggregate_type"))
            }
        };
        let instant = |field: &'static str, value: &Option<String>| {
            match value
            .as_deref()
            .map(str::trim)
        {
            None | Some("") => Ok(None),
            Some(text) => crate::audit::parse_instant(text).map(Some).ok_or_else(|| {
                ApiError::invalid(
                    "audit.invalid_instant",
                    format!("{field} は RFC 3339 形式の日時で指定してください（例 2026-06-01T09:00:00+09:00）"),
                    format!("{field} must be an RFC 3339 instant with an offset, e.g. 2026-06-01T09:00:00+09:00"),
                )
                .with_field(field)
            }),
        }
        };
        let from = instant("from", &self.from)?;
        let until = instant("until", &self.until)?;
        if let (Some(from), Some(until)) = (from, until) {
            if until < from {
                return Err(ApiError::invalid(
                    "audit.range_reversed",
                    "until は from より後の日時で指定してください",
                    "until must not be before from",
                )
                .with_field("until"));
            }
        }
        Ok(LogFilter {
            aggregate_type,
            from,
            until,
        })
    }
}

/// `GET /api/v1/audit/events?after=&limit=&aggregate_type=&from=&until=`: the filters are an
/// extension of api.md, applied in SQL so that a page holds up to `limit` matching events.
#[utoipa::path(
    get,
    path = "/api/v1/audit/events",
    operation_id = "audit_events",
    tag = "audit",
    summary = "イベントログ（全体の順序、種類・記録日時で絞り込み可） / the log in global order with the hash chain, optionally filtered by stream type and commit time",
    params(Page),
    responses(
        (status = 200, description = "matching events in position order", body = Vec<ChainedEvent>),
        (status = 422, description = "an unknown aggregate_type, or from/until not an RFC 3339 instant (the problem names the parameter in `field`)", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn events(
    State(state): State<AppState>,
    _: Overseer,
    Query(page): Query<Page>,
) -> Result<impl IntoResponse, ApiError> {
    let filter = page.filter()?;
    let limit = page.limit.unwrap_or(PAGE_LIMIT).clamp(1, PAGE_LIMIT);
    let events = read_page(&state.db, page.after.unwrap_or(0), limit, &filter)
        .await
        .map_err(ApiError::from)?;
    Ok(Json(with_hashes(&state, events).await?))
}

/// `GET /api/v1/audit/streams/{aggregate_type}/{aggregate_id}`.
#[utoipa::path(
    get,
    path = "/api/v1/audit/streams/{aggregate_type}/{aggregate_id}",
    operation_id = "audit_stream",
    tag = "audit",
    summary = "1つの集約の履歴 / one aggregate's events",
    params(
        ("aggregate_type" = String, Path, description = "round, application, review, grant, group or account"),
        ("aggregate_id" = String, Path, description = "the aggregate's id"),
    ),
    responses((status = 200, description = "the stream in sequence order", body = Vec<ChainedEvent>)),
)]
pub async fn stream(
    State(state): State<AppState>,
    _: Overseer,
    Path((aggregate_type, aggregate_id)): Path<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let events = read_stream(&state.db, &aggregate_type, &aggregate_id)
        .await
        .map_err(ApiError::from)?;
    if events.is_empty() {
        return Err(ApiError::not_found());
    }
    Ok(Json(with_hashes(&state, events).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// The instant (RFC 3339), e.g. 2026-06-01T09:00:00+09:00; default now.
    as_of: Option<String>,
}

/// An application and its grant as they stood at an instant.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AsOf {
    /// The instant, in JST.
    as_of: String,
    application: ApplicationRead,
    /// null when the application had no grant then.
    grant: Option<GrantRead>,
}

/// `GET /api/v1/audit/applications/{id}?as_of=INSTANT`.
#[utoipa::path(
    get,
    path = "/api/v1/audit/applications/{id}",
    operation_id = "audit_application_as_of",
    tag = "audit",
    summary = "ある時点の申請と交付 / an application and its grant as they stood then",
    params(("id" = uuid::Uuid, Path, description = "the application id"), AsOfQuery),
    responses((status = 200, description = "the application and grant as of the instant", body = AsOf)),
)]
pub async fn application_as_of(
    State(state): State<AppState>,
    _: Overseer,
    Path(id): Path<ApplicationId>,
    Query(query): Query<AsOfQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let at = match &query.as_of {
        Some(text) => crate::audit::parse_instant(text).ok_or_else(|| {
            ApiError::bad_request(
                "as_of は RFC 3339 形式の日時で指定してください（例 2026-06-01T09:00:00+09:00）",
                "as_of must be an RFC 3339 instant, e.g. 2026-06-01T09:00:00+09:00",
            )
        })?,
        None => state.clock.now(),
    };
    let found = crate::audit::as_of(&state.db, id, at)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(AsOf {
        as_of: super::jst(at),
        application: ApplicationRead::of(&found.application),
        grant: found
            .grant
            .as_ref()
            .map(|grant| crate::service::grants::read_of(&state, grant)),
    }))
}

/// `GET /api/v1/audit/verification`.
#[utoipa::path(
    get,
    path = "/api/v1/audit/verification",
    operation_id = "audit_verification",
    tag = "audit",
    summary = "ハッシュチェーンの検証 / recompute the hash chain",
    responses((status = 200, description = "the verification", body = grants_projections::audit_chain::Verification)),
)]
pub async fn verification(
    State(state): State<AppState>,
    _: Overseer,
) -> Result<impl IntoResponse, ApiError> {
    let verification = grants_projections::verify_signed(&state.db, &state.tree_heads.trusted())
        .await
        .map_err(ApiError::from)?;
    Ok(Json(verification))
}
