//! The official documents of a grant and of an application (issue 17; `crate::documents`): which
//! there are, and each one's PDF. Issued notices come from the file store, checked against the
//! SHA-256 their `NoticeIssued` recorded; the forms (交付申請書, 実績報告書) are rendered on demand
//! from the state, the same state giving the same bytes. Whoever may read the grant or the
//! application may read its documents (`policy::visible_grant`, `policy::visible_application`).

use grants_domain::document::{
    application_form, settlement_report_form, DocumentKind, IssuedNotice, Letter,
};
use grants_domain::{ApplicationId, GrantId, Group, Round};

use super::{load, ErrorKind, ServiceError};
use crate::auth::Actor;
use crate::policy::{visible_application, visible_grant};
use crate::state::AppState;

/// One document of a grant or an application.
pub enum Document {
    /// A notice the city issued (the latest of its kind).
    Issued(IssuedNotice),
    /// A form rendered on demand.
    Form(DocumentKind),
}

/// A document's bytes.
pub struct Pdf {
    /// Which notice or form it is.
    pub kind: DocumentKind,
    /// The PDF's bytes.
    pub bytes: Vec<u8>,
    /// The digest the log recorded, for an issued notice.
    pub sha256: Option<String>,
}

/// The refusal of a document that is not there (or of a kind that does not exist).
pub fn unknown() -> ServiceError {
    ServiceError::new(
        ErrorKind::NotFound,
        "document.unknown",
        "この文書はありません",
        "there is no such document here",
    )
}

/// The grant's notices (the latest of each kind, in the order first issued), then its report form
/// once there is a report.
pub async fn of_grant(
    state: &AppState,
    actor: &Actor,
    id: GrantId,
) -> Result<Vec<Document>, ServiceError> {
    let grant = visible_grant(state, actor, id).await?;
    let mut documents = latest_of_each(&grant.notices);
    if grant.report.is_some() {
        documents.push(Document::Form(DocumentKind::SettlementReportForm));
    }
    Ok(documents)
}

/// The application's form, then its notices (the latest of each kind).
pub async fn of_application(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
) -> Result<Vec<Document>, ServiceError> {
    let application = visible_application(state, actor, id).await?;
    let mut documents = vec![Document::Form(DocumentKind::ApplicationForm)];
    documents.extend(latest_of_each(application.notices()));
    Ok(documents)
}

/// One of the grant's documents: its report form, or the latest notice of `kind`.
pub async fn grant_pdf(
    state: &AppState,
    actor: &Actor,
    id: GrantId,
    kind: DocumentKind,
) -> Result<Pdf, ServiceError> {
    let grant = visible_grant(state, actor, id).await?;
    if kind == DocumentKind::SettlementReportForm {
        let form = settlement_report_form(&grant).ok_or_else(unknown)?;
        return rendered(state, form.letter(&state.documents.issuer)).await;
    }
    issued(state, grant.latest_notice(kind).ok_or_else(unknown)?).await
}

/// One of the application's documents: its form, or the latest notice of `kind`.
pub async fn application_pdf(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
    kind: DocumentKind,
) -> Result<Pdf, ServiceError> {
    let application = visible_application(state, actor, id).await?;
    if kind == DocumentKind::ApplicationForm {
        let group: Group = load::existing(&state.stores.groups, application.group_id()).await?;
        let round: Round = load::existing(&state.stores.rounds, application.round_id()).await?;
        let settings = round.settings.as_ref().ok_or_else(unknown)?;
        let form = application_form(
            &application,
            group.name(),
            settings.fiscal_year,
            &settings.course,
        )
        .ok_or_else(unknown)?;
        return rendered(state, form.letter(&state.documents.issuer)).await;
    }
    let notice = application
        .notices()
        .iter()
        .rev()
        .find(|notice| notice.kind == kind)
        .ok_or_else(unknown)?;
    issued(state, notice).await
}

/// The latest notice of each kind, in the order first issued.
fn latest_of_each(notices: &[IssuedNotice]) -> Vec<Document> {
    let mut kinds: Vec<DocumentKind> = Vec::new();
    for notice in notices {
        if !kinds.contains(&notice.kind) {
            kinds.push(notice.kind);
        }
    }
    kinds
        .into_iter()
        .filter_map(|kind| notices.iter().rev().find(|notice| notice.kind == kind))
        .map(|notice| Document::Issued(notice.clone()))
        .collect()
}

/// An issued notice's bytes, checked against the digest the log recorded.
async fn issued(state: &AppState, notice: &IssuedNotice) -> Result<Pdf, ServiceError> {
    let bytes = state.blobs.read(&notice.sha256).await?;
    Ok(Pdf {
        kind: notice.kind,
        bytes: bytes.to_vec(),
        sha256: Some(notice.sha256.as_str().to_owned()),
    })
}

async fn rendered(state: &AppState, letter: Letter) -> Result<Pdf, ServiceError> {
    let kind = letter.kind;
    let bytes = state.documents.render(letter).await.map_err(|error| {
        tracing::error!(%error, "a document could not be rendered");
        ServiceError::new(
            ErrorKind::Unavailable,
            "document.unavailable",
            "文書を作成できませんでした。しばらくしてからお試しください",
            "the document could not be made now; try again later",
        )
    })?;
    Ok(Pdf {
        kind,
        bytes,
        sha256: None,
    })
}
