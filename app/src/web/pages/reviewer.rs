//! Reviewers: the work list of the rounds whose committee they sit on (`/review`) and one
//! application's scoresheet (`/review/{id}`): first the conflict-of-interest declaration, then
//! the scores per criterion (each with its range shown), saved as a draft or sealed.
//! Once scoring is closed, the round's ranking with every application's total
//! (`/review/rounds/{id}/ranking`). Whether a reviewer may see or score anything is the API's to
//! decide: before the close the ranking route refuses, and the page says why.

use crate::web::form::PageForm;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::html;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{login_then, read_failed, redirect};
use crate::web::api::{encode, Call, Problem};
use crate::web::form::{guard, Errors, FormData, FormState, Guard};
use crate::web::session::{set_session, Visitor};
use crate::web::view::{
    self, date_of, error_summary, flash, form_guard, page, page_with_status, text, yen_of, Input,
};
use crate::web::Web;

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
    let rows = match web.api.get("/api/v1/applications", Some(token)).await {
        Ok(rows) => rows.as_array().cloned().unwrap_or_default(),
        Err(problem) => return read_failed(&visitor, &problem, "/review"),
    };
    let to_score: Vec<&Value> = rows
        .iter()
        .filter(|row| text(&row["status"]) == "eligible")
        .collect();
    let mut round_ids: Vec<&str> = rows.iter().map(|row| text(&row["round_id"])).collect();
    round_ids.sort_unstable();
    round_ids.dedup();
    // Each round by its name, and whether its ranking can be read yet (scoring closed).
    let mut rounds = Vec::new();
    for round_id in round_ids {
        match web
            .api
            .get(format!("/api/v1/rounds/{}", encode(round_id)), Some(token))
            .await
        {
            Ok(round) => rounds.push((
                round_id,
                round_name(&round),
                round["scoring_closed"] == true,
            )),
            Err(problem) => return read_failed(&visitor, &problem, "/review"),
        }
    }
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
                            td { a href={ "/review/" (text(&row["application_id"])) } { (text(&row["title"])) } }
                            td { (text(&row["group_name"])) }
                            td.num { (yen_of(&row["requested_amount"])) }
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
                @for (round_id, name, closed) in &rounds {
                    li {
                        @if *closed {
                            a href={ "/review/rounds/" (round_id) "/ranking" } { (name) "の順位" }
                        } @else {
                            (name) "（採点受付中。締切後に順位を表示します）"
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
    let ranking = match web
        .api
        .get(
            format!("/api/v1/rounds/{}/ranking", encode(&id)),
            Some(token),
        )
        .await
    {
        Ok(ranking) => ranking,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let titles: Vec<Value> = match web.api.get("/api/v1/applications", Some(token)).await {
        Ok(rows) => rows.as_array().cloned().unwrap_or_default(),
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let title_of = |application: &str| {
        titles
            .iter()
            .find(|row| text(&row["application_id"]) == application)
            .map(|row| text(&row["title"]).to_owned())
            .unwrap_or_default()
    };
    let rows: Vec<&Value> = ranking["rows"].as_array().into_iter().flatten().collect();
    let body = html! {
        p { "この順位は" strong { @if ranking["fixed"] == true { "確定済み" } @else { "暫定" } } "です。" }
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
                            td.num { (row["rank"]) }
                            td { (title_of(text(&row["application_id"]))) }
                            td.num { (row["total"]) "点" }
                            td { @if row["passed"] == true { "合格" } @else { "不合格" } }
                            td { (view::ranking_outcome(text(&row["outcome"]))) }
                        }
                    }
                }
            }
        }
        p { a href="/review" { "担当する申請へ戻る" } }
    };
    page(&visitor, "審査：採点の結果", body)
}

/// What the scoresheet page shows: the application, its round's criteria and one's own sheet.
struct Loaded {
    application: Value,
    round: Value,
    criteria: Vec<Value>,
    sheet: Option<Value>,
}

/// A round as reviewers know it: 「令和8年度 ステップアップコース「title」」.
fn round_name(round: &Value) -> String {
    let year = round["fiscal_year"].as_i64().unwrap_or_default();
    let reiwa = year - 2018;
    format!(
        "令和{reiwa}年度 {}「{}」",
        text(&round["course"]),
        text(&round["title"])
    )
}

async fn load(web: &Web, token: &str, id: &str) -> Result<Loaded, Problem> {
    let application = web
        .api
        .get(format!("/api/v1/applications/{}", encode(id)), Some(token))
        .await?;
    let round = web
        .api
        .get(
            format!("/api/v1/rounds/{}", encode(text(&application["round_id"]))),
            Some(token),
        )
        .await?;
    let sheet = match web
        .api
        .get(
            format!("/api/v1/applications/{}/my-review", encode(id)),
            Some(token),
        )
        .await
    {
        Ok(sheet) => Some(sheet),
        Err(problem) if problem.status == StatusCode::NOT_FOUND => None,
        Err(problem) => return Err(problem),
    };
    Ok(Loaded {
        application,
        criteria: round["criteria"].as_array().cloned().unwrap_or_default(),
        round,
        sheet,
    })
}

fn sheet_fields(sheet: Option<&Value>) -> FormData {
    let mut fields = FormData::default();
    if let Some(sheet) = sheet {
        for (key, points) in sheet["scores"].as_object().into_iter().flatten() {
            fields.set(&format!("score_{key}"), points.to_string());
        }
        fields.set("comment", text(&sheet["comment"]));
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
    let declared = sheet.is_some_and(|sheet| sheet["conflict"].is_boolean())
        || state.values.get("_step") == "scores";
    let conflicted = sheet.is_some_and(|sheet| sheet["conflict"] == true);
    let sealed = sheet.is_some_and(|sheet| sheet["sealed"] == true);
    // Criteria: the round's, or (signed out, nothing could be read) the ones posted.
    let criteria: Vec<(String, String, String)> = match loaded {
        Some(loaded) => loaded
            .criteria
            .iter()
            .map(|c| {
                (
                    text(&c["key"]).to_owned(),
                    text(&c["label"]).to_owned(),
                    format!("{}〜{}点", c["min"], c["max"]),
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
                dt { "事業名" } dd { (text(&application["title"])) }
                dt { "事業概要" } dd { (text(&application["summary"])) }
                dt { "事業の目的・内容" } dd { (text(&application["purpose"])) }
                dt { "対象者・受益者" } dd { (text(&application["beneficiaries"])) }
                dt { "事業期間" } dd { (date_of(&application["period"]["start"])) "〜" (date_of(&application["period"]["end"])) }
                dt { "申請額" } dd { (yen_of(&application["requested_amount"])) }
                dt { "状況" } dd { (view::application_status(text(&application["status"]))) }
                dt { "募集回" } dd { (round_name(&loaded.round)) }
                dt { "募集回の予算" } dd { (yen_of(&loaded.round["budget"])) }
            }
            (budget_table(application))
            h2 { "採点のしかた" }
            p {
                "各項目を、示された範囲の整数で採点してください。委員全員の採点を合計し、満点に対する割合が"
                (text(&loaded.round["pass_ratio"])) "以上の申請が採択の候補になり、合計点の高い順に予算の範囲で採択されます。"
                "採点は確定するまで何度でも保存でき、確定後は変更できません。"
            }
        }
        (error_summary(state))
        @if sealed {
            p { "採点を確定しました（合計 " (sheet.map(|s| s["total"].to_string()).unwrap_or_default()) " 点）。" }
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
    outcome: Result<(), Problem>,
    again: bool,
) -> Response {
    let mut response = match outcome {
        Ok(()) => redirect(&format!("/review/{id}?saved=1")),
        Err(problem) => match load(web, token, id).await {
            Ok(loaded) => {
                let mut errors = Errors::default();
                errors.problem(&problem, &["note", "comment"]);
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
    let body = json!({"conflict": form.get("conflict") == "true", "note": form.get("note")});
    let call = Call::command(
        Method::POST,
        format!("/api/v1/applications/{}/conflict-declaration", encode(&id)),
        Some(&token),
        Some(body),
    )
    .idempotent(form.idempotency_key("declare"));
    let outcome = web.api.send(call).await.map(|_| ());
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
    let scores: Map<String, Value> = form
        .0
        .iter()
        .filter_map(|(name, value)| {
            let key = name.strip_prefix("score_")?;
            let value = value.trim();
            Some((
                key.to_owned(),
                value
                    .parse::<u64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| json!(value)),
            ))
        })
        .collect();
    let body = json!({"scores": scores, "comment": form.get("comment")});
    let call = Call::command(
        Method::PUT,
        format!("/api/v1/applications/{}/my-review", encode(&id)),
        Some(&token),
        Some(body),
    )
    .idempotent(form.idempotency_key("scores"));
    let mut outcome = web.api.send(call).await.map(|_| ());
    if outcome.is_ok() && form.get("_action") == "seal" {
        let call = Call::command(
            Method::POST,
            format!("/api/v1/applications/{}/my-review/submit", encode(&id)),
            Some(&token),
            None,
        )
        .idempotent(form.idempotency_key("seal"));
        outcome = web.api.send(call).await.map(|_| ());
    }
    finish(&web, &visitor, &token, &id, &form, outcome, again).await
}

/// The application's budget as the reviewer weighs it: each expense line and each income line.
fn budget_table(application: &Value) -> maud::Markup {
    let expenses: Vec<&Value> = application["budget"]["expenses"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let income: Vec<&Value> = application["budget"]["income"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    maud::html! {
        @if !expenses.is_empty() {
            table #budget {
                caption { "収支予算（支出）" }
                thead { tr { th scope="col" { "費目" } th scope="col" { "内容" } th.num scope="col" { "数量" } th.num scope="col" { "単価" } } }
                tbody {
                    @for line in &expenses {
                        tr {
                            td {
                                (serde_json::from_value::<grants_domain::budget::ExpenseCategory>(line["category"].clone())
                                    .map(|category| category.label_ja())
                                    .unwrap_or_default())
                            }
                            td { (text(&line["item"])) }
                            td.num { (line["quantity"].to_string()) }
                            td.num { (yen_of(&line["unit_price"])) }
                        }
                    }
                }
            }
        }
        @if !income.is_empty() {
            table #income {
                caption { "収支予算（収入）" }
                thead { tr { th scope="col" { "内容" } th.num scope="col" { "金額" } } }
                tbody {
                    @for line in &income {
                        tr { td { (text(&line["description"])) } td.num { (yen_of(&line["amount"])) } }
                    }
                }
            }
        }
    }
}
