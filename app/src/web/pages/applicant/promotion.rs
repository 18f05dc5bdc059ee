//! The offers a group answers on its application: the remainder offered to the runner-up (次点,
//! `/applications/{id}/runner-up`) and a 繰上げ採択 offer (`/applications/{id}/promotion`). Both show
//! the amount offered and the last day to answer (the offers read of `GET
//! /api/v1/applications/{id}/promotion-offer`), and send the answer to the round (the use cases of
//! `POST /api/v1/rounds/{round}/runner-up-offer` and `.../promotion-offer`). After an acceptance the city decides the award (交付決定) as for any
//! other; a refusal of the answer (past the last day, already answered) is shown on the page.

use crate::web::form::PageForm;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use grants_domain::{ApplicationId, Yen};
use maud::{html, Markup};
use time::Date;

use super::with_session;
use crate::policy::Applicant;
use crate::service::{decisions, promotions};
use crate::web::caller::path_id;
use crate::web::command::PageCommand;
use crate::web::form::{guard, Errors, FormData, FormState, Guard};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::{self, error_summary, form_guard, page_with_status};
use crate::web::Web;

/// The offers made to an application (the same read as `GET
/// /api/v1/applications/{id}/promotion-offer`).
pub(super) async fn load_offer(
    web: &Web,
    token: &str,
    id: &str,
) -> Result<promotions::Offers, Problem> {
    web.reads(token).await?.offers(id).await
}

/// One offer as the page shows it, whichever kind it is.
struct Offered {
    amount: Yen,
    offered_on: Option<Date>,
    expires_on: Date,
    accepted: Option<bool>,
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

    /// The offer of this kind in the offers read.
    fn of(self, read: &promotions::Offers) -> Option<Offered> {
        match self {
            Self::RunnerUp => read.runner_up.as_ref().map(|offer| Offered {
                amount: offer.remainder,
                offered_on: None,
                expires_on: offer.expires_on,
                accepted: offer.accepted,
            }),
            Self::Promotion => read.promotion.as_ref().map(|offer| Offered {
                amount: offer.amount,
                offered_on: Some(offer.offered_on),
                expires_on: offer.expires_on,
                accepted: offer.accepted,
            }),
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
}

/// The boxes on the application page for the offers it was made.
pub(super) fn notice_box(application_id: &str, read: &promotions::Offers) -> Markup {
    html! {
        @for (kind, anchor) in [(OfferKind::RunnerUp, "runner-up"), (OfferKind::Promotion, "promotion")] {
            @if let Some(offer) = kind.of(read) {
                div.summary-box id=(anchor) {
                    p { (kind.title()) "があります：" strong { (offer.amount) } "（回答期限 " (view::day(Some(offer.expires_on))) "）" }
                    p { a.button href=(kind.path(application_id)) { "内容を見て回答する" } }
                }
            }
        }
    }
}

fn page(
    visitor: &Visitor,
    kind: OfferKind,
    id: &str,
    read: Option<&promotions::Offers>,
    state: &FormState,
) -> Response {
    let offer = read.and_then(|read| kind.of(read));
    let body = html! {
        @if let Some(offer) = &offer {
            p { (kind.explanation()) }
            dl.facts #offer {
                dt { "提示額" } dd { (offer.amount) }
                @if let Some(day) = offer.offered_on { dt { "打診日" } dd { (view::day(Some(day))) } }
                dt { "回答期限" } dd { (view::day(Some(offer.expires_on))) }
                dt { "回答" } dd { @match offer.accepted { Some(true) => "受諾", Some(false) => "辞退", None => "未回答" } }
            }
            (error_summary(state))
            @if offer.accepted.is_none() {
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
            Some(&read),
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
                Some(token) => load_offer(&web, token, &id).await.ok(),
                None => None,
            };
            return page(&visitor, kind, &id, read.as_ref(), &state);
        }
    };
    let read = match load_offer(&web, &token, &id).await {
        Ok(read) => read,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let accept = form.get("accept") == "true";
    let round = read.round_id;
    let application = path_id::<ApplicationId>(&id);
    let state = &web.state;
    let command = PageCommand {
        path: &path,
        form: &form,
        step: "offer-answer",
    };
    let answered = web
        .once(&token, command, |actor, context| async move {
            let applicant = Applicant::admit(actor)?;
            let application = application?;
            match kind {
                OfferKind::RunnerUp => {
                    decisions::answer_offer(
                        state,
                        &context,
                        &applicant,
                        round,
                        application,
                        accept,
                    )
                    .await?;
                }
                OfferKind::Promotion => {
                    promotions::answer(state, &context, &applicant, round, application, accept)
                        .await?;
                }
            }
            Ok(())
        })
        .await;
    let response = match answered {
        Ok(()) => redirect(&path),
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
                Some(&read),
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
