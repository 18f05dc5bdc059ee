//! 繰上げ採択 on the ranking page (`/staff/rounds/{id}/ranking`): the offers made since the ranking
//! was fixed (the round's `promotions`) and the form that asks the round for the next one (the
//! use case of `POST /api/v1/rounds/{id}/promotions`). The round names the
//! application and the amount; when it cannot offer (the fiscal year is over, first decisions
//! pending, an offer open, nobody left, too little budget), its rule is shown above the form.

use crate::web::form::PageForm;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use grants_domain::round::PromotionOffer;
use grants_projections::applications::ApplicationRow;
use maud::{html, Markup};

use super::ranking::{load, ranking_page};
use super::{act, done_after, listed, listed_title, refused_outright, resubmit};
use crate::policy::Staff;
use crate::service::promotions;
use crate::web::caller::path_id;
use crate::web::command::PageCommand;
use crate::web::form::{Errors, FormState};
use crate::web::pages::{read_failed, redirect};
use crate::web::session::Visitor;
use crate::web::view::{self, error_summary, form_guard};
use crate::web::Web;

/// Asking the round for the next promotion offer (繰上げ採択): `POST /staff/rounds/{id}/promotions`.
pub fn routes() -> Router<Web> {
    Router::new().route("/staff/rounds/{id}/promotions", post(offer))
}

/// An offer's answer: accepted, declined, or none yet.
pub(super) fn answer_ja(accepted: Option<bool>) -> &'static str {
    match accepted {
        Some(true) => "受諾",
        Some(false) => "辞退",
        None => "未回答",
    }
}

/// The offers made and the form for the next one (a fixed ranking only).
pub(super) fn section(
    visitor: &Visitor,
    id: &str,
    promotions: &[PromotionOffer],
    applications: &[ApplicationRow],
    state: &FormState,
) -> Markup {
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
                    @for offer in promotions {
                        @let listed = listed(applications, &offer.application_id.to_string());
                        tr {
                            td.num { (offer.rank) }
                            td { (listed.map(listed_title).unwrap_or_default()) @if let Some(row) = listed { "（" (row.status.label_ja()) "）" } }
                            td.num { (offer.amount) }
                            td { (view::day(Some(offer.offered_on))) }
                            td { (view::day(Some(offer.expires_on))) }
                            td { (answer_ja(offer.accepted)) }
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
    let state = &web.state;
    let round = path_id(&id);
    let command = PageCommand {
        path: &format!("/staff/rounds/{id}/promotions"),
        form: &form,
        step: "promotion",
    };
    let offered = web
        .once(&acting.token, command, |actor, context| async move {
            let staff = Staff::admit(actor)?;
            let (_, position) = promotions::offer(state, &context, &staff, round?).await?;
            Ok(position)
        })
        .await;
    let response = match offered {
        Ok(position) => redirect(&done_after(&path, "promoted", Some(position))),
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
