//! The settlement report (実績報告) as staff review it on the grant page: the receipts (each with the
//! files attached to prove it), the income, the outcomes and the participants, and every file of the
//! report (which photos the group made public: they are shown to the public once staff accept the
//! report), as `GET /api/v1/grants/{id}/settlement-report` answers them.

use grants_domain::{ExpenseCategory, IncomeKind};
use maud::{html, Markup};
use serde_json::Value;

use crate::web::view::{date_of, text, yen_of};

/// The report's tables and facts; `report["attachments"]` holds its files.
pub(super) fn report_tables(id: &str, report: &Value) -> Markup {
    let files = report["attachments"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let link = |file: &Value| format!("/grants/{id}/report/attachments/{}", text(&file["id"]));
    html! {
        table {
            caption { "実績報告：支出（領収書）" }
            thead { tr {
                th scope="col" { "費目" } th scope="col" { "内容" } th.num scope="col" { "数量" } th.num scope="col" { "単価" }
                th scope="col" { "領収日" } th scope="col" { "領収書番号" } th scope="col" { "添付した領収書" }
            } }
            tbody {
                @for line in report["expenses"].as_array().into_iter().flatten() {
                    @let category: Option<ExpenseCategory> = serde_json::from_value(line["category"].clone()).ok();
                    tr {
                        td { (category.map(|c| c.label_ja()).unwrap_or("—")) @if category.is_some_and(|c| !c.is_eligible()) { "（補助対象外）" } }
                        td { (text(&line["item"])) }
                        td.num { (line["quantity"]) }
                        td.num { (yen_of(&line["unit_price"])) }
                        td { (date_of(&line["receipt_date"])) }
                        td { (text(&line["receipt_number"])) }
                        td {
                            @for file in files.iter().filter(|file| file["receipt_number"].as_str().is_some_and(|number| number == text(&line["receipt_number"]))) {
                                a.line-receipt href=(link(file)) download { (text(&file["file_name"])) } " "
                            }
                        }
                    }
                }
            }
        }
        table {
            caption { "実績報告：収入" }
            thead { tr { th scope="col" { "種類" } th scope="col" { "内容" } th.num scope="col" { "金額" } } }
            tbody {
                @for line in report["income"].as_array().into_iter().flatten() {
                    @let kind: Option<IncomeKind> = serde_json::from_value(line["kind"].clone()).ok();
                    tr { td { (kind.map(|k| k.label_ja()).unwrap_or("—")) } td { (text(&line["description"])) } td.num { (yen_of(&line["amount"])) } }
                }
            }
        }
        @if !files.is_empty() {
            table #report-files {
                caption { "実績報告の添付書類（" (files.len()) "件）" }
                thead { tr { th scope="col" { "種類" } th scope="col" { "ファイル名" } th scope="col" { "対応する支出" } th scope="col" { "公開" } } }
                tbody {
                    @for file in files {
                        tr {
                            td { (text(&file["kind_ja"])) }
                            td { a href=(link(file)) download { (text(&file["file_name"])) } }
                            td { @if let Some(number) = file["receipt_number"].as_str() { "領収書番号 " (number) } }
                            td { @if file["public"].as_bool() == Some(true) { "公開（承認後に公開ページに載ります）" } @else { "非公開" } }
                        }
                    }
                }
            }
        }
        dl.facts {
            dt { "事業の成果" } dd { (text(&report["outcomes"])) }
            dt { "参加者数" } dd { (report["participants"]) "人" }
        }
    }
}
