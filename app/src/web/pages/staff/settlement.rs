//! The settlement report (実績報告) as staff review it on the grant page: the receipts, the income,
//! the outcomes and the participants, as `GET /api/v1/grants/{id}/settlement-report` answers them.

use grants_domain::{ExpenseCategory, IncomeKind};
use maud::{html, Markup};
use serde_json::Value;

use crate::web::view::{date_of, text, yen_of};

/// The report's tables and facts.
pub(super) fn report_tables(report: &Value) -> Markup {
    html! {
        table {
            caption { "実績報告：支出（領収書）" }
            thead { tr {
                th scope="col" { "費目" } th scope="col" { "内容" } th.num scope="col" { "数量" } th.num scope="col" { "単価" }
                th scope="col" { "領収日" } th scope="col" { "領収書番号" }
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
        dl.facts {
            dt { "事業の成果" } dd { (text(&report["outcomes"])) }
            dt { "参加者数" } dd { (report["participants"]) "人" }
        }
    }
}
