//! The auditors' reads (staff read them too; nobody changes anything here): the log in global
//! order with its hash chain, one stream's history, an application and its grant as they stood at
//! an instant, and the verification of the chain. The API answers the events as recorded
//! ([`crate::audit::EventRead`]); the pages read each one as the domain's typed event
//! ([`Audited`]).

use cqrs_es::Aggregate;
use grants_domain::account::Account;
use grants_domain::application::ApplicationEvent;
use grants_domain::grant::GrantEvent;
use grants_domain::group::{GroupEvent, PublicGroupEvent};
use grants_domain::review::ReviewEvent;
use grants_domain::round::RoundEvent;
use grants_domain::{
    Application, ApplicationId, FieldRefusal, Grant, Group, GroupId, Review, Round,
};
use grants_projections::audit_chain::{hashes_between, Verification};
use grants_projections::event_log::{read_page, read_stream, LogFilter};
use grants_projections::typed::decode;
use grants_projections::LoggedEvent;
use serde::Deserialize;
use time::OffsetDateTime;

use super::application_read::ApplicationRead;
use super::grant_read::GrantRead;
use super::ServiceError;
use crate::policy::Overseer;
use crate::state::AppState;
use crate::store::ActorRole;

/// The most events one page of the log holds.
pub const PAGE_LIMIT: i64 = 1_000;

/// The stream types of the log: one per aggregate.
pub const STREAM_TYPES: [&str; 6] = [
    Round::TYPE,
    Application::TYPE,
    Review::TYPE,
    Grant::TYPE,
    Group::TYPE,
    Account::TYPE,
];

/// One event of the log and its link in the hash chain.
pub struct Chained {
    /// The event as recorded.
    pub event: LoggedEvent,
    /// SHA-256 over the previous hash and this event (hex); `None` until the chain reaches it.
    pub hash: Option<String>,
}

/// An instant as an adapter read it from the caller's text: none, one, or why the text is not one
/// (each adapter reads its own format; the refusal names the field).
pub type AskedInstant = Result<Option<OffsetDateTime>, FieldRefusal>;

/// The log's filter from what the caller asked: a stream type the log has, and a range of commit
/// instants that does not run backwards. Every refusal is named at once, each with its parameter.
pub fn filter(
    aggregate_type: Option<&str>,
    from: AskedInstant,
    until: AskedInstant,
) -> Result<LogFilter, ServiceError> {
    let mut found = Vec::new();
    let aggregate_type = match aggregate_type.map(str::trim) {
        None | Some("") => None,
        Some(kind) if STREAM_TYPES.contains(&kind) => Some(kind.to_owned()),
        Some(_) => {
            found.push(FieldRefusal {
                field: Some("aggregate_type"),
                code: "audit.unknown_aggregate_type",
                message_ja: "対象の種類は round, application, review, grant, group, account のいずれかで指定してください".into(),
                message_en: "aggregate_type must be one of round, application, review, grant, group, account".into(),
            });
            None
        }
    };
    let mut read = |asked: AskedInstant| {
        asked.unwrap_or_else(|refusal| {
            found.push(refusal);
            None
        })
    };
    let (from, until) = (read(from), read(until));
    if let (Some(from), Some(until)) = (from, until) {
        if until < from {
            found.push(FieldRefusal {
                field: Some("until"),
                code: "audit.range_reversed",
                message_ja: "until は from より後の日時で指定してください".into(),
                message_en: "until must not be before from".into(),
            });
        }
    }
    if !found.is_empty() {
        return Err(ServiceError::invalid_fields(&found));
    }
    Ok(LogFilter {
        aggregate_type,
        from,
        until,
    })
}

/// Up to `limit` events (at most [`PAGE_LIMIT`]) after position `after` that match `filter`, in
/// log order, with their chain hashes.
pub async fn events(
    state: &AppState,
    _: &Overseer,
    after: i64,
    limit: i64,
    filter: &LogFilter,
) -> Result<Vec<Chained>, ServiceError> {
    let limit = limit.clamp(1, PAGE_LIMIT);
    let events = read_page(&state.db, after.max(0), limit, filter).await?;
    with_hashes(state, events).await
}

/// One stream's events in sequence order, with their chain hashes; not found when it has none.
pub async fn stream(
    state: &AppState,
    _: &Overseer,
    aggregate_type: &str,
    aggregate_id: &str,
) -> Result<Vec<Chained>, ServiceError> {
    let events = read_stream(&state.db, aggregate_type, aggregate_id).await?;
    if events.is_empty() {
        return Err(ServiceError::not_found());
    }
    with_hashes(state, events).await
}

async fn with_hashes(
    state: &AppState,
    events: Vec<LoggedEvent>,
) -> Result<Vec<Chained>, ServiceError> {
    let (Some(first), Some(last)) = (
        events.iter().map(|e| e.position).min(),
        events.iter().map(|e| e.position).max(),
    ) else {
        return Ok(Vec::new());
    };
    let hashes = hashes_between(&state.db, first, last).await?;
    Ok(events
        .into_iter()
        .map(|event| Chained {
            hash: hashes.get(&event.position).cloned(),
            event,
        })
        .collect())
}

/// An application and its grant as they stood at an instant.
pub struct AsOfRead {
    /// The instant asked for (the service's clock when none was).
    pub at: OffsetDateTime,
    /// The application replayed from its events recorded by then.
    pub application: ApplicationRead,
    /// Its grant by then; `None` when it had none.
    pub grant: Option<GrantRead>,
}

/// The application `id` and its grant as they stood at `at` (now when `None`), replayed from the
/// events recorded by then; not found when the application did not exist yet.
pub async fn application_as_of(
    state: &AppState,
    _: &Overseer,
    id: ApplicationId,
    at: Option<OffsetDateTime>,
) -> Result<AsOfRead, ServiceError> {
    let at = at.unwrap_or_else(|| state.clock.now());
    let found = crate::audit::as_of(&state.db, id, at)
        .await?
        .ok_or_else(ServiceError::not_found)?;
    Ok(AsOfRead {
        at,
        application: ApplicationRead::of(&found.application),
        grant: found
            .grant
            .as_ref()
            .map(|grant| super::grants::read_of(state, grant)),
    })
}

/// The hash chain recomputed from the log and checked against the signed tree heads.
pub async fn verification(state: &AppState, _: &Overseer) -> Result<Verification, ServiceError> {
    Ok(grants_projections::verify_signed(&state.db, &state.tree_heads.trusted()).await?)
}

/// One event as the pages read it: where and when it was recorded, by which role, and the domain's
/// event itself.
pub struct Audited {
    /// The event's place in the log.
    pub position: i64,
    /// The commit time (UTC).
    pub recorded_at: OffsetDateTime,
    /// The stream type (`round`, `grant`, ...).
    pub aggregate_type: String,
    /// The stream's id.
    pub aggregate_id: String,
    /// The event's type as the log and the export name it.
    pub event_type: String,
    /// The role the command was recorded in; `None` for an event recorded without one.
    pub role: Option<ActorRole>,
    /// The group a coordinator (中間支援) acted for.
    pub on_behalf_of: Option<GroupId>,
    /// Its link in the hash chain; `None` until the chain reaches it.
    pub hash: Option<String>,
    /// What happened.
    pub fact: Fact,
}

/// An event as its aggregate's typed event, where the pages may read it.
pub enum Fact {
    /// A round's event.
    Round(Box<RoundEvent>),
    /// An application's event.
    Application(Box<ApplicationEvent>),
    /// A scoresheet's event.
    Review(Box<ReviewEvent>),
    /// A grant's event.
    Grant(Box<GrantEvent>),
    /// A group's registration: its public name only (its contact details are sealed and never
    /// opened here).
    GroupRegistered {
        /// The group's name as registered.
        name: String,
    },
    /// Any other event of a group.
    Group(Box<GroupEvent>),
    /// An account's event: its fields are personal data (sealed) and are not shown.
    Account,
    /// An event that does not load as the domain's (shown by its type only).
    Unreadable,
}

/// What the log's metadata says of who recorded an event.
#[derive(Deserialize, Default)]
struct Stamp {
    #[serde(default)]
    actor_role: Option<ActorRole>,
    #[serde(default)]
    on_behalf_of: Option<GroupId>,
}

impl Audited {
    /// The event of `chained`, loaded through the domain's upcasters.
    pub fn of(chained: Chained) -> Self {
        let Chained { event, hash } = chained;
        let stamp = Stamp::deserialize(&event.metadata).unwrap_or_default();
        Audited {
            position: event.position,
            recorded_at: event.recorded_at,
            fact: Fact::of(&event),
            aggregate_type: event.aggregate_type,
            aggregate_id: event.aggregate_id,
            event_type: event.event_type,
            role: stamp.actor_role,
            on_behalf_of: stamp.on_behalf_of,
            hash,
        }
    }
}

impl Fact {
    fn of(event: &LoggedEvent) -> Self {
        const AUDIT: &str = "audit";
        let fact = match event.aggregate_type.as_str() {
            Round::TYPE => decode(AUDIT, event).map(|e| Fact::Round(Box::new(e))),
            Application::TYPE => decode(AUDIT, event).map(|e| Fact::Application(Box::new(e))),
            Review::TYPE => decode(AUDIT, event).map(|e| Fact::Review(Box::new(e))),
            Grant::TYPE => decode(AUDIT, event).map(|e| Fact::Grant(Box::new(e))),
            // A registration's contact is sealed: only its public part is read.
            Group::TYPE => match decode::<PublicGroupEvent>(AUDIT, event) {
                Ok(PublicGroupEvent::GroupRegistered { name, .. }) => {
                    Ok(Fact::GroupRegistered { name })
                }
                Err(_) => decode(AUDIT, event).map(|e| Fact::Group(Box::new(e))),
            },
            Account::TYPE => Ok(Fact::Account),
            _ => Ok(Fact::Unreadable),
        };
        fact.unwrap_or(Fact::Unreadable)
    }
}
