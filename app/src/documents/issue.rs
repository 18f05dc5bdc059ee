//! The process `documents`: follows the log from a checkpoint of its own and issues the notices
//! the events call for (`grants_domain::document`'s table): renders each, keeps its bytes in the
//! file store under their SHA-256, and records `NoticeIssued` on the grant or the application.
//!
//! Exactly once across crashes: the rendering is deterministic, so a repeated run makes the same
//! bytes and stores them under the same digest (nothing new); the record runs under an attempt
//! derived from the source event (`process::derived_attempt`), and the aggregate records a notice
//! once per source event and kind, so a run after a crash between the record and the checkpoint
//! appends nothing. The bytes are stored before the event names them, as attachments are.

use std::sync::Arc;

use grants_domain::application::ApplicationEvent;
use grants_domain::document::{
    notice_for_application_event, notice_for_grant_event, runner_up_offer, IssuedNotice, Notice,
};
use grants_domain::grant::{GrantCommand, GrantEvent};
use grants_domain::round::RoundEvent;
use grants_domain::{
    Application, ApplicationCommand, ApplicationId, FiscalYear, Grant, Round, UserId,
};
use grants_projections::LoggedEvent;

use crate::process::{derived_attempt, failure};
use crate::service::load::{existing_for_command, existing_seen};
use crate::service::ServiceError;
use crate::state::AppState;
use crate::store::{ActorRole, CommandMetadata};

/// The process's checkpoint in `projection_checkpoints`.
pub const NAME: &str = "documents";

/// The background run: every event that calls for a notice, from the log.
pub async fn run(state: AppState, shutdown: impl std::future::Future<Output = ()>) {
    crate::process::run(state, NAME, shutdown, follow_logged).await;
}

fn metadata(purpose: &str, stream: uuid::Uuid, sequence: i64, actor: UserId) -> CommandMetadata {
    CommandMetadata {
        actor_id: actor,
        actor_role: ActorRole::System,
        on_behalf_of: None,
        request_id: format!("documents:{purpose}:{stream}:{sequence}"),
        idempotency_key: None,
        recorded_at: time::OffsetDateTime::now_utc(),
        attempt: Some(derived_attempt(
            format!("documents/{purpose}/").as_bytes(),
            stream,
            sequence,
        )),
    }
}

/// Renders `notice` and keeps its bytes; what `NoticeIssued` records.
async fn issue(
    state: &AppState,
    notice: &Notice,
    source_type: &str,
    source_sequence: i64,
) -> anyhow::Result<IssuedNotice> {
    let letter = notice.letter(&state.documents.issuer);
    let bytes = state.documents.render(letter).await?;
    let sha256 = state.blobs.keep_bytes(&bytes).await?;
    Ok(IssuedNotice {
        kind: notice.kind(),
        document_number: notice.number().to_owned(),
        dated: notice.dated(),
        sha256,
        size: bytes.len() as u64,
        source_type: source_type.to_owned(),
        source_sequence,
    })
}

async fn follow_logged(state: AppState, logged: Arc<LoggedEvent>) -> anyhow::Result<()> {
    use grants_projections::typed::decode;
    let decoded = |error: grants_projections::ProjectionError| anyhow::anyhow!("{error}");
    let actor = crate::process::actor_of(&logged);
    if logged.aggregate_type == <Grant as cqrs_es::Aggregate>::TYPE {
        let event = decode::<GrantEvent>(NAME, &logged).map_err(decoded)?;
        if !matches!(
            event,
            GrantEvent::GrantDecided { .. }
                | GrantEvent::AmountFinalised { .. }
                | GrantEvent::GrantCancelled { .. }
        ) {
            return Ok(());
        }
        // Loaded once, for the command too (a change meanwhile makes its append conflict and
        // re-run on a fresh load).
        let loaded = existing_for_command(&state.stores.grants, &logged.aggregate_id)
            .await
            .map_err(failure)?;
        let grant: &Grant = loaded.aggregate();
        if grant.notices.iter().any(|notice| {
            notice.source_type == logged.aggregate_type && notice.source_sequence == logged.sequence
        }) {
            return Ok(());
        }
        let notices = notice_for_grant_event(grant, &event);
        let mut issued = Vec::with_capacity(notices.len());
        for notice in &notices {
            issued.push(issue(&state, notice, &logged.aggregate_type, logged.sequence).await?);
        }
        if issued.is_empty() {
            return Ok(());
        }
        let metadata = metadata("grant", grant.grant_id.as_uuid(), logged.sequence, actor);
        let command = GrantCommand::RecordNotices {
            notices: issued,
            by: actor,
            at: metadata.recorded_at,
        };
        state
            .stores
            .grants
            .execute_loaded(loaded, command, &metadata)
            .await
            .map_err(|error| failure(ServiceError::from(error)))?;
    } else if logged.aggregate_type == <Application as cqrs_es::Aggregate>::TYPE {
        let event = decode::<ApplicationEvent>(NAME, &logged).map_err(decoded)?;
        if !matches!(event, ApplicationEvent::ApplicationNotAdopted { .. }) {
            return Ok(());
        }
        let application_id: ApplicationId = logged.aggregate_id.parse()?;
        let Some((application, group_name, fiscal_year)) =
            application_context(&state, application_id, Some(logged.sequence)).await?
        else {
            return Ok(());
        };
        let Some(notice) = notice_for_application_event(
            &application,
            &group_name,
            fiscal_year,
            &state.notice_prefix,
            &event,
        ) else {
            return Ok(());
        };
        record_on_application(&state, &application, &notice, &logged, actor).await?;
    } else if logged.aggregate_type == <Round as cqrs_es::Aggregate>::TYPE {
        let RoundEvent::RankingFixed {
            rows,
            fixed_on,
            offer_expires_on,
            ..
        } = decode::<RoundEvent>(NAME, &logged).map_err(decoded)?
        else {
            return Ok(());
        };
        for row in rows {
            let Some(remainder) = row.remainder_offer else {
                continue;
            };
            let Some((application, group_name, fiscal_year)) =
                application_context(&state, row.application_id, None).await?
            else {
                continue;
            };
            let notice = runner_up_offer(
                &application,
                &group_name,
                fiscal_year,
                &state.notice_prefix,
                remainder,
                fixed_on,
                offer_expires_on,
            );
            record_on_application(&state, &application, &notice, &logged, actor).await?;
        }
    }
    Ok(())
}

/// The application, its group's name and its round's fiscal year; `None` (with a warning) when
/// one of them does not load, so one broken reference does not hold back every notice after it.
/// With `seen`, the notice is of the application's event `seen`, and a copy in memory that has it
/// serves without a read (`Store::load_seen`).
async fn application_context(
    state: &AppState,
    application_id: ApplicationId,
    seen: Option<i64>,
) -> anyhow::Result<Option<(Application, String, FiscalYear)>> {
    let application = existing_seen(&state.stores.applications, application_id, seen).await;
    let application: Application = match application {
        Ok(application) => application,
        Err(problem) if problem.kind == crate::service::ErrorKind::NotFound => {
            tracing::warn!(%application_id, "a notice for an application that does not exist");
            return Ok(None);
        }
        Err(problem) => return Err(failure(problem)),
    };
    let group_id = application.group_id();
    let Some(group_name) = crate::service::load::group_name(state, group_id)
        .await
        .map_err(failure)?
    else {
        tracing::warn!(%application_id, "a notice for an application whose group does not exist");
        return Ok(None);
    };
    let fiscal_year = crate::service::load::fiscal_year(state, application.round_id())
        .await
        .map_err(failure)?;
    Ok(fiscal_year.map(|fiscal_year| (application, group_name, fiscal_year)))
}

async fn record_on_application(
    state: &AppState,
    application: &Application,
    notice: &Notice,
    logged: &LoggedEvent,
    actor: UserId,
) -> anyhow::Result<()> {
    if application
        .notice_issued_for(&logged.aggregate_type, logged.sequence, notice.kind())
        .is_some()
    {
        return Ok(());
    }
    let issued = issue(state, notice, &logged.aggregate_type, logged.sequence).await?;
    // The source may be the round's event, shared by several applications: the attempt names the
    // application too.
    let source: uuid::Uuid = logged.aggregate_id.parse().unwrap_or_default();
    let metadata = metadata(
        &format!("application/{}", application.id()),
        source,
        logged.sequence,
        actor,
    );
    let command = ApplicationCommand::RecordNotice {
        notice: issued,
        by: actor,
        at: metadata.recorded_at,
    };
    state
        .stores
        .applications
        .execute(application.id(), command, &metadata)
        .await
        .map_err(|error| failure(ServiceError::from(error)))?;
    Ok(())
}
