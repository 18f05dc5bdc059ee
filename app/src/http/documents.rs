//! The official documents of a grant and of an application (issue 17; `crate::documents`): the
//! list, and each document's PDF. Issued notices are served from the file store, checked against
//! the SHA-256 their `NoticeIssued` recorded; the forms (交付申請書, 実績報告書) are rendered on
//! demand from the state, the same state giving the same bytes. Whoever may read the grant or the
//! application may read its documents (`policy::visible_grant`, `policy::visible_application`);
//! never in public outputs.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use grants_domain::document::{
    application_form, settlement_report_form, DocumentKind, IssuedNotice, Letter,
};
use grants_domain::{ApplicationId, GrantId, Group, Round};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{existing, ApiError};
use super::extract::{Json, Path};
use super::AppState;
use crate::auth::Actor;
use crate::policy::{visible_application, visible_grant};

/// One document as its readers see it.
#[derive(Serialize, ToSchema)]
pub struct DocumentRead {
    /// `award_notice`, `non_award_notice`, `runner_up_offer`, `finalisation_notice`,
    /// `refund_order`, `cancellation_notice`, `application_form` or `settlement_report_form`.
    pub kind: String,
    /// The document's name in Japanese (交付決定通知書).
    pub label_ja: String,
    /// Whether the city issued it (a notice recorded in the log) or it is a form rendered on demand.
    pub issued: bool,
    /// 文書番号 (notices only).
    pub document_number: Option<String>,
    /// The notice's date (notices only).
    pub dated: Option<time::Date>,
    /// The PDF's SHA-256 as recorded when issued (notices only): a printed notice can be checked
    /// against it.
    pub sha256: Option<String>,
    /// In bytes (notices only).
    pub size: Option<u64>,
    /// Where to download the PDF.
    pub href: String,
}

/// The documents of a grant or an application.
#[derive(Serialize, ToSchema)]
pub struct DocumentList {
    pub documents: Vec<DocumentRead>,
}

fn notice_read(base: &str, notice: &IssuedNotice) -> DocumentRead {
    DocumentRead {
        kind: notice.kind.as_str().to_owned(),
        label_ja: notice.kind.label_ja().to_owned(),
        issued: true,
        document_number: Some(notice.document_number.clone()),
        dated: Some(notice.dated),
        sha256: Some(notice.sha256.as_str().to_owned()),
        size: Some(notice.size),
        href: format!("{base}/documents/{}", notice.kind.as_str()),
    }
}

fn form_read(base: &str, kind: DocumentKind) -> DocumentRead {
    DocumentRead {
        kind: kind.as_str().to_owned(),
        label_ja: kind.label_ja().to_owned(),
        issued: false,
        document_number: None,
        dated: None,
        sha256: None,
        size: None,
        href: format!("{base}/documents/{}", kind.as_str()),
    }
}

/// The latest notice of each kind, in the order first issued.
fn latest_of_each(notices: &[IssuedNotice]) -> Vec<&IssuedNotice> {
    let mut kinds: Vec<DocumentKind> = Vec::new();
    for notice in notices {
        if !kinds.contains(&notice.kind) {
            kinds.push(notice.kind);
        }
    }
    kinds
        .into_iter()
        .filter_map(|kind| notices.iter().rev().find(|notice| notice.kind == kind))
        .collect()
}

fn pdf_response(bytes: Vec<u8>, kind: DocumentKind, sha256: Option<&str>) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(value) =
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", kind.file_name()))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Some(etag) =
        sha256.and_then(|sha| HeaderValue::from_str(&format!("\"sha256-{sha}\"")).ok())
    {
        headers.insert(header::ETAG, etag);
    }
    response
}

fn unknown_kind() -> ApiError {
    ApiError::new(
        crate::service::ErrorKind::NotFound,
        "document.unknown",
        "この文書はありません",
        "there is no such document here",
    )
}

fn document_error(error: crate::documents::DocumentError) -> ApiError {
    tracing::error!(%error, "a document could not be rendered");
    ApiError::new(
        crate::service::ErrorKind::Unavailable,
        "document.unavailable",
        "文書を作成できませんでした。しばらくしてからお試しください",
        "the document could not be made now; try again later",
    )
}

/// An issued notice's bytes, checked against the digest the log recorded.
async fn issued_pdf(state: &AppState, notice: &IssuedNotice) -> Result<Response, ApiError> {
    let bytes = state
        .blobs
        .read(&notice.sha256)
        .await
        .map_err(super::attachments::blob_error)?;
    Ok(pdf_response(
        bytes.to_vec(),
        notice.kind,
        Some(notice.sha256.as_str()),
    ))
}

async fn rendered_pdf(
    documents: &Arc<crate::documents::Documents>,
    letter: Letter,
) -> Result<Response, ApiError> {
    let kind = letter.kind;
    let bytes = documents.render(letter).await.map_err(document_error)?;
    Ok(pdf_response(bytes, kind, None))
}

fn grant_base(id: GrantId) -> String {
    format!("/api/v1/grants/{id}")
}

fn application_base(id: ApplicationId) -> String {
    format!("/api/v1/applications/{id}")
}

/// `GET /api/v1/grants/{id}/documents`: the grant's notices and its report form.
#[utoipa::path(
    get,
    path = "/api/v1/grants/{id}/documents",
    operation_id = "grant_documents",
    tag = "grants",
    summary = "交付決定通知書などの文書一覧 / the grant's official documents",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    responses(
        (status = 200, description = "the notices issued (latest of each kind) and the forms", body = DocumentList),
        (status = 404, description = "no such grant, or not yours"),
    ),
)]
pub async fn grant_list(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<GrantId>,
) -> Result<Json<DocumentList>, ApiError> {
    let grant = visible_grant(&state, &actor, id).await?;
    let base = grant_base(id);
    let mut documents: Vec<DocumentRead> = latest_of_each(&grant.notices)
        .into_iter()
        .map(|notice| notice_read(&base, notice))
        .collect();
    if grant.report.is_some() {
        documents.push(form_read(&base, DocumentKind::SettlementReportForm));
    }
    Ok(Json(DocumentList { documents }))
}

/// `GET /api/v1/grants/{id}/documents/{kind}`: one document's PDF.
#[utoipa::path(
    get,
    path = "/api/v1/grants/{id}/documents/{kind}",
    operation_id = "grant_document",
    tag = "grants",
    summary = "文書のPDF / one of the grant's documents as PDF",
    params(
        ("id" = uuid::Uuid, Path, description = "the grant id"),
        ("kind" = String, Path, description = "`award_notice`, `finalisation_notice`, `refund_order`, `cancellation_notice` (the latest issued) or `settlement_report_form` (rendered from the report)"),
    ),
    responses(
        (status = 200, description = "the PDF (A4); an issued notice carries its SHA-256 as ETag", content_type = "application/pdf"),
        (status = 404, description = "no such grant, or no such document on it (document.unknown)"),
        (status = 500, description = "the stored PDF is missing or corrupt (attachment.missing, attachment.corrupt)"),
    ),
)]
pub async fn grant_document(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, kind)): Path<(GrantId, String)>,
) -> Result<Response, ApiError> {
    let grant = visible_grant(&state, &actor, id).await?;
    let kind = DocumentKind::parse(&kind).ok_or_else(unknown_kind)?;
    if kind == DocumentKind::SettlementReportForm {
        let form = settlement_report_form(&grant).ok_or_else(unknown_kind)?;
        return rendered_pdf(&state.documents, form.letter(&state.documents.issuer)).await;
    }
    let notice = grant.latest_notice(kind).ok_or_else(unknown_kind)?;
    issued_pdf(&state, notice).await
}

/// `GET /api/v1/applications/{id}/documents`: the application's notices and its form.
#[utoipa::path(
    get,
    path = "/api/v1/applications/{id}/documents",
    operation_id = "application_documents",
    tag = "applications",
    summary = "交付申請書・不交付決定通知書などの文書一覧 / the application's documents",
    params(("id" = uuid::Uuid, Path, description = "the application id")),
    responses(
        (status = 200, description = "the notices issued (latest of each kind) and the application form", body = DocumentList),
        (status = 404, description = "no such application, or not yours"),
    ),
)]
pub async fn application_list(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<ApplicationId>,
) -> Result<Json<DocumentList>, ApiError> {
    let application = visible_application(&state, &actor, id).await?;
    let base = application_base(id);
    let mut documents = vec![form_read(&base, DocumentKind::ApplicationForm)];
    documents.extend(
        latest_of_each(application.notices())
            .into_iter()
            .map(|notice| notice_read(&base, notice)),
    );
    Ok(Json(DocumentList { documents }))
}

/// `GET /api/v1/applications/{id}/documents/{kind}`: one document's PDF.
#[utoipa::path(
    get,
    path = "/api/v1/applications/{id}/documents/{kind}",
    operation_id = "application_document",
    tag = "applications",
    summary = "文書のPDF / one of the application's documents as PDF",
    params(
        ("id" = uuid::Uuid, Path, description = "the application id"),
        ("kind" = String, Path, description = "`application_form` (rendered from the application), `non_award_notice` or `runner_up_offer` (the latest issued)"),
    ),
    responses(
        (status = 200, description = "the PDF (A4); an issued notice carries its SHA-256 as ETag", content_type = "application/pdf"),
        (status = 404, description = "no such application, or no such document on it (document.unknown)"),
        (status = 500, description = "the stored PDF is missing or corrupt (attachment.missing, attachment.corrupt)"),
    ),
)]
pub async fn application_document(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, kind)): Path<(ApplicationId, String)>,
) -> Result<Response, ApiError> {
    let application = visible_application(&state, &actor, id).await?;
    let kind = DocumentKind::parse(&kind).ok_or_else(unknown_kind)?;
    if kind == DocumentKind::ApplicationForm {
        let group: Group = existing(&state.stores.groups, application.group_id()).await?;
        let round: Round = existing(&state.stores.rounds, application.round_id()).await?;
        let settings = round.settings.as_ref().ok_or_else(unknown_kind)?;
        let form = application_form(
            &application,
            group.name(),
            settings.fiscal_year,
            &settings.course,
        )
        .ok_or_else(unknown_kind)?;
        return rendered_pdf(&state.documents, form.letter(&state.documents.issuer)).await;
    }
    let notice = application
        .notices()
        .iter()
        .rev()
        .find(|notice| notice.kind == kind)
        .ok_or_else(unknown_kind)?;
    issued_pdf(&state, notice).await
}
