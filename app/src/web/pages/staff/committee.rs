//! A round's committee (`/staff/rounds/{id}/committee`): the members appointed so far, appointing a
//! reviewer (`POST /api/v1/rounds/{id}/committee`) and closing scoring, which unseals the scores
//! (`POST /api/v1/rounds/{id}/scoring/close`).
//!
//! Staff choose the reviewer by name from the reviewer accounts (as `GET /api/v1/users?role=reviewer`
//! lists them); the form still posts the account id as `reviewer_id`. When the account list cannot
//! be read (a caller who is not staff), the page falls back to typing the id, and the service
//! refuses the post. Whether the account is a reviewer's is the service's to say.

use crate::web::form::PageForm;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use grants_domain::account::Role;
use grants_domain::UserId;
use maud::html;
use time::OffsetDateTime;

use super::{act, refused_outright, resubmit, round_menu, round_stage, status_of, Done};
use crate::auth::AccountRow;
use crate::policy::Staff;
use crate::service::round_read::RoundRead;
use crate::service::rounds;
use crate::web::caller::path_id;
use crate::web::command::PageCommand;
use crate::web::form::{Errors, FormData, FormState};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::{error_summary, flash, form_guard, page_with_status, Input};
use crate::web::Web;

/// A round's committee page and closing its scoring: `/staff/rounds/{id}/committee`,
/// `/staff/rounds/{id}/scoring/close`.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/staff/rounds/{id}/committee", get(committee).post(appoint))
        .route("/staff/rounds/{id}/scoring/close", post(close_scoring))
}

/// The round, and the reviewer accounts (`None` when the caller may not list accounts).
struct Loaded {
    round: RoundRead,
    reviewers: Option<Vec<AccountRow>>,
    /// The service's now, when the round was read.
    now: OffsetDateTime,
}

async fn load(web: &Web, token: &str, id: &str) -> Result<Loaded, Problem> {
    let reads = web.reads(token).await?;
    let round = reads.round(id).await?;
    let reviewers = match reads.accounts(Role::Reviewer).await {
        Ok(mut reviewers) => {
            reviewers.sort_by(|a, b| (&a.display_name, &a.id).cmp(&(&b.display_name, &b.id)));
            Some(reviewers)
        }
        Err(problem) if problem.is_signed_out() => return Err(problem),
        Err(_) => None,
    };
    Ok(Loaded {
        round,
        reviewers,
        now: web.clock.now(),
    })
}

/// The display name of an account, if the reviewer list has it.
fn name_of<'a>(reviewers: &'a [AccountRow], id: &str) -> Option<&'a str> {
    reviewers
        .iter()
        .find(|reviewer| reviewer.id == id)
        .map(|reviewer| reviewer.display_name.as_str())
}

const NOTICES: &[(&str, &str)] = &[
    ("appointed", "審査委員を任命しました。"),
    (
        "closed",
        "採点を締め切りました。審査委員の採点が開封され、順位を確認できます。",
    ),
];

fn committee_page(
    visitor: &Visitor,
    id: &str,
    loaded: &Loaded,
    appoint: &FormState,
    close: &FormState,
    notice: Option<&str>,
) -> Response {
    let round = &loaded.round;
    let members: Vec<String> = round
        .committee
        .iter()
        .flatten()
        .map(ToString::to_string)
        .collect();
    let reviewers = loaded.reviewers.as_deref();
    let choices: Vec<&AccountRow> = reviewers
        .into_iter()
        .flatten()
        .filter(|reviewer| !members.contains(&reviewer.id))
        .collect();
    let chosen = appoint.value("reviewer_id");
    let error = appoint.errors.field("reviewer_id");
    let closed = round.scoring_closed;
    let body = html! {
        (flash(notice))
        (round_menu(id))
        p { "状況：" strong { (round_stage(round, loaded.now)) } }
        h2 { "審査委員（" (members.len()) "人）" }
        @if members.is_empty() {
            p { "まだ審査委員が任命されていません。" }
        } @else {
            ul #committee {
                @for member in &members {
                    li {
                        @if let Some(name) = reviewers.and_then(|all| name_of(all, member)) {
                            (name)
                        } @else {
                            "（名前を読み込めませんでした）"
                        }
                    }
                }
            }
        }
        h2 { "審査委員の任命" }
        (error_summary(appoint))
        form.stack method="post" action={ "/staff/rounds/" (id) "/committee" } {
            (form_guard(visitor, appoint))
            @if reviewers.is_some() {
                div.field.invalid[error.is_some()] {
                    label for="f-reviewer_id" { "審査委員" span.req { "必須" } }
                    @if let Some(error) = error { p.error id="e-reviewer_id" { (error) } }
                    select #f-reviewer_id name="reviewer_id" required
                        aria-invalid=[error.map(|_| "true")]
                        aria-describedby=[error.map(|_| "e-reviewer_id")] {
                        option value="" { "選択してください" }
                        @for reviewer in &choices {
                            option value=(reviewer.id) selected[reviewer.id == chosen] {
                                (reviewer.display_name) "（" (reviewer.email) "）"
                            }
                        }
                    }
                }
                @if choices.is_empty() {
                    p.hint { "任命できる審査委員のアカウントがありません。" }
                }
            } @else {
                (Input::text("reviewer_id", "審査委員の利用者ID").required()
                    .hint("審査委員のアカウントを作成したときの利用者ID（UUID）を入力してください。").render(appoint))
            }
            div.actions { button type="submit" { "審査委員に任命する" } }
            p { "審査委員のアカウントがまだないときは、" a href="/staff/users/new" { "アカウントを作成" } "してください。" }
        }
        h2 { "採点の締切" }
        @if closed {
            p { "採点は締め切られています。" a href={ "/staff/rounds/" (id) "/ranking" } { "順位を確認する" } }
        } @else {
            p { "締め切ると、審査委員の採点が開封され、順位が計算されます。締切後は採点できません。" }
            (error_summary(close))
            form.stack method="post" action={ "/staff/rounds/" (id) "/scoring/close" } {
                (form_guard(visitor, close))
                div.actions { button.danger type="submit" { "採点を締め切る" } }
            }
        }
    };
    let title = format!("審査委員会：{}", round.settings.title);
    page_with_status(status_of(&[appoint, close]), visitor, &title, body)
}

async fn committee(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let path = format!("/staff/rounds/{id}/committee");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    let loaded = match load(&web, token, &id).await {
        Ok(loaded) => loaded,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let blank = || FormState::new(FormData::default());
    committee_page(
        &visitor,
        &id,
        &loaded,
        &blank(),
        &blank(),
        done.notice(NOTICES),
    )
}

/// Which of the page's two forms was posted.
#[derive(Clone, Copy, PartialEq)]
enum Which {
    Appoint,
    Close,
}

/// Sends one of the page's forms, then the next page or the page again with the refusal.
async fn post_form(
    web: Web,
    visitor: Visitor,
    id: String,
    form: FormData,
    which: Which,
) -> Response {
    let path = format!("/staff/rounds/{id}/committee");
    let again = |visitor: &Visitor, loaded: &Loaded, state: FormState| {
        let blank = FormState::new(FormData::default());
        let (appoint, close) = match which {
            Which::Appoint => (state, blank),
            Which::Close => (blank, state),
        };
        committee_page(visitor, &id, loaded, &appoint, &close, None)
    };
    let acting = match act(&web, visitor, &form).await {
        Ok(acting) => acting,
        Err((visitor, state)) => {
            let action = match which {
                Which::Appoint => path.clone(),
                Which::Close => format!("/staff/rounds/{id}/scoring/close"),
            };
            return match visitor.token() {
                Some(token) => match load(&web, token, &id).await {
                    Ok(loaded) => again(&visitor, &loaded, state),
                    Err(problem) => read_failed(&visitor, &problem, &path),
                },
                None => resubmit(&visitor, &action, "審査委員会", &state),
            };
        }
    };
    let state = &web.state;
    let round = path_id(&id);
    let reviewer = form.get("reviewer_id").trim().parse::<UserId>();
    let (action, step) = match which {
        Which::Appoint => (path.clone(), "appoint"),
        Which::Close => (format!("/staff/rounds/{id}/scoring/close"), "close"),
    };
    let command = PageCommand {
        path: &action,
        form: &form,
        step,
    };
    let outcome = web
        .once(&acting.token, command, |actor, context| async move {
            let staff = Staff::admit(actor)?;
            match which {
                Which::Appoint => {
                    let reviewer = reviewer.map_err(|_| {
                        crate::service::ServiceError::invalid(
                            "request.invalid_field",
                            "審査委員を選んでください（利用者IDはUUIDの形式です）",
                            "choose a reviewer (an account id is a UUID)",
                        )
                        .with_field("reviewer_id")
                    })?;
                    rounds::appoint(state, &context, &staff, round?, reviewer).await?;
                }
                Which::Close => {
                    rounds::close_scoring(state, &context, &staff, round?).await?;
                }
            }
            Ok(())
        })
        .await;
    let response = match outcome {
        Ok(()) => redirect(&format!(
            "{path}?done={}",
            if which == Which::Appoint {
                "appointed"
            } else {
                "closed"
            }
        )),
        Err(problem) => match refused_outright(&acting.visitor, &problem, &path) {
            Some(page) => page,
            None => match load(&web, &acting.token, &id).await {
                Ok(loaded) => {
                    let errors = Errors::placed(&problem, &["reviewer_id"], &[]);
                    again(
                        &acting.visitor,
                        &loaded,
                        FormState::new(form.typed()).with_errors(errors),
                    )
                }
                Err(problem) => read_failed(&acting.visitor, &problem, &path),
            },
        },
    };
    acting.finish(response)
}

async fn appoint(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    post_form(web, visitor, id, FormData(form), Which::Appoint).await
}

async fn close_scoring(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    post_form(web, visitor, id, FormData(form), Which::Close).await
}
