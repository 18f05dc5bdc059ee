//! The official documents of a grant and of an application (issue 17): the list with each one's
//! link, and each document's PDF with its headers. What there is and who may read it is
//! `crate::service::documents`'s; never in public outputs.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use grants_domain::document::{DocumentKind, IssuedNotice};
use grants_domain::{ApplicationId, GrantId};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::ApiError;
use super::extract::{Json, Path};
use super::AppState;
use crate::auth::Actor;
use crate::service::documents::{self as service, Document, Pdf};

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
    /// The documents, each with its kind and where to fetch it.
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

fn read(base: &str, document: &Document) -> DocumentRead {
    match document {
        Document::Issued(notice) => notice_read(base, notice),
        Document::Form(kind) => form_read(base, *kind),
    }
}

fn listed(base: &str, documents: &[Document]) -> Json<DocumentList> {
    Json(DocumentList {
        documents: documents
            .iter()
            .map(|document| read(base, document))
            .collect(),
    })
}

fn kind_of(kind: &str) -> Result<DocumentKind, ApiError> {
    DocumentKind::parse(kind).ok_or_else(service::unknown)
}

/// A PDF as a download; an issued notice carries its SHA-256 as its ETag (the API's and the
/// pages' downloads alike).
pub fn pdf_response(pdf: Pdf) -> Response {
    let mut response = pdf.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        pdf.kind.file_name()
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Some(etag) = pdf
        .sha256
        .and_then(|sha| HeaderValue::from_str(&format!("\"sha256-{sha}\"")).ok())
    {
        headers.insert(header::ETAG, etag);
    }
    response
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
    let documents = service::of_grant(&state, &actor, id).await?;
    Ok(listed(&format!("/api/v1/grants/{id}"), &documents))
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
    let pdf = service::grant_pdf(&state, &actor, id, kind_of(&kind)?).await?;
    Ok(pdf_response(pdf))
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
    let documents = service::of_application(&state, &actor, id).await?;
    Ok(listed(&format!("/api/v1/applications/{id}"), &documents))
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
    let pdf = service::application_pdf(&state, &actor, id, kind_of(&kind)?).await?;
    Ok(pdf_response(pdf))
}
