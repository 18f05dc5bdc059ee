//! The files of one change request (変更承認申請, `/grants/{id}/changes/{cid}`): a quote for the new
//! plan and the like, listed with their downloads, and while staff have not decided the request an
//! upload form and a remove button (the shared section of `attachments`). The API holds the rule
//! (`Grant::check_change_open`); this page shows the form when the grant read says the request is
//! pending and staff may still decide it.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use grants_domain::attachment::{AttachedTo, AttachmentKind};
use grants_domain::grant::ChangeState;
use grants_domain::grant::GrantAction;
use maud::html;
use serde::Deserialize;

use super::grants::load_grant;
use crate::service::grant_read::{ChangeRequestRead, GrantRead};
use crate::web::form::{FormData, FormState};
use crate::web::pages::{login_then, read_failed};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::{self, flash, page_with_status};
use crate::web::Web;

/// The change request `cid` as the grant read lists it.
fn change_of<'a>(grant: &'a GrantRead, cid: &str) -> Option<&'a ChangeRequestRead> {
    grant
        .change_requests
        .iter()
        .find(|change| change.change_request_id.to_string() == cid)
}

/// The change request's page with the upload form's refusals.
pub(super) async fn show(
    web: &Web,
    visitor: &Visitor,
    token: &str,
    id: &str,
    cid: &str,
    notice: Option<&str>,
    upload: &FormState,
) -> Response {
    let path = format!("/grants/{id}/changes/{cid}");
    let grant = match load_grant(web, token, id).await {
        Ok((grant, _)) => grant,
        Err(problem) => return read_failed(visitor, &problem, &path),
    };
    let Some(change) = change_of(&grant, cid) else {
        let problem = Problem {
            status: StatusCode::NOT_FOUND,
            code: "not_found".into(),
            detail_ja: "この変更の申請は見つかりません。".into(),
            field: None,
            errors: Vec::new(),
        };
        return read_failed(visitor, &problem, &path);
    };
    let editable = change.status == ChangeState::Pending && grant.allows(GrantAction::DecideChange);
    let files = change.attachments.as_slice();
    let body = html! {
        (flash(notice))
        dl.facts {
            dt { "申請日時" } dd { (view::instant_ja(&change.requested_at)) }
            dt { "理由" } dd { (change.reason) }
            dt { "変更後の事業期間" } dd { (view::day(Some(change.period.start))) "〜" (view::day(Some(change.period.end))) }
            dt { "事業費総額" } dd { (change.total_cost_before) " → " (change.total_cost_after) }
        }
        @if !editable {
            p { "市が判断した変更の申請には、ファイルを追加・削除できません。" }
        }
        (super::attachments::section(
            visitor,
            &super::attachments::Files {
                page: path.clone(),
                files,
                kinds: AttachmentKind::for_object(AttachedTo::ChangeRequest),
                editable,
                lines: &[],
                photos_public: false,
            },
            upload,
        ))
        p { a href={ "/grants/" (id) "#change-requests" } { "交付決定のページへ戻る" } }
    };
    page_with_status(upload.status(), visitor, "変更の申請の添付書類", body)
}

#[derive(Deserialize)]
pub(super) struct Flags {
    attached: Option<String>,
    removed: Option<String>,
}

/// `GET /grants/{id}/changes/{cid}`.
pub(super) async fn change_files(
    State(web): State<Web>,
    visitor: Visitor,
    Path((id, cid)): Path<(String, String)>,
    Query(flags): Query<Flags>,
) -> Response {
    let Some(token) = visitor.token().map(str::to_owned) else {
        return login_then(&format!("/grants/{id}/changes/{cid}"));
    };
    let notice = if flags.attached.is_some() {
        Some("ファイルを添付しました。")
    } else if flags.removed.is_some() {
        Some("添付ファイルを削除しました。")
    } else {
        None
    };
    show(
        &web,
        &visitor,
        &token,
        &id,
        &cid,
        notice,
        &FormState::new(FormData::default()),
    )
    .await
}
