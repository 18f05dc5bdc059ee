//! What anyone may read: the open calls and the awarded projects of this fiscal year (`/`), one
//! round's call (`/rounds/{id}`), the list of awarded projects with filters and downloads
//! (`/awards`), and one awarded project (`/awards/{grant_id}`).

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use grants_domain::FiscalYear;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::read_failed;
use crate::web::api::encode;
use crate::web::session::Visitor;
use crate::web::view::{self, date_of, instant_of, page, text, yen_of};
use crate::web::Web;

pub fn routes() -> Router<Web> {
    Router::new()
        .route("/", get(home))
        .route("/rounds/{id}", get(round))
        .route("/awards", get(awards))
        .route("/awards/{grant_id}", get(award))
}

/// Whether a round's application window is open now (for listing open calls; submitting is the
/// API's to allow).
pub fn window_open(round: &Value, now: OffsetDateTime) -> bool {
    let at = |name: &str| {
        round[name]
            .as_str()
            .and_then(|instant| OffsetDateTime::parse(instant, &Rfc3339).ok())
    };
    matches!((at("opens_at"), at("closes_at")), (Some(opens), Some(closes)) if opens <= now && now < closes)
}

fn rounds_table(rounds: &[&Value]) -> Markup {
    html! {
        table {
            caption.visually-hidden { "募集中の公募" }
            thead { tr { th scope="col" { "公募" } th scope="col" { "コース" } th scope="col" { "補助上限額" } th scope="col" { "締切" } } }
            tbody {
                @for round in rounds {
                    tr {
                        td { a href={ "/rounds/" (text(&round["id"])) } { (text(&round["title"])) } }
                        td { (text(&round["course"])) }
                        td.num { (yen_of(&round["cap"])) }
                        td { (instant_of(&round["closes_at"])) }
                    }
                }
            }
        }
    }
}

fn awards_table(awards: &[Value], caption: &str) -> Markup {
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
                        td { @if let Some(year) = award["fiscal_year"].as_i64() { (year) "年度" } }
                        td { (text(&award["course"])) }
                        td { (text(&award["group_name"])) }
                        td { a href={ "/awards/" (text(&award["grant_id"])) } { (text(&award["title"])) } }
                        td.num { (yen_of(&award["amount_awarded"])) }
                        td { (date_of(&award["award_date"])) }
                        td.num { (yen_of(&award["amount_finalised"])) }
                    }
                }
            }
        }
    }
}

async fn home(State(web): State<Web>, visitor: Visitor) -> Response {
    let now = web.clock.now();
    let year = FiscalYear::of_instant(now);
    let rounds = match web.api.get("/api/v1/rounds", visitor.token()).await {
        Ok(rounds) => rounds,
        Err(problem) => return read_failed(&visitor, &problem, "/"),
    };
    let awards = match web
        .api
        .get(
            format!("/api/v1/public/awards?fiscal_year={}", year.year()),
            None,
        )
        .await
    {
        Ok(awards) => awards,
        Err(problem) => return read_failed(&visitor, &problem, "/"),
    };
    let open: Vec<&Value> = rounds
        .as_array()
        .map(|rounds| {
            rounds
                .iter()
                .filter(|round| window_open(round, now))
                .collect()
        })
        .unwrap_or_default();
    let awards = awards.as_array().cloned().unwrap_or_default();
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
    let round = match web
        .api
        .get(format!("/api/v1/rounds/{}", encode(&id)), visitor.token())
        .await
    {
        Ok(round) => round,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let open = window_open(&round, web.clock.now());
    let rates: Vec<&str> = round["rate_schedule"]
        .as_array()
        .map(|rates| rates.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let is_applicant = visitor
        .user
        .as_ref()
        .is_some_and(|user| user.has("applicant"));
    let body = html! {
        p { (text(&round["description"])) }
        dl.facts {
            dt { "年度" } dd { (round["fiscal_year"]) "年度" }
            dt { "コース" } dd { (text(&round["course"])) }
            dt { "募集期間" } dd { (instant_of(&round["opens_at"])) " 〜 " (instant_of(&round["closes_at"])) @if open { " " strong.badge { "募集中" } } }
            dt { "補助上限額" } dd { (yen_of(&round["cap"])) }
            dt { "補助下限額" } dd { (yen_of(&round["floor"])) }
            dt { "補助率" } dd { "1回目 " (rates.first().copied().unwrap_or("—")) @for (n, rate) in rates.iter().enumerate().skip(1) { "、" (n + 1) "回目 " (rate) } }
            dt { "端数処理" } dd { (yen_of(&round["rounding_unit"])) "未満切り捨て" }
            dt { "1団体あたりの交付回数の上限" } dd { (round["max_grants_per_group"]) "回" }
            dt { "予算額" } dd { (yen_of(&round["budget"])) }
        }
        h2 { "審査基準" }
        table {
            thead { tr { th scope="col" { "基準" } th scope="col" { "配点" } } }
            tbody {
                @for criterion in round["criteria"].as_array().into_iter().flatten() {
                    tr { td { (text(&criterion["label"])) } td { (criterion["min"]) "〜" (criterion["max"]) "点" } }
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
    page(&visitor, text(&round["title"]), body)
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
    let options = match web.api.get("/api/v1/public/award-filters", None).await {
        Ok(options) => options,
        Err(problem) => return read_failed(&visitor, &problem, "/awards"),
    };
    let year = filter
        .fiscal_year
        .as_deref()
        .filter(|year| year.parse::<i32>().is_ok());
    let course = filter.course.as_deref().filter(|course| !course.is_empty());
    let mut query = Vec::new();
    if let Some(year) = year {
        query.push(format!("fiscal_year={year}"));
    }
    if let Some(course) = course {
        query.push(format!("course={}", encode(course)));
    }
    let filters = query.join("&");
    if let Some(after) = filter.after.as_deref().filter(|after| !after.is_empty()) {
        query.push(format!("after={}", encode(after)));
    }
    query.push(format!("limit={PAGE}"));
    let listed = match web
        .api
        .get(format!("/api/v1/public/awards?{}", query.join("&")), None)
        .await
    {
        Ok(listed) => listed.as_array().cloned().unwrap_or_default(),
        Err(problem) => return read_failed(&visitor, &problem, "/awards"),
    };
    // A full page may have a next one (the API's `Link` header says the same).
    let next = (listed.len() == PAGE)
        .then(|| listed.last().map(|last| text(&last["grant_id"]).to_owned()))
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
    let years: Vec<i64> = options["fiscal_years"]
        .as_array()
        .map(|years| years.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    let courses: Vec<&str> = options["courses"]
        .as_array()
        .map(|courses| courses.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let body = html! {
        form.filters method="get" action="/awards" {
            div.field {
                label for="f-fiscal_year" { "年度" }
                select #f-fiscal_year name="fiscal_year" {
                    option value="" { "すべて" }
                    @for y in &years {
                        option value=(y) selected[year == Some(y.to_string().as_str())] { (y) "年度" }
                    }
                }
            }
            div.field {
                label for="f-course" { "コース" }
                select #f-course name="course" {
                    option value="" { "すべて" }
                    @for c in &courses {
                        option value=(c) selected[course == Some(*c)] { (c) }
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
    let award = match web
        .api
        .get(format!("/api/v1/public/awards/{}", encode(&grant_id)), None)
        .await
    {
        Ok(award) => award,
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
    let body = html! {
        dl.facts {
            dt { "団体名" } dd { (text(&award["group_name"])) }
            dt { "団体登録番号" } dd { (text(&award["registration_number"])) }
            dt { "年度" } dd { @if let Some(year) = award["fiscal_year"].as_i64() { (year) "年度" } }
            dt { "コース" } dd { (text(&award["course"])) }
            dt { "事業概要" } dd { (text(&award["summary"])) }
            dt { "事業期間" } dd { (date_of(&award["planned_start"])) " 〜 " (date_of(&award["planned_end"])) }
            dt { "交付決定額" } dd { (yen_of(&award["amount_awarded"])) }
            dt { "交付決定日" } dd { (date_of(&award["award_date"])) }
            dt { "確定額" } dd { (yen_of(&award["amount_finalised"])) }
            dt { "状況" } dd { (view::grant_status(text(&award["status"]))) }
        }
        @if let Some(photos) = award["photos"].as_array().filter(|photos| !photos.is_empty()) {
            h2 #photos { "活動の様子" }
            ul.photos {
                @for (n, photo) in photos.iter().enumerate() {
                    li { img src=(text(&photo["href"])) alt={ "活動写真 " (n + 1) } loading="lazy" width="320"; }
                }
            }
        }
        p { a href="/awards" { "一覧へ戻る" } }
    };
    page(&visitor, text(&award["title"]), body)
}
