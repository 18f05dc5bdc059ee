//! The offers a group answers on its application: the remainder offered to the runner-up (次点,
//! `/applications/{id}/runner-up`) and a 繰上げ採択 offer (`/applications/{id}/promotion`). Both show
//! the amount offered and the last day to answer, as `GET /api/v1/applications/{id}/promotion-offer`
//! answers them, and send the answer to the round (`POST /api/v1/rounds/{round}/runner-up-offer`,
//! `.../promotion-offer`). After an acceptance the city decides the award (交付決定) as for any
//! other; a refusal of the answer (past the last day, already answered) is shown on the page.

use crate::web::form::PageForm;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use maud::{html, Markup};
use serde_json::{json, Value};

use super::with_session;
use crate::web::api::{encode, Call, Problem};
use crate::web::form::{guard, Errors, FormData, FormState, Guard};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::session::Visitor;
use crate::web::view::{date_of, error_summary, form_guard, page_with_status, text, yen_of};
use crate::web::Web;

/// The offers read of an application (`offer`, `runner_up_offer`: null when none).
pub(super) async fn load_offer(web: &Web, token: &str, id: &str) -> Result<Value, Problem> {
    web.api
        .get(
            format!("/api/v1/applications/{}/promotion-offer", encode(id)),
            Some(token),
        )
        .await
}

/// The two offers a group may be made on one application.
#[derive(Clone, Copy)]
enum OfferKind {
    RunnerUp,
    Promotion,
}

impl OfferKind {
    fn path(self, id: &str) -> String {
        match self {
            Self::RunnerUp => format!("/applications/{id}/runner-up"),
            Self::Promotion => format!("/applications/{id}/promotion"),
        }
    }

    /// The offer in the offers read.
    fn of(self, read: &Value) -> &Value {
        match self {
            Self::RunnerUp => &read["runner_up_offer"],
            Self::Promotion => &read["offer"],
        }
    }

    fn amount(self, offer: &Value) -> &Value {
        match self {
            Self::RunnerUp => &offer["remainder"],
            Self::Promotion => &offer["amount"],
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::RunnerUp => "次点への繰上げ交付の申出",
            Self::Promotion => "繰上げ採択の打診",
        }
    }

    fn explanation(self) -> &'static str {
        match self {
            Self::RunnerUp => "採択された申請の後に残った予算を、次点のこの申請に提示します。受諾されると、市が交付決定を行います（交付決定額は提示額以内です）。",
            Self::Promotion => "予算に戻った額があるため、審査の順位に従って、この申請に補助金の交付を打診します。受諾されると、市が交付決定を行います（交付決定額は打診額以内です）。",
        }
    }

    fn answer_route(self, round_id: &str) -> String {
        match self {
            Self::RunnerUp => format!("/api/v1/rounds/{}/runner-up-offer", encode(round_id)),
            Self::Promotion => format!("/api/v1/rounds/{}/promotion-offer", encode(round_id)),
        }
    }
}

/// The boxes on the application page for the offers it was made.
pub(super) fn notice_box(application_id: &str, read: &Value) -> Markup {
    html! {
        @for (kind, anchor) in [(OfferKind::RunnerUp, "runner-up"), (OfferKind::Promotion, "promotion")] {
            @let offer = kind.of(read);
            @if offer.is_object() {
                div.summary-box id=(anchor) {
                    p { (kind.title()) "があります：" strong { (yen_of(kind.amount(offer))) } "（回答期限 " (date_of(&offer["expires_on"])) "）" }
                    p { a.button href=(kind.path(application_id)) { "内容を見て回答する" } }
                }
            }
        }
    }
}

fn page(visitor: &Visitor, kind: OfferKind, id: &str, read: &Value, state: &FormState) -> Response {
    let offer = kind.of(read);
    let body = html! {
        @if offer.is_object() {
            p { (kind.explanation()) }
            dl.facts #offer {
                dt { "提示額" } dd { (yen_of(kind.amount(offer))) }
                @if offer["offered_on"].is_string() { dt { "打診日" } dd { (date_of(&offer["offered_on"])) } }
                dt { "回答期限" } dd { (date_of(&offer["expires_on"])) }
                dt { "回答" } dd { @match offer["accepted"].as_bool() { Some(true) => "受諾", Some(false) => "辞退", None => "未回答" } }
            }
            (error_summary(state))
            @if offer["accepted"].is_null() {
                form.stack method="post" action=(kind.path(id)) {
                    (form_guard(visitor, state))
                    div.actions {
                        button type="submit" name="accept" value="true" { "受諾する" }
                        " "
                        button.danger type="submit" name="accept" value="false" { "辞退する" }
                    }
                }
            }
        } @else {
            p { "この申請への" (kind.title()) "はありません。" }
        }
        p { a href={ "/applications/" (id) } { "申請のページへ戻る" } }
    };
    let code = state.status();
    page_with_status(code, visitor, kind.title(), body)
}

async fn show(web: Web, visitor: Visitor, kind: OfferKind, id: String) -> Response {
    let path = kind.path(&id);
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    match load_offer(&web, token, &id).await {
        Ok(read) => page(
            &visitor,
            kind,
            &id,
            &read,
            &FormState::new(FormData::default()),
        ),
        Err(problem) => read_failed(&visitor, &problem, &path),
    }
}

async fn answer(
    web: Web,
    visitor: Visitor,
    kind: OfferKind,
    id: String,
    form: FormData,
) -> Response {
    let path = kind.path(&id);
    let (visitor, token, again) = match guard(&web, visitor, &form).await {
        Guard::Proceed {
            visitor,
            token,
            signed_in_again,
        } => (visitor, token, signed_in_again),
        Guard::Rerender { visitor, state } => {
            let read = match visitor.token() {
                Some(token) => load_offer(&web, token, &id).await.unwrap_or(Value::Null),
                None => Value::Null,
            };
            return page(&visitor, kind, &id, &read, &state);
        }
    };
    let read = match load_offer(&web, &token, &id).await {
        Ok(read) => read,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let call = Call::command(
        Method::POST,
        kind.answer_route(text(&read["round_id"])),
        Some(&token),
        Some(json!({"application_id": id, "accept": form.get("accept") == "true"})),
    )
    .idempotent(form.idempotency_key("offer-answer"));
    let response = match web.api.send(call).await {
        Ok(_) => redirect(&path),
        Err(problem) if problem.status == StatusCode::NOT_FOUND => {
            read_failed(&visitor, &problem, &path)
        }
        Err(problem) => {
            let errors = Errors::placed(&problem, &[], &[]);
            let read = load_offer(&web, &token, &id).await.unwrap_or(read);
            page(
                &visitor,
                kind,
                &id,
                &read,
                &FormState::new(form.typed()).with_errors(errors),
            )
        }
    };
    with_session(response, &visitor, again)
}

pub(super) async fn promotion(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    show(web, visitor, OfferKind::Promotion, id).await
}

pub(super) async fn answer_promotion(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    answer(web, visitor, OfferKind::Promotion, id, FormData(form)).await
}

pub(super) async fn runner_up(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    show(web, visitor, OfferKind::RunnerUp, id).await
}

pub(super) async fn answer_runner_up(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    answer(web, visitor, OfferKind::RunnerUp, id, FormData(form)).await
}
