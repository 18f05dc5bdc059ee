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
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use grants_domain::round::{PromotionOffer, RankRow, RunnerUpOffer};
use grants_projections::applications::ApplicationRow;
use maud::html;

use super::{
    about_the_request, act, done_after, listed, listed_title, refused_outright, resubmit,
    round_menu, round_rows, status_of, Done,
};
use crate::policy::Staff;
use crate::service::decisions::{self, Ranking};
use crate::service::round_read::RoundRead;
use crate::web::caller::path_id;
use crate::web::command::PageCommand;
use crate::web::form::Errors;
use crate::web::form::{FormData, FormState};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::{self, error_summary, flash, form_guard, page_with_status};
use crate::web::Web;

/// A round's ranking page: `/staff/rounds/{id}/ranking`.
pub fn routes() -> Router<Web> {
    Router::new().route("/staff/rounds/{id}/ranking", get(ranking).post(fix))
}

/// A ranking as the page shows it: fixed (with its offers) or a preview.
pub(super) struct Ranked {
    pub fixed: bool,
    pub rows: Vec<RankRow>,
    pub offer: Option<RunnerUpOffer>,
    pub promotions: Vec<PromotionOffer>,
}

impl From<Ranking> for Ranked {
    fn from(ranking: Ranking) -> Self {
        match ranking {
            Ranking::Fixed(round) => {
                let fixed = round.ranking;
                Ranked {
                    fixed: true,
                    rows: fixed
                        .as_ref()
                        .map(|ranking| ranking.rows.clone())
                        .unwrap_or_default(),
                    offer: fixed.and_then(|ranking| ranking.offer),
                    promotions: round.promotions,
                }
            }
            Ranking::Preview(rows) => Ranked {
                fixed: false,
                rows,
                offer: None,
                promotions: Vec::new(),
            },
        }
    }
}

pub(super) struct Loaded {
    round: RoundRead,
    ranking: Ranked,
    /// Why no ranking could be computed, as the service said.
    unranked: Option<String>,
    applications: Vec<ApplicationRow>,
}

pub(super) async fn load(
    web: &Web,
    token: &str,
    id: &str,
    at: Option<i64>,
) -> Result<Loaded, Problem> {
    let reads = web.reads(token).await?;
    let round = reads.round(id).await?;
    // A ranking the rules cannot compute yet (say, no committee) is said on the page; a ranking
    // the caller may not see is a 404.
    let (ranking, unranked) = match reads.ranking(id).await {
        Ok(ranking) => (Ranked::from(ranking), None),
        Err(problem) if about_the_request(&problem) => return Err(problem),
        Err(problem) => (
            Ranked::from(Ranking::Preview(Vec::new())),
            Some(problem.detail_ja),
        ),
    };
    let applications = round_rows(web, token, id, at).await?;
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
    let fixed = ranking.fixed;
    let rows = &ranking.rows;
    let body = html! {
        (flash(notice))
        (round_menu(id))
        div.summary-box {
            p { "合格ライン：満点の " strong { (round.settings.pass_ratio) } "（合計点がこれに届かない申請は不採択）" }
            p { "予算額：" (round.settings.budget) "。順位の順に予算を充て、最初に予算を超える申請が次点となり、残額が提示されます。" }
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
                    @for row in rows {
                        @let application_id = row.application_id.to_string();
                        @let listed = listed(applications, &application_id);
                        tr {
                            td.num { (row.rank) }
                            td { a href={ "/staff/applications/" (application_id) } { (listed.map(listed_title).unwrap_or_else(|| application_id.clone())) } }
                            td { (listed.and_then(|row| row.group_name.as_deref()).unwrap_or_default()) }
                            td.num { (row.total) "点" }
                            td { @if row.passed { "合格" } @else { "不合格" } }
                            td { (row.outcome.label_ja()) }
                            td.num { (listed.map(|row| view::yen(row.requested_amount)).unwrap_or_default()) }
                            td.num { (view::amount(row.remainder_offer)) }
                        }
                    }
                }
            }
        }
        @if let Some(offer) = &ranking.offer {
            h2 { "次点への提示" }
            @let listed = listed(applications, &offer.application_id.to_string());
            dl.facts #offer {
                dt { "申請" } dd { (listed.map(listed_title).unwrap_or_default()) @if let Some(row) = listed { "（" (row.status.label_ja()) "）" } }
                dt { "提示額（予算の残額）" } dd { (offer.remainder) }
                dt { "回答期限" } dd { (view::day(Some(offer.expires_on))) }
                dt { "回答" } dd { (super::promotion::answer_ja(offer.accepted)) }
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
            (super::promotion::section(visitor, id, &ranking.promotions, applications, state))
        }
    };
    let title = format!("順位：{}", round.settings.title);
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
    let state = &web.state;
    let round = path_id(&id);
    let command = PageCommand {
        path: &path,
        form: &form,
        step: "fix",
    };
    let fixed = web
        .once(&acting.token, command, |actor, context| async move {
            let staff = Staff::admit(actor)?;
            let followed = decisions::fix_ranking(state, &context, &staff, round?).await?;
            Ok(followed.position)
        })
        .await;
    let response = match fixed {
        Ok(position) => redirect(&done_after(&path, "fixed", Some(position))),
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
