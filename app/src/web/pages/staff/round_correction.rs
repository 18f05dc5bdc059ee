//! Correcting a round after opening (`/staff/rounds/{id}/correction`, 募集要項の訂正): the three
//! corrections a city makes (extend the window, fix the description, raise the budget) with a
//! reason. The page sends the round's settings as the API answers them with these three replaced;
//! what may change is the API's rule (`round::correction`), whose refusal shows beside the field.

use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use grants_domain::round::settings::DESCRIPTION_MAX_CHARS;
use maud::{html, Markup};
use serde_json::Value;

use super::{act, jst_instant, local_of, number, refused_outright, status_of};
use crate::web::api::{encode, Call, Problem};
use crate::web::form::{Errors, FormData, FormState, PageForm};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::session::Visitor;
use crate::web::view::{error_summary, form_guard, instant_of, page_with_status, text, Input};
use crate::web::Web;

const FIELDS: &[&str] = &["closes_at", "description", "budget", "reason"];

/// The round read's fields that are not settings.
const NOT_SETTINGS: &[&str] = &[
    "id",
    "scoring_closed",
    "decided_total",
    "remaining_budget",
    "committee",
    "corrections",
];

pub fn routes() -> Router<Web> {
    Router::new().route(
        "/staff/rounds/{id}/correction",
        get(correction_form).post(correct),
    )
}

async fn load(web: &Web, token: &str, id: &str) -> Result<Value, Problem> {
    web.api
        .get(format!("/api/v1/rounds/{}", encode(id)), Some(token))
        .await
}

/// The form's starting values: the round as it stands.
fn current(round: &Value) -> FormData {
    let mut fields = FormData::default();
    fields.set("closes_at", local_of(text(&round["closes_at"])));
    fields.set("description", text(&round["description"]).to_owned());
    fields.set(
        "budget",
        round["budget"]
            .as_i64()
            .map(|budget| budget.to_string())
            .unwrap_or_default(),
    );
    fields
}

/// The corrections made so far.
pub(super) fn corrections_list(round: &Value) -> Markup {
    let corrections = round["corrections"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    html! {
        @if !corrections.is_empty() {
            table #round-corrections {
                caption { "募集要項の訂正" }
                thead { tr { th scope="col" { "日時" } th scope="col" { "訂正した項目" } th scope="col" { "理由" } } }
                tbody {
                    @for correction in corrections {
                        tr {
                            td { (instant_of(&correction["corrected_at"])) }
                            td {
                                @for (n, field) in correction["changed"].as_array().into_iter().flatten().enumerate() {
                                    @if n > 0 { "、" }
                                    (field_ja(text(field)))
                                }
                            }
                            td { (text(&correction["reason"])) }
                        }
                    }
                }
            }
        }
    }
}

fn field_ja(field: &str) -> &str {
    match field {
        "title" => "名称",
        "description" => "説明",
        "budget" => "予算額",
        "closes_at" => "受付終了日時",
        "opens_at" => "受付開始日時",
        "cap" => "補助上限額",
        "floor" => "補助下限額",
        "rate_schedule" => "補助率",
        "criteria" => "審査基準",
        other => other,
    }
}

fn form_page(visitor: &Visitor, id: &str, round: &Value, state: &FormState) -> Response {
    let body = html! {
        p { a href={ "/staff/rounds/" (id) } { "募集回のページへ戻る" } }
        p { "受付期間の延長、説明の誤字の訂正、予算額の増額ができます。申請の受付が始まった後は、補助率・上限額・審査基準などの条件の変更や受付期間の短縮はできません。" }
        (corrections_list(round))
        (error_summary(state))
        form.stack method="post" action={ "/staff/rounds/" (id) "/correction" } {
            (form_guard(visitor, state))
            (Input::text("closes_at", "受付終了日時（日本時間）").kind("datetime-local").required().render(state))
            (Input::text("description", "説明").max(DESCRIPTION_MAX_CHARS).textarea(state))
            (Input::text("budget", "予算額（円）").required().render(state))
            (Input::text("reason", "訂正の理由").required().hint("募集回のページに表示されます。").textarea(state))
            div.actions { button type="submit" { "訂正する" } }
        }
    };
    let title = format!("募集要項の訂正：{}", text(&round["title"]));
    page_with_status(status_of(&[state]), visitor, &title, body)
}

async fn correction_form(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    let path = format!("/staff/rounds/{id}/correction");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    match load(&web, token, &id).await {
        Ok(round) => form_page(&visitor, &id, &round, &FormState::new(current(&round))),
        Err(problem) => read_failed(&visitor, &problem, &path),
    }
}

async fn correct(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let path = format!("/staff/rounds/{id}/correction");
    let acting = match act(&web, visitor, &form).await {
        Ok(acting) => acting,
        Err((visitor, state)) => {
            return match visitor.token() {
                Some(token) => match load(&web, token, &id).await {
                    Ok(round) => form_page(&visitor, &id, &round, &state),
                    Err(problem) => read_failed(&visitor, &problem, &path),
                },
                None => login_then(&path),
            };
        }
    };
    let round = match load(&web, &acting.token, &id).await {
        Ok(round) => round,
        Err(problem) => return acting.finish(read_failed(&acting.visitor, &problem, &path)),
    };
    let mut bad = Vec::new();
    let mut settings = round.clone();
    if let Some(fields) = settings.as_object_mut() {
        for name in NOT_SETTINGS {
            fields.remove(*name);
        }
    }
    settings["closes_at"] = jst_instant(form.get("closes_at"), "closes_at", &mut bad);
    settings["description"] = Value::String(form.get("description").to_owned());
    settings["budget"] = number(form.get("budget"), "budget", &mut bad);
    let body = serde_json::json!({ "settings": settings, "reason": form.get("reason") });
    let call = Call::command(
        Method::POST,
        format!("/api/v1/rounds/{}/corrections", encode(&id)),
        Some(&acting.token),
        Some(body),
    )
    .idempotent(form.idempotency_key("correct"));
    let response = match web.api.send(call).await {
        Ok(_) => redirect(&format!("/staff/rounds/{id}?done=corrected")),
        Err(problem) => refused_outright(&acting.visitor, &problem, &path).unwrap_or_else(|| {
            // The settings' own field names are this form's, so the refusal lands beside them.
            let errors = Errors::placed(&problem, FIELDS, &bad);
            form_page(
                &acting.visitor,
                &id,
                &round,
                &FormState::new(form.typed()).with_errors(errors),
            )
        }),
    };
    acting.finish(response)
}
