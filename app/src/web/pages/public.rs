//! What anyone may read: the open calls and the awarded projects of this fiscal year (`/`), one
//! round's call (`/rounds/{id}`), the list of awarded projects with filters and downloads
//! (`/awards`), and one awarded project (`/awards/{grant_id}`).

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use grants_domain::FiscalYear;
use grants_projections::awards::{Award, AwardQuery};
use maud::{html, Markup};
use serde::Deserialize;

use super::read_failed;
use crate::service::public;
use crate::service::round_read::RoundRead;
use crate::web::caller::path_id;
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::encode;
use crate::web::view::{self, page};
use crate::web::Web;

/// The pages anyone may read: `/`, `/rounds/{id}`, `/awards`, `/awards/{grant_id}`.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/", get(home))
        .route("/rounds/{id}", get(round))
        .route("/awards", get(awards))
        .route("/awards/{grant_id}", get(award))
}

fn rounds_table(rounds: &[&RoundRead]) -> Markup {
    html! {
        table {
            caption.visually-hidden { "募集中の公募" }
            thead { tr { th scope="col" { "公募" } th scope="col" { "コース" } th scope="col" { "補助上限額" } th scope="col" { "締切" } } }
            tbody {
                @for round in rounds {
                    tr {
                        td { a href={ "/rounds/" (round.id) } { (round.settings.title) } }
                        td { (round.settings.course) }
                        td.num { (round.settings.cap) }
                        td { (view::instant(round.settings.closes_at)) }
                    }
                }
            }
        }
    }
}

fn awards_table(awards: &[Award], caption: &str) -> Markup {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    html! {
        table {
            caption { (caption) }
            thead { tr {
                th scope="col" { "年度" } th scope="col" { "コース" } th scope="col" { "団体名" }
                th scope="col" { "事業名" } th scope="col" { "交付決定額" } th scope="col" { "交付決定日" }
                th scope="col" { "確定額" }
            } }
            tbody {
                @for award in awards {
                    tr {
                        td { @if let Some(year) = award.fiscal_year { (year) "年度" } }
                        td { (text(&award.course)) }
                        td { (text(&award.group_name)) }
                        td { a href={ "/awards/" (award.grant_id) } { (text(&award.title)) } }
                        td.num { (view::yen(award.amount_awarded)) }
                        td { (view::day(award.award_date)) }
                        td.num { (view::yen_or_dash(award.amount_finalised)) }
                    }
                }
            }
        }
    }
}

async fn home(State(web): State<Web>, visitor: Visitor) -> Response {
    let now = web.clock.now();
    let year = FiscalYear::of_instant(now);
    let read = async {
        let rounds = web.reads_as(visitor.token()).await?.rounds().await?;
        let query = AwardQuery::filtered(Some(year.year()), None);
        let awards = public::awards(&web.state, &query).await?;
        Ok::<_, Problem>((rounds, awards))
    };
    let (rounds, awards) = match read.await {
        Ok(read) => read,
        Err(problem) => return read_failed(&visitor, &problem, "/"),
    };
    let open: Vec<&RoundRead> = rounds
        .iter()
        .filter(|round| round.settings.is_open_for_submission(now))
        .collect();
    let body = html! {
        p.lead { "市民活動団体が行う、地域の課題解決や公益の増進につながる事業に補助します。" }
        section aria-labelledby="open-calls" {
            h2 #open-calls { "募集中の公募" }
            @if open.is_empty() {
                p { "現在募集中の公募はありません。" }
            } @else {
                (rounds_table(&open))
            }
        }
        section aria-labelledby="this-year" {
            h2 #this-year { (year) "の交付決定事業" }
            @if awards.is_empty() {
                p { "まだ交付決定した事業はありません。" }
            } @else {
                (awards_table(&awards, &format!("{year}の交付決定事業")))
            }
            p { a href="/awards" { "過去の年度を含む一覧・データのダウンロード" } }
        }
    };
    page(&visitor, "公募と交付決定事業", body)
}

async fn round(State(web): State<Web>, visitor: Visitor, Path(id): Path<String>) -> Response {
    let path = format!("/rounds/{id}");
    let read = async { web.reads_as(visitor.token()).await?.round(&id).await };
    let round = match read.await {
        Ok(round) => round,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let settings = &round.settings;
    let open = settings.is_open_for_submission(web.clock.now());
    let rates: Vec<String> = settings
        .rate_schedule
        .rates()
        .iter()
        .map(ToString::to_string)
        .collect();
    let is_applicant = visitor
        .user
        .as_ref()
        .is_some_and(|user| user.has("applicant"));
    let body = html! {
        p { (settings.description) }
        dl.facts {
            dt { "年度" } dd { (settings.fiscal_year) }
            dt { "コース" } dd { (settings.course) }
            dt { "募集期間" } dd { (view::instant(settings.opens_at)) " 〜 " (view::instant(settings.closes_at)) @if open { " " strong.badge { "募集中" } } }
            dt { "補助上限額" } dd { (settings.cap) }
            dt { "補助下限額" } dd { (settings.floor) }
            dt { "補助率" } dd { "1回目 " (rates.first().map_or("—", String::as_str)) @for (n, rate) in rates.iter().enumerate().skip(1) { "、" (n + 1) "回目 " (rate) } }
            dt { "端数処理" } dd { (settings.rounding_unit) "未満切り捨て" }
            dt { "1団体あたりの交付回数の上限" } dd { (settings.max_grants_per_group) "回" }
            dt { "予算額" } dd { (settings.budget) }
        }
        h2 { "審査基準" }
        table {
            thead { tr { th scope="col" { "基準" } th scope="col" { "配点" } } }
            tbody {
                @for criterion in settings.criteria.iter() {
                    tr { td { (criterion.label) } td { (criterion.min) "〜" (criterion.max) "点" } }
                }
            }
        }
        @if open {
            @if is_applicant {
                p { a.button href={ "/rounds/" (id) "/apply" } { "この公募に申請する" } }
            } @else if visitor.user.is_none() {
                p { "申請するには " a href={ "/login?next=" (encode(&format!("/rounds/{id}/apply"))) } { "ログイン" } " してください（はじめての方は " a href="/register" { "新規登録" } "）。" }
            }
        }
    };
    page(&visitor, &settings.title, body)
}

#[derive(Deserialize)]
struct AwardFilter {
    fiscal_year: Option<String>,
    course: Option<String>,
    /// The last grant of the previous page.
    after: Option<String>,
}

/// Awards per page of `/awards` (the API's default page).
const PAGE: usize = 100;

async fn awards(
    State(web): State<Web>,
    visitor: Visitor,
    Query(filter): Query<AwardFilter>,
) -> Response {
    // The filters offer the fiscal years and courses of the rounds the city opened.
    let options = match public::filters(&web.state).await {
        Ok(options) => options,
        Err(error) => return read_failed(&visitor, &error.into(), "/awards"),
    };
    let year = filter
        .fiscal_year
        .as_deref()
        .and_then(|year| year.parse::<i32>().ok());
    let course = filter.course.as_deref().filter(|course| !course.is_empty());
    let mut query = Vec::new();
    if let Some(year) = year {
        query.push(format!("fiscal_year={year}"));
    }
    if let Some(course) = course {
        query.push(format!("course={}", encode(course)));
    }
    let filters = query.join("&");
    let after = filter.after.as_deref().filter(|after| !after.is_empty());
    let page_query = AwardQuery {
        fiscal_year: year,
        course,
        after,
        limit: Some(PAGE as u32),
    };
    let listed = match public::awards(&web.state, &page_query).await {
        Ok(listed) => listed,
        Err(error) => return read_failed(&visitor, &error.into(), "/awards"),
    };
    // A full page may have a next one (the API's `Link` header says the same).
    let next = (listed.len() == PAGE)
        .then(|| listed.last().map(|last| last.grant_id.clone()))
        .flatten()
        .map(|last| {
            let separator = if filters.is_empty() { "" } else { "&" };
            format!("/awards?{filters}{separator}after={}", encode(&last))
        });
    let query = if filters.is_empty() {
        String::new()
    } else {
        format!("?{filters}")
    };
    let years = &options.fiscal_years;
    let courses = &options.courses;
    let body = html! {
        form.filters method="get" action="/awards" {
            div.field {
                label for="f-fiscal_year" { "年度" }
                select #f-fiscal_year name="fiscal_year" {
                    option value="" { "すべて" }
                    @for y in years {
                        option value=(y) selected[year == Some(*y)] { (y) "年度" }
                    }
                }
            }
            div.field {
                label for="f-course" { "コース" }
                select #f-course name="course" {
                    option value="" { "すべて" }
                    @for c in courses {
                        option value=(c) selected[course == Some(c.as_str())] { (c) }
                    }
                }
            }
            button type="submit" { "絞り込む" }
        }
        p.downloads {
            "この一覧のデータ: "
            a href={ "/api/v1/public/awards.csv" (query) } download { "CSV（Excel対応）" }
            " ・ "
            a href={ "/api/v1/public/awards.360giving.json" (query) } { "360Giving形式（JSON）" }
        }
        @if listed.is_empty() {
            p { "条件に合う交付決定事業はありません。" }
        } @else {
            (awards_table(&listed, "交付決定事業（交付決定日順）"))
        }
        @if let Some(next) = &next {
            p.pager { a href=(next) rel="next" { "次の" (PAGE) "件を表示" } }
        }
    };
    page(&visitor, "交付決定事業の一覧", body)
}

async fn award(State(web): State<Web>, visitor: Visitor, Path(grant_id): Path<String>) -> Response {
    let path = format!("/awards/{grant_id}");
    let read = async { Ok::<_, Problem>(public::award(&web.state, path_id(&grant_id)?).await?) };
    let read = match read.await {
        Ok(read) => read,
        Err(problem) if problem.status == axum::http::StatusCode::NOT_FOUND => {
            return view::page_with_status(
                axum::http::StatusCode::NOT_FOUND,
                &visitor,
                "交付決定事業が見つかりません",
                html! { p { a href="/awards" { "一覧へ戻る" } } },
            );
        }
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let award = &read.award;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let body = html! {
        dl.facts {
            dt { "団体名" } dd { (text(&award.group_name)) }
            dt { "団体登録番号" } dd { (text(&award.registration_number)) }
            dt { "年度" } dd { @if let Some(year) = award.fiscal_year { (year) "年度" } }
            dt { "コース" } dd { (text(&award.course)) }
            dt { "事業概要" } dd { (text(&award.summary)) }
            dt { "事業期間" } dd { (view::day(award.planned_start)) " 〜 " (view::day(award.planned_end)) }
            dt { "交付決定額" } dd { (view::yen(award.amount_awarded)) }
            dt { "交付決定日" } dd { (view::day(award.award_date)) }
            dt { "確定額" } dd { (view::yen_or_dash(award.amount_finalised)) }
            dt { "状況" } dd { (award.status.label_ja()) }
        }
        @if !read.photos.is_empty() {
            h2 #photos { "活動の様子" }
            ul.photos {
                @for (n, photo) in read.photos.iter().enumerate() {
                    li { img src=(photo.href) alt={ "活動写真 " (n + 1) } loading="lazy" width="320"; }
                }
            }
        }
        p { a href="/awards" { "一覧へ戻る" } }
    };
    page(&visitor, &text(&award.title), body)
}
