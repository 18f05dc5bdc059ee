//! Screening (形式審査): a round's applications by status (`/staff/rounds/{id}/screening`) and one
//! application with the screening form (`/staff/applications/{id}`): accept it for review, return
//! it for correction with the reasons, or find it ineligible, as `POST
//! /api/v1/applications/{id}/screening` allows.

use crate::web::form::PageForm;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use grants_domain::application::content::REASON_MAX;
use grants_domain::application::ScreeningChecks;
use grants_domain::{ApplicationStatus, RoundId, ScreeningOutcome};
use grants_projections::applications::ApplicationRow;
use maud::html;

use super::{
    act, done_after, listed_title, non_empty_title, refused_outright, resubmit, round_menu,
    round_rows, status_of, Done,
};
use crate::policy::Staff;
use crate::service::application_read::ApplicationRead;
use crate::service::applications;
use crate::web::caller::path_id;
use crate::web::command::PageCommand;
use crate::web::form::Errors;
use crate::web::form::{FormData, FormState};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::{self, error_summary, flash, form_guard, page, page_with_status, Input};
use crate::web::Web;

/// Screening: a round's applications (`/staff/rounds/{id}/screening`) and one application's form
/// (`/staff/applications/{id}`).
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/staff/rounds/{id}/screening", get(list))
        .route("/staff/applications/{id}", get(application).post(screen))
}

async fn list(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let path = format!("/staff/rounds/{id}/screening");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    let round = match async { web.reads(token).await?.round(&id).await }.await {
        Ok(round) => round,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let rows = match round_rows(&web, token, &id, done.at).await {
        Ok(rows) => rows,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let waiting: Vec<&ApplicationRow> = rows
        .iter()
        .filter(|row| row.status == ApplicationStatus::Submitted)
        .collect();
    let body = html! {
        (flash(done.notice(&[("screened", "形式審査の結果を登録しました。")])))
        (round_menu(&id))
        h2 { "形式審査を待つ申請（" (waiting.len()) "件）" }
        @if waiting.is_empty() {
            p { "形式審査を待つ申請はありません。" }
        } @else {
            (applications_table(&waiting, "形式審査を待つ申請"))
        }
        h2 { "この募集回のすべての申請（" (rows.len()) "件）" }
        @let all: Vec<&ApplicationRow> = rows.iter().collect();
        (applications_table(&all, "すべての申請"))
    };
    let title = format!("形式審査：{}", round.settings.title);
    page(&visitor, &title, body)
}

fn applications_table(rows: &[&ApplicationRow], caption: &str) -> maud::Markup {
    html! {
        table {
            caption.visually-hidden { (caption) }
            thead { tr {
                th scope="col" { "事業名" } th scope="col" { "団体名" } th scope="col" { "状況" }
                th scope="col" { "提出日時" } th.num scope="col" { "申請額" } th.num scope="col" { "補助上限額" }
            } }
            tbody {
                @for row in rows {
                    tr {
                        td { a href={ "/staff/applications/" (row.application_id) } { (listed_title(row)) } }
                        td { (row.group_name.as_deref().unwrap_or_default()) }
                        td { (row.status.label_ja()) }
                        td { (row.submitted_at.map_or_else(|| "—".to_owned(), view::instant)) }
                        td.num { (view::yen(row.requested_amount)) }
                        td.num { (view::yen_or_dash(row.max_amount)) }
                    }
                }
            }
        }
    }
}

fn application_page(
    visitor: &Visitor,
    application: &ApplicationRead,
    state: &FormState,
    notice: Option<&str>,
) -> Response {
    let id = application.id.to_string();
    let body = html! {
        (flash(notice))
        p { a href={ "/staff/rounds/" (application.round_id) "/screening" } { "この募集回の申請一覧へ" } }
        div.summary-box {
            p { "状況：" strong { (view::application_state(application.status)) } }
            p { "申請額：" (view::amount(application.requested_amount)) }
            p { "補助上限額（計算値）：" (view::amount(application.max_amount))
                @if let Some(rate) = application.rate { "（補助率 " (rate) "）" } }
            @if let Some(at) = &application.submitted_at { p { "提出日時：" (view::instant_ja(at)) } }
            @if let Some(reason) = &application.returned_reason { p { "差戻しの理由：" (reason) } }
            @if let Some(reason) = &application.closing_reason { p { "理由：" (reason) } }
            @if let Some(grant) = application.grant_id {
                p { a href={ "/staff/grants/" (grant) } { "交付の記録へ" } }
            }
        }
        h2 { "事業計画" }
        dl.facts { (view::application_plan(application)) }
        @if let Some(budget) = &application.budget { (view::budget_lines(budget, "支出予算", "収入予算")) }
        h2 { "形式審査" }
        (checks_record(application))
        (screening_form(visitor, &id, state))
    };
    let title = format!(
        "申請の形式審査：{}",
        non_empty_title(application.title.as_deref())
    );
    page_with_status(status_of(&[state]), visitor, &title, body)
}

fn screening_form(visitor: &Visitor, id: &str, state: &FormState) -> maud::Markup {
    html! {
        (error_summary(state))
        form.stack method="post" action={ "/staff/applications/" (id) } {
            (form_guard(visitor, state))
            input type="hidden" name="checks_shown" value="1";
            fieldset #f-checks {
                legend { "確認した項目（受理するには3つとも必要です）" }
                @if let Some(error) = state.errors.field("checks") { p.error id="e-checks" { (error) } }
                label { input type="checkbox" name="check_members" checked[state.value("check_members") == "on"]; " 構成員数（5人以上）を会員名簿で確認した" }
                br;
                label { input type="checkbox" name="check_residents" checked[state.value("check_residents") == "on"]; " 市内在住の構成員（1人以上）を確認した" }
                br;
                label { input type="checkbox" name="check_rules" checked[state.value("check_rules") == "on"]; " 団体の規約（公益的な目的）を確認した" }
                (Input::text("check_note", "確認のメモ（確認した書類など）").max(REASON_MAX).textarea(state))
            }
            (Input::text("reason", "理由（差戻し・対象外のときは必須。申請者に表示されます）").max(REASON_MAX).textarea(state))
            div.actions {
                button type="submit" name="outcome" value="eligible" { "受理する（審査へ進める）" }
                button.secondary type="submit" name="outcome" value="returned" { "差し戻す（修正を依頼）" }
                button.danger type="submit" name="outcome" value="ineligible" { "対象外とする" }
            }
        }
    }
}

async fn load(web: &Web, token: &str, id: &str) -> Result<ApplicationRead, Problem> {
    web.reads(token).await?.application(id).await
}

async fn application(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let path = format!("/staff/applications/{id}");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    let application = match load(&web, token, &id).await {
        Ok(application) => application,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let notice = done.notice(&[("screened", "形式審査の結果を登録しました。")]);
    application_page(
        &visitor,
        &application,
        &FormState::new(FormData::default()),
        notice,
    )
}

async fn screen(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let path = format!("/staff/applications/{id}");
    let acting = match act(&web, visitor, &form).await {
        Ok(acting) => acting,
        Err((visitor, state)) => {
            return match visitor.token() {
                Some(token) => match load(&web, token, &id).await {
                    Ok(application) => application_page(&visitor, &application, &state, None),
                    Err(problem) => read_failed(&visitor, &problem, &path),
                },
                None => resubmit(&visitor, &path, "申請の形式審査", &state),
            }
        }
    };
    let reason = form.get("reason").to_owned();
    let outcome = match form.get("outcome") {
        "eligible" => Some(ScreeningOutcome::Eligible),
        "returned" => Some(ScreeningOutcome::Returned { reason }),
        "ineligible" => Some(ScreeningOutcome::Ineligible { reason }),
        _ => None,
    };
    // The form shows the checks; a post without them (an older page) sends none.
    let checks = (form.get("checks_shown") == "1").then(|| ScreeningChecks {
        members: form.get("check_members") == "on",
        residents: form.get("check_residents") == "on",
        rules: form.get("check_rules") == "on",
        note: form.get("check_note").to_owned(),
    });
    let state = &web.state;
    let command = PageCommand {
        path: &path,
        form: &form,
        step: "screen",
    };
    let application = path_id(&id);
    let screened = web
        .once(&acting.token, command, |actor, context| async move {
            let outcome = outcome.ok_or_else(|| {
                crate::service::ServiceError::invalid(
                    "screening.outcome_unknown",
                    "受理・差戻し・対象外のいずれかのボタンで送信してください",
                    "choose eligible, returned or ineligible",
                )
            })?;
            let staff = Staff::admit(actor)?;
            let executed =
                applications::screen(state, &context, &staff, application?, outcome, checks)
                    .await?;
            Ok::<(RoundId, i64), _>((executed.state.round_id(), executed.position))
        })
        .await;
    let response = match screened {
        Ok((round, position)) => redirect(&done_after(
            &format!("/staff/rounds/{round}/screening"),
            "screened",
            Some(position),
        )),
        Err(problem) => match refused_outright(&acting.visitor, &problem, &path) {
            Some(page) => page,
            None => match load(&web, &acting.token, &id).await {
                Ok(application) => {
                    let problem = problem.renamed(&[("note", "check_note")]);
                    let errors = Errors::placed(&problem, &["reason", "checks", "check_note"], &[]);
                    let state = FormState::new(form.typed()).with_errors(errors);
                    application_page(&acting.visitor, &application, &state, None)
                }
                Err(problem) => read_failed(&acting.visitor, &problem, &path),
            },
        },
    };
    acting.finish(response)
}

/// What was checked at the latest screening, by whom and when, as the application read says.
fn checks_record(application: &ApplicationRead) -> maud::Markup {
    let mark = |checked: bool| if checked { "確認済み" } else { "未確認" };
    html! {
        @if let Some(record) = &application.screening_checks {
            dl.facts #screening-checks {
                dt { "構成員数（5人以上）" } dd { (mark(record.checks.members)) }
                dt { "市内在住の構成員" } dd { (mark(record.checks.residents)) }
                dt { "団体の規約" } dd { (mark(record.checks.rules)) }
                @if !record.checks.note.is_empty() { dt { "確認のメモ" } dd { (record.checks.note) } }
                dt { "確認した職員" } dd { (record.by) "（" (view::instant_ja(&record.at)) "）" }
            }
        }
    }
}
