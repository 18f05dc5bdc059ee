//! The auditors' tools over the log, shared by the HTTP routes and the `grants audit` / `grants
//! export` commands: state as of an instant, per-stream history, the JSON Lines export.

use std::io::Write;

use cqrs_es::persist::{EventUpcaster, SerializedEvent};
use cqrs_es::Aggregate;
use grants_domain::{Application, ApplicationId, Grant};
use grants_projections::event_log::read_stream;
use grants_projections::{EventLog, LogCursor, LogPool, LoggedEvent, ProjectionError};
use serde::Serialize;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// A failure of an audit check or export.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The log could not be read.
    #[error(transparent)]
    Log(#[from] ProjectionError),
    /// A logged event's payload does not decode as its aggregate's event.
    #[error("event {position} cannot be read as a {aggregate_type} event: {detail}")]
    Unreadable {
        /// The event's log position.
        position: i64,
        /// The aggregate type it is logged under.
        aggregate_type: &'static str,
        /// What the decoder said.
        detail: String,
    },
    /// The export could not be written.
    #[error("cannot write the export: {0}")]
    Write(#[from] std::io::Error),
    /// The file store could not be read.
    #[error(transparent)]
    Blobs(#[from] crate::blobs::BlobError),
}

/// What `grants audit verify` found of the attached files the log names.
#[derive(Debug, serde::Serialize)]
pub struct AttachmentVerification {
    /// Every file the log names is there and hashes to its name.
    pub ok: bool,
    /// The distinct files checked.
    pub files_checked: u64,
    /// Each file missing or corrupt, with the first event that named it.
    pub problems: Vec<BlobProblem>,
}

/// An attached file the log names that is missing or corrupt.
#[derive(Debug, serde::Serialize)]
pub struct BlobProblem {
    /// The file's SHA-256 (its name in the store).
    pub sha256: String,
    /// The log position of the first event that named it.
    pub position: i64,
    /// The aggregate type of that event.
    pub aggregate_type: String,
    /// The aggregate (application or grant) that event belongs to.
    pub aggregate_id: String,
    /// `missing` or `corrupt`.
    pub problem: &'static str,
}

/// The digest named by an event that attaches a file (`AttachmentAdded` on an application,
/// `ReportAttachmentAdded` on a grant's settlement report, `ChangeAttachmentAdded` on its change
/// requests) or issues a notice (`NoticeIssued` on a grant or an application: its PDF).
pub(crate) fn attached_sha256(event: &LoggedEvent) -> Option<grants_domain::attachment::Sha256> {
    if event.event_type == "NoticeIssued" {
        let notice = event.payload.get("NoticeIssued")?.get("notice")?;
        return serde_json::from_value::<grants_domain::document::IssuedNotice>(notice.clone())
            .ok()
            .map(|notice| notice.sha256);
    }
    if !matches!(
        event.event_type.as_str(),
        "AttachmentAdded" | "ReportAttachmentAdded" | "ChangeAttachmentAdded"
    ) {
        return None;
    }
    let attachment = event
        .payload
        .get(event.event_type.as_str())?
        .get("attachment")?;
    serde_json::from_value::<grants_domain::attachment::Attachment>(attachment.clone())
        .ok()
        .map(|attachment| attachment.sha256)
}

/// Checks every file the log has ever attached (removed ones too: the log still names them), each
/// distinct content once, against the store: there, and hashing to its name.
pub async fn verify_attachments(
    pool: &LogPool,
    blobs: &crate::blobs::BlobStore,
) -> Result<AttachmentVerification, AuditError> {
    use crate::blobs::BlobError;
    let log = EventLog::new(pool.clone());
    let mut cursor = LogCursor::START;
    let mut seen = std::collections::HashSet::new();
    let mut problems = Vec::new();
    loop {
        let batch = log.read_after(cursor, 1_000).await?;
        let Some(last) = batch.last() else {
            break;
        };
        cursor = last.cursor();
        for event in &batch {
            let Some(sha256) = attached_sha256(event) else {
                continue;
            };
            if !seen.insert(sha256.clone()) {
                continue;
            }
            let problem = match blobs.check(&sha256).await {
                Ok(()) => continue,
                Err(BlobError::Missing { .. }) => "missing",
                Err(BlobError::Corrupt { .. }) => "corrupt",
                Err(error) => return Err(error.into()),
            };
            problems.push(BlobProblem {
                sha256: sha256.to_string(),
                position: event.position,
                aggregate_type: event.aggregate_type.clone(),
                aggregate_id: event.aggregate_id.clone(),
                problem,
            });
        }
    }
    Ok(AttachmentVerification {
        ok: problems.is_empty(),
        files_checked: seen.len() as u64,
        problems,
    })
}

/// An application and its grant as they stood at one instant.
#[derive(Debug)]
pub struct AsOf {
    /// The application as it stood.
    pub application: Application,
    /// Its grant as it stood; `None` when none was open yet.
    pub grant: Option<Grant>,
}

/// Rebuilds an aggregate from the events it had recorded by `until`, through the same upcasters the
/// store uses; `None` if it had none yet.
pub async fn replay<A: Aggregate>(
    pool: &LogPool,
    id: &str,
    upcasters: &[Box<dyn EventUpcaster>],
    until: OffsetDateTime,
) -> Result<Option<A>, AuditError> {
    let events = read_stream(pool, A::TYPE, id).await?;
    let mut state: Option<A> = None;
    for event in events
        .into_iter()
        .filter(|event| event.recorded_at <= until)
    {
        let position = event.position;
        let payload = upcast(event, upcasters);
        let event: A::Event =
            serde_json::from_value(payload).map_err(|error| AuditError::Unreadable {
                position,
                aggregate_type: A::TYPE,
                detail: error.to_string(),
            })?;
        state.get_or_insert_with(A::default).apply(event);
    }
    Ok(state)
}

fn upcast(event: LoggedEvent, upcasters: &[Box<dyn EventUpcaster>]) -> Value {
    let mut serialized = SerializedEvent {
        aggregate_id: event.aggregate_id,
        sequence: usize::try_from(event.sequence).unwrap_or_default(),
        aggregate_type: event.aggregate_type,
        event_type: event.event_type,
        event_version: event.event_version,
        payload: event.payload,
        metadata: event.metadata,
    };
    for upcaster in upcasters {
        if upcaster.can_upcast(&serialized.event_type, &serialized.event_version) {
            serialized = upcaster.upcast(serialized);
        }
    }
    serialized.payload
}

/// The application `id` and its grant as they stood at `at`.
pub async fn as_of(
    pool: &LogPool,
    id: ApplicationId,
    at: OffsetDateTime,
) -> Result<Option<AsOf>, AuditError> {
    let upcasters = grants_domain::upcasting::upcasters();
    let Some(application) = replay::<Application>(pool, &id.to_string(), &upcasters, at).await?
    else {
        return Ok(None);
    };
    let grant = match application.grant_id() {
        Some(grant_id) => replay::<Grant>(pool, &grant_id.to_string(), &[], at).await?,
        None => None,
    };
    Ok(Some(AsOf { application, grant }))
}

/// One logged event as the audit API and the export show it (instants in JST).
// The fields are in the order the export has always written them (by name), so its lines keep
// their bytes.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EventRead {
    /// The aggregate's id (a UUID).
    pub aggregate_id: String,
    /// The aggregate type (`application`, `grant`, `round`, ...).
    pub aggregate_type: String,
    /// The event's name (`ApplicationSubmitted`, ...).
    pub event_type: String,
    /// The event's schema version as logged (upcasting reads older versions).
    pub event_version: String,
    /// actor_id, actor_role, request_id, idempotency_key, recorded_at; on_behalf_of (a group id)
    /// when a coordinator (中間支援) acted for a group.
    pub metadata: Value,
    /// The event's own JSON.
    pub payload: Value,
    /// The event's global log position.
    pub position: i64,
    /// The commit time, in JST.
    pub recorded_at: String,
    /// The event's sequence within its aggregate's stream (from 1).
    pub sequence: i64,
}

impl EventRead {
    /// The read of `event`.
    pub fn of(event: &LoggedEvent) -> Self {
        EventRead {
            aggregate_id: event.aggregate_id.clone(),
            aggregate_type: event.aggregate_type.clone(),
            event_type: event.event_type.clone(),
            event_version: event.event_version.clone(),
            metadata: event.metadata.clone(),
            payload: event.payload.clone(),
            position: event.position,
            recorded_at: crate::service::jst(event.recorded_at),
            sequence: event.sequence,
        }
    }
}

/// Writes the whole log as JSON Lines, in log order; returns the number of events.
pub async fn export_events(pool: &LogPool, out: &mut impl Write) -> Result<usize, AuditError> {
    let log = EventLog::new(pool.clone());
    let mut cursor = LogCursor::START;
    let mut written = 0;
    loop {
        let batch = log.read_after(cursor, 1_000).await?;
        let Some(last) = batch.last() else {
            return Ok(written);
        };
        cursor = last.cursor();
        for event in &batch {
            serde_json::to_writer(&mut *out, &EventRead::of(event))
                .map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
            written += 1;
        }
    }
}

/// Parses an instant given on the command line or in a query (RFC 3339, any offset).
pub fn parse_instant(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}
