//! The mail outbox (`/staff/mail`): the mails not yet delivered, with each one's tries and the last
//! error (`crate::mail::outbox`, as `GET /api/v1/mail` answers them); `?state=all` shows the latest mails whatever their
//! state. A mail keeps being tried with growing pauses (app/src/mail/sender.rs); this page is where
//! staff see that a group has not been told, and why.

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::html;
use serde::Deserialize;

use crate::policy::Staff;
use crate::web::pages::{login_then, read_failed};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::{instant_ja, page};
use crate::web::Web;

/// The mail outbox: `/staff/mail`.
pub fn routes() -> Router<Web> {
    Router::new().route("/staff/mail", get(outbox))
}

#[derive(Deserialize)]
struct Filter {
    state: Option<String>,
}

async fn outbox(
    State(web): State<Web>,
    visitor: Visitor,
    Query(filter): Query<Filter>,
) -> Response {
    let all = filter.state.as_deref() == Some("all");
    let path = if all {
        "/staff/mail?state=all"
    } else {
        "/staff/mail"
    };
    let Some(token) = visitor.token() else {
        return login_then(path);
    };
    let read = async {
        let staff = Staff::admit(web.caller(token).await?)?;
        Ok::<_, Problem>(crate::mail::outbox(&web.state.db, &staff, !all).await?)
    };
    let outbox = match read.await {
        Ok(outbox) => outbox,
        Err(problem) => return read_failed(&visitor, &problem, path),
    };
    let body = html! {
        p {
            "送信に失敗して再送を待っているメール：" strong #failing-mail { (outbox.failing) "件" }
            " ・ "
            @if all { a href="/staff/mail" { "未送信のメールだけを表示" } }
            @else { a href="/staff/mail?state=all" { "最近のメールをすべて表示" } }
        }
        p.hint { "送信に失敗したメールは、間隔を広げながら自動で再送します（最長15分おき）。エラーが続くときはメールサーバーの設定を確認してください。" }
        @if outbox.mails.is_empty() {
            p { @if all { "まだメールはありません。" } @else { "未送信のメールはありません。" } }
        } @else {
            table #mail-outbox {
                caption.visually-hidden { "メールの送信状況" }
                thead { tr {
                    th scope="col" { "件名" } th scope="col" { "宛先" } th scope="col" { "発生日時" }
                    th.num scope="col" { "試行回数" } th scope="col" { "状況" }
                } }
                tbody {
                    @for mail in &outbox.mails {
                        tr {
                            td { (mail.subject) }
                            td { @for address in &mail.recipients { (address) br; } }
                            td { (instant_ja(&mail.created_at)) }
                            td.num { (mail.attempts) }
                            td {
                                @if let Some(sent) = &mail.sent_at {
                                    "送信済み（" (instant_ja(sent)) "）"
                                } @else if let Some(error) = &mail.last_error {
                                    "再送待ち：" (error)
                                } @else {
                                    "送信待ち"
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&visitor, "職員：メールの送信状況", body)
}
