//! The settlement report (実績報告) as staff review it on the grant page: the receipts (each with the
//! files attached to prove it), the income, the outcomes and the participants, and every file of the
//! report (which photos the group made public: they are shown to the public once staff accept the
//! report), as `GET /api/v1/grants/{id}/settlement-report` answers them.

use grants_domain::grant::SettlementReport;
use maud::{html, Markup};

use crate::service::attachment_read::AttachmentRead;
use crate::web::view;

/// The report's tables and facts, with its files.
pub(super) fn report_tables(
    id: &str,
    report: &SettlementReport,
    files: &[AttachmentRead],
) -> Markup {
    let link = |file: &AttachmentRead| format!("/grants/{id}/report/attachments/{}", file.id);
    let proves = |file: &AttachmentRead, number: &str| {
        file.receipt_number.as_ref().and_then(Option::as_deref) == Some(number)
    };
    html! {
        table {
            caption { "実績報告：支出（領収書）" }
            thead { tr {
                th scope="col" { "費目" } th scope="col" { "内容" } th.num scope="col" { "数量" } th.num scope="col" { "単価" }
                th scope="col" { "領収日" } th scope="col" { "領収書番号" } th scope="col" { "添付した領収書" }
            } }
            tbody {
                @for line in &report.expenses {
                    tr {
                        td { (line.category.label_ja()) @if !line.category.is_eligible() { "（補助対象外）" } }
                        td { (line.item) }
                        td.num { (line.quantity) }
                        td.num { (line.unit_price) }
                        td { (view::day(Some(line.receipt_date))) }
                        td { (line.receipt_number) }
                        td {
                            @for file in files.iter().filter(|file| proves(file, &line.receipt_number)) {
                                a.line-receipt href=(link(file)) download { (file.file_name) } " "
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
                @for line in &report.income {
                    tr { td { (line.kind.label_ja()) } td { (line.description) } td.num { (line.amount) } }
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
                            td { (file.kind_ja) }
                            td { a href=(link(file)) download { (file.file_name) } }
                            td { @if let Some(Some(number)) = &file.receipt_number { "領収書番号 " (number) } }
                            td { @if file.public == Some(true) { "公開（承認後に公開ページに載ります）" } @else { "非公開" } }
                        }
                    }
                }
            }
        }
        dl.facts {
            dt { "事業の成果" } dd { (report.outcomes) }
            dt { "参加者数" } dd { (report.participants) "人" }
        }
    }
}
