//! The files of an application on its page (`/applications/{id}`): the list with downloads, and
//! while it may be edited an upload form (見積書, 規約, 名簿, 事業計画の資料) and a remove button.
//!
//! The upload form posts `multipart/form-data` to `/applications/{id}/attachments?_csrf=…&_form=…`:
//! the page checks the token (in the query, so that it is known before the file streams in), then
//! runs the upload's use case as the API does (`service::attachments::open`, the file read by
//! `http::attachments::received`, then `attach`, once per form). A refusal shows the page again
//! with the rule beside the field it names.

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use grants_domain::attachment::{AttachedTo, AttachmentKind, FILE_MAX_BYTES, PER_OBJECT_MAX};
use maud::{html, Markup};
use serde::Deserialize;

use super::with_session;
use crate::http::attachments::received;
use crate::policy::GroupHelper;
use crate::service::attachment_read::AttachmentRead;
use crate::service::{attachments, CommandContext, ServiceError};
use crate::web::caller::path_id;
use crate::web::command::PageCommand;
use crate::web::csrf::Binding;
use crate::web::form::{guard, Errors, FormData, FormState, Guard, PageForm, NOT_CONFIRMED};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view;
use crate::web::view::encode;
use crate::web::Web;

/// The upload form's fields, as the API names them.
const FIELDS: &[&str] = &["kind", "receipt_number", "public", "file"];

fn size_ja(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// The files of one object as a page shows them.
pub(super) struct Files<'a> {
    /// The page of the object (`/applications/{id}`, `/grants/{id}/report`); the files' routes
    /// hang below it.
    pub page: String,
    /// The files as the object's read lists them.
    pub files: &'a [AttachmentRead],
    /// The kinds the object takes.
    pub kinds: Vec<AttachmentKind>,
    /// Whether the object may change now (the domain's answer, as the API gave it).
    pub editable: bool,
    /// A settlement report's saved expense lines (receipt number, item), which a receipt may
    /// prove; none elsewhere.
    pub lines: &'a [(String, String)],
    /// Whether an activity photo may be marked public here (a settlement report).
    pub photos_public: bool,
}

/// The section of an object's page: the files, and the forms while it may be edited.
pub(super) fn section(visitor: &Visitor, object: &Files<'_>, upload: &FormState) -> Markup {
    let page = object.page.as_str();
    let files = object.files;
    let editable = object.editable;
    let kind_error = upload.errors.field("kind");
    let file_error = upload.errors.field("file");
    let line_error = upload.errors.field("receipt_number");
    let public_error = upload.errors.field("public");
    let report = object.photos_public;
    html! {
        h2 #attachments { "添付書類" }
        @if files.is_empty() {
            p { "添付書類はまだありません。" }
        } @else {
            table {
                caption { "添付書類（" (files.len()) "件）" }
                thead { tr {
                    th scope="col" { "種類" } th scope="col" { "ファイル名" }
                    th.num scope="col" { "大きさ" } th scope="col" { "追加日時" }
                    @if report { th scope="col" { "対応する支出" } th scope="col" { "公開" } }
                    @if editable { th scope="col" { "操作" } }
                } }
                tbody {
                    @for file in files {
                        @let attachment_id = file.id;
                        tr {
                            td { (file.kind_ja) }
                            td { a href={ (page) "/attachments/" (attachment_id) } download { (file.file_name) } }
                            td.num { (size_ja(file.size)) }
                            td { (view::instant_ja(&file.added_at)) }
                            @if report {
                                td { @if let Some(Some(number)) = &file.receipt_number { "領収書番号 " (number) } }
                                td { @if file.public == Some(true) { "公開" } @else { "非公開" } }
                            }
                            @if editable {
                                td {
                                    form method="post" action={ (page) "/attachments/" (attachment_id) "/remove" } {
                                        input type="hidden" name="_csrf" value=(visitor.csrf);
                                        button.danger type="submit" aria-label={ (file.file_name) "を削除" } { "削除" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if editable {
            @if !upload.errors.top.is_empty() {
                div.errors role="alert" tabindex="-1" {
                    ul { @for message in &upload.errors.top { li { (message) } } }
                }
            }
            form.stack method="post" enctype="multipart/form-data"
                action={ (page) "/attachments?_csrf=" (encode(&visitor.csrf)) "&_form=" (upload.form_id) } {
                div.field.invalid[kind_error.is_some()] {
                    label for="f-kind" { "種類" span.req { "必須" } }
                    @if let Some(error) = kind_error { p.error id="e-kind" { (error) } }
                    select #f-kind name="kind" required aria-invalid=[kind_error.map(|_| "true")] aria-describedby=[kind_error.map(|_| "e-kind")] {
                        @for kind in &object.kinds {
                            option value=(kind.as_str()) selected[upload.values.get("kind") == kind.as_str()] { (kind.label_ja()) }
                        }
                    }
                }
                @if !object.lines.is_empty() || line_error.is_some() {
                    div.field.invalid[line_error.is_some()] {
                        label for="f-receipt_number" { "対応する支出（領収書のとき）" }
                        p.hint id="h-receipt_number" { "この領収書が証明する支出の行を選びます。選べるのは保存済みの実績報告の行です。" }
                        @if let Some(error) = line_error { p.error id="e-receipt_number" { (error) } }
                        select #f-receipt_number name="receipt_number" aria-describedby={ "h-receipt_number" @if line_error.is_some() { " e-receipt_number" } } {
                            option value="" { "指定しない" }
                            @for (number, item) in object.lines {
                                option value=(number) selected[upload.values.get("receipt_number") == number.as_str()] { (number) "（" (item) "）" }
                            }
                        }
                    }
                }
                @if report {
                    div.field.invalid[public_error.is_some()] {
                        @if let Some(error) = public_error { p.error id="e-public" { (error) } }
                        label for="f-public" {
                            input #f-public type="checkbox" name="public" value="true";
                            " この活動写真を公開してよい（交付事業の公開ページに載ります。写真以外の添付書類は公開されません）"
                        }
                    }
                }
                div.field.invalid[file_error.is_some()] {
                    label for="f-file" { "ファイル" span.req { "必須" } }
                    p.hint id="h-file" {
                        "PDF・JPEG・PNG・テキスト・Word・Excel・PowerPoint、1件" (FILE_MAX_BYTES / (1024 * 1024)) "MBまで、"
                        (PER_OBJECT_MAX) "件まで。種類はファイルの内容で判定します。"
                    }
                    @if let Some(error) = file_error { p.error id="e-file" { (error) } }
                    input #f-file type="file" name="file" required
                        accept=".pdf,.jpg,.jpeg,.png,.txt,.csv,.docx,.xlsx,.pptx"
                        aria-invalid=[file_error.map(|_| "true")]
                        aria-describedby={ "h-file" @if file_error.is_some() { " e-file" } };
                }
                button type="submit" { "添付する" }
            }
        }
    }
}

#[derive(Deserialize)]
pub(super) struct UploadQuery {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    /// The form's one-time id: a submission posted twice attaches its file once.
    #[serde(rename = "_form", default)]
    form: String,
}

/// What the files hang on.
#[derive(Clone, Copy)]
enum Target<'a> {
    Application(&'a str),
    /// A grant's settlement report.
    Report(&'a str),
    /// A grant's change request (grant, change request).
    Change(&'a str, &'a str),
}

impl Target<'_> {
    fn page(self) -> String {
        match self {
            Target::Application(id) => format!("/applications/{id}"),
            Target::Report(id) => format!("/grants/{id}/report"),
            Target::Change(id, cid) => format!("/grants/{id}/changes/{cid}"),
        }
    }

    /// The object as the service layer names it.
    fn typed(self) -> Result<attachments::Target, ServiceError> {
        Ok(match self {
            Target::Application(id) => attachments::Target::Application(path_id(id)?),
            Target::Report(id) => attachments::Target::Report(path_id(id)?),
            Target::Change(id, cid) => attachments::Target::Change(path_id(id)?, path_id(cid)?),
        })
    }

    /// The object's page again, with the upload form's refusals.
    async fn shown_with(
        self,
        web: &Web,
        visitor: &Visitor,
        token: &str,
        errors: Errors,
    ) -> Response {
        let upload = FormState::new(FormData::default()).with_errors(errors);
        match self {
            Target::Application(id) => {
                super::applications::show(web, visitor, token, id, &upload).await
            }
            Target::Report(id) => super::settlement::show(web, visitor, token, id, &upload).await,
            Target::Change(id, cid) => {
                super::change_files::show(web, visitor, token, id, cid, None, &upload).await
            }
        }
    }
}

/// The kinds an application takes.
pub(super) fn application_kinds() -> Vec<AttachmentKind> {
    AttachmentKind::for_object(AttachedTo::Application)
}

/// The kinds a settlement report takes.
pub(super) fn report_kinds() -> Vec<AttachmentKind> {
    AttachmentKind::for_object(AttachedTo::SettlementReport)
}

/// `POST /applications/{id}/attachments`: the browser's upload, read into the store and attached.
pub(super) async fn upload(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(query): Query<UploadQuery>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    take_upload(&web, visitor, Target::Application(&id), query, multipart).await
}

/// `POST /grants/{id}/report/attachments`: the same for the settlement report.
pub(super) async fn report_upload(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(query): Query<UploadQuery>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    take_upload(&web, visitor, Target::Report(&id), query, multipart).await
}

/// `POST /grants/{id}/changes/{cid}/attachments`: the same for a change request.
pub(super) async fn change_upload(
    State(web): State<Web>,
    visitor: Visitor,
    Path((id, cid)): Path<(String, String)>,
    Query(query): Query<UploadQuery>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    take_upload(&web, visitor, Target::Change(&id, &cid), query, multipart).await
}

/// The upload as the API takes it (the caller and the object's state checked before a byte is
/// read, then the file streamed into the store), with the event recorded once per submission: the
/// form's one-time id and what was sent (the kind, the marks, the file's name and SHA-256) make
/// the key and its fingerprint, so a double post attaches the file once.
async fn take_upload(
    web: &Web,
    visitor: Visitor,
    target: Target<'_>,
    query: UploadQuery,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let path = target.page();
    let Some(token) = visitor.token().map(str::to_owned) else {
        return login_then(&path);
    };
    if !visitor
        .csrf_matches(web, Binding::Session, &query.csrf)
        .await
    {
        let mut errors = Errors::default();
        errors.add(None, NOT_CONFIRMED);
        return target.shown_with(web, &visitor, &token, errors).await;
    }
    let state = &web.state;
    let upload_path = format!("{path}/attachments");
    let attached = async {
        let helper = GroupHelper::admit(web.caller(&token).await?)?;
        let context = CommandContext::at(state.clock.now());
        let open = attachments::open(state, &context, &helper, target.typed()?).await?;
        let (attachment, marks) = received(state, multipart).await?;
        let mut sent = FormData(vec![("_form".to_owned(), query.form)]);
        sent.push("kind", attachment.kind.as_str());
        sent.push(
            "receipt_number",
            marks.receipt_number.clone().unwrap_or_default(),
        );
        sent.push("public", marks.public.to_string());
        sent.push("file_name", attachment.file_name.as_str());
        sent.push("sha256", attachment.sha256.to_string());
        let command = PageCommand {
            path: &upload_path,
            form: &sent,
            step: "attach",
        };
        web.once(&token, command, |actor, context| async move {
            let helper = GroupHelper::admit(actor)?;
            attachments::attach(state, &context, &helper, open, attachment, marks).await?;
            Ok(())
        })
        .await
    };
    match attached.await {
        Ok(()) => redirect(&format!("{path}?attached=1#attachments")),
        Err(problem) if problem.is_signed_out() => login_then(&path),
        Err(problem) => {
            let mut errors = Errors::default();
            errors.problem(&problem, FIELDS);
            target.shown_with(web, &visitor, &token, errors).await
        }
    }
}

/// `GET /applications/{id}/attachments/{attachment_id}`: the file, as the API serves it (checked
/// against its SHA-256).
pub(super) async fn download(
    State(web): State<Web>,
    visitor: Visitor,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Response {
    pass_download(&web, &visitor, Target::Application(&id), &attachment_id).await
}

/// `GET /grants/{id}/report/attachments/{attachment_id}`: the same for the settlement report.
pub(super) async fn report_download(
    State(web): State<Web>,
    visitor: Visitor,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Response {
    pass_download(&web, &visitor, Target::Report(&id), &attachment_id).await
}

/// `GET /grants/{id}/changes/{cid}/attachments/{attachment_id}`: the same for a change request.
pub(super) async fn change_download(
    State(web): State<Web>,
    visitor: Visitor,
    Path((id, cid, attachment_id)): Path<(String, String, String)>,
) -> Response {
    pass_download(&web, &visitor, Target::Change(&id, &cid), &attachment_id).await
}

async fn pass_download(
    web: &Web,
    visitor: &Visitor,
    target: Target<'_>,
    attachment_id: &str,
) -> Response {
    let path = target.page();
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    let served = async {
        let actor = web.caller(token).await?;
        let attachment = path_id(attachment_id)?;
        crate::http::attachments::file_response(&web.state, &actor, target.typed()?, attachment)
            .await
            .map_err(Problem::from)
    };
    match served.await {
        Ok(response) => response,
        Err(problem) => file_failed(visitor, &problem, &path),
    }
}

fn file_failed(visitor: &Visitor, problem: &Problem, path: &str) -> Response {
    if problem.status.is_server_error() {
        // A missing or corrupt file: say so plainly, never serve it.
        return view::page_with_status(
            problem.status,
            visitor,
            "添付ファイルを表示できません",
            html! { p { (problem.detail_ja) } p { a href=(path) { "申請のページへ戻る" } } },
        );
    }
    read_failed(visitor, problem, path)
}

/// `POST /applications/{id}/attachments/{attachment_id}/remove`: take a file off.
pub(super) async fn remove(
    State(web): State<Web>,
    visitor: Visitor,
    Path((id, attachment_id)): Path<(String, String)>,
    PageForm(form): PageForm,
) -> Response {
    pass_remove(
        &web,
        visitor,
        Target::Application(&id),
        &attachment_id,
        FormData(form),
    )
    .await
}

/// `POST /grants/{id}/report/attachments/{attachment_id}/remove`: the same for the report.
pub(super) async fn report_remove(
    State(web): State<Web>,
    visitor: Visitor,
    Path((id, attachment_id)): Path<(String, String)>,
    PageForm(form): PageForm,
) -> Response {
    pass_remove(
        &web,
        visitor,
        Target::Report(&id),
        &attachment_id,
        FormData(form),
    )
    .await
}

/// `POST /grants/{id}/changes/{cid}/attachments/{attachment_id}/remove`: the same for a change
/// request.
pub(super) async fn change_remove(
    State(web): State<Web>,
    visitor: Visitor,
    Path((id, cid, attachment_id)): Path<(String, String, String)>,
    PageForm(form): PageForm,
) -> Response {
    pass_remove(
        &web,
        visitor,
        Target::Change(&id, &cid),
        &attachment_id,
        FormData(form),
    )
    .await
}

async fn pass_remove(
    web: &Web,
    visitor: Visitor,
    target: Target<'_>,
    attachment_id: &str,
    form: FormData,
) -> Response {
    let path = target.page();
    let (visitor, token, again) = match guard(web, visitor, &form).await {
        Guard::Proceed {
            visitor,
            token,
            signed_in_again,
        } => (visitor, token, signed_in_again),
        Guard::Rerender { visitor, state } => {
            let Some(token) = visitor.token().map(str::to_owned) else {
                return login_then(&path);
            };
            return target.shown_with(web, &visitor, &token, state.errors).await;
        }
    };
    let state = &web.state;
    let attachment = path_id(attachment_id);
    let remove_path = format!("{path}/attachments/{attachment_id}/remove");
    let command = PageCommand {
        path: &remove_path,
        form: &form,
        step: "remove",
    };
    let removed = web
        .once(&token, command, |actor, context| async move {
            let helper = GroupHelper::admit(actor)?;
            attachments::remove(state, &context, &helper, target.typed()?, attachment?).await?;
            Ok(())
        })
        .await;
    let response = match removed {
        Ok(()) => redirect(&format!("{path}?removed=1#attachments")),
        Err(problem) => {
            let mut errors = Errors::default();
            errors.problem(&problem, &[]);
            target.shown_with(web, &visitor, &token, errors).await
        }
    };
    with_session(response.into_response(), &visitor, again)
}
