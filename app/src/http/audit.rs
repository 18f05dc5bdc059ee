//! The auditors' routes: the log in global order with its hash chain, one stream's history, an
//! application and its grant as they stood at an instant, and the verification of the chain.
//! Auditors and staff read them; nobody changes anything here.

use axum::extract::State;
use axum::response::IntoResponse;
use grants_domain::{ApplicationId, FieldRefusal};
use grants_projections::event_log::LogFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;
use super::extract::{Json, Path, Query};
use super::openapi as doc;
use super::AppState;
use crate::audit::EventRead;
use crate::policy::Overseer;
use crate::service::application_read::ApplicationRead;
use crate::service::audit::{self as service, Chained, PAGE_LIMIT};
use crate::service::grant_read::GrantRead;

/// One event of the log as auditors read it: the event and its link in the hash chain.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = LoggedEvent)]
pub struct ChainedEvent {
    #[serde(flatten)]
    event: EventRead,
    /// SHA-256 over the previous hash and this event (hex); null until the chain reaches it.
    hash: Option<String>,
}

impl ChainedEvent {
    fn of(chained: Chained) -> Self {
        ChainedEvent {
            event: EventRead::of(&chained.event),
            hash: chained.hash,
        }
    }

    fn all(events: Vec<Chained>) -> Vec<Self> {
        events.into_iter().map(ChainedEvent::of).collect()
    }
}

/// The query of `GET /api/v1/audit/events`: where the page starts, how long it is, and its filters.
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

impl Page {
    /// The filter the query asks for; a value that cannot be one is a 422 naming its parameter.
    fn filter(&self) -> Result<LogFilter, ApiError> {
        let from = instant("from", &self.from);
        let until = instant("until", &self.until);
        service::filter(self.aggregate_type.as_deref(), from, until)
    }
}

/// A query's instant (RFC 3339 with an offset); blank is none.
fn instant(field: &'static str, value: &Option<String>) -> service::AskedInstant {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => crate::audit::parse_instant(text).map(Some).ok_or_else(|| FieldRefusal {
            field: Some(field),
            code: "audit.invalid_instant",
            message_ja: format!("{field} は RFC 3339 形式の日時で指定してください（例 2026-06-01T09:00:00+09:00）"),
            message_en: format!("{field} must be an RFC 3339 instant with an offset, e.g. 2026-06-01T09:00:00+09:00"),
        }),
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
    overseer: Overseer,
    Query(page): Query<Page>,
) -> Result<impl IntoResponse, ApiError> {
    let filter = page.filter()?;
    let (after, limit) = (page.after.unwrap_or(0), page.limit.unwrap_or(PAGE_LIMIT));
    let events = service::events(&state, &overseer, after, limit, &filter).await?;
    Ok(Json(ChainedEvent::all(events)))
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
    overseer: Overseer,
    Path((aggregate_type, aggregate_id)): Path<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let events = service::stream(&state, &overseer, &aggregate_type, &aggregate_id).await?;
    Ok(Json(ChainedEvent::all(events)))
}

/// The query of `GET /api/v1/audit/applications/{id}`: the instant to replay to.
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
    overseer: Overseer,
    Path(id): Path<ApplicationId>,
    Query(query): Query<AsOfQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let at = match &query.as_of {
        Some(text) => Some(crate::audit::parse_instant(text).ok_or_else(|| {
            ApiError::bad_request(
                "as_of は RFC 3339 形式の日時で指定してください（例 2026-06-01T09:00:00+09:00）",
                "as_of must be an RFC 3339 instant, e.g. 2026-06-01T09:00:00+09:00",
            )
        })?),
        None => None,
    };
    let found = service::application_as_of(&state, &overseer, id, at).await?;
    Ok(Json(AsOf {
        as_of: super::jst(found.at),
        application: found.application,
        grant: found.grant,
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
    overseer: Overseer,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(service::verification(&state, &overseer).await?))
}
