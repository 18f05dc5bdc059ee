//! 繰上げ採択 on the ranking page (`/staff/rounds/{id}/ranking`): the offers made since the ranking
//! was fixed (as `GET /api/v1/rounds/{id}/ranking` answers them in `promotions`) and the form that
//! asks the round for the next one (`POST /api/v1/rounds/{id}/promotions`). The round names the
//! application and the amount; when it cannot offer (the fiscal year is over, first decisions
//! pending, an offer open, nobody left, too little budget), its rule is shown above the form.

use crate::web::form::PageForm;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use maud::{html, Markup};
use serde_json::Value;

use super::ranking::{load, ranking_page};
use super::{act, done_at, refused_outright, resubmit, row_of, status_of_row, title_of};
use crate::web::api::{encode, Call};
use crate::web::form::{Errors, FormState};
use crate::web::pages::{read_failed, redirect};
use crate::web::session::Visitor;
use crate::web::view::{date_of, error_summary, form_guard, text, yen_of};
use crate::web::Web;

pub fn routes() -> Router<Web> {
    Router::new().route("/staff/rounds/{id}/promotions", post(offer))
}

fn answer_ja(accepted: &Value) -> &'static str {
    match accepted.as_bool() {
        Some(true) => "受諾",
        Some(false) => "辞退",
        None => "未回答",
    }
}

/// The offers made and the form for the next one (a fixed ranking only).
pub(super) fn section(
    visitor: &Visitor,
    id: &str,
    ranking: &Value,
    applications: &[Value],
    state: &FormState,
) -> Markup {
    let promotions: Vec<&Value> = ranking["promotions"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    html! {
        h2 #promotions { "繰上げ採択" }
        p { "辞退・取下げや確定額の減額で予算が戻ったとき、年度内であれば、合格した申請のうち採択されなかったものへ順位の順に戻った額を打診できます（申請額と戻った額の少ない方を、端数処理の単位で切り捨てた額）。受諾されたら交付決定へ進んでください。" }
        @if !promotions.is_empty() {
            table #promotion-table {
                caption { "繰上げの打診" }
                thead { tr {
                    th.num scope="col" { "順位" } th scope="col" { "事業名" } th.num scope="col" { "打診額" }
                    th scope="col" { "打診日" } th scope="col" { "回答期限" } th scope="col" { "回答" }
                } }
                tbody {
                    @for offer in &promotions {
                        @let listed = row_of(applications, text(&offer["application_id"]));
                        tr {
                            td.num { (offer["rank"]) }
                            td { (listed.map(title_of).unwrap_or_default()) @if let Some(row) = listed { "（" (status_of_row(row)) "）" } }
                            td.num { (yen_of(&offer["amount"])) }
                            td { (date_of(&offer["offered_on"])) }
                            td { (date_of(&offer["expires_on"])) }
                            td { (answer_ja(&offer["accepted"])) }
                        }
                    }
                }
            }
        }
        (error_summary(state))
        form.stack method="post" action={ "/staff/rounds/" (id) "/promotions" } {
            (form_guard(visitor, state))
            div.actions { button type="submit" { "次の順位の申請に繰上げを打診する" } }
        }
    }
}

async fn offer(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = crate::web::form::FormData(form);
    let path = format!("/staff/rounds/{id}/ranking");
    let acting = match act(&web, visitor, &form).await {
        Ok(acting) => acting,
        Err((visitor, state)) => {
            return match visitor.token() {
                Some(token) => match load(&web, token, &id, None).await {
                    Ok(loaded) => ranking_page(&visitor, &id, &loaded, &state, None),
                    Err(problem) => read_failed(&visitor, &problem, &path),
                },
                None => resubmit(&visitor, &path, "繰上げ採択の打診", &state),
            }
        }
    };
    let call = Call::command(
        Method::POST,
        format!("/api/v1/rounds/{}/promotions", encode(&id)),
        Some(&acting.token),
        None,
    )
    .idempotent(form.idempotency_key("promotion"));
    let response = match web.api.send(call).await {
        Ok(answer) => redirect(&done_at(&path, "promoted", &answer)),
        Err(problem) => match refused_outright(&acting.visitor, &problem, &path) {
            Some(page) => page,
            None => match load(&web, &acting.token, &id, None).await {
                Ok(loaded) => {
                    let errors = Errors::placed(&problem, &[], &[]);
                    let state = FormState::new(form.typed()).with_errors(errors);
                    ranking_page(&acting.visitor, &id, &loaded, &state, None)
                }
                Err(problem) => read_failed(&acting.visitor, &problem, &path),
            },
        },
    };
    acting.finish(response)
}
