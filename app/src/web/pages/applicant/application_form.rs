//! The application form: `/rounds/{id}/apply` starts a draft, `/applications/{id}/edit` saves it
//! and submits it. Every question and every limit is on the form from the start.

use crate::web::form::PageForm;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use grants_domain::application::content::{
    BENEFICIARIES_MAX, BUDGET_LINES_MAX, BUDGET_LINE_TEXT_MAX, PURPOSE_MAX, SUMMARY_MAX, TITLE_MAX,
};
use grants_domain::application::Period;
use grants_domain::budget::{ExpenseLine, IncomeLine};
use grants_domain::{Budget, ExpenseCategory, GroupId, IncomeKind, Ratio, Yen};
use maud::{html, Markup};

use super::{load_application, rows, with_session, Flags};
use crate::policy::{Applicant, GroupHelper};
use crate::service::application_read::ApplicationRead;
use crate::service::applications::{self, DraftForm};
use crate::service::error::unreadable;
use crate::service::group_read::GroupListRow;
use crate::service::round_read::RoundRead;
use crate::service::ServiceError;
use crate::web::caller::path_id;
use crate::web::command::PageCommand;
use crate::web::csrf::Binding;
use crate::web::form::{
    choice, count_field, date_field, guard, yen_field, Errors, FormData, FormState, Guard,
};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::{self, error_summary, flash, form_guard, page_with_status, Input};
use crate::web::Web;

/// Blank budget rows offered under the filled ones (more appear after each save).
const BLANK_EXPENSE_ROWS: usize = 3;
const BLANK_INCOME_ROWS: usize = 2;
const GROUP_JA: &str = "申請する団体を選んでください";
const GROUP_EN: &str = "choose the group that applies";
const APPLICATION_FIELDS: &[&str] = &[
    "group_id",
    "title",
    "summary",
    "purpose",
    "beneficiaries",
    "period",
    "budget",
    "expense_item",
    "income_description",
    "requested_amount",
];

/// The budget typed in the form's rows (blank rows left out), or `None` when a row's category or
/// kind is not chosen or one of its numbers is not a whole number (an empty number is 0).
pub(super) fn read_budget(form: &FormData) -> Option<Budget> {
    let cell = |name: &str, n: usize| form.all(name).get(n).copied().unwrap_or("");
    let blank = |line: &[&str]| line.iter().all(|field| field.trim().is_empty());
    let mut budget = Budget::default();
    for n in 0..form.all("expense_category").len() {
        let line = [
            cell("expense_category", n),
            cell("expense_item", n),
            cell("expense_quantity", n),
            cell("expense_unit_price", n),
        ];
        if blank(&line) {
            continue;
        }
        budget.expenses.push(ExpenseLine {
            category: choice(line[0])?,
            item: line[1].to_owned(),
            quantity: count_field(line[2])?,
            unit_price: yen_field(line[3]).ok()?,
        });
    }
    for n in 0..form.all("income_kind").len() {
        let line = [
            cell("income_kind", n),
            cell("income_description", n),
            cell("income_amount", n),
        ];
        if blank(&line) {
            continue;
        }
        budget.income.push(IncomeLine {
            kind: choice(line[0])?,
            description: line[1].to_owned(),
            amount: yen_field(line[2]).ok()?,
        });
    }
    Some(budget)
}

/// The period typed in the form's two date fields, `None` unless both are dates.
pub(super) fn read_period(form: &FormData) -> Option<Period> {
    Some(Period {
        start: date_field(form.get("period_start")).ok()?,
        end: date_field(form.get("period_end")).ok()?,
    })
}

/// The application form as posted, each value read as far as it can be.
fn read_draft(form: &FormData) -> DraftForm {
    DraftForm {
        title: form.get("title").to_owned(),
        summary: form.get("summary").to_owned(),
        purpose: form.get("purpose").to_owned(),
        beneficiaries: form.get("beneficiaries").to_owned(),
        period: read_period(form),
        budget: read_budget(form),
        requested_amount: yen_field(form.get("requested_amount")).ok(),
    }
}

/// The posted-fields form of a saved application, for editing.
fn application_fields(application: &ApplicationRead) -> FormData {
    let mut fields = FormData::default();
    for (name, value) in [
        ("title", &application.title),
        ("summary", &application.summary),
        ("purpose", &application.purpose),
        ("beneficiaries", &application.beneficiaries),
    ] {
        fields.set(name, value.as_deref().unwrap_or_default());
    }
    if let Some(period) = &application.period {
        fields.set("period_start", period.start.to_string());
        fields.set("period_end", period.end.to_string());
    }
    if let Some(amount) = application.requested_amount {
        fields.set("requested_amount", amount.to_i64().to_string());
    }
    if let Some(budget) = &application.budget {
        budget_fields(budget, &mut fields);
    }
    fields
}

/// Appends a budget's lines as the posted rows of the budget tables.
pub(super) fn budget_fields(budget: &grants_domain::Budget, fields: &mut FormData) {
    for line in &budget.expenses {
        expense_fields(line, fields);
    }
    income_fields(&budget.income, fields);
}

/// Appends one expense line as a posted row of the expenses table (the settlement report's
/// receipts add their date and number beside it).
pub(super) fn expense_fields(line: &grants_domain::budget::ExpenseLine, fields: &mut FormData) {
    fields.push("expense_category", view::code_of(&line.category));
    fields.push("expense_item", &line.item);
    fields.push("expense_quantity", line.quantity.to_string());
    fields.push("expense_unit_price", line.unit_price.to_i64().to_string());
}

/// Appends income lines as the posted rows of the income table.
pub(super) fn income_fields(lines: &[grants_domain::budget::IncomeLine], fields: &mut FormData) {
    for line in lines {
        fields.push("income_kind", view::code_of(&line.kind));
        fields.push("income_description", &line.description);
        fields.push("income_amount", line.amount.to_i64().to_string());
    }
}

/// The budget's two tables (expenses, income): the rows posted or loaded, then a few blank ones.
pub(super) fn budget_tables(values: &FormData) -> Markup {
    let expenses = rows(
        values,
        &[
            "expense_category",
            "expense_item",
            "expense_quantity",
            "expense_unit_price",
        ],
        BLANK_EXPENSE_ROWS,
    );
    let income = rows(
        values,
        &["income_kind", "income_description", "income_amount"],
        BLANK_INCOME_ROWS,
    );
    html! {
        table.lines {
            caption { "支出" }
            thead { tr { th scope="col" { "費目" } th scope="col" { "内容" } th scope="col" { "数量" } th scope="col" { "単価（円）" } } }
            tbody {
                @for (n, line) in expenses.iter().enumerate() {
                    (expense_row((&line[0], &line[1], &line[2], &line[3]), n))
                }
            }
        }
        table.lines {
            caption { "収入" }
            thead { tr { th scope="col" { "種類" } th scope="col" { "内容" } th scope="col" { "金額（円）" } } }
            tbody {
                @for (n, line) in income.iter().enumerate() {
                    (income_row((&line[0], &line[1], &line[2]), n))
                }
            }
        }
    }
}

/// What the form is about: a new draft in a round (with the groups to choose from; none when they
/// could not be read), or a saved one (its read; none when the session ended while it was typed).
enum Subject<'a> {
    New {
        round: &'a RoundRead,
        groups: Option<&'a [GroupListRow]>,
    },
    Saved {
        id: &'a str,
        application: Option<&'a ApplicationRead>,
        round: Option<&'a RoundRead>,
    },
}

fn round_terms(round: &RoundRead) -> Markup {
    let settings = &round.settings;
    let rates: Vec<String> = settings
        .rate_schedule
        .rates()
        .iter()
        .map(ToString::to_string)
        .collect();
    html! {
        div.summary-box {
            p { strong { (settings.title) } }
            p {
                "締切 " (view::instant_ja(&crate::service::jst(settings.closes_at))) "。補助上限額 " (settings.cap)
                "、補助率 " (rates.join(" → ")) "（交付を受けた回数による）、"
                (settings.rounding_unit) "未満切り捨て。"
            }
        }
    }
}

pub(super) fn expense_row(state_values: (&str, &str, &str, &str), n: usize) -> Markup {
    let (category, item, quantity, unit_price) = state_values;
    html! {
        tr {
            td {
                label.visually-hidden for={ "ec-" (n) } { "費目（" (n + 1) "行目）" }
                select id={ "ec-" (n) } name="expense_category" {
                    option value="" { "選択してください" }
                    @for c in ExpenseCategory::ALL {
                        @let code = view::code_of(&c);
                        option value=(code) selected[code == category] {
                            (c.label_ja()) @if !c.is_eligible() { "（補助対象外）" }
                        }
                    }
                }
            }
            td {
                label.visually-hidden for={ "ei-" (n) } { "内容（" (n + 1) "行目）" }
                input id={ "ei-" (n) } type="text" name="expense_item" value=(item);
            }
            td {
                label.visually-hidden for={ "eq-" (n) } { "数量（" (n + 1) "行目）" }
                input id={ "eq-" (n) } type="text" inputmode="numeric" name="expense_quantity" value=(quantity);
            }
            td {
                label.visually-hidden for={ "eu-" (n) } { "単価（円）（" (n + 1) "行目）" }
                input id={ "eu-" (n) } type="text" inputmode="numeric" name="expense_unit_price" value=(unit_price);
            }
        }
    }
}

pub(super) fn income_row(values: (&str, &str, &str), n: usize) -> Markup {
    let (kind, description, amount) = values;
    html! {
        tr {
            td {
                label.visually-hidden for={ "ik-" (n) } { "種類（" (n + 1) "行目）" }
                select id={ "ik-" (n) } name="income_kind" {
                    option value="" { "選択してください" }
                    @for k in [IncomeKind::OwnFunds, IncomeKind::ProjectIncome, IncomeKind::OtherSubsidy] {
                        @let code = view::code_of(&k);
                        option value=(code) selected[code == kind] {
                            (k.label_ja()) @if !k.reduces_subsidy_base() { "（補助対象経費から差し引かない）" }
                        }
                    }
                }
            }
            td {
                label.visually-hidden for={ "id-" (n) } { "内容（" (n + 1) "行目）" }
                input id={ "id-" (n) } type="text" name="income_description" value=(description);
            }
            td {
                label.visually-hidden for={ "ia-" (n) } { "金額（円）（" (n + 1) "行目）" }
                input id={ "ia-" (n) } type="text" inputmode="numeric" name="income_amount" value=(amount);
            }
        }
    }
}

fn application_form(
    visitor: &Visitor,
    subject: &Subject<'_>,
    state: &FormState,
    saved: Option<&str>,
) -> Response {
    let v = &state.values;
    let (action, title, round) = match subject {
        Subject::New { round, .. } => (
            format!("/rounds/{}/apply", round.id),
            "申請書の作成".to_owned(),
            Some(*round),
        ),
        Subject::Saved { id, round, .. } => (
            format!("/applications/{id}/edit"),
            "申請書の編集".to_owned(),
            *round,
        ),
    };
    let field_error = |name: &str| state.errors.field(name).map(str::to_owned);
    // What submission would refuse about the amount of the saved draft (the API's
    // `amount_warning`, rule 3): saving is allowed, but the form says so beside the amount.
    let amount_warning = match subject {
        Subject::Saved { .. } if state.errors.field("requested_amount").is_some() => None,
        Subject::Saved { application, .. } => application
            .and_then(|application| application.amount_warning.as_ref())
            .map(|rule| {
                format!(
                    "{}。下書きは保存できますが、このままでは提出できません。",
                    rule.detail_ja
                )
            }),
        Subject::New { .. } => None,
    };
    // Where app.js asks for the maximum of the budget being typed (a saved draft only: the API
    // computes it with the draft's own terms).
    let maximum_url = match subject {
        Subject::Saved {
            id,
            application: Some(application),
            ..
        } if application.status.is_some() => Some(format!("/applications/{id}/maximum")),
        _ => None,
    };
    let body = html! {
        @if let Some(round) = round { (round_terms(round)) }
        @if let Subject::Saved { application: Some(application), .. } = subject {
            (status_box(application))
        }
        (flash(saved))
        p { "すべての項目と文字数の上限をこのページに示しています。下書きはいつでも「保存」できます（未入力の項目があっても保存できます）。" }
        (error_summary(state))
        form.stack method="post" action=(action) data-maximum=[maximum_url.as_deref()] {
            (form_guard(visitor, state))
            @if let Subject::New { groups, .. } = subject {
                @match groups {
                    Some(groups) if !groups.is_empty() => {
                        div.field.invalid[field_error("group_id").is_some()] {
                            label for="f-group_id" { "申請する団体" span.req { "必須" } }
                            @if let Some(error) = field_error("group_id") { p.error id="e-group_id" { (error) } }
                            select #f-group_id name="group_id" aria-describedby=[field_error("group_id").map(|_| "e-group_id")] {
                                @for group in *groups {
                                    @let group_id = group.id.to_string();
                                    option value=(group_id) selected[group_id == v.get("group_id")] { (group.name) }
                                }
                            }
                        }
                    }
                    Some(_) => {
                        p.error { "申請するには、まず " a href="/groups/new" { "団体を登録" } " してください。" }
                    }
                    None => {
                        input type="hidden" name="group_id" value=(v.get("group_id"));
                    }
                }
            }
            fieldset {
                legend { "事業計画" }
                (Input::text("title", "事業名").required().max(TITLE_MAX).render(state))
                (Input::text("summary", "事業概要").required().max(SUMMARY_MAX).hint("交付が決まると、事業名・団体名とともに公開されます。").textarea(state))
                (Input::text("purpose", "事業の目的・内容").required().max(PURPOSE_MAX).textarea(state))
                (Input::text("beneficiaries", "対象者・受益者").required().max(BENEFICIARIES_MAX).textarea(state))
                div.field.invalid[field_error("period").is_some()] #f-period {
                    @if let Some(error) = field_error("period") { p.error id="e-period" { (error) } }
                    (Input::text("period_start", "事業期間（開始日）").kind("date").required().render(state))
                    (Input::text("period_end", "事業期間（終了日）").kind("date").required().render(state))
                }
            }
            fieldset #f-budget {
                legend { "収支予算" }
                p.hint { "行は収入・支出あわせて" (BUDGET_LINES_MAX) "行まで、各行の内容は" (BUDGET_LINE_TEXT_MAX) "文字以内です。行が足りないときは「保存」すると空の行が追加されます。食糧費・交際費・人件費・団体運営費・金券は補助対象外です。" }
                @for name in ["budget", "expense_item", "income_description"] {
                    @if let Some(error) = field_error(name) { p.error id={ "e-" (name) } { (error) } }
                }
                (budget_tables(v))
                // The totals of the rows as typed, when every amount in them is a number.
                @if let Some(budget) = read_budget(v) {
                    (crate::web::view::budget_totals(&budget))
                }
                p.hint { "合計は、入力した行から「保存」のたびに計算し直します。" }
                (Input::text("requested_amount", "補助金申請額（円）").required().hint("補助上限額（保存すると表示されます）以下の額を入力してください。").warning(amount_warning.as_deref()).render(state))
            }
            (super::coordinator_submit_hint(visitor))
            div.actions {
                button type="submit" name="_action" value="save" { "保存" }
                button.secondary type="submit" name="_action" value="submit" { "保存して提出" }
            }
        }
    };
    let status = state.status();
    page_with_status(status, visitor, &title, body)
}

/// The status, the computed maximum and, when returned, staff's reason.
pub(super) fn status_box(application: &ApplicationRead) -> Markup {
    html! {
        div.summary-box aria-live="polite" {
            p { "状況：" strong { (view::application_state(application.status)) } }
            p #max-amount { "補助上限額（保存した内容から計算）：" strong { (view::amount(application.max_amount)) }
                @if let Some(rate) = application.rate { "（補助率 " (rate) "）" } }
            p { "申請額：" (view::amount(application.requested_amount)) }
            @if let Some(reason) = &application.returned_reason {
                p.error { "差戻しの理由：" (reason) }
            }
            @if let Some(reason) = &application.closing_reason {
                p { "理由：" (reason) }
            }
        }
    }
}

/// A round, and the caller's groups (none when they cannot be read, or for the public).
async fn round_and_groups(
    web: &Web,
    token: Option<&str>,
    round_id: &str,
) -> Result<(RoundRead, Option<Vec<GroupListRow>>), Problem> {
    let reads = web.reads_as(token).await?;
    let round = reads.round(round_id).await?;
    let groups = match token {
        Some(_) => reads.my_groups().await.ok(),
        None => None,
    };
    Ok((round, groups))
}

pub(super) async fn new_application(
    State(web): State<Web>,
    visitor: Visitor,
    Path(round_id): Path<String>,
) -> Response {
    let path = format!("/rounds/{round_id}/apply");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    let (round, groups) = match round_and_groups(&web, Some(token), &round_id).await {
        Ok(found) => found,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let subject = Subject::New {
        round: &round,
        groups: Some(groups.as_deref().unwrap_or(&[])),
    };
    application_form(
        &visitor,
        &subject,
        &FormState::new(FormData::default()),
        None,
    )
}

pub(super) async fn start_application(
    State(web): State<Web>,
    visitor: Visitor,
    Path(round_id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let path = format!("/rounds/{round_id}/apply");
    let (visitor, token, again) = match guard(&web, visitor, &form).await {
        Guard::Proceed {
            visitor,
            token,
            signed_in_again,
        } => (visitor, token, signed_in_again),
        Guard::Rerender { visitor, state } => {
            let (round, groups) = match round_and_groups(&web, visitor.token(), &round_id).await {
                Ok(found) => found,
                Err(problem) => return read_failed(&visitor, &problem, &path),
            };
            let subject = Subject::New {
                round: &round,
                groups: groups.as_deref(),
            };
            return application_form(&visitor, &subject, &state, None);
        }
    };
    let draft = read_draft(&form);
    let group_id = form.get("group_id").parse::<GroupId>();
    let round = path_id(&round_id);
    let state = &web.state;
    let command = PageCommand {
        path: &path,
        form: &form,
        step: "start",
    };
    let outcome = web
        .once(&token, command, |actor, context| async move {
            let group_id = group_id.map_err(|_| {
                ServiceError::invalid_fields(&[unreadable("group_id", GROUP_JA, GROUP_EN)])
            })?;
            let input = applications::NewDraft {
                round_id: round?,
                group_id,
                content: draft.content()?,
            };
            applications::start(state, &context, &Applicant::admit(actor)?, input)
                .await
                .map(|executed| executed.state.id())
        })
        .await;
    let response = match outcome {
        Ok(id) => {
            let id = id.to_string();
            if form.get("_action") == "submit" {
                submit_then(&web, &visitor, &token, &form, &id).await
            } else {
                redirect(&format!("/applications/{id}/edit?saved=1"))
            }
        }
        Err(problem) => {
            let errors = Errors::placed(&problem, APPLICATION_FIELDS, &[]);
            let (round, groups) = match round_and_groups(&web, Some(&token), &round_id).await {
                Ok(found) => found,
                Err(problem) => return read_failed(&visitor, &problem, &path),
            };
            let subject = Subject::New {
                round: &round,
                groups: groups.as_deref(),
            };
            application_form(
                &visitor,
                &subject,
                &FormState::new(form.typed()).with_errors(errors),
                None,
            )
        }
    };
    with_session(response, &visitor, again)
}

/// Submits a just-saved application; on a refusal, the saved form again with the rule.
async fn submit_then(
    web: &Web,
    visitor: &Visitor,
    token: &str,
    form: &FormData,
    id: &str,
) -> Response {
    let application = path_id(id);
    let state = &web.state;
    let path = format!("/applications/{id}/edit");
    let command = PageCommand {
        path: &path,
        form,
        step: "submit",
    };
    let outcome = web
        .once(token, command, |actor, context| async move {
            applications::submit(state, &context, &GroupHelper::admit(actor)?, application?)
                .await
                .map(|_| ())
        })
        .await;
    match outcome {
        Ok(_) => redirect(&format!("/applications/{id}?submitted=1")),
        Err(problem) => {
            let errors = Errors::placed(&problem, APPLICATION_FIELDS, &[]);
            let (application, round) = match load_application(web, token, id).await {
                Ok((application, round)) => (Some(application), round),
                Err(_) => (None, None),
            };
            let subject = Subject::Saved {
                id,
                application: application.as_ref(),
                round: round.as_ref(),
            };
            let state = FormState::new(form.typed()).with_errors(errors);
            application_form(
                visitor,
                &subject,
                &state,
                Some("下書きは保存しましたが、提出できませんでした。"),
            )
        }
    }
}

pub(super) async fn edit_application(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(flags): Query<Flags>,
) -> Response {
    let path = format!("/applications/{id}/edit");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    let (application, round) = match load_application(&web, token, &id).await {
        Ok(found) => found,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let subject = Subject::Saved {
        id: &id,
        application: Some(&application),
        round: round.as_ref(),
    };
    let state = FormState::new(application_fields(&application));
    let saved = flags.saved.map(|_| "保存しました。");
    application_form(&visitor, &subject, &state, saved)
}

pub(super) async fn save_application(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let path = format!("/applications/{id}/edit");
    let (visitor, token, again) = match guard(&web, visitor, &form).await {
        Guard::Proceed {
            visitor,
            token,
            signed_in_again,
        } => (visitor, token, signed_in_again),
        Guard::Rerender { visitor, state } => {
            // Without a session the application cannot be read: show the form with what was typed.
            let loaded = match visitor.token() {
                Some(token) => load_application(&web, token, &id).await.ok(),
                None => None,
            };
            let (application, round) = match loaded {
                Some((application, round)) => (Some(application), round),
                None => (None, None),
            };
            let subject = Subject::Saved {
                id: &id,
                application: application.as_ref(),
                round: round.as_ref(),
            };
            return application_form(&visitor, &subject, &state, None);
        }
    };
    let draft = read_draft(&form);
    let application = path_id(&id);
    let state = &web.state;
    let command = PageCommand {
        path: &path,
        form: &form,
        step: "save",
    };
    let outcome = web
        .once(&token, command, |actor, context| async move {
            let content = draft.content()?;
            applications::save(
                state,
                &context,
                &GroupHelper::admit(actor)?,
                application?,
                content,
            )
            .await
            .map(|_| ())
        })
        .await;
    let response = match outcome {
        Ok(()) => {
            if form.get("_action") == "submit" {
                submit_then(&web, &visitor, &token, &form, &id).await
            } else {
                redirect(&format!("/applications/{id}/edit?saved=1"))
            }
        }
        Err(problem) if problem.status == StatusCode::NOT_FOUND => {
            read_failed(&visitor, &problem, &path)
        }
        Err(problem) => {
            let errors = Errors::placed(&problem, APPLICATION_FIELDS, &[]);
            let (application, round) = match load_application(&web, &token, &id).await {
                Ok(found) => found,
                Err(problem) => return read_failed(&visitor, &problem, &path),
            };
            let subject = Subject::Saved {
                id: &id,
                application: Some(&application),
                round: round.as_ref(),
            };
            application_form(
                &visitor,
                &subject,
                &FormState::new(form.typed()).with_errors(errors),
                None,
            )
        }
    };
    with_session(response, &visitor, again)
}

/// `POST /applications/{id}/maximum` (app.js, while the budget is typed): the budget rows of the
/// form, posted with its CSRF token, go to the same use case as `POST
/// /api/v1/applications/{id}/maximum`; the answer is `{maximum, rate, text}` where `text` is the
/// sentence shown beside the requested amount, or `{text}` with the refusal. Nothing is saved.
/// Without JavaScript this route is never used.
pub(super) async fn preview_maximum(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let Some(token) = visitor.token() else {
        return preview_answer(StatusCode::UNAUTHORIZED, Preview::text(""));
    };
    if !visitor
        .csrf_matches(&web, Binding::Session, form.get("_csrf"))
        .await
    {
        return preview_answer(StatusCode::FORBIDDEN, Preview::text(""));
    }
    let Some(budget) = read_budget(&form) else {
        let unreadable = DraftForm::default().content().err();
        let text = unreadable.map_or_else(String::new, |error| error.detail_ja.clone());
        return preview_answer(StatusCode::UNPROCESSABLE_ENTITY, Preview::text(&text));
    };
    let preview = async {
        let applicant = Applicant::admit(web.caller(token).await?)?;
        Ok::<_, Problem>(
            applications::preview_maximum(&web.state, &applicant, path_id(&id)?, &budget).await?,
        )
    };
    match preview.await {
        Ok(preview) => preview_answer(
            StatusCode::OK,
            Preview {
                maximum: Some(preview.maximum),
                rate: Some(preview.terms.rate),
                text: format!(
                    "この内容での補助上限額：{}（補助率 {}）",
                    preview.maximum, preview.terms.rate
                ),
            },
        ),
        Err(problem) => preview_answer(problem.status, Preview::text(&problem.detail_ja)),
    }
}

/// The preview's answer to app.js.
#[derive(serde::Serialize)]
struct Preview {
    #[serde(skip_serializing_if = "Option::is_none")]
    maximum: Option<Yen>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rate: Option<Ratio>,
    text: String,
}

impl Preview {
    fn text(text: &str) -> Self {
        Preview {
            maximum: None,
            rate: None,
            text: text.to_owned(),
        }
    }
}

fn preview_answer(status: StatusCode, body: Preview) -> Response {
    (status, axum::Json(body)).into_response()
}
