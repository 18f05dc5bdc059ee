//! Staff (市民協働推進課): the dashboard (`/staff`, [`dashboard`]), opening a round and reading its
//! settings ([`rounds`]), screening submitted applications ([`screening`]), the committee and the
//! close of scoring ([`committee`]), the ranking ([`ranking`]), the award decisions with the
//! remaining budget ([`decisions`]) and each grant's payments, settlement review, refunds and
//! cancellation ([`grants`], with [`settlement`] and [`changes`]); the year's figures for the city
//! ([`figures`]); the mails not yet delivered ([`mail`]); and opening the accounts of staff, reviewers and auditors
//! ([`accounts`]).
//!
//! As everywhere in the pages, nothing here decides a rule or who may act: each form is read into
//! its use case's typed input and run once through the service layer (`Web::once`), and the
//! service's refusal (403, 404, or the rule's Japanese message) is what the staff member sees. This
//! module holds what the staff pages share.

pub mod accounts;
pub mod changes;
pub mod committee;
pub mod dashboard;
pub mod decisions;
pub mod discontinuation;
pub mod figures;
pub mod grants;
pub mod lists;
pub mod mail;
pub mod promotion;
pub mod ranking;
pub mod round_correction;
pub mod rounds;
pub mod screening;
pub mod settlement;

use axum::http::StatusCode;
use axum::response::Response;
use axum::Router;
use maud::{html, Markup};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::read_failed;
use crate::service::applications::ListFilter;
use crate::service::round_read::RoundRead;
use crate::web::caller::path_id;
use crate::web::form::{guard, FormData, FormState, Guard};
use crate::web::problem::Problem;
use crate::web::session::{set_session, Visitor};
use crate::web::view::{error_summary, form_guard, page_with_status};
use crate::web::Web;
use grants_projections::applications::ApplicationRow;

/// Every staff page (`/staff/...`), one module's routes after another.
pub fn routes() -> Router<Web> {
    Router::new()
        .merge(dashboard::routes())
        .merge(lists::routes())
        .merge(accounts::routes())
        .merge(rounds::routes())
        .merge(round_correction::routes())
        .merge(screening::routes())
        .merge(committee::routes())
        .merge(ranking::routes())
        .merge(decisions::routes())
        .merge(grants::routes())
        .merge(discontinuation::routes())
        .merge(promotion::routes())
        .merge(figures::routes())
        .merge(mail::routes())
}

/// `?done=...&at=N` after a form succeeded: which notice to show, and the log position of the
/// command, so that the lists read after it include it (read-your-writes).
#[derive(serde::Deserialize)]
pub(super) struct Done {
    pub done: Option<String>,
    pub at: Option<i64>,
}

impl Done {
    /// The notice for the code, from the page's own list.
    pub fn notice(&self, notices: &[(&str, &'static str)]) -> Option<&'static str> {
        let done = self.done.as_deref()?;
        notices
            .iter()
            .find(|(code, _)| *code == done)
            .map(|(_, notice)| *notice)
    }
}

/// The page after a command: its notice, and the log position its reads wait for, when known.
pub(super) fn done_after(path: &str, done: &str, position: Option<i64>) -> String {
    match position {
        Some(position) => format!("{path}?done={done}&at={position}"),
        None => format!("{path}?done={done}"),
    }
}

/// A POST that passed the guard: act as this session.
pub(super) struct Acting {
    pub visitor: Visitor,
    pub token: String,
    /// The guard signed the user in again: the response must set the new session cookie.
    pub again: bool,
}

/// Runs the guard of every staff form: `Ok` to act, `Err` with the form state to show again.
pub(super) async fn act(
    web: &Web,
    visitor: Visitor,
    form: &FormData,
) -> Result<Acting, (Visitor, FormState)> {
    match guard(web, visitor, form).await {
        Guard::Proceed {
            visitor,
            token,
            signed_in_again,
        } => Ok(Acting {
            visitor,
            token,
            again: signed_in_again,
        }),
        Guard::Rerender { visitor, state } => Err((visitor, state)),
    }
}

impl Acting {
    /// Sets the new session cookie when the guard signed the user in again.
    pub fn finish(&self, mut response: Response) -> Response {
        if self.again {
            let (name, value) = set_session(&self.token, self.visitor.secure);
            response.headers_mut().append(name, value);
        }
        response
    }
}

/// The form posted to `action` when nothing can be read (the session has ended): what was typed,
/// kept in the form, and the fields to sign in again and send it.
pub(super) fn resubmit(
    visitor: &Visitor,
    action: &str,
    title: &str,
    state: &FormState,
) -> Response {
    let body = html! {
        (error_summary(state))
        form.stack method="post" action=(action) {
            (form_guard(visitor, state))
            h2 { "入力した内容" }
            dl.facts {
                @for (name, value) in &state.values.0 {
                    dt { (label_of(name)) }
                    dd { (value) input type="hidden" name=(name) value=(value); }
                }
            }
            div.actions { button type="submit" { "送信する" } }
        }
    };
    page_with_status(StatusCode::UNPROCESSABLE_ENTITY, visitor, title, body)
}

/// The Japanese name of a staff form's field, for the resubmit page (the name itself if unknown).
fn label_of(name: &str) -> &str {
    const LABELS: &[(&str, &str)] = &[
        ("reason", "理由"),
        ("outcome", "形式審査の結果"),
        ("reviewer_id", "審査委員の利用者ID"),
        ("amount", "交付決定額"),
        ("conditions", "交付の条件"),
        ("completion_deadline", "事業の完了期限"),
        ("payment_amount", "支払額"),
        ("paid_on", "支払日"),
        ("payment_kind", "支払の種類"),
        ("review_reason", "差戻しの理由"),
        ("review_outcome", "実績報告の審査結果"),
        ("refund_amount", "受領した返還額"),
        ("received_on", "受領日"),
        ("cancel_reason", "取消の理由"),
        ("cancel_refund_amount", "返還を求める額"),
        ("change_request_id", "変更承認申請"),
        ("change_new_amount", "変更後の交付決定額"),
        ("change_reason", "審査の理由"),
        ("change_approved", "変更の承認"),
    ];
    LABELS
        .iter()
        .find(|(field, _)| *field == name)
        .map_or(name, |(_, label)| label)
}

/// A command's refusal that is about the request, not a field: not signed in, not allowed, not
/// found. Those get the read's page (sign-in, 403, 404); the others go beside the form.
pub(super) fn refused_outright(
    visitor: &Visitor,
    problem: &Problem,
    path: &str,
) -> Option<Response> {
    about_the_request(problem).then(|| read_failed(visitor, problem, path))
}

/// Whether a refusal is about the request itself (signed in, allowed, existing), not about the
/// state or the values.
pub(super) fn about_the_request(problem: &Problem) -> bool {
    matches!(
        problem.status,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    )
}

/// 422 when the form shows an error, 200 otherwise.
pub(super) fn status_of(states: &[&FormState]) -> StatusCode {
    if states.iter().all(|state| state.errors.is_empty()) {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// A `datetime-local` value (Japan Standard Time, as the form says) as an instant.
pub(super) fn jst_field(local: &str) -> Result<OffsetDateTime, &'static str> {
    let local = local.trim();
    let with_seconds = if local.len() == 16 {
        format!("{local}:00")
    } else {
        local.to_owned()
    };
    OffsetDateTime::parse(&format!("{with_seconds}+09:00"), &Rfc3339)
        .map_err(|_| UNREADABLE_INSTANT)
}

/// Beside a date-and-time field whose value is not one.
const UNREADABLE_INSTANT: &str = "日時を入力してください（例：2026-04-01 09:00）";

/// An instant as a `datetime-local` value in Japan Standard Time.
pub(super) fn local_of(at: OffsetDateTime) -> String {
    let at = at.to_offset(grants_domain::JST);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// The links of one round's pages.
pub(super) fn round_menu(round_id: &str) -> Markup {
    html! {
        nav aria-label="募集回の業務" {
            p {
                a href="/staff" { "職員トップ" } " ・ "
                a href={ "/staff/rounds/" (round_id) } { "募集回の設定" } " ・ "
                a href={ "/staff/rounds/" (round_id) "/screening" } { "形式審査" } " ・ "
                a href={ "/staff/rounds/" (round_id) "/committee" } { "審査委員会・採点の締切" } " ・ "
                a href={ "/staff/rounds/" (round_id) "/ranking" } { "順位" } " ・ "
                a href={ "/staff/rounds/" (round_id) "/decisions" } { "交付決定" }
            }
        }
    }
}

/// The applications of a round as the caller may list them, once the read models have reached
/// `at` (the position of the command just run).
pub(super) async fn round_rows(
    web: &Web,
    token: &str,
    round_id: &str,
    at: Option<i64>,
) -> Result<Vec<ApplicationRow>, Problem> {
    let filter = ListFilter {
        round_id: Some(path_id(round_id)?),
        status: None,
    };
    web.reads_after(token, at)
        .await?
        .applications(&filter)
        .await
}

/// The application row with this id, if listed.
pub(super) fn listed<'a>(rows: &'a [ApplicationRow], id: &str) -> Option<&'a ApplicationRow> {
    rows.iter().find(|row| row.application_id == id)
}

/// One listed application's title for a table, never empty.
pub(super) fn listed_title(row: &ApplicationRow) -> String {
    non_empty_title(Some(&row.title))
}

/// The round's money: budget, decided so far and what remains.
pub(super) fn round_budget(round: &RoundRead) -> Markup {
    html! {
        div.summary-box #budget aria-live="polite" {
            p { "予算額：" strong { (round.settings.budget) } }
            p { "交付決定額の合計：" strong { (round.decided_total) } }
            p #remaining-budget { "予算の残額：" strong { (round.remaining_budget) } }
        }
    }
}

/// Where a round stands, from its window and whether scoring has closed.
pub(super) fn round_stage(round: &RoundRead, now: OffsetDateTime) -> &'static str {
    if round.scoring_closed {
        "採点締切済み"
    } else if now < round.settings.opens_at {
        "募集前"
    } else if now < round.settings.closes_at {
        "募集中"
    } else {
        "募集締切・審査中"
    }
}

/// An application's title, or 「（事業名未入力）」 while none was typed.
pub(super) fn non_empty_title(title: Option<&str>) -> String {
    match title.map(str::trim) {
        Some(title) if !title.is_empty() => title.to_owned(),
        _ => "（事業名未入力）".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn datetime_local_values_are_read_as_japan_standard_time() {
        assert_eq!(
            jst_field("2026-04-01T00:00"),
            Ok(datetime!(2026-04-01 00:00 +09:00))
        );
        assert_eq!(
            jst_field("2026-04-01T09:30:15"),
            Ok(datetime!(2026-04-01 09:30:15 +09:00))
        );
        assert_eq!(jst_field(""), Err(UNREADABLE_INSTANT));
        assert_eq!(
            local_of(datetime!(2026-03-31 15:00 UTC)),
            "2026-04-01T00:00"
        );
    }
}
