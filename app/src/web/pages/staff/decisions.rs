//! Award decisions (交付決定): the round's reviewed applications in rank order with the remaining
//! budget (`/staff/rounds/{id}/decisions`), and one application's decision
//! (`/staff/rounds/{id}/decisions/{application_id}`): an award with its amount, conditions and
//! completion deadline, or a rejection with its reason (the use case of `POST
//! /api/v1/rounds/{id}/decisions`).
//!
//! The budget is the round's to hold: the page shows the round's remaining budget as the service
//! reads it, before and after every decision, and the round's refusal beside the amount.

use crate::web::form::PageForm;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use grants_domain::round::{RankRow, Rejection};
use grants_domain::{ApplicationId, ApplicationStatus};
use grants_projections::applications::ApplicationRow;
use maud::html;

use super::ranking::Ranked;
use super::{
    act, done_after, listed, listed_title, refused_outright, resubmit, round_budget, round_menu,
    round_rows, status_of, Done,
};
use crate::policy::Staff;
use crate::service::decisions::{self, AwardAsked};
use crate::service::round_read::RoundRead;
use crate::web::caller::path_id;
use crate::web::command::PageCommand;
use crate::web::form::{date_field, required_yen_field, Errors};
use crate::web::form::{FormData, FormState};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::{self, error_summary, flash, form_guard, page, page_with_status, Input};
use crate::web::Web;

/// The award decisions: `/staff/rounds/{id}/decisions` and one application's
/// `/staff/rounds/{id}/decisions/{application_id}`.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/staff/rounds/{id}/decisions", get(list))
        .route(
            "/staff/rounds/{id}/decisions/{application_id}",
            get(decision).post(decide),
        )
}

struct Loaded {
    round: RoundRead,
    /// The ranking (empty before anything is ranked).
    ranking: Option<Ranked>,
    applications: Vec<ApplicationRow>,
}

async fn load(web: &Web, token: &str, id: &str, at: Option<i64>) -> Result<Loaded, Problem> {
    let reads = web.reads(token).await?;
    let round = reads.round(id).await?;
    let ranking = reads.ranking(id).await.ok().map(Ranked::from);
    let applications = round_rows(web, token, id, at).await?;
    Ok(Loaded {
        round,
        ranking,
        applications,
    })
}

impl Loaded {
    /// The remainder offered to this application as runner-up, if it is the one.
    fn offer_to(&self, application_id: &str) -> Option<&grants_domain::round::RunnerUpOffer> {
        self.ranking
            .as_ref()?
            .offer
            .as_ref()
            .filter(|offer| offer.application_id.to_string() == application_id)
    }

    fn rank_row(&self, application_id: &str) -> Option<&RankRow> {
        self.ranking
            .as_ref()?
            .rows
            .iter()
            .find(|row| row.application_id.to_string() == application_id)
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
    let mut rows: Vec<&ApplicationRow> = loaded
        .applications
        .iter()
        // The applications that reached review (the others are screening's): the domain's rule.
        .filter(|row| row.status.has_reached_review())
        .collect();
    rows.sort_by_key(|row| {
        loaded
            .rank_row(&row.application_id)
            .map_or(u32::MAX, |ranked| ranked.rank)
    });
    let fixed = loaded.ranking.as_ref().is_some_and(|ranking| ranking.fixed);
    let notice = done.notice(&[
        ("awarded", "交付を決定しました。"),
        ("rejected", "不採択としました。"),
    ]);
    let body = html! {
        (flash(notice))
        (round_menu(&id))
        (round_budget(&loaded.round))
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
                        @let application_id = &row.application_id;
                        @let ranked = loaded.rank_row(application_id);
                        tr {
                            td.num { (ranked.map_or_else(|| "—".to_owned(), |r| r.rank.to_string())) }
                            td { (listed_title(row)) }
                            td { (row.group_name.as_deref().unwrap_or_default()) }
                            td { (ranked.map_or("—", |r| r.outcome.label_ja())) }
                            td { (row.status.label_ja()) }
                            td.num { (view::yen(row.requested_amount)) }
                            td.num { (view::yen_or_dash(row.max_amount)) }
                            td {
                                @if let Some(grant) = &row.grant_id {
                                    a href={ "/staff/grants/" (grant) } { "交付の記録" }
                                } @else if row.status == ApplicationStatus::NotAdopted {
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
    let title = format!("交付決定：{}", loaded.round.settings.title);
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
    let listed = listed(&loaded.applications, application_id);
    let ranked = loaded.rank_row(application_id);
    let offer = loaded.offer_to(application_id);
    let amount_hint = format!(
        "申請額・補助上限額・予算の残額の範囲で、端数処理の単位（{}）の倍数で決定できます。補助上限額は決定時の交付回数で計算し直します。",
        loaded.round.settings.rounding_unit
    );
    let body = html! {
        p { a href={ "/staff/rounds/" (id) "/decisions" } { "交付決定の一覧へ" } }
        (round_budget(&loaded.round))
        dl.facts {
            dt { "事業名" } dd { a href={ "/staff/applications/" (application_id) } { (listed.map(listed_title).unwrap_or_else(|| application_id.to_owned())) } }
            dt { "団体名" } dd { (listed.and_then(|row| row.group_name.as_deref()).unwrap_or_default()) }
            dt { "状況" } dd { (listed.map_or("—", |row| row.status.label_ja())) }
            dt { "順位・審査結果" } dd {
                @if let Some(ranked) = ranked { (ranked.rank) "位・" (ranked.total) "点・" (ranked.outcome.label_ja()) } @else { "—" }
            }
            dt { "申請額" } dd { (listed.map(|row| view::yen(row.requested_amount)).unwrap_or_default()) }
            dt { "補助上限額（計算値）" } dd { (listed.and_then(|row| row.max_amount).map(view::yen).unwrap_or_default()) }
            @if let Some(offer) = offer {
                dt { "次点への提示額" } dd { (offer.remainder) "（回答期限 " (view::day(Some(offer.expires_on))) "、"
                    (super::promotion::answer_ja(offer.accepted)) "）" }
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
            .map(listed_title)
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
    let offered = loaded
        .offer_to(&application_id)
        .map(|offer| offer.remainder.to_i64());
    let requested = listed(&loaded.applications, &application_id).map(|row| row.requested_amount);
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
    let mut unreadable = Errors::default();
    let (amount, deadline) = if rejecting {
        (None, None)
    } else {
        (
            unreadable.read("amount", required_yen_field(form.get("amount"))),
            unreadable.read(
                "completion_deadline",
                date_field(form.get("completion_deadline")),
            ),
        )
    };
    if !unreadable.is_empty() {
        let response = match load(&web, &acting.token, &id, None).await {
            Ok(loaded) => {
                let state = FormState::new(form.typed()).with_errors(unreadable);
                decision_page(&acting.visitor, &id, &application_id, &loaded, &state)
            }
            Err(problem) => read_failed(&acting.visitor, &problem, &path),
        };
        return acting.finish(response);
    }
    let state = &web.state;
    let round = path_id(&id);
    let application = path_id::<ApplicationId>(&application_id);
    let reason = form.get("reason").to_owned();
    let conditions = form.get("conditions").to_owned();
    let command = PageCommand {
        path: &path,
        form: &form,
        step: if rejecting { "reject" } else { "award" },
    };
    let decided = web
        .once(&acting.token, command, |actor, context| async move {
            let staff = Staff::admit(actor)?;
            let application_id = application?;
            let (awards, rejections) = match (amount, deadline) {
                (Some(amount), Some(completion_deadline)) => (
                    vec![AwardAsked {
                        application_id,
                        amount,
                        conditions,
                        completion_deadline,
                    }],
                    Vec::new(),
                ),
                _ => (
                    Vec::new(),
                    vec![Rejection {
                        application_id,
                        reason,
                    }],
                ),
            };
            let decided =
                decisions::decide(state, &context, &staff, round?, awards, rejections).await?;
            Ok(decided.position)
        })
        .await;
    let response = match decided {
        Ok(position) => redirect(&done_after(
            &format!("/staff/rounds/{id}/decisions"),
            if rejecting { "rejected" } else { "awarded" },
            Some(position),
        )),
        Err(problem) => match refused_outright(&acting.visitor, &problem, &path) {
            Some(page) => page,
            None => match load(&web, &acting.token, &id, None).await {
                Ok(loaded) => {
                    let errors = Errors::placed(&problem, DECISION_FIELDS, &[]);
                    let state = FormState::new(form.typed()).with_errors(errors);
                    decision_page(&acting.visitor, &id, &application_id, &loaded, &state)
                }
                Err(problem) => read_failed(&acting.visitor, &problem, &path),
            },
        },
    };
    acting.finish(response)
}
