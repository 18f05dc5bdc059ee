//! Reviewers: the work list of the rounds whose committee they sit on (`/review`) and one
//! application's scoresheet (`/review/{id}`): first the conflict-of-interest declaration, then
//! the scores per criterion (each with its range shown), saved as a draft or sealed.
//! Once scoring is closed, the round's ranking with every application's total
//! (`/review/rounds/{id}/ranking`). Whether a reviewer may see or score anything is the service
//! layer's to decide: before the close the ranking is refused, and the page says why.

use std::collections::BTreeMap;

use crate::web::form::PageForm;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use grants_domain::round::{era_year, RankRow};
use grants_domain::ApplicationStatus;
use maud::html;
use serde::Deserialize;

use super::{login_then, read_failed, redirect};
use crate::policy::Reviewer;
use crate::service::application_read::ApplicationRead;
use crate::service::applications::ListFilter;
use crate::service::decisions::Ranking;
use crate::service::review_read::ReviewRead;
use crate::service::reviews;
use crate::service::round_read::RoundRead;
use crate::web::caller::path_id;
use crate::web::command::PageCommand;
use crate::web::form::{guard, Errors, FormData, FormState, Guard, UNREADABLE_NUMBER};
use crate::web::problem::Problem;
use crate::web::session::{set_session, Visitor};
use crate::web::view::{self, error_summary, flash, form_guard, page, page_with_status, Input};
use crate::web::Web;

/// The reviewers' pages: `/review`, a scoresheet `/review/{id}` and its declaration, a round's
/// ranking.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/review", get(work_list))
        .route("/review/{id}", get(sheet).post(save_sheet))
        .route("/review/{id}/declaration", post(declare))
        .route("/review/rounds/{id}/ranking", get(ranking))
}

async fn work_list(State(web): State<Web>, visitor: Visitor) -> Response {
    let Some(token) = visitor.token() else {
        return login_then("/review");
    };
    let listed = async {
        let reads = web.reads(token).await?;
        let rows = reads.applications(&ListFilter::default()).await?;
        let mut round_ids: Vec<&str> = rows.iter().map(|row| row.round_id.as_str()).collect();
        round_ids.sort_unstable();
        round_ids.dedup();
        // Each round by its name, and whether its ranking can be read yet (scoring closed).
        let mut rounds = Vec::new();
        for round_id in round_ids {
            rounds.push(reads.round(round_id).await?);
        }
        Ok::<_, Problem>((rows, rounds))
    };
    let (rows, rounds) = match listed.await {
        Ok(listed) => listed,
        Err(problem) => return read_failed(&visitor, &problem, "/review"),
    };
    let to_score: Vec<_> = rows
        .iter()
        .filter(|row| row.status == ApplicationStatus::Eligible)
        .collect();
    let body = html! {
        @if to_score.is_empty() {
            p { "審査する申請はありません。" }
        } @else {
            table {
                caption { "審査対象の申請（" (to_score.len()) "件）" }
                thead { tr { th scope="col" { "事業名" } th scope="col" { "団体名" } th.num scope="col" { "申請額" } } }
                tbody {
                    @for row in &to_score {
                        tr {
                            td { a href={ "/review/" (row.application_id) } { (row.title) } }
                            td { (row.group_name.as_deref().unwrap_or_default()) }
                            td.num { (view::yen(row.requested_amount)) }
                        }
                    }
                }
            }
        }
    };
    let body = html! {
        (body)
        @if !rounds.is_empty() {
            h2 { "採点の結果" }
            p { "採点が締め切られると、各申請の合計点と順位を見られます（締切前は表示されません）。" }
            ul #rounds {
                @for round in &rounds {
                    li {
                        @if round.scoring_closed {
                            a href={ "/review/rounds/" (round.id) "/ranking" } { (round_name(round)) "の順位" }
                        } @else {
                            (round_name(round)) "（採点受付中。締切後に順位を表示します）"
                        }
                    }
                }
            }
        }
    };
    page(&visitor, "審査：担当する申請", body)
}

/// The ranking once scoring is closed: every application's total, pass or fail and outcome.
async fn ranking(State(web): State<Web>, visitor: Visitor, Path(id): Path<String>) -> Response {
    let path = format!("/review/rounds/{id}/ranking");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    let read = async {
        let reads = web.reads(token).await?;
        let ranking = reads.ranking(&id).await?;
        let filter = ListFilter {
            round_id: Some(path_id(&id)?),
            status: None,
        };
        Ok::<_, Problem>((ranking, reads.applications(&filter).await?))
    };
    let (ranking, titles) = match read.await {
        Ok(read) => read,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let title_of = |row: &RankRow| {
        let id = row.application_id.to_string();
        titles
            .iter()
            .find(|title| title.application_id == id)
            .map(|title| title.title.clone())
            .unwrap_or_default()
    };
    let (fixed, rows): (bool, Vec<RankRow>) = match ranking {
        Ranking::Fixed(round) => (
            true,
            round
                .ranking
                .map(|ranking| ranking.rows)
                .unwrap_or_default(),
        ),
        Ranking::Preview(rows) => (false, rows),
    };
    let body = html! {
        p { "この順位は" strong { @if fixed { "確定済み" } @else { "暫定" } } "です。" }
        @if rows.is_empty() {
            p { "順位をつけた申請はありません。" }
        } @else {
            table #ranking {
                caption { "順位と合計点" }
                thead { tr {
                    th.num scope="col" { "順位" } th scope="col" { "事業名" } th.num scope="col" { "合計点" }
                    th scope="col" { "合格ライン" } th scope="col" { "結果" }
                } }
                tbody {
                    @for row in &rows {
                        tr {
                            td.num { (row.rank) }
                            td { (title_of(row)) }
                            td.num { (row.total) "点" }
                            td { @if row.passed { "合格" } @else { "不合格" } }
                            td { (row.outcome.label_ja()) }
                        }
                    }
                }
            }
        }
        p { a href="/review" { "担当する申請へ戻る" } }
    };
    page(&visitor, "審査：採点の結果", body)
}

/// What the scoresheet page shows: the application, its round (with its criteria) and one's own
/// sheet.
struct Loaded {
    application: ApplicationRead,
    round: RoundRead,
    sheet: Option<ReviewRead>,
}

/// A round as reviewers know it: 「令和8年度 ステップアップコース「title」」.
fn round_name(round: &RoundRead) -> String {
    format!(
        "{}年度 {}「{}」",
        era_year(round.settings.fiscal_year),
        round.settings.course,
        round.settings.title
    )
}

async fn load(web: &Web, token: &str, id: &str) -> Result<Loaded, Problem> {
    let reads = web.reads(token).await?;
    let application = reads.application(id).await?;
    let round = reads.round(&application.round_id.to_string()).await?;
    let sheet = match reads.my_review(id).await {
        Ok(sheet) => Some(sheet),
        Err(problem) if problem.status == StatusCode::NOT_FOUND => None,
        Err(problem) => return Err(problem),
    };
    Ok(Loaded {
        application,
        round,
        sheet,
    })
}

fn sheet_fields(sheet: Option<&ReviewRead>) -> FormData {
    let mut fields = FormData::default();
    if let Some(sheet) = sheet {
        for (key, points) in &sheet.scores {
            fields.set(&format!("score_{key}"), points.points().to_string());
        }
        fields.set("comment", &sheet.comment);
    }
    fields
}

fn sheet_page(
    visitor: &Visitor,
    id: &str,
    loaded: Option<&Loaded>,
    state: &FormState,
    notice: Option<&str>,
) -> Response {
    let sheet = loaded.and_then(|loaded| loaded.sheet.as_ref());
    let declared = sheet.is_some_and(|sheet| sheet.conflict.is_some())
        || state.values.get("_step") == "scores";
    let conflicted = sheet.is_some_and(|sheet| sheet.conflict == Some(true));
    let sealed = sheet.is_some_and(|sheet| sheet.sealed);
    // Criteria: the round's, or (signed out, nothing could be read) the ones posted.
    let criteria: Vec<(String, String, String)> = match loaded {
        Some(loaded) => loaded
            .round
            .settings
            .criteria
            .iter()
            .map(|c| {
                (
                    c.key.clone(),
                    c.label.clone(),
                    format!("{}〜{}点", c.min, c.max),
                )
            })
            .collect(),
        None => state
            .values
            .0
            .iter()
            .filter_map(|(name, _)| {
                name.strip_prefix("score_")
                    .map(|key| (key.to_owned(), key.to_owned(), String::new()))
            })
            .collect(),
    };
    let body = html! {
        (flash(notice))
        @if let Some(loaded) = loaded {
            @let application = &loaded.application;
            dl.facts {
                (view::application_plan(application))
                dt { "申請額" } dd { (view::amount(application.requested_amount)) }
                dt { "状況" } dd { (view::application_state(application.status)) }
                dt { "募集回" } dd { (round_name(&loaded.round)) }
                dt { "募集回の予算" } dd { (loaded.round.settings.budget) }
            }
            @if let Some(budget) = &application.budget {
                (view::budget_lines(budget, "収支予算（支出）", "収支予算（収入）"))
            }
            h2 { "採点のしかた" }
            p {
                "各項目を、示された範囲の整数で採点してください。委員全員の採点を合計し、満点に対する割合が"
                (loaded.round.settings.pass_ratio) "以上の申請が採択の候補になり、合計点の高い順に予算の範囲で採択されます。"
                "採点は確定するまで何度でも保存でき、確定後は変更できません。"
            }
        }
        (error_summary(state))
        @if sealed {
            p { "採点を確定しました（合計 " (sheet.and_then(|s| s.total).map(|total| total.to_string()).unwrap_or_default()) " 点）。" }
        } @else if conflicted {
            p { "利害関係ありと申告したため、この申請は採点しません。" }
        } @else if !declared {
            h2 { "利害関係の申告" }
            p { "採点の前に、この申請の団体との利害関係の有無を申告してください。" }
            form.stack method="post" action={ "/review/" (id) "/declaration" } {
                (form_guard(visitor, state))
                fieldset {
                    legend { "利害関係" }
                    label { input type="radio" name="conflict" value="false" checked[state.values.get("conflict") != "true"]; " 利害関係はありません" }
                    br;
                    label { input type="radio" name="conflict" value="true" checked[state.values.get("conflict") == "true"]; " 利害関係があります（採点しません）" }
                }
                (Input::text("note", "補足（利害関係の内容など）").textarea(state))
                button type="submit" { "申告する" }
            }
        } @else {
            h2 { "採点" }
            form.stack method="post" action={ "/review/" (id) } {
                (form_guard(visitor, state))
                input type="hidden" name="_step" value="scores";
                @for (key, label, range) in &criteria {
                    @let name = format!("score_{key}");
                    @let full = format!("{label}（{range}）");
                    (Input::text(&name, &full).kind("number").required().render(state))
                }
                (Input::text("comment", "講評").textarea(state))
                div.actions {
                    button type="submit" name="_action" value="save" { "保存" }
                    button.secondary type="submit" name="_action" value="seal" { "採点を確定する" }
                }
            }
        }
        p { a href="/review" { "担当する申請の一覧へ" } }
    };
    let status = state.status();
    page_with_status(status, visitor, "審査：採点票", body)
}

#[derive(Deserialize)]
struct Flags {
    saved: Option<String>,
}

async fn sheet(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(flags): Query<Flags>,
) -> Response {
    let path = format!("/review/{id}");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    let loaded = match load(&web, token, &id).await {
        Ok(loaded) => loaded,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let state = FormState::new(sheet_fields(loaded.sheet.as_ref()));
    sheet_page(
        &visitor,
        &id,
        Some(&loaded),
        &state,
        flags.saved.map(|_| "保存しました。"),
    )
}

/// After the guard: the page again (with the values posted and the problem), or the next page.
async fn finish(
    web: &Web,
    visitor: &Visitor,
    token: &str,
    id: &str,
    form: &FormData,
    outcome: Result<(), Refused>,
    again: bool,
) -> Response {
    let mut response = match outcome {
        Ok(()) => redirect(&format!("/review/{id}?saved=1")),
        Err(refused) => match load(web, token, id).await {
            Ok(loaded) => {
                let errors = match refused {
                    Refused::Problem(problem) => {
                        let mut errors = Errors::default();
                        errors.problem(&problem, &["note", "comment"]);
                        errors
                    }
                    Refused::Unreadable(errors) => errors,
                };
                let state = FormState::new(form.typed()).with_errors(errors);
                sheet_page(visitor, id, Some(&loaded), &state, None)
            }
            Err(problem) => read_failed(visitor, &problem, &format!("/review/{id}")),
        },
    };
    if again {
        let (name, value) = set_session(token, visitor.secure);
        response.headers_mut().append(name, value);
    }
    response
}

async fn rerender(web: &Web, visitor: &Visitor, id: &str, state: &FormState) -> Response {
    let loaded = match visitor.token() {
        Some(token) => load(web, token, id).await.ok(),
        None => None,
    };
    sheet_page(visitor, id, loaded.as_ref(), state, None)
}

async fn declare(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let (visitor, token, again) = match guard(&web, visitor, &form).await {
        Guard::Proceed {
            visitor,
            token,
            signed_in_again,
        } => (visitor, token, signed_in_again),
        Guard::Rerender { visitor, state } => return rerender(&web, &visitor, &id, &state).await,
    };
    let conflict = form.get("conflict") == "true";
    let note = form.get("note").to_owned();
    let state = &web.state;
    let path = format!("/review/{id}/declaration");
    let command = PageCommand {
        path: &path,
        form: &form,
        step: "declare",
    };
    let application = path_id(&id);
    let outcome = web
        .once(&token, command, |actor, context| async move {
            let reviewer = Reviewer::admit(actor)?;
            reviews::declare(state, &context, &reviewer, application?, conflict, note)
                .await
                .map(|_| ())
        })
        .await;
    let outcome = outcome.map_err(Refused::Problem);
    finish(&web, &visitor, &token, &id, &form, outcome, again).await
}

async fn save_sheet(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let (visitor, token, again) = match guard(&web, visitor, &form).await {
        Guard::Proceed {
            visitor,
            token,
            signed_in_again,
        } => (visitor, token, signed_in_again),
        Guard::Rerender { visitor, state } => return rerender(&web, &visitor, &id, &state).await,
    };
    let mut unreadable = Errors::default();
    let scores: BTreeMap<String, u32> = form
        .0
        .iter()
        .filter_map(|(name, value)| {
            let key = name.strip_prefix("score_")?;
            let points = unreadable.read(name, value.trim().parse().map_err(|_| UNREADABLE_NUMBER));
            Some((key.to_owned(), points?))
        })
        .collect();
    let outcome = if unreadable.is_empty() {
        score(&web, &token, &id, &form, scores)
            .await
            .map_err(Refused::Problem)
    } else {
        Err(Refused::Unreadable(unreadable))
    };
    finish(&web, &visitor, &token, &id, &form, outcome, again).await
}

/// Why a sheet's form was not taken: a rule of the service, or fields that could not be read.
enum Refused {
    Problem(Problem),
    Unreadable(Errors),
}

/// Saves one's scores and, when asked, seals the sheet, each once per submission of the form.
async fn score(
    web: &Web,
    token: &str,
    id: &str,
    form: &FormData,
    scores: BTreeMap<String, u32>,
) -> Result<(), Problem> {
    let state = &web.state;
    let path = format!("/review/{id}");
    let comment = form.get("comment").to_owned();
    let save = PageCommand {
        path: &path,
        form,
        step: "scores",
    };
    web.once(token, save, |actor, context| async move {
        let reviewer = Reviewer::admit(actor)?;
        reviews::save(state, &context, &reviewer, path_id(id)?, scores, comment)
            .await
            .map(|_| ())
    })
    .await?;
    if form.get("_action") != "seal" {
        return Ok(());
    }
    let seal = PageCommand {
        path: &path,
        form,
        step: "seal",
    };
    web.once(token, seal, |actor, context| async move {
        let reviewer = Reviewer::admit(actor)?;
        reviews::seal(state, &context, &reviewer, path_id(id)?)
            .await
            .map(|_| ())
    })
    .await
}
