//! The official documents on the pages (issue 17): a section listing a grant's or an
//! application's documents with links, and the links' routes, which hand over the same PDF as the
//! API (an issued notice checked against its SHA-256 first; `service::documents`). The group's
//! members and staff see the same section.

use axum::extract::State;
use axum::response::Response;
use grants_domain::document::DocumentKind;
use maud::{html, Markup};

use super::{login_then, read_failed};
use crate::service::documents::{self, Document, Pdf};
use crate::web::caller::path_id;
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view;
use crate::web::view::encode;
use crate::web::Web;

/// Where the documents of a grant or an application are, for the API and for the pages.
#[derive(Clone, Copy)]
pub enum Owner<'a> {
    /// A grant, by its id.
    Grant(&'a str),
    /// An application, by its id.
    Application(&'a str),
}

impl Owner<'_> {
    /// The owner's documents, as the caller may read them.
    async fn documents(self, web: &Web, token: &str) -> Result<Vec<Document>, Problem> {
        let actor = web.caller(token).await?;
        Ok(match self {
            Owner::Grant(id) => documents::of_grant(&web.state, &actor, path_id(id)?).await?,
            Owner::Application(id) => {
                documents::of_application(&web.state, &actor, path_id(id)?).await?
            }
        })
    }

    /// One of the owner's documents as a PDF.
    async fn pdf(self, web: &Web, token: &str, kind: &str) -> Result<Pdf, Problem> {
        let actor = web.caller(token).await?;
        let kind = DocumentKind::parse(kind).ok_or_else(documents::unknown)?;
        let pdf = match self {
            Owner::Grant(id) => documents::grant_pdf(&web.state, &actor, path_id(id)?, kind).await,
            Owner::Application(id) => {
                let id = path_id(id)?;
                documents::application_pdf(&web.state, &actor, id, kind).await
            }
        };
        Ok(pdf?)
    }

    fn page(self) -> String {
        match self {
            Owner::Grant(id) => format!("/grants/{}/documents", encode(id)),
            Owner::Application(id) => format!("/applications/{}/documents", encode(id)),
        }
    }

    fn back(self) -> String {
        match self {
            Owner::Grant(id) => format!("/grants/{}", encode(id)),
            Owner::Application(id) => format!("/applications/{}", encode(id)),
        }
    }
}

/// The section "文書" with a link per document; empty when the list cannot be read (the rest of
/// the page still shows).
pub async fn section(web: &Web, token: &str, owner: Owner<'_>) -> Markup {
    let Ok(documents) = owner.documents(web, token).await else {
        return html! {};
    };
    if documents.is_empty() {
        return html! {};
    }
    html! {
        section #documents {
            h2 { "文書（PDF）" }
            ul.documents {
                @for document in &documents {
                    (item(owner, document))
                }
            }
            p.hint { "通知書は発行時の内容のまま保管され、SHA-256で照合できます。申請書・報告書は印刷用です。" }
        }
    }
}

fn item(owner: Owner<'_>, document: &Document) -> Markup {
    let kind = match document {
        Document::Issued(notice) => notice.kind,
        Document::Form(kind) => *kind,
    };
    let href = format!("{}/{}", owner.page(), kind.as_str());
    html! {
        li {
            a href=(href) download { (kind.label_ja()) }
            @if let Document::Issued(notice) = document {
                " " (notice.document_number) "（" (view::day(Some(notice.dated))) "）"
                br;
                small.sha256 { "SHA-256: " code { (notice.sha256.as_str()) } }
            }
        }
    }
}

async fn pass(web: &Web, visitor: &Visitor, owner: Owner<'_>, kind: &str) -> Response {
    let back = owner.back();
    let Some(token) = visitor.token() else {
        return login_then(&back);
    };
    match owner.pdf(web, token, kind).await {
        Ok(pdf) => crate::http::documents::pdf_response(pdf),
        Err(problem) => failed(visitor, &problem, &back),
    }
}

fn failed(visitor: &Visitor, problem: &Problem, back: &str) -> Response {
    if problem.status.is_server_error() {
        return view::page_with_status(
            problem.status,
            visitor,
            "文書を表示できません",
            html! { p { (problem.detail_ja) } p { a href=(back) { "前のページへ戻る" } } },
        );
    }
    read_failed(visitor, problem, back)
}

/// `GET /grants/{id}/documents/{kind}`: the grant's document, as the API serves it.
pub async fn grant_document(
    State(web): State<Web>,
    visitor: Visitor,
    axum::extract::Path((id, kind)): axum::extract::Path<(String, String)>,
) -> Response {
    pass(&web, &visitor, Owner::Grant(&id), &kind).await
}

/// `GET /applications/{id}/documents/{kind}`: the application's document as the API serves it.
pub async fn application_document(
    State(web): State<Web>,
    visitor: Visitor,
    axum::extract::Path((id, kind)): axum::extract::Path<(String, String)>,
) -> Response {
    pass(&web, &visitor, Owner::Application(&id), &kind).await
}
