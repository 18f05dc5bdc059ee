//! Correcting a round after opening (`/staff/rounds/{id}/correction`, 募集要項の訂正): the three
//! corrections a city makes (extend the window, fix the description, raise the budget) with a
//! reason. The page sends the round's settings as they stand with these three replaced; what may
//! change is the round's rule (`round::correction`), whose refusal shows beside the field.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use grants_domain::round::settings::DESCRIPTION_MAX_CHARS;
use maud::{html, Markup};

use super::{act, jst_field, local_of, refused_outright, status_of};
use crate::policy::Staff;
use crate::service::round_read::RoundRead;
use crate::service::rounds;
use crate::web::caller::path_id;
use crate::web::command::PageCommand;
use crate::web::form::{required_yen_field, Errors, FormData, FormState, PageForm};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::{self, error_summary, form_guard, page_with_status, Input};
use crate::web::Web;

const FIELDS: &[&str] = &["closes_at", "description", "budget", "reason"];

/// Correcting a round after opening: `/staff/rounds/{id}/correction`.
pub fn routes() -> Router<Web> {
    Router::new().route(
        "/staff/rounds/{id}/correction",
        get(correction_form).post(correct),
    )
}

async fn load(web: &Web, token: &str, id: &str) -> Result<RoundRead, Problem> {
    web.reads(token).await?.round(id).await
}

/// The form's starting values: the round as it stands.
fn current(round: &RoundRead) -> FormData {
    let mut fields = FormData::default();
    fields.set("closes_at", local_of(round.settings.closes_at));
    fields.set("description", &round.settings.description);
    fields.set("budget", round.settings.budget.to_i64().to_string());
    fields
}

/// The corrections made so far.
pub(super) fn corrections_list(round: &RoundRead) -> Markup {
    html! {
        @if !round.corrections.is_empty() {
            table #round-corrections {
                caption { "募集要項の訂正" }
                thead { tr { th scope="col" { "日時" } th scope="col" { "訂正した項目" } th scope="col" { "理由" } } }
                tbody {
                    @for correction in &round.corrections {
                        tr {
                            td { (view::instant_ja(&correction.corrected_at)) }
                            td {
                                @for (n, field) in correction.changed.iter().enumerate() {
                                    @if n > 0 { "、" }
                                    (field_ja(field))
                                }
                            }
                            td { (correction.reason) }
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

fn form_page(visitor: &Visitor, id: &str, round: &RoundRead, state: &FormState) -> Response {
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
    let title = format!("募集要項の訂正：{}", round.settings.title);
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
    let mut errors = Errors::default();
    let closes_at = errors.read("closes_at", jst_field(form.get("closes_at")));
    let budget = errors.read("budget", required_yen_field(form.get("budget")));
    let (Some(closes_at), Some(budget)) = (closes_at, budget) else {
        let state = FormState::new(form.typed()).with_errors(errors);
        return acting.finish(form_page(&acting.visitor, &id, &round, &state));
    };
    let mut settings = round.settings.clone();
    settings.closes_at = closes_at;
    settings.description = form.get("description").to_owned();
    settings.budget = budget;
    let reason = form.get("reason").to_owned();
    let state = &web.state;
    let round_id = path_id(&id);
    let command = PageCommand {
        path: &path,
        form: &form,
        step: "correct",
    };
    let corrected = web
        .once(&acting.token, command, |actor, context| async move {
            let staff = Staff::admit(actor)?;
            rounds::correct(state, &context, &staff, round_id?, settings, reason).await?;
            Ok(())
        })
        .await;
    let response = match corrected {
        Ok(()) => redirect(&format!("/staff/rounds/{id}?done=corrected")),
        Err(problem) => refused_outright(&acting.visitor, &problem, &path).unwrap_or_else(|| {
            // The settings' own field names are this form's, so the refusal lands beside them.
            let errors = Errors::placed(&problem, FIELDS, &[]);
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
