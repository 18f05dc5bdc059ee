//! Files attached to an application, a settlement report or a change request, over HTTP: the
//! multipart upload read and streamed into the store (`crate::blobs`: a synced temporary file, its
//! SHA-256 computed and its type judged from its first bytes while it arrives), downloads with
//! their headers, and the files as the reads show them. Who may add, remove or read a file, and
//! when, is `crate::service::attachments`'s. Never in public outputs (a photo the group marks
//! public is served by `public_photos`).

use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use grants_domain::attachment::{
    Attachment, AttachmentError, AttachmentKind, FileName, FILE_MAX_BYTES,
};
use grants_domain::{ApplicationId, AttachmentId, ChangeRequestId, GrantId};
use serde::Serialize;
use utoipa::ToSchema;

use super::context::CommandContext;
use super::error::{ApiError, ErrorKind};
use super::extract::{Json, Path};
use super::AppState;
use crate::auth::Actor;
use crate::blobs::ReceiveError;
use crate::policy::GroupHelper;
use crate::service::attachment_read::{self, AttachmentRead};
use crate::service::attachments::{self as service, Marks, Target};

/// The upload route's body limit: one file at its limit, and the form around it.
pub const UPLOAD_BODY_LIMIT_BYTES: usize = FILE_MAX_BYTES as usize + 64 * 1024;

fn multipart_error(error: MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::refused(&AttachmentError::FileTooLarge {
            max: FILE_MAX_BYTES,
        });
    }
    ApiError::bad_request(
        "アップロードを読み取れませんでした（multipart/form-data で kind と file を送ってください）",
        format!("the upload could not be read (send multipart/form-data with kind and file): {error}"),
    )
}

fn receive_error(error: ReceiveError) -> ApiError {
    match error {
        ReceiveError::Refused(refusal) => ApiError::refused(&refusal),
        ReceiveError::Upload(cause) => ApiError::bad_request(
            "アップロードが途中で途切れました。もう一度お試しください",
            format!("the upload broke off: {cause}"),
        ),
        ReceiveError::Store(error) => error.into(),
    }
}

/// `POST /api/v1/applications/{id}/attachments`: attach a file (multipart: `kind`, then `file`).
#[utoipa::path(
    post,
    path = "/api/v1/applications/{id}/attachments",
    operation_id = "attachments_upload",
    tag = "applications",
    summary = "添付ファイルの追加（下書き・差戻し中のみ） / attach a file (multipart: kind, file)",
    params(("id" = uuid::Uuid, Path, description = "the application id")),
    request_body(content_type = "multipart/form-data", description = "`kind` (quote, rules, member_list, plan_material, other) and `file` (PDF, JPEG, PNG, UTF-8 text, Word, Excel, PowerPoint; at most 10 MB; the type is judged from the content)"),
    responses(
        (status = 201, description = "the attached file and the log position", body = super::openapi::AttachmentRead),
        (status = 413, description = "the file is over 10 MB"),
        (status = 415, description = "the file's content is not of an accepted type"),
    ),
)]
pub async fn upload(
    State(state): State<AppState>,
    applicant: GroupHelper,
    context: CommandContext,
    Path(id): Path<ApplicationId>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    added(
        &state,
        &applicant,
        &context,
        Target::Application(id),
        multipart,
    )
    .await
}

/// The upload of every object: the policy and the object's state first (who may not touch it
/// learns nothing of the body's shape, and nothing is read while it may not change), then the file
/// streamed into the store, then the event that names it.
async fn added(
    state: &AppState,
    applicant: &GroupHelper,
    context: &CommandContext,
    target: Target,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let open = service::open(state, context, applicant, target).await?;
    let (attachment, marks) = received(state, multipart).await?;
    let (attached, position) =
        service::attach(state, context, applicant, open, attachment, marks).await?;
    let mut body = AttachmentRead::of(target, &attached);
    body.position = Some(position);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Reads an upload (`kind`, `file`; a report's also `receipt_number` and `public`, sent before
/// `file`), streams the file into the store and keeps it durably: the attachment an event may now
/// name. The pages' upload reads its form through here too.
pub async fn received(
    state: &AppState,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(Attachment, Marks), ApiError> {
    let mut multipart = multipart.map_err(|rejection| {
        ApiError::new(
            ErrorKind::UnsupportedType,
            "request.not_multipart",
            "ファイルは multipart/form-data で送ってください",
            format!("send the file as multipart/form-data: {rejection}"),
        )
    })?;
    let mut kind: Option<String> = None;
    let mut marks = Marks::default();
    let mut received = None;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("kind") => kind = Some(field.text().await.map_err(multipart_error)?),
            Some("receipt_number") => {
                let number = field.text().await.map_err(multipart_error)?;
                marks.receipt_number = Some(number).filter(|number| !number.trim().is_empty());
            }
            Some("public") => {
                let value = field.text().await.map_err(multipart_error)?;
                marks.public = matches!(value.trim(), "true" | "on" | "1");
            }
            Some("file") if received.is_none() => {
                let name = field.file_name().unwrap_or_default();
                // Some browsers send the whole path: the name is its last part.
                let name = name
                    .rsplit(['/', '\\'])
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let file_name =
                    FileName::new(&name).map_err(|refusal| ApiError::refused(&refusal))?;
                let spooled = state.blobs.receive(field).await.map_err(receive_error)?;
                received = Some((file_name, spooled));
            }
            _ => {}
        }
    }
    let Some((file_name, spooled)) = received else {
        return Err(ApiError::invalid(
            "attachment.file_missing",
            "ファイルを選んでください",
            "choose a file to attach (the form field `file`)",
        )
        .with_field("file"));
    };
    let kind = kind.as_deref().map(str::trim).unwrap_or_default();
    let kind = AttachmentKind::parse(kind).ok_or_else(|| {
        ApiError::invalid(
            "attachment.kind_unknown",
            "添付書類の種類を選んでください",
            "choose the kind of file: quote, rules, member_list, plan_material, receipt, activity_photo or other",
        )
        .with_field("kind")
    })?;
    let (size, media_type) = (spooled.size, spooled.media_type);
    // Durable before the event that names it.
    let sha256 = state.blobs.keep(spooled).await?;
    Ok((
        Attachment {
            id: AttachmentId::new(),
            kind,
            file_name,
            media_type,
            size,
            sha256,
        },
        marks,
    ))
}

/// `Content-Disposition` for a download: an ASCII fallback and the real name (RFC 6266, 5987).
fn content_disposition(file_name: &str) -> HeaderValue {
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in file_name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// `GET /api/v1/applications/{id}/attachments/{attachment_id}`: the file, checked against its
/// SHA-256 before a byte is sent.
#[utoipa::path(
    get,
    path = "/api/v1/applications/{id}/attachments/{attachment_id}",
    operation_id = "attachments_download",
    tag = "applications",
    summary = "添付ファイルのダウンロード / download an attached file (checksum verified)",
    params(
        ("id" = uuid::Uuid, Path, description = "the application id"),
        ("attachment_id" = uuid::Uuid, Path, description = "the attachment id"),
    ),
    responses(
        (status = 200, description = "the file, with its media type and name"),
        (status = 500, description = "the stored file is missing or corrupt (attachment.missing, attachment.corrupt)"),
    ),
)]
pub async fn download(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, attachment_id)): Path<(ApplicationId, AttachmentId)>,
) -> Result<Response, ApiError> {
    file_response(&state, &actor, Target::Application(id), attachment_id).await
}

/// A file's bytes, verified, with its type and name (the API's and the pages' downloads alike).
pub async fn file_response(
    state: &AppState,
    actor: &Actor,
    target: Target,
    attachment_id: AttachmentId,
) -> Result<Response, ApiError> {
    let (attached, bytes) = service::file(state, actor, target, attachment_id).await?;
    let file = &attached.attachment;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.media_type.as_mime()),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        content_disposition(file.file_name.as_str()),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"sha256-{}\"", file.sha256)) {
        headers.insert(header::ETAG, etag);
    }
    Ok(response)
}

/// `DELETE /api/v1/applications/{id}/attachments/{attachment_id}`: take a file off the application.
#[utoipa::path(
    delete,
    path = "/api/v1/applications/{id}/attachments/{attachment_id}",
    operation_id = "attachments_remove",
    tag = "applications",
    summary = "添付ファイルの削除（下書き・差戻し中のみ） / take an attached file off",
    params(
        ("id" = uuid::Uuid, Path, description = "the application id"),
        ("attachment_id" = uuid::Uuid, Path, description = "the attachment id"),
    ),
    responses((status = 200, description = "the application's files and the log position", body = Remaining)),
)]
pub async fn remove(
    State(state): State<AppState>,
    applicant: GroupHelper,
    context: CommandContext,
    Path((id, attachment_id)): Path<(ApplicationId, AttachmentId)>,
) -> Result<Response, ApiError> {
    removed(
        &state,
        &applicant,
        &context,
        Target::Application(id),
        attachment_id,
    )
    .await
}

/// The files left on an object after one was taken off.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = AttachmentsLeft)]
pub struct Remaining {
    /// The object's files, in the order added.
    attachments: Vec<AttachmentRead>,
    /// The log position of the removal.
    position: i64,
}

/// Takes a file off; answers the object's files and the position.
async fn removed(
    state: &AppState,
    applicant: &GroupHelper,
    context: &CommandContext,
    target: Target,
    attachment_id: AttachmentId,
) -> Result<Response, ApiError> {
    let (files, position) =
        service::remove(state, context, applicant, target, attachment_id).await?;
    let files = attachment_read::list(target, &files);
    Ok(Json(Remaining {
        attachments: files,
        position,
    })
    .into_response())
}

/// `POST /api/v1/grants/{id}/settlement-report/attachments`: attach a receipt or an activity photo
/// to the settlement report (multipart: `kind`, then `file`).
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/settlement-report/attachments",
    operation_id = "grants_report_attachment_upload",
    tag = "grants",
    summary = "実績報告への添付（提出前・差戻し中） / attach a receipt or photo to the settlement report",
    params(("id" = uuid::Uuid, Path, description = "the grant id")),
    request_body(content_type = "multipart/form-data", description = "`kind` (receipt, activity_photo, other), optionally `receipt_number` (a receipt: the receipt number of the saved expense line it proves) and `public` (`true`: an activity photo, JPEG or PNG, the public may see on the awarded project), then `file` (PDF, JPEG, PNG, UTF-8 text, Word, Excel, PowerPoint; at most 10 MB)"),
    responses(
        (status = 201, description = "the attached file and the log position", body = super::openapi::AttachmentRead),
        (status = 413, description = "the file is over 10 MB"),
        (status = 415, description = "the file's content is not of an accepted type"),
    ),
)]
pub async fn report_upload(
    State(state): State<AppState>,
    applicant: GroupHelper,
    context: CommandContext,
    Path(id): Path<GrantId>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    added(&state, &applicant, &context, Target::Report(id), multipart).await
}

/// `GET /api/v1/grants/{id}/settlement-report/attachments/{attachment_id}`: the file, checked
/// against its SHA-256.
#[utoipa::path(
    get,
    path = "/api/v1/grants/{id}/settlement-report/attachments/{attachment_id}",
    operation_id = "grants_report_attachment_download",
    tag = "grants",
    summary = "実績報告の添付ファイル / download a file of the settlement report (checksum verified)",
    params(
        ("id" = uuid::Uuid, Path, description = "the grant id"),
        ("attachment_id" = uuid::Uuid, Path, description = "the attachment id"),
    ),
    responses(
        (status = 200, description = "the file, with its media type and name"),
        (status = 500, description = "the stored file is missing or corrupt (attachment.missing, attachment.corrupt)"),
    ),
)]
pub async fn report_download(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, attachment_id)): Path<(GrantId, AttachmentId)>,
) -> Result<Response, ApiError> {
    file_response(&state, &actor, Target::Report(id), attachment_id).await
}

/// `DELETE /api/v1/grants/{id}/settlement-report/attachments/{attachment_id}`: take a file off
/// the report.
#[utoipa::path(
    delete,
    path = "/api/v1/grants/{id}/settlement-report/attachments/{attachment_id}",
    operation_id = "grants_report_attachment_remove",
    tag = "grants",
    summary = "実績報告の添付ファイルの削除 / take a file off the settlement report",
    params(
        ("id" = uuid::Uuid, Path, description = "the grant id"),
        ("attachment_id" = uuid::Uuid, Path, description = "the attachment id"),
    ),
    responses((status = 200, description = "the report's files and the log position", body = Remaining)),
)]
pub async fn report_remove(
    State(state): State<AppState>,
    applicant: GroupHelper,
    context: CommandContext,
    Path((id, attachment_id)): Path<(GrantId, AttachmentId)>,
) -> Result<Response, ApiError> {
    removed(
        &state,
        &applicant,
        &context,
        Target::Report(id),
        attachment_id,
    )
    .await
}

/// `POST /api/v1/grants/{id}/change-requests/{cid}/attachments`: attach a file (a quote for the
/// new plan) to a change request while it awaits staff (multipart: `kind`, then `file`).
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/change-requests/{cid}/attachments",
    operation_id = "grants_change_attachment_upload",
    tag = "grants",
    summary = "変更申請への添付（審査前） / attach a file to a pending change request",
    params(
        ("id" = uuid::Uuid, Path, description = "the grant id"),
        ("cid" = uuid::Uuid, Path, description = "the change request id"),
    ),
    request_body(content_type = "multipart/form-data", description = "`kind` (quote, other) and `file` (PDF, JPEG, PNG, UTF-8 text, Word, Excel, PowerPoint; at most 10 MB)"),
    responses(
        (status = 201, description = "the attached file and the log position", body = super::openapi::AttachmentRead),
        (status = 413, description = "the file is over 10 MB"),
        (status = 415, description = "the file's content is not of an accepted type"),
    ),
)]
pub async fn change_upload(
    State(state): State<AppState>,
    applicant: GroupHelper,
    context: CommandContext,
    Path((id, change_request_id)): Path<(GrantId, ChangeRequestId)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let target = Target::Change(id, change_request_id);
    added(&state, &applicant, &context, target, multipart).await
}

/// `GET /api/v1/grants/{id}/change-requests/{cid}/attachments/{attachment_id}`: the file, checked
/// against its SHA-256.
#[utoipa::path(
    get,
    path = "/api/v1/grants/{id}/change-requests/{cid}/attachments/{attachment_id}",
    operation_id = "grants_change_attachment_download",
    tag = "grants",
    summary = "変更申請の添付ファイル / download a file of a change request (checksum verified)",
    params(
        ("id" = uuid::Uuid, Path, description = "the grant id"),
        ("cid" = uuid::Uuid, Path, description = "the change request id"),
        ("attachment_id" = uuid::Uuid, Path, description = "the attachment id"),
    ),
    responses(
        (status = 200, description = "the file, with its media type and name"),
        (status = 500, description = "the stored file is missing or corrupt (attachment.missing, attachment.corrupt)"),
    ),
)]
pub async fn change_download(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, change_request_id, attachment_id)): Path<(GrantId, ChangeRequestId, AttachmentId)>,
) -> Result<Response, ApiError> {
    let target = Target::Change(id, change_request_id);
    file_response(&state, &actor, target, attachment_id).await
}

/// `DELETE /api/v1/grants/{id}/change-requests/{cid}/attachments/{attachment_id}`: take a file
/// off a pending change request.
#[utoipa::path(
    delete,
    path = "/api/v1/grants/{id}/change-requests/{cid}/attachments/{attachment_id}",
    operation_id = "grants_change_attachment_remove",
    tag = "grants",
    summary = "変更申請の添付ファイルの削除（審査前） / take a file off a pending change request",
    params(
        ("id" = uuid::Uuid, Path, description = "the grant id"),
        ("cid" = uuid::Uuid, Path, description = "the change request id"),
        ("attachment_id" = uuid::Uuid, Path, description = "the attachment id"),
    ),
    responses((status = 200, description = "the change request's files and the log position", body = Remaining)),
)]
pub async fn change_remove(
    State(state): State<AppState>,
    applicant: GroupHelper,
    context: CommandContext,
    Path((id, change_request_id, attachment_id)): Path<(GrantId, ChangeRequestId, AttachmentId)>,
) -> Result<Response, ApiError> {
    let target = Target::Change(id, change_request_id);
    removed(&state, &applicant, &context, target, attachment_id).await
}
