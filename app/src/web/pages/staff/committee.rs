//! A round's committee (`/staff/rounds/{id}/committee`): the members appointed so far, appointing a
//! reviewer (`POST /api/v1/rounds/{id}/committee`) and closing scoring, which unseals the scores
//! (`POST /api/v1/rounds/{id}/scoring/close`).
//!
//! Staff choose the reviewer by name from the reviewer accounts (`GET /api/v1/users?role=reviewer`);
//! the form still posts the account id as `reviewer_id`. When the account list cannot be read (a
//! caller who is not staff), the page falls back to typing the id, and the API refuses the post.
//! Whether the account is a reviewer's is the API's to say.

use crate::web::form::PageForm;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::html;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::{act, refused_outright, resubmit, round_menu, round_state, status_of, Done};
use crate::web::api::{encode, Call, Problem};
use crate::web::form::Errors;
use crate::web::form::{FormData, FormState};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::session::Visitor;
use crate::web::view::{error_summary, flash, form_guard, page_with_status, text, Input};
use crate::web::Web;

pub fn routes() -> Router<Web> {
    Router::new()
        .route("/staff/rounds/{id}/committee", get(committee).post(appoint))
        .route("/staff/rounds/{id}/scoring/close", post(close_scoring))
}

/// The round, and the reviewer accounts (`None` when the caller may not list accounts).
struct Loaded {
    round: Value,
    reviewers: Option<Vec<Value>>,
    /// The service's now, when the round was read.
    now: OffsetDateTime,
}

async fn load(web: &Web, token: &str, id: &str) -> Result<Loaded, Problem> {
    let round = web
        .api
        .get(format!("/api/v1/rounds/{}", encode(id)), Some(token))
        .await?;
    let reviewers = match web
        .api
        .get_all("/api/v1/users?role=reviewer", Some(token), "id")
        .await
    {
        Ok(mut reviewers) => {
            reviewers.sort_by(|a, b| {
                (text(&a["display_name"]), text(&a["id"]))
                    .cmp(&(text(&b["display_name"]), text(&b["id"])))
            });
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
fn name_of<'a>(reviewers: &'a [Value], id: &str) -> Option<&'a str> {
    reviewers
        .iter()
        .find(|reviewer| text(&reviewer["id"]) == id)
        .map(|reviewer| text(&reviewer["display_name"]))
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
    let members: Vec<&str> = round["committee"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let reviewers = loaded.reviewers.as_deref();
    let choices: Vec<&Value> = reviewers
        .into_iter()
        .flatten()
        .filter(|reviewer| !members.contains(&text(&reviewer["id"])))
        .collect();
    let chosen = appoint.value("reviewer_id");
    let error = appoint.errors.field("reviewer_id");
    let closed = round["scoring_closed"] == true;
    let body = html! {
        (flash(notice))
        (round_menu(id))
        p { "状況：" strong { (round_state(round, loaded.now)) } }
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
                            @let id = text(&reviewer["id"]);
                            option value=(id) selected[id == chosen] {
                                (text(&reviewer["display_name"])) "（" (text(&reviewer["email"])) "）"
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
    let title = format!("審査委員会：{}", text(&round["title"]));
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
    let call = match which {
        Which::Appoint => Call::command(
            Method::POST,
            format!("/api/v1/rounds/{}/committee", encode(&id)),
            Some(&acting.token),
            Some(json!({"reviewer_id": form.get("reviewer_id").trim()})),
        )
        .idempotent(form.idempotency_key("appoint")),
        Which::Close => Call::command(
            Method::POST,
            format!("/api/v1/rounds/{}/scoring/close", encode(&id)),
            Some(&acting.token),
            None,
        )
        .idempotent(form.idempotency_key("close")),
    };
    let response = match web.api.send(call).await {
        Ok(_) => redirect(&format!(
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
                    // A malformed id is refused as the body's shape: that can only be this field.
                    let bad = match which {
                        Which::Appoint => vec!["reviewer_id".to_owned()],
                        Which::Close => Vec::new(),
                    };
                    let errors = Errors::placed(&problem, &["reviewer_id"], &bad);
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
