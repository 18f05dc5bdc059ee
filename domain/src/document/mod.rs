//! The city's official documents (公文書): what each notice and form says, decided here from the
//! aggregates' state and events; the app only lays a [`Letter`] out on an A4 page
//! (`app/src/documents`).
//!
//! | kind | from | number |
//! |---|---|---|
//! | 交付決定通知書 | the grant's `GrantDecided` | the decision's own (`令和8年度市協第1号`) |
//! | 額の確定通知書 | the grant's `AmountFinalised` | the decision's, branched (`令和8年度市協第1号の2`) |
//! | 返還命令書 | `AmountFinalised` with a refund, `GrantCancelled` with a refund | branched |
//! | 交付決定取消通知書 | the grant's `GrantCancelled` | branched |
//! | 不交付決定通知書 | the application's `ApplicationNotAdopted` | the receipt number's (`令和8年度市協第0A12-9B7E-4D51号`), branched after the first |
//! | 次点の打診 | the round's `RankingFixed`, for the row offered the remainder | as 不交付 |
//! | 交付申請書, 実績報告書 | the application's content, the grant's report | none: the group's forms, rendered on demand |
//!
//! A notice is issued once per event that calls for it: its bytes are kept by SHA-256 and the
//! grant or the application records [`IssuedNotice`] (`NoticeIssued`), so a printed notice can be
//! checked against the log. The branch number is the count of notices the aggregate already
//! issued plus one, so it follows the log's order and never changes.
//!
//! Wording follows the usual 補助金等交付規則 letters: a title naming the fiscal year and the
//! programme, the body citing the application, 記 with the figures, and the 教示 (how to contest a
//! decision) on decisions that refuse or take back.

mod notices;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::attachment::Sha256;
use crate::fiscal_year::FiscalYear;
use crate::ids::ApplicationId;

pub use notices::{
    application_form, notice_for_application_event, notice_for_grant_event, runner_up_offer,
    settlement_report_form, ApplicationForm, AwardNotice, CancellationNotice, FinalisationNotice,
    NonAwardNotice, Notice, RefundGround, RefundOrderNotice, RunnerUpOfferNotice,
    SettlementReportForm,
};

/// The programme's name as the city's letters write it.
pub const PROGRAMME: &str = "市民公益活動事業費補助金";

/// The mayor's title when the city configures none (the issuer of every notice).
pub const DEFAULT_MAYOR_TITLE: &str = "〇〇市長";

/// Which document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 交付決定通知書
    AwardNotice,
    /// 不交付決定通知書
    NonAwardNotice,
    /// 次点の打診 (the remainder offered to the runner-up)
    RunnerUpOffer,
    /// 額の確定通知書
    FinalisationNotice,
    /// 返還命令書
    RefundOrder,
    /// 交付決定取消通知書
    CancellationNotice,
    /// 交付申請書 (the group's form, filled)
    ApplicationForm,
    /// 実績報告書 (the group's form, filled)
    SettlementReportForm,
}

impl DocumentKind {
    /// Every kind, notices first, in the order the pages list them.
    pub const ALL: [DocumentKind; 8] = [
        Self::AwardNotice,
        Self::NonAwardNotice,
        Self::RunnerUpOffer,
        Self::FinalisationNotice,
        Self::RefundOrder,
        Self::CancellationNotice,
        Self::ApplicationForm,
        Self::SettlementReportForm,
    ];

    /// The key in URLs and events.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwardNotice => "award_notice",
            Self::NonAwardNotice => "non_award_notice",
            Self::RunnerUpOffer => "runner_up_offer",
            Self::FinalisationNotice => "finalisation_notice",
            Self::RefundOrder => "refund_order",
            Self::CancellationNotice => "cancellation_notice",
            Self::ApplicationForm => "application_form",
            Self::SettlementReportForm => "settlement_report_form",
        }
    }

    /// The kind whose key (`as_str`) is `key`; `None` for an unknown key.
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == key)
    }

    /// The document's name in Japanese.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::AwardNotice => "交付決定通知書",
            Self::NonAwardNotice => "不交付決定通知書",
            Self::RunnerUpOffer => "次点の打診",
            Self::FinalisationNotice => "額の確定通知書",
            Self::RefundOrder => "返還命令書",
            Self::CancellationNotice => "交付決定取消通知書",
            Self::ApplicationForm => "交付申請書",
            Self::SettlementReportForm => "実績報告書",
        }
    }

    /// A file name for the download: ASCII, so every browser keeps it.
    pub fn file_name(self) -> String {
        format!("{}.pdf", self.as_str().replace('_', "-"))
    }

    /// Whether the document is a notice the city issues (recorded in the log when issued), not a
    /// form rendered on demand.
    pub fn is_notice(self) -> bool {
        !matches!(self, Self::ApplicationForm | Self::SettlementReportForm)
    }
}

/// A notice as issued: recorded by the grant or the application in `NoticeIssued`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedNotice {
    /// Which notice it is.
    pub kind: DocumentKind,
    /// 文書番号.
    pub document_number: String,
    /// The notice's date (the JST day of the event that called for it).
    pub dated: Date,
    /// The SHA-256 of the PDF's bytes, under which the file store keeps them.
    pub sha256: Sha256,
    /// The PDF's length in bytes.
    pub size: u64,
    /// The event that called for the notice: its aggregate type (`grant`, `application` or
    /// `round`) and its sequence in that aggregate's stream. A notice is issued once per source.
    pub source_type: String,
    /// The source event's sequence number in its aggregate's stream.
    pub source_sequence: i64,
}

/// What a page of the city's letter says, laid out top to bottom: the number and date on the
/// right, the addressee on the left, the issuer on the right, the title centred, the body, 記 with
/// its items, tables, and the notes at the foot. Every text is final: the renderer adds nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Letter {
    /// Which document the page is.
    pub kind: DocumentKind,
    /// 文書番号, printed top right; `None` on a form the group hands in.
    pub number: Option<String>,
    /// The date as printed (Japanese era, `令和8年4月1日`), or 「令和　年　月　日」 for the group to
    /// fill in; `None` prints no date line.
    pub dated: Option<String>,
    /// The addressee (`〇〇の会 様`), or the city's mayor on a form the group hands in.
    pub addressee: Vec<String>,
    /// The issuer (`〇〇市長`), or the group on a form.
    pub issuer: Vec<String>,
    /// The title, centred (e.g. `令和8年度市民公益活動事業費補助金交付決定通知書`).
    pub title: String,
    /// The body's paragraphs, before 記.
    pub body: Vec<String>,
    /// `記` and its label/value lines, when there are any.
    pub items: Vec<(String, String)>,
    /// Tables below the items (a form's expenses and income).
    pub tables: Vec<Table>,
    /// Notes at the foot (the 教示 on decisions that refuse or take back).
    pub notes: Vec<String>,
}

/// A table on a form: a caption, its header and rows (amounts already written as 286,000円).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// The table's caption (`支出`, `収入`).
    pub caption: String,
    /// The column headings.
    pub header: Vec<String>,
    /// The rows, each as wide as the header, every cell already written out.
    pub rows: Vec<Vec<String>>,
}

/// Who issues the city's notices: the mayor's title (a city setting).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issuer {
    /// The mayor's title as printed as issuer (`〇〇市長`); `DEFAULT_MAYOR_TITLE` when the city sets
    /// none.
    pub mayor_title: String,
}

/// The number of a notice on a grant after its decision: the decision's number with the branch
/// (`令和8年度市協第1号の2` for branch 2; branch 1 is the decision's own number).
pub fn grant_notice_number(decision_number: &str, branch: u32) -> String {
    if branch <= 1 {
        decision_number.to_owned()
    } else {
        format!("{decision_number}の{branch}")
    }
}

/// The number of an application's notice (不交付, 次点の打診): the fiscal year, the city's prefix
/// and the application's receipt number, branched from the second on
/// (`令和8年度市協第0A12-9B7E-4D51号`, `…号の2`).
pub fn application_notice_number(
    fiscal_year: FiscalYear,
    prefix: &str,
    application_id: ApplicationId,
    branch: u32,
) -> String {
    let base = format!(
        "{}年度{prefix}第{}号",
        crate::round::era_year(fiscal_year),
        crate::application::receipt_number(application_id)
    );
    grant_notice_number(&base, branch)
}

/// The notice's date: the JST day of the event.
pub fn dated(at: OffsetDateTime) -> Date {
    crate::fiscal_year::jst_date(at)
}
