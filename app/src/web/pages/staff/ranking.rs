//! A round's ranking (`/staff/rounds/{id}/ranking`): the rows `GET /api/v1/rounds/{id}/ranking`
//! answers (a preview until fixed) with each application's total, whether it passed the pass line,
//! and its outcome (adopted, runner-up with the remainder offered, not adopted); and fixing the
//! ranking (`POST /api/v1/rounds/{id}/ranking`), from which the runner-up's offer runs.
//!
//! Once fixed, the page also lists the 繰上げ採択 offers and offers the next ([`super::promotion`]).
//!
//! The runner-up answers the offer itself (`POST /api/v1/rounds/{id}/runner-up-offer` is the
//! applicant's route); staff see the answer here.

use crate::web::form::PageForm;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::html;
use serde_json::Value;

use super::{
    about_the_request, act, done_at, refused_outright, resubmit, round_applications, round_menu,
    row_of, status_of, status_of_row, title_of, Done,
};
use crate::web::api::{encode, Call, Problem};
use crate::web::form::Errors;
use crate::web::form::{FormData, FormState};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::session::Visitor;
use crate::web::view::{
    self, date_of, error_summary, flash, form_guard, page_with_status, text, yen_of,
};
use crate::web::Web;

pub fn routes() -> Router<Web> {
    Router::new().route("/staff/rounds/{id}/ranking", get(ranking).post(fix))
}

pub(super) struct Loaded {
    round: Value,
    ranking: Value,
    /// Why no ranking could be computed, as the API said.
    unranked: Option<String>,
    applications: Vec<Value>,
}

pub(super) async fn load(
    web: &Web,
    token: &str,
    id: &str,
    at: Option<i64>,
) -> Result<Loaded, Problem> {
    let round = web
        .api
        .get(format!("/api/v1/rounds/{}", encode(id)), Some(token))
        .await?;
    // A ranking the rules cannot compute yet (say, no committee) is said on the page; a ranking
    // the caller may not see is the API's 404.
    let (ranking, unranked) = match web
        .api
        .get(
            format!("/api/v1/rounds/{}/ranking", encode(id)),
            Some(token),
        )
        .await
    {
        Ok(ranking) => (ranking, None),
        Err(problem) if about_the_request(&problem) => return Err(problem),
        Err(problem) => (Value::Null, Some(problem.detail_ja)),
    };
    let applications = round_applications(web, token, id, at).await?;
    Ok(Loaded {
        round,
        ranking,
        unranked,
        applications,
    })
}

pub(super) fn ranking_page(
    visitor: &Visitor,
    id: &str,
    loaded: &Loaded,
    state: &FormState,
    notice: Option<&str>,
) -> Response {
    let Loaded {
        round,
        ranking,
        unranked,
        applications,
    } = loaded;
    let fixed = ranking["fixed"] == true;
    let rows: Vec<&Value> = ranking["rows"].as_array().into_iter().flatten().collect();
    let offer = &ranking["offer"];
    let body = html! {
        (flash(notice))
        (round_menu(id))
        div.summary-box {
            p { "合格ライン：満点の " strong { (text(&round["pass_ratio"])) } "（合計点がこれに届かない申請は不採択）" }
            p { "予算額：" (yen_of(&round["budget"])) "。順位の順に予算を充て、最初に予算を超える申請が次点となり、残額が提示されます。" }
            p { "この順位は" strong { @if fixed { "確定済み" } @else { "暫定（採点を締め切り、確定するまで変わります）" } } "です。" }
        }
        @if let Some(why) = unranked {
            p.error { "順位を計算できません：" (why) }
        } @else if rows.is_empty() {
            p { "順位をつける申請はまだありません（形式審査で受理され、すべての審査委員の採点がそろった申請が並びます）。" }
        } @else {
            table #ranking {
                caption { "順位" }
                thead { tr {
                    th.num scope="col" { "順位" } th scope="col" { "事業名" } th scope="col" { "団体名" }
                    th.num scope="col" { "合計点" } th scope="col" { "合格ライン" } th scope="col" { "結果" }
                    th.num scope="col" { "申請額" } th.num scope="col" { "次点への提示額" }
                } }
                tbody {
                    @for row in &rows {
                        @let application_id = text(&row["application_id"]);
                        @let listed = row_of(applications, application_id);
                        tr {
                            td.num { (row["rank"]) }
                            td { a href={ "/staff/applications/" (application_id) } { (listed.map(title_of).unwrap_or_else(|| application_id.to_owned())) } }
                            td { (listed.map(|row| text(&row["group_name"])).unwrap_or("")) }
                            td.num { (row["total"]) "点" }
                            td { @if row["passed"] == true { "合格" } @else { "不合格" } }
                            td { (view::ranking_outcome(text(&row["outcome"]))) }
                            td.num { (listed.map(|row| yen_of(&row["requested_amount"])).unwrap_or_default()) }
                            td.num { (yen_of(&row["remainder_offer"])) }
                        }
                    }
                }
            }
        }
        @if offer.is_object() {
            h2 { "次点への提示" }
            @let listed = row_of(applications, text(&offer["application_id"]));
            dl.facts #offer {
                dt { "申請" } dd { (listed.map(title_of).unwrap_or_default()) @if let Some(row) = listed { "（" (status_of_row(row)) "）" } }
                dt { "提示額（予算の残額）" } dd { (yen_of(&offer["remainder"])) }
                dt { "回答期限" } dd { (date_of(&offer["expires_on"])) }
                dt { "回答" } dd { @match offer["accepted"].as_bool() { Some(true) => "受諾", Some(false) => "辞退", None => "未回答" } }
            }
        }
        @if !fixed {
            h2 { "順位の確定" }
            p { "採点を締め切ったあとに確定します。確定すると次点への提示が始まり、交付決定ができるようになります。" }
            (error_summary(state))
            form.stack method="post" action={ "/staff/rounds/" (id) "/ranking" } {
                (form_guard(visitor, state))
                div.actions { button type="submit" { "順位を確定する" } }
            }
        } @else {
            p { a.button href={ "/staff/rounds/" (id) "/decisions" } { "交付決定へ進む" } }
            (super::promotion::section(visitor, id, ranking, applications, state))
        }
    };
    let title = format!("順位：{}", text(&round["title"]));
    page_with_status(status_of(&[state]), visitor, &title, body)
}

async fn ranking(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let path = format!("/staff/rounds/{id}/ranking");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    let loaded = match load(&web, token, &id, done.at).await {
        Ok(loaded) => loaded,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let notice = done.notice(&[
        ("fixed", "順位を確定しました。"),
        ("promoted", "繰上げ採択を打診しました。"),
    ]);
    ranking_page(
        &visitor,
        &id,
        &loaded,
        &FormState::new(FormData::default()),
        notice,
    )
}

async fn fix(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let path = format!("/staff/rounds/{id}/ranking");
    let acting = match act(&web, visitor, &form).await {
        Ok(acting) => acting,
        Err((visitor, state)) => {
            return match visitor.token() {
                Some(token) => match load(&web, token, &id, None).await {
                    Ok(loaded) => ranking_page(&visitor, &id, &loaded, &state, None),
                    Err(problem) => read_failed(&visitor, &problem, &path),
                },
                None => resubmit(&visitor, &path, "順位の確定", &state),
            }
        }
    };
    let call = Call::command(
        Method::POST,
        format!("/api/v1/rounds/{}/ranking", encode(&id)),
        Some(&acting.token),
        None,
    )
    .idempotent(form.idempotency_key("fix"));
    let response = match web.api.send(call).await {
        Ok(answer) => redirect(&done_at(&path, "fixed", &answer)),
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
