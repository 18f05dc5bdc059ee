//! Award decisions (交付決定): the round's reviewed applications in rank order with the remaining
//! budget (`/staff/rounds/{id}/decisions`), and one application's decision
//! (`/staff/rounds/{id}/decisions/{application_id}`): an award with its amount, conditions and
//! completion deadline, or a rejection with its reason, sent as `POST /api/v1/rounds/{id}/decisions`.
//!
//! The budget is the API's to hold: the page shows the round's remaining budget as the API
//! answers it, before and after every decision, and the API's refusal beside the amount.

use crate::web::form::PageForm;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::html;
use serde_json::{json, Value};

use super::{
    act, budget_box, done_at, number, refused_outright, resubmit, round_applications, round_menu,
    row_of, status_of, status_of_row, title_of, Done,
};
use crate::web::api::{encode, Call, Problem};
use crate::web::form::Errors;
use crate::web::form::{FormData, FormState};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::session::Visitor;
use crate::web::view::{
    date_of, error_summary, flash, form_guard, page, page_with_status, text, yen_of, Input,
};
use crate::web::Web;

pub fn routes() -> Router<Web> {
    Router::new()
        .route("/staff/rounds/{id}/decisions", get(list))
        .route(
            "/staff/rounds/{id}/decisions/{application_id}",
            get(decision).post(decide),
        )
}

/// The statuses of applications that reached the review (the others are screening's).
const REVIEWED: &[&str] = &["eligible", "runner_up", "awarded", "not_adopted"];

struct Loaded {
    round: Value,
    /// Ranking rows by application (empty before anything is ranked).
    ranking: Value,
    applications: Vec<Value>,
}

async fn load(web: &Web, token: &str, id: &str, at: Option<i64>) -> Result<Loaded, Problem> {
    let round = web
        .api
        .get(format!("/api/v1/rounds/{}", encode(id)), Some(token))
        .await?;
    let ranking = web
        .api
        .get(
            format!("/api/v1/rounds/{}/ranking", encode(id)),
            Some(token),
        )
        .await
        .unwrap_or(Value::Null);
    let applications = round_applications(web, token, id, at).await?;
    Ok(Loaded {
        round,
        ranking,
        applications,
    })
}

impl Loaded {
    fn rank_row(&self, application_id: &str) -> Option<&Value> {
        self.ranking["rows"]
            .as_array()?
            .iter()
            .find(|row| text(&row["application_id"]) == application_id)
    }
}

async fn list(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let path = format!("/staff/rounds/{id}/decisions");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    let loaded = match load(&web, token, &id, done.at).await {
        Ok(loaded) => loaded,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let mut rows: Vec<&Value> = loaded
        .applications
        .iter()
        .filter(|row| REVIEWED.contains(&text(&row["status"])))
        .collect();
    rows.sort_by_key(|row| {
        loaded
            .rank_row(text(&row["application_id"]))
            .and_then(|ranked| ranked["rank"].as_u64())
            .unwrap_or(u64::MAX)
    });
    let fixed = loaded.ranking["fixed"] == true;
    let notice = done.notice(&[
        ("awarded", "交付を決定しました。"),
        ("rejected", "不採択としました。"),
    ]);
    let body = html! {
        (flash(notice))
        (round_menu(&id))
        (budget_box(&loaded.round))
        @if !fixed {
            p { "交付決定の前に" a href={ "/staff/rounds/" (id) "/ranking" } { "順位を確定" } "してください。" }
        }
        @if rows.is_empty() {
            p { "審査を終えた申請はまだありません。" }
        } @else {
            table #decisions {
                caption { "審査を終えた申請（順位順）" }
                thead { tr {
                    th.num scope="col" { "順位" } th scope="col" { "事業名" } th scope="col" { "団体名" }
                    th scope="col" { "審査結果" } th scope="col" { "状況" } th.num scope="col" { "申請額" }
                    th.num scope="col" { "補助上限額" } th scope="col" { "決定" }
                } }
                tbody {
                    @for row in &rows {
                        @let application_id = text(&row["application_id"]);
                        @let ranked = loaded.rank_row(application_id);
                        tr {
                            td.num { (ranked.map(|r| r["rank"].to_string()).unwrap_or_else(|| "—".into())) }
                            td { (title_of(row)) }
                            td { (text(&row["group_name"])) }
                            td { (ranked.map(|r| crate::web::view::ranking_outcome(text(&r["outcome"]))).unwrap_or("—")) }
                            td { (status_of_row(row)) }
                            td.num { (yen_of(&row["requested_amount"])) }
                            td.num { (yen_of(&row["max_amount"])) }
                            td {
                                @if let Some(grant) = row["grant_id"].as_str() {
                                    a href={ "/staff/grants/" (grant) } { "交付の記録" }
                                } @else if text(&row["status"]) == "not_adopted" {
                                    "—"
                                } @else {
                                    a href={ "/staff/rounds/" (id) "/decisions/" (application_id) } { "決定する" }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let title = format!("交付決定：{}", text(&loaded.round["title"]));
    page(&visitor, &title, body)
}

const DECISION_FIELDS: &[&str] = &["amount", "conditions", "completion_deadline", "reason"];

fn decision_page(
    visitor: &Visitor,
    id: &str,
    application_id: &str,
    loaded: &Loaded,
    state: &FormState,
) -> Response {
    let listed = row_of(&loaded.applications, application_id);
    let ranked = loaded.rank_row(application_id);
    let offer = &loaded.ranking["offer"];
    let is_offered = text(&offer["application_id"]) == application_id;
    let amount_hint = format!(
        "申請額・補助上限額・予算の残額の範囲で、端数処理の単位（{}円）の倍数で決定できます。補助上限額は決定時の交付回数で計算し直します。",
        loaded.round["rounding_unit"]
    );
    let body = html! {
        p { a href={ "/staff/rounds/" (id) "/decisions" } { "交付決定の一覧へ" } }
        (budget_box(&loaded.round))
        dl.facts {
            dt { "事業名" } dd { a href={ "/staff/applications/" (application_id) } { (listed.map(title_of).unwrap_or_else(|| application_id.to_owned())) } }
            dt { "団体名" } dd { (listed.map(|row| text(&row["group_name"])).unwrap_or("")) }
            dt { "状況" } dd { (listed.map(status_of_row).unwrap_or("—")) }
            dt { "順位・審査結果" } dd {
                @if let Some(ranked) = ranked { (ranked["rank"]) "位・" (ranked["total"]) "点・" (crate::web::view::ranking_outcome(text(&ranked["outcome"]))) } @else { "—" }
            }
            dt { "申請額" } dd { (listed.map(|row| yen_of(&row["requested_amount"])).unwrap_or_default()) }
            dt { "補助上限額（計算値）" } dd { (listed.map(|row| yen_of(&row["max_amount"])).unwrap_or_default()) }
            @if is_offered {
                dt { "次点への提示額" } dd { (yen_of(&offer["remainder"])) "（回答期限 " (date_of(&offer["expires_on"])) "、"
                    @match offer["accepted"].as_bool() { Some(true) => "受諾", Some(false) => "辞退", None => "未回答" } "）" }
            }
        }
        (error_summary(state))
        form.stack method="post" action={ "/staff/rounds/" (id) "/decisions/" (application_id) } {
            (form_guard(visitor, state))
            fieldset {
                legend { "交付決定" }
                (Input::text("amount", "交付決定額（円）").required().hint(&amount_hint).render(state))
                (Input::text("conditions", "交付の条件").textarea(state))
                (Input::text("completion_deadline", "事業の完了期限").kind("date").required().render(state))
                div.actions { button type="submit" name="_action" value="award" { "交付を決定する" } }
            }
            fieldset {
                legend { "不採択" }
                (Input::text("reason", "不採択の理由").textarea(state))
                div.actions { button.danger type="submit" name="_action" value="reject" formnovalidate { "不採択とする" } }
            }
        }
    };
    let title = format!(
        "交付決定：{}",
        listed
            .map(title_of)
            .unwrap_or_else(|| application_id.to_owned())
    );
    page_with_status(status_of(&[state]), visitor, &title, body)
}

async fn decision(
    State(web): State<Web>,
    visitor: Visitor,
    Path((id, application_id)): Path<(String, String)>,
) -> Response {
    let path = format!("/staff/rounds/{id}/decisions/{application_id}");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    let loaded = match load(&web, token, &id, None).await {
        Ok(loaded) => loaded,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    // A starting point for the decided amount: the remainder offered to the runner-up, otherwise
    // the requested amount.
    let offer = &loaded.ranking["offer"];
    let offered = (text(&offer["application_id"]) == application_id)
        .then(|| offer["remainder"].as_i64())
        .flatten();
    let requested = row_of(&loaded.applications, &application_id)
        .and_then(|row| row["requested_amount"].as_i64());
    let mut fields = FormData::default();
    if let Some(amount) = offered.or(requested) {
        fields.set("amount", amount.to_string());
    }
    decision_page(
        &visitor,
        &id,
        &application_id,
        &loaded,
        &FormState::new(fields),
    )
}

async fn decide(
    State(web): State<Web>,
    visitor: Visitor,
    Path((id, application_id)): Path<(String, String)>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let path = format!("/staff/rounds/{id}/decisions/{application_id}");
    let acting = match act(&web, visitor, &form).await {
        Ok(acting) => acting,
        Err((visitor, state)) => {
            return match visitor.token() {
                Some(token) => match load(&web, token, &id, None).await {
                    Ok(loaded) => decision_page(&visitor, &id, &application_id, &loaded, &state),
                    Err(problem) => read_failed(&visitor, &problem, &path),
                },
                None => resubmit(&visitor, &path, "交付決定", &state),
            }
        }
    };
    let rejecting = form.get("_action") == "reject";
    let mut bad = Vec::new();
    let body = if rejecting {
        json!({"rejections": [{"application_id": application_id, "reason": form.get("reason")}]})
    } else {
        if form.get("completion_deadline").is_empty() {
            bad.push("completion_deadline".to_owned());
        }
        json!({"awards": [{
            "application_id": application_id,
            "amount": number(form.get("amount"), "amount", &mut bad),
            "conditions": form.get("conditions"),
            "completion_deadline": form.get("completion_deadline"),
        }]})
    };
    let call = Call::command(
        Method::POST,
        format!("/api/v1/rounds/{}/decisions", encode(&id)),
        Some(&acting.token),
        Some(body),
    )
    .idempotent(form.idempotency_key(if rejecting { "reject" } else { "award" }));
    let response = match web.api.send(call).await {
        Ok(answer) => redirect(&done_at(
            &format!("/staff/rounds/{id}/decisions"),
            if rejecting { "rejected" } else { "awarded" },
            &answer,
        )),
        Err(problem) => match refused_outright(&acting.visitor, &problem, &path) {
            Some(page) => page,
            None => match load(&web, &acting.token, &id, None).await {
                Ok(loaded) => {
                    let errors = Errors::placed(&problem, DECISION_FIELDS, &bad);
                    let state = FormState::new(form.typed()).with_errors(errors);
                    decision_page(&acting.visitor, &id, &application_id, &loaded, &state)
                }
                Err(problem) => read_failed(&acting.visitor, &problem, &path),
            },
        },
    };
    acting.finish(response)
}
