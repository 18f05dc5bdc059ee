//! Opening a round (`/staff/rounds/new`) with every setting of the round (募集要項) that
//! `POST /api/v1/rounds` takes, and one round's settings and budget (`/staff/rounds/{id}`).
//!
//! The new-round form starts filled with domain.md's demo configuration (step-up course) as a
//! suggestion; the API checks whatever is sent and its refusal is shown beside the field.

use crate::web::form::PageForm;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use grants_domain::round::settings::{COURSE_MAX_CHARS, DESCRIPTION_MAX_CHARS, TITLE_MAX_CHARS};
use grants_domain::round::RoundSettings;
use grants_domain::{Criteria, Criterion, FiscalYear, RateSchedule, Ratio, Refusal};
use maud::html;
use time::OffsetDateTime;

use super::{
    act, jst_field, local_of, refused_outright, round_budget, round_menu, round_stage, status_of,
    Done,
};
use crate::policy::Staff;
use crate::service::rounds;
use crate::web::command::PageCommand;
use crate::web::form::{
    date_field, required_yen_field, whole_number, Errors, FormData, FormState, UNREADABLE_NUMBER,
};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::session::Visitor;
use crate::web::view::{self, error_summary, flash, form_guard, page, page_with_status, Input};
use crate::web::Web;

/// Opening a round (`/staff/rounds/new`) and one round's settings (`/staff/rounds/{id}`).
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/staff/rounds/new", get(new_round).post(open_round))
        .route("/staff/rounds/{id}", get(round))
}

/// The form's fields that are the API's fields of the same name.
const ROUND_FIELDS: &[&str] = &[
    "fiscal_year",
    "course",
    "title",
    "description",
    "budget",
    "cap",
    "floor",
    "rate_schedule",
    "rounding_unit",
    "max_grants_per_group",
    "opens_at",
    "closes_at",
    "criteria",
    "pass_ratio",
    "advance_cap_ratio",
    "change_threshold_ratio",
    "settlement_days",
    "settlement_grace_date",
];

/// Blank criterion rows offered under the filled ones.
const BLANK_CRITERIA_ROWS: usize = 2;

/// domain.md's demo configuration of the step-up course: a starting point, not a rule.
fn suggested(now: OffsetDateTime) -> FormData {
    let mut fields = FormData::default();
    let year = grants_domain::FiscalYear::of_instant(now).year();
    for (name, value) in [
        ("fiscal_year", year.to_string()),
        ("course", "ステップアップ".into()),
        ("budget", "".into()),
        ("cap", "500000".into()),
        ("floor", "0".into()),
        ("rate_schedule", "1/1, 3/4, 1/2".into()),
        ("rounding_unit", "1000".into()),
        ("max_grants_per_group", "3".into()),
        ("pass_ratio", "7/10".into()),
        ("advance_cap_ratio", "4/5".into()),
        ("change_threshold_ratio", "1/5".into()),
        ("settlement_days", "30".into()),
        ("opens_at", local_of(now)),
    ] {
        fields.set(name, value);
    }
    for (key, label) in [
        ("public_benefit", "公益性"),
        ("civic", "市民性"),
        ("growth", "発展性"),
        ("feasibility", "実現性"),
        ("independence", "自立性"),
    ] {
        for (name, value) in [
            ("criterion_key", key),
            ("criterion_label", label),
            ("criterion_min", "0"),
            ("criterion_max", "10"),
        ] {
            fields.0.push((name.into(), value.into()));
        }
    }
    fields
}

const UNREADABLE_YEAR: &str = "年度を西暦の4桁で入力してください（例：2026）";
const UNREADABLE_RATES: &str =
    "補助率を1/1以下の分数でカンマ区切りに入力してください（例：1/1, 3/4, 1/2）";
const UNREADABLE_RATIO: &str = "分数で入力してください（例：7/10）";
const UNREADABLE_CRITERIA: &str = "審査基準の最低点・最高点は0以上の整数で入力してください";

/// A ratio field (`7/10`).
fn ratio_field(value: &str) -> Result<Ratio, &'static str> {
    value.trim().parse().map_err(|_| UNREADABLE_RATIO)
}

/// A whole number field that must be given.
fn count(value: &str) -> Result<u32, &'static str> {
    whole_number(value)
        .and_then(|number| u32::try_from(number).ok())
        .ok_or(UNREADABLE_NUMBER)
}

/// The settings typed in the new-round form; every field that cannot be read is named beside it,
/// all at once, and the settings are `None`. Whether the settings hang together is the round's to
/// say when it opens.
fn read_settings(form: &FormData, errors: &mut Errors) -> Option<RoundSettings> {
    let keys = form.all("criterion_key");
    let at = |name: &str, n: usize| form.all(name).get(n).copied().unwrap_or("").to_owned();
    let rows: Option<Vec<Criterion>> = (0..keys.len())
        .map(|n| {
            [
                at("criterion_key", n),
                at("criterion_label", n),
                at("criterion_min", n),
                at("criterion_max", n),
            ]
        })
        .filter(|line| !line.iter().all(|field| field.trim().is_empty()))
        .map(|line| {
            Some(Criterion {
                key: line[0].trim().to_owned(),
                label: line[1].trim().to_owned(),
                min: count(&line[2]).ok()?,
                max: count(&line[3]).ok()?,
            })
        })
        .collect();
    let criteria = match rows.map(Criteria::new) {
        None => errors.read("criteria", Err(UNREADABLE_CRITERIA)),
        Some(Err(refusal)) => {
            errors.add(Some("criteria"), refusal.message_ja());
            None
        }
        Some(Ok(criteria)) => Some(criteria),
    };
    let rates: Result<Vec<Ratio>, _> = form
        .get("rate_schedule")
        .split([',', '、', '，', '→', ' ', '　'])
        .map(str::trim)
        .filter(|rate| !rate.is_empty())
        .map(str::parse::<Ratio>)
        .collect();
    let rate_schedule = errors.read(
        "rate_schedule",
        rates
            .ok()
            .and_then(|rates| RateSchedule::new(rates).ok())
            .ok_or(UNREADABLE_RATES),
    );
    let fiscal_year = errors.read(
        "fiscal_year",
        whole_number(form.get("fiscal_year"))
            .and_then(|year| i32::try_from(year).ok())
            .and_then(|year| FiscalYear::new(year).ok())
            .ok_or(UNREADABLE_YEAR),
    );
    let mut yen = |name: &str| errors.read(name, required_yen_field(form.get(name)));
    let (budget, cap, floor, rounding_unit) = (
        yen("budget"),
        yen("cap"),
        yen("floor"),
        yen("rounding_unit"),
    );
    let max_grants_per_group = errors.read(
        "max_grants_per_group",
        count(form.get("max_grants_per_group")),
    );
    let opens_at = errors.read("opens_at", jst_field(form.get("opens_at")));
    let closes_at = errors.read("closes_at", jst_field(form.get("closes_at")));
    let pass_ratio = errors.read("pass_ratio", ratio_field(form.get("pass_ratio")));
    let advance_cap_ratio = errors.read(
        "advance_cap_ratio",
        ratio_field(form.get("advance_cap_ratio")),
    );
    let change_threshold_ratio = errors.read(
        "change_threshold_ratio",
        ratio_field(form.get("change_threshold_ratio")),
    );
    let settlement_days = errors.read("settlement_days", count(form.get("settlement_days")));
    // Empty: the default grace date, 10 April after the fiscal year.
    let settlement_grace_date = match form.get("settlement_grace_date").trim() {
        "" => Some(None),
        date => errors
            .read("settlement_grace_date", date_field(date))
            .map(Some),
    };
    Some(RoundSettings {
        fiscal_year: fiscal_year?,
        course: form.get("course").to_owned(),
        title: form.get("title").to_owned(),
        description: form.get("description").to_owned(),
        budget: budget?,
        cap: cap?,
        floor: floor?,
        rate_schedule: rate_schedule?,
        rounding_unit: rounding_unit?,
        max_grants_per_group: max_grants_per_group?,
        opens_at: opens_at?,
        closes_at: closes_at?,
        criteria: criteria?,
        pass_ratio: pass_ratio?,
        advance_cap_ratio: advance_cap_ratio?,
        change_threshold_ratio: change_threshold_ratio?,
        settlement_days: settlement_days?,
        settlement_grace_date: settlement_grace_date?,
    })
}

fn criterion_cell(name: &str, label: &str, n: usize, value: &str, numeric: bool) -> maud::Markup {
    html! {
        td {
            label.visually-hidden for={ (name) "-" (n) } { (label) "（" (n + 1) "行目）" }
            input id={ (name) "-" (n) } type="text" name=(name) value=(value)
                inputmode=[numeric.then_some("numeric")];
        }
    }
}

fn round_form(visitor: &Visitor, state: &FormState) -> Response {
    let v = &state.values;
    let keys = v.all("criterion_key");
    let at = |name: &str, n: usize| v.all(name).get(n).copied().unwrap_or("").to_owned();
    let rows: Vec<[String; 4]> = (0..keys.len())
        .map(|n| {
            [
                at("criterion_key", n),
                at("criterion_label", n),
                at("criterion_min", n),
                at("criterion_max", n),
            ]
        })
        .filter(|row| !row.iter().all(|field| field.trim().is_empty()))
        .chain(std::iter::repeat_with(Default::default).take(BLANK_CRITERIA_ROWS))
        .collect();
    let criteria_error = state.errors.field("criteria");
    let body = html! {
        p { "募集要項のすべての設定をこの画面で入力します。日時は日本時間です。比率は分数で入力してください（例：7/10）。" }
        (error_summary(state))
        form.stack method="post" action="/staff/rounds/new" {
            (form_guard(visitor, state))
            fieldset {
                legend { "募集回" }
                (Input::text("fiscal_year", "年度（西暦、4月始まり）").kind("number").required().render(state))
                (Input::text("course", "コース名").required().max(COURSE_MAX_CHARS).render(state))
                (Input::text("title", "募集の名称").required().max(TITLE_MAX_CHARS).render(state))
                (Input::text("description", "募集の説明").max(DESCRIPTION_MAX_CHARS).textarea(state))
                (Input::text("opens_at", "受付開始（日本時間）").kind("datetime-local").required().render(state))
                (Input::text("closes_at", "受付締切（日本時間）").kind("datetime-local").required().hint("この日時より前に提出されたものを受け付けます。").render(state))
            }
            fieldset {
                legend { "予算と補助額" }
                (Input::text("budget", "予算額（円）").required().render(state))
                (Input::text("cap", "補助上限額（円）").required().render(state))
                (Input::text("floor", "補助下限額（円）").required().render(state))
                (Input::text("rate_schedule", "補助率（交付を受けた回数の順）").required().hint("1回目、2回目、…の順に分数をカンマ区切りで。最後の率がそれ以降にも適用されます（例：1/1, 3/4, 1/2）。").render(state))
                (Input::text("rounding_unit", "端数処理の単位（円、切り捨て）").required().hint("例：1000 または 10000").render(state))
                (Input::text("max_grants_per_group", "1団体が交付を受けられる回数の上限").kind("number").required().render(state))
            }
            fieldset #f-criteria {
                legend { "審査基準" }
                p.hint #h-criteria { "キーは半角英数字の識別子、配点は最低点と最高点です。行が足りないときは空の行を残して送信すると、確認画面で行が追加されます。" }
                @if let Some(error) = criteria_error { p.error #e-criteria { (error) } }
                table.lines {
                    caption { "審査基準" }
                    thead { tr { th scope="col" { "キー" } th scope="col" { "名称" } th scope="col" { "最低点" } th scope="col" { "最高点" } } }
                    tbody {
                        @for (n, row) in rows.iter().enumerate() {
                            tr {
                                (criterion_cell("criterion_key", "キー", n, &row[0], false))
                                (criterion_cell("criterion_label", "名称", n, &row[1], false))
                                (criterion_cell("criterion_min", "最低点", n, &row[2], true))
                                (criterion_cell("criterion_max", "最高点", n, &row[3], true))
                            }
                        }
                    }
                }
                (Input::text("pass_ratio", "合格ライン（満点に対する比率）").required().hint("例：7/10").render(state))
            }
            fieldset {
                legend { "交付後の設定" }
                (Input::text("advance_cap_ratio", "概算払の上限（交付決定額に対する比率）").required().hint("例：4/5").render(state))
                (Input::text("change_threshold_ratio", "変更承認が必要となる減額の比率").required().hint("例：1/5").render(state))
                (Input::text("settlement_days", "実績報告の期限（事業完了後の日数）").kind("number").required().render(state))
                (Input::text("settlement_grace_date", "実績報告の最終期限").kind("date").hint("空欄のときは年度終了後の4月10日です。年度の初日から翌年度の5月31日（出納閉鎖日）までの日を指定できます。").render(state))
            }
            div.actions { button type="submit" { "募集回を開設する" } }
        }
        p { a href="/staff" { "職員トップへ" } }
    };
    page_with_status(status_of(&[state]), visitor, "募集回の開設", body)
}

async fn new_round(State(web): State<Web>, visitor: Visitor) -> Response {
    if visitor.token().is_none() {
        return login_then("/staff/rounds/new");
    }
    round_form(&visitor, &FormState::new(suggested(web.clock.now())))
}

async fn open_round(
    State(web): State<Web>,
    visitor: Visitor,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let acting = match act(&web, visitor, &form).await {
        Ok(acting) => acting,
        // The form needs nothing read, so it comes back whole, signed in or not.
        Err((visitor, state)) => return round_form(&visitor, &state),
    };
    let mut errors = Errors::default();
    let Some(settings) = read_settings(&form, &mut errors) else {
        let state = FormState::new(form.typed()).with_errors(errors);
        return acting.finish(round_form(&acting.visitor, &state));
    };
    let state = &web.state;
    let command = PageCommand {
        path: "/staff/rounds/new",
        form: &form,
        step: "open",
    };
    let opened = web
        .once(&acting.token, command, |actor, context| async move {
            let (id, _) = rounds::open(state, &context, &Staff::admit(actor)?, settings).await?;
            Ok(id)
        })
        .await;
    let response = match opened {
        Ok(id) => redirect(&format!("/staff/rounds/{id}?done=opened")),
        Err(problem) => refused_outright(&acting.visitor, &problem, "/staff/rounds/new")
            .unwrap_or_else(|| {
                let errors = Errors::placed(&problem, ROUND_FIELDS, &[]);
                round_form(
                    &acting.visitor,
                    &FormState::new(form.typed()).with_errors(errors),
                )
            }),
    };
    acting.finish(response)
}

/// One round: its state, its money, its settings, and the links to its work.
async fn round(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let path = format!("/staff/rounds/{id}");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    let round = match async { web.reads(token).await?.round(&id).await }.await {
        Ok(round) => round,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let settings = &round.settings;
    let rates: Vec<String> = settings
        .rate_schedule
        .rates()
        .iter()
        .map(ToString::to_string)
        .collect();
    let body = html! {
        (flash(done.notice(&[
            ("opened", "募集回を開設しました。"),
            ("corrected", "募集要項を訂正しました。"),
        ])))
        p { "状況：" strong { (round_stage(&round, web.clock.now())) } }
        (round_menu(&id))
        (round_budget(&round))
        h2 { "募集要項" }
        dl.facts {
            dt { "年度" } dd { (settings.fiscal_year) }
            dt { "コース" } dd { (settings.course) }
            dt { "説明" } dd { (settings.description) }
            dt { "受付期間" } dd { (view::instant(settings.opens_at)) " 〜 " (view::instant(settings.closes_at)) }
            dt { "補助上限額・下限額" } dd { (settings.cap) " ・ " (settings.floor) }
            dt { "補助率" } dd { (rates.join(" → ")) "（交付を受けた回数の順）" }
            dt { "端数処理" } dd { (settings.rounding_unit) "未満切り捨て" }
            dt { "1団体の交付回数の上限" } dd { (settings.max_grants_per_group) "回" }
            dt { "合格ライン" } dd { "満点の" (settings.pass_ratio) }
            dt { "概算払の上限" } dd { "交付決定額の" (settings.advance_cap_ratio) }
            dt { "変更承認が必要な減額" } dd { (settings.change_threshold_ratio) "を超える減額" }
            dt { "実績報告の期限" } dd {
                "事業完了後" (settings.settlement_days) "日以内（最終期限："
                @if let Some(date) = settings.settlement_grace_date { (view::day(Some(date))) } @else { "年度終了後の4月10日" }
                "）"
            }
        }
        table {
            caption { "審査基準" }
            thead { tr { th scope="col" { "キー" } th scope="col" { "名称" } th.num scope="col" { "配点" } } }
            tbody {
                @for criterion in settings.criteria.iter() {
                    tr {
                        td { (criterion.key) }
                        td { (criterion.label) }
                        td.num { (criterion.min) "〜" (criterion.max) "点" }
                    }
                }
            }
        }
        (super::round_correction::corrections_list(&round))
        p { a #correct-round href={ "/staff/rounds/" (id) "/correction" } { "募集要項を訂正する（受付期間の延長・説明の訂正・予算の増額）" } }
        p { a href="/staff" { "職員トップへ" } }
    };
    let title = format!("募集回：{}", settings.title);
    page(&visitor, &title, body)
}
