//! The official documents on the pages (issue 17): a section listing a grant's or an
//! application's documents with links, and the links' routes, which pass the API's PDF on as it
//! is (an issued notice checked against its SHA-256 first). The group's members and staff see
//! the same section (`http::documents`).

use axum::extract::State;
use axum::response::Response;
use maud::{html, Markup};
use serde_json::Value;

use super::{login_then, read_failed};
use crate::web::api::{encode, Problem};
use crate::web::session::Visitor;
use crate::web::view::{self, date_of, text};
use crate::web::Web;

/// Where the documents of a grant or an application are, for the API and for the pages.
#[derive(Clone, Copy)]
pub enum Owner<'a> {
    Grant(&'a str),
    Application(&'a str),
}

impl Owner<'_> {
    fn api(self) -> String {
        match self {
            Owner::Grant(id) => format!("/api/v1/grants/{}/documents", encode(id)),
            Owner::Application(id) => format!("/api/v1/applications/{}/documents", encode(id)),
        }
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
    let Ok(list) = web.api.get(owner.api(), Some(token)).await else {
        return html! {};
    };
    let documents = list["documents"].as_array().cloned().unwrap_or_default();
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

fn item(owner: Owner<'_>, document: &Value) -> Markup {
    let kind = text(&document["kind"]);
    let href = format!("{}/{}", owner.page(), encode(kind));
    html! {
        li {
            a href=(href) download { (text(&document["label_ja"])) }
            @if document["issued"].as_bool() == Some(true) {
                " " (text(&document["document_number"])) "（" (date_of(&document["dated"])) "）"
                br;
                small.sha256 { "SHA-256: " code { (text(&document["sha256"])) } }
            }
        }
    }
}

async fn pass(web: &Web, visitor: &Visitor, owner: Owner<'_>, kind: &str) -> Response {
    let back = owner.back();
    let Some(token) = visitor.token() else {
        return login_then(&back);
    };
    let path = format!("{}/{}", owner.api(), encode(kind));
    match web.api.stream_file(&path, token).await {
        Ok(response) => response,
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

/// `GET /grants/{id}/documents/{kind}`: the grant's document as the API serves it.
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
