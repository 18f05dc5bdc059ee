//! The settlement report (実績報告, `/grants/{id}/report`): the actual expenses with their receipts,
//! the actual income, the outcomes. The first time it is pre-filled from the application's budget
//! lines so that nothing is typed twice; afterwards it shows the report as the API saved it.
//!
//! "保存" saves it (`service::grants::save_report`, as `PUT /api/v1/grants/{id}/settlement-report`
//! does), "保存して提出" also submits it, each once per submission of the form. Which receipts
//! count and the finalised amount are the domain's to compute when staff accept the report; this
//! page shows the grant's figures as the service layer reads them.

use crate::web::form::PageForm;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use grants_domain::budget::IncomeLine;
use grants_domain::grant::{
    GrantAction, ReceiptLine, SettlementReport, LONG_TEXT_MAX_CHARS, MAX_REPORT_LINES,
    SHORT_TEXT_MAX_CHARS,
};
use grants_domain::ExpenseCategory;
use maud::{html, Markup};
use serde::Deserialize;

use super::application_form::{expense_fields, income_fields, income_row};
use super::grants::{grant_summary, load_grant};
use super::{rows, with_session};
use crate::policy::GroupHelper;
use crate::service::application_read::ApplicationRead;
use crate::service::attachment_read::AttachmentRead;
use crate::service::grant_read::{GrantRead, SettlementReportRead};
use crate::service::grants;
use crate::web::caller::path_id;
use crate::web::command::PageCommand;
use crate::web::form::{
    choice, count_field, date_field, guard, yen_field, Errors, FormData, FormState, Guard,
    UNREADABLE_NUMBER,
};
use crate::web::pages::{login_then, read_failed, redirect};
use crate::web::problem::Problem;
use crate::web::session::Visitor;
use crate::web::view::{self, error_summary, flash, form_guard, page_with_status, Input};
use crate::web::Web;

const BLANK_RECEIPT_ROWS: usize = 3;
const BLANK_INCOME_ROWS: usize = 2;

const RECEIPT_COLUMNS: [&str; 6] = [
    "expense_category",
    "expense_item",
    "expense_quantity",
    "expense_unit_price",
    "expense_receipt_date",
    "expense_receipt_number",
];
const INCOME_COLUMNS: [&str; 3] = ["income_kind", "income_description", "income_amount"];

const REPORT_FIELDS: &[&str] = &[
    "expenses",
    "income",
    "outcomes",
    "participants",
    "delay_reason",
];

/// The report as saved (none before the first save) and its files, through the service layer.
async fn saved_report(web: &Web, token: &str, id: &str) -> Result<SettlementReportRead, Problem> {
    web.reads(token).await?.settlement_report(id).await
}

/// The form's rows from a saved report, or, before the first save, from the application's budget:
/// the planned lines become the actual ones to correct, with the receipts still to fill in.
fn report_fields(
    report: Option<&SettlementReport>,
    application: Option<&ApplicationRead>,
) -> FormData {
    let mut fields = FormData::default();
    match (
        report,
        application.and_then(|application| application.budget.as_ref()),
    ) {
        (Some(report), _) => {
            for line in &report.expenses {
                expense_fields(&line.expense_line(), &mut fields);
                fields.push("expense_receipt_date", line.receipt_date.to_string());
                fields.push("expense_receipt_number", &line.receipt_number);
            }
            income_fields(&report.income, &mut fields);
            fields.set("outcomes", &report.outcomes);
            fields.set("participants", report.participants.to_string());
        }
        (None, Some(budget)) => {
            // The planned lines, with the receipts still to fill in.
            for line in &budget.expenses {
                expense_fields(line, &mut fields);
                fields.push("expense_receipt_date", "");
                fields.push("expense_receipt_number", "");
            }
            income_fields(&budget.income, &mut fields);
        }
        (None, None) => {}
    }
    fields
}

/// Beside the expenses when a row cannot be read.
const UNREADABLE_RECEIPTS: &str =
    "支出の各行で費目を選び、数量・単価は0以上の整数、領収日は日付（例：2026-04-01）で入力してください";
/// Beside the income when a row cannot be read.
const UNREADABLE_INCOME: &str = "収入の各行で種類を選び、金額は0以上の整数で入力してください";

/// The report typed in the form (blank rows left out); each part that cannot be read is named
/// beside its table or field, all at once, and the report is `None`.
fn read_report(form: &FormData, errors: &mut Errors) -> Option<SettlementReport> {
    let expenses: Option<Vec<ReceiptLine>> = rows(form, &RECEIPT_COLUMNS, 0)
        .iter()
        .map(|line| {
            Some(ReceiptLine {
                category: choice(&line[0])?,
                item: line[1].clone(),
                quantity: count_field(&line[2])?,
                unit_price: yen_field(&line[3]).ok()?,
                receipt_date: date_field(&line[4]).ok()?,
                receipt_number: line[5].clone(),
            })
        })
        .collect();
    let income: Option<Vec<IncomeLine>> = rows(form, &INCOME_COLUMNS, 0)
        .iter()
        .map(|line| {
            Some(IncomeLine {
                kind: choice(&line[0])?,
                description: line[1].clone(),
                amount: yen_field(&line[2]).ok()?,
            })
        })
        .collect();
    let expenses = errors.read("expenses", expenses.ok_or(UNREADABLE_RECEIPTS));
    let income = errors.read("income", income.ok_or(UNREADABLE_INCOME));
    let participants = errors.read(
        "participants",
        count_field(form.get("participants")).ok_or(UNREADABLE_NUMBER),
    );
    Some(SettlementReport {
        expenses: expenses?,
        income: income?,
        outcomes: form.get("outcomes").to_owned(),
        participants: participants?,
    })
}

fn receipt_row(line: &[String], n: usize, receipts: Markup) -> Markup {
    let row = n + 1;
    html! {
        tr {
            td {
                label.visually-hidden for={ "rc-" (n) } { "費目（" (row) "行目）" }
                select id={ "rc-" (n) } name="expense_category" {
                    option value="" { "選択してください" }
                    @for c in ExpenseCategory::ALL {
                        @let code = view::code_of(&c);
                        option value=(code) selected[code == line[0]] {
                            (c.label_ja()) @if !c.is_eligible() { "（補助対象外）" }
                        }
                    }
                }
            }
            td {
                label.visually-hidden for={ "ri-" (n) } { "支出の内容（" (row) "行目）" }
                input id={ "ri-" (n) } type="text" name="expense_item" value=(line[1]);
            }
            td {
                label.visually-hidden for={ "rq-" (n) } { "数量（" (row) "行目）" }
                input id={ "rq-" (n) } type="text" inputmode="numeric" name="expense_quantity" value=(line[2]);
            }
            td {
                label.visually-hidden for={ "ru-" (n) } { "単価（円）（" (row) "行目）" }
                input id={ "ru-" (n) } type="text" inputmode="numeric" name="expense_unit_price" value=(line[3]);
            }
            td {
                label.visually-hidden for={ "rd-" (n) } { "領収日（" (row) "行目）" }
                input id={ "rd-" (n) } type="date" name="expense_receipt_date" value=(line[4]);
            }
            td {
                label.visually-hidden for={ "rn-" (n) } { "領収書番号（" (row) "行目）" }
                input id={ "rn-" (n) } type="text" name="expense_receipt_number" value=(line[5]);
            }
            td { (receipts) }
        }
    }
}

/// The files attached to the report (receipts, activity photos) and the saved expense lines a
/// receipt may prove; none before the report is read.
#[derive(Default)]
struct ReportFiles {
    files: Vec<AttachmentRead>,
    /// (receipt number, item) of each saved expense line.
    lines: Vec<(String, String)>,
}

impl ReportFiles {
    fn of(read: SettlementReportRead) -> Self {
        let lines = read
            .report
            .iter()
            .flat_map(|report| &report.expenses)
            .filter(|line| !line.receipt_number.is_empty())
            .map(|line| (line.receipt_number.clone(), line.item.clone()))
            .collect();
        ReportFiles {
            files: read.attachments,
            lines,
        }
    }

    /// The files, read again after a refused save (none when they cannot be read).
    async fn reload(web: &Web, token: &str, id: &str) -> Self {
        saved_report(web, token, id)
            .await
            .map(Self::of)
            .unwrap_or_default()
    }
}

/// The receipts attached for the expense line `receipt_number`, linked, next to the line.
fn line_receipts(id: &str, files: &[AttachmentRead], receipt_number: &str) -> Markup {
    let number = receipt_number.trim();
    html! {
        @for file in files.iter().filter(|file| !number.is_empty() && file.receipt_number.as_ref().and_then(Option::as_deref) == Some(number)) {
            a.line-receipt href={ "/grants/" (id) "/report/attachments/" (file.id) } download { (file.file_name) }
            " "
        }
    }
}

/// The grant, its application and its report with the files, as the report page shows them.
async fn load(
    web: &Web,
    token: &str,
    id: &str,
) -> Result<(GrantRead, FormData, ReportFiles), Problem> {
    let (grant, application) = load_grant(web, token, id).await?;
    let read = saved_report(web, token, id).await?;
    let fields = report_fields(read.report.as_ref(), application.as_ref());
    Ok((grant, fields, ReportFiles::of(read)))
}

/// The report page with the upload form's refusals (`attachments`).
pub(super) async fn show(
    web: &Web,
    visitor: &Visitor,
    token: &str,
    id: &str,
    upload: &FormState,
) -> Response {
    let path = format!("/grants/{id}/report");
    match load(web, token, id).await {
        Ok((grant, fields, files)) => report_page(
            visitor,
            id,
            Some(&grant),
            &FormState::new(fields),
            None,
            &files,
            upload,
        ),
        Err(problem) => read_failed(visitor, &problem, &path),
    }
}

/// The report page; without the grant read (the session ended while the report was typed), the
/// form alone, so that signing in again on it sends what was typed.
fn report_page(
    visitor: &Visitor,
    id: &str,
    grant: Option<&GrantRead>,
    state: &FormState,
    notice: Option<&str>,
    files: &ReportFiles,
    upload: &FormState,
) -> Response {
    let editable = grant.is_some_and(|grant| grant.allows(GrantAction::SaveReport));
    let receipts = rows(&state.values, &RECEIPT_COLUMNS, BLANK_RECEIPT_ROWS);
    let income = rows(&state.values, &INCOME_COLUMNS, BLANK_INCOME_ROWS);
    let field_error = |name: &str| state.errors.field(name).map(str::to_owned);
    let body = html! {
        (flash(notice))
        @if let Some(grant) = grant { (grant_summary(grant)) }
        p { "申請書の収支予算を実績の初期値として入れてあります。実際にかかった金額・数量に直し、領収書の日付と番号を入力してください。交付決定日より前、または完了期限より後の日付の領収書は補助の対象になりません。" }
        p { "補助金の確定額は、提出後に市が審査して計算し、このページと交付決定のページに表示します。" }
        (error_summary(state))
        form.stack.wide method="post" action={ "/grants/" (id) "/report" } {
            (form_guard(visitor, state))
            fieldset #f-expenses {
                legend { "支出の実績（収支決算書）" }
                p.hint { "支出・収入はそれぞれ" (MAX_REPORT_LINES) "行まで、内容と領収書番号は" (SHORT_TEXT_MAX_CHARS) "文字以内です。行が足りないときは「保存」すると空の行が追加されます。" }
                @if let Some(error) = field_error("expenses") { p.error id="e-expenses" { (error) } }
                table.lines {
                    caption { "支出" }
                    thead { tr {
                        th scope="col" { "費目" } th scope="col" { "内容" } th scope="col" { "数量" }
                        th scope="col" { "単価（円）" } th scope="col" { "領収日" } th scope="col" { "領収書番号" }
                        th scope="col" { "添付した領収書" }
                    } }
                    tbody { @for (n, line) in receipts.iter().enumerate() { (receipt_row(line, n, line_receipts(id, &files.files, &line[5]))) } }
                }
            }
            fieldset #f-income {
                legend { "収入の実績" }
                @if let Some(error) = field_error("income") { p.error id="e-income" { (error) } }
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
            fieldset {
                legend { "事業の成果" }
                (Input::text("outcomes", "事業の成果").required().max(LONG_TEXT_MAX_CHARS).hint("提出するときに必要です。").textarea(state))
                (Input::text("participants", "参加者数（延べ人数）").render(state))
            }
            fieldset #f-delay {
                legend { "提出期限" }
                p { "実績報告の提出期限は" strong { (view::day(grant.and_then(|grant| grant.settlement_due_on))) } "です。" }
                (Input::text("delay_reason", "遅延理由").max(LONG_TEXT_MAX_CHARS).hint("提出期限を過ぎてから提出するときに記入してください。市が遅延理由を確認してから額を確定します。").textarea(state))
            }
            (super::coordinator_submit_hint(visitor))
            div.actions {
                button type="submit" name="_action" value="save" { "保存" }
                button.secondary type="submit" name="_action" value="submit" { "保存して提出" }
            }
        }
        (super::attachments::section(
            visitor,
            &super::attachments::Files {
                page: format!("/grants/{id}/report"),
                files: &files.files,
                kinds: super::attachments::report_kinds(),
                editable,
                lines: &files.lines,
                photos_public: true,
            },
            upload,
        ))
        p { a href={ "/grants/" (id) } { "交付決定のページへ戻る" } }
    };
    let code = if upload.errors.is_empty() {
        state.status()
    } else {
        upload.status()
    };
    page_with_status(code, visitor, "実績報告", body)
}

/// The submission: the delay reason when one was typed.
fn read_submission(form: &FormData) -> grants::ReportSubmission {
    let reason = form.get("delay_reason").trim();
    grants::ReportSubmission {
        delay_reason: (!reason.is_empty()).then(|| reason.to_owned()),
    }
}

#[derive(Deserialize)]
pub(super) struct ReportFlags {
    saved: Option<String>,
    attached: Option<String>,
    removed: Option<String>,
}

pub(super) async fn report_form(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(flags): Query<ReportFlags>,
) -> Response {
    let path = format!("/grants/{id}/report");
    let Some(token) = visitor.token() else {
        return login_then(&path);
    };
    let (grant, fields, files) = match load(&web, token, &id).await {
        Ok(found) => found,
        Err(problem) => return read_failed(&visitor, &problem, &path),
    };
    let notice = if flags.saved.is_some() {
        Some("保存しました。")
    } else if flags.attached.is_some() {
        Some("ファイルを添付しました。")
    } else if flags.removed.is_some() {
        Some("添付ファイルを削除しました。")
    } else {
        None
    };
    report_page(
        &visitor,
        &id,
        Some(&grant),
        &FormState::new(fields),
        notice,
        &files,
        &FormState::new(FormData::default()),
    )
}

pub(super) async fn save_report(
    State(web): State<Web>,
    visitor: Visitor,
    Path(id): Path<String>,
    PageForm(form): PageForm,
) -> Response {
    let form = FormData(form);
    let path = format!("/grants/{id}/report");
    let (visitor, token, again) = match guard(&web, visitor, &form).await {
        Guard::Proceed {
            visitor,
            token,
            signed_in_again,
        } => (visitor, token, signed_in_again),
        Guard::Rerender { visitor, state } => {
            let (grant, files) = match visitor.token() {
                Some(token) => (
                    load_grant(&web, token, &id).await.ok().map(|found| found.0),
                    ReportFiles::reload(&web, token, &id).await,
                ),
                None => (None, ReportFiles::default()),
            };
            return report_page(
                &visitor,
                &id,
                grant.as_ref(),
                &state,
                None,
                &files,
                &FormState::new(FormData::default()),
            );
        }
    };
    let mut errors = Errors::default();
    let submit = form.get("_action") == "submit";
    let mut saved_but_not_submitted = false;
    let outcome = match read_report(&form, &mut errors) {
        None => Err(None),
        Some(report) => {
            let saved = save_and_submit(&web, &token, &id, &form, report, submit).await;
            saved_but_not_submitted = submit && matches!(saved, Err((true, _)));
            saved.map_err(|(_, problem)| Some(problem))
        }
    };
    let response = match outcome {
        Ok(()) if submit => redirect(&format!("/grants/{id}?reported=1")),
        Ok(()) => redirect(&format!("/grants/{id}/report?saved=1")),
        Err(Some(problem)) if problem.status == StatusCode::NOT_FOUND => {
            read_failed(&visitor, &problem, &path)
        }
        Err(problem) => {
            if let Some(problem) = &problem {
                errors.problem(problem, REPORT_FIELDS);
            }
            let grant = match load_grant(&web, &token, &id).await {
                Ok((grant, _)) => grant,
                Err(problem) => return read_failed(&visitor, &problem, &path),
            };
            let notice =
                saved_but_not_submitted.then_some("保存しましたが、提出できませんでした。");
            let files = ReportFiles::reload(&web, &token, &id).await;
            report_page(
                &visitor,
                &id,
                Some(&grant),
                &FormState::new(form.typed()).with_errors(errors),
                notice,
                &files,
                &FormState::new(FormData::default()),
            )
        }
    };
    with_session(response, &visitor, again)
}

/// Saves the report and, when asked, submits it, each once per submission of the form; a refusal
/// says whether the report was saved before it.
async fn save_and_submit(
    web: &Web,
    token: &str,
    id: &str,
    form: &FormData,
    report: SettlementReport,
    submit: bool,
) -> Result<(), (bool, Problem)> {
    let state = &web.state;
    let path = format!("/grants/{id}/report");
    let save = PageCommand {
        path: &path,
        form,
        step: "save",
    };
    web.once(token, save, |actor, context| async move {
        let helper = GroupHelper::admit(actor)?;
        grants::save_report(state, &context, &helper, path_id(id)?, report)
            .await
            .map(|_| ())
    })
    .await
    .map_err(|problem| (false, problem))?;
    if !submit {
        return Ok(());
    }
    let submission = PageCommand {
        path: &path,
        form,
        step: "submit",
    };
    let input = read_submission(form);
    web.once(token, submission, |actor, context| async move {
        let helper = GroupHelper::admit(actor)?;
        grants::submit_report(state, &context, &helper, path_id(id)?, input)
            .await
            .map(|_| ())
    })
    .await
    .map_err(|problem| (true, problem))
}
