//! The application read: an application as its readers (its group, staff, its round's reviewers,
//! auditors) see it, built from the aggregate in one place and typed to the answer. Its OpenAPI
//! schema is derived from these types. Instants are written in JST ([`super::jst`]).

use grants_domain::application::{receipt_number, Application, ScreeningChecks};
use grants_domain::budget::Budget;
use grants_domain::refusal::Refusal;
use grants_domain::{
    ApplicationId, ApplicationStatus, GrantId, GroupId, Period, Ratio, RoundId, UserId, Yen,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::attachment_read::AttachmentRead;
use super::jst;

/// An application as its readers see it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ApplicationRead {
    pub id: ApplicationId,
    /// The receipt number (受付番号) the group quotes, read from the id: `0A12-9B7E-4D51` (an
    /// extension of api.md; the mails name it).
    pub receipt_number: String,
    pub round_id: RoundId,
    pub group_id: GroupId,
    pub status: Option<ApplicationStatus>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub purpose: Option<String>,
    pub beneficiaries: Option<String>,
    pub period: Option<Period>,
    pub budget: Option<Budget>,
    pub requested_amount: Option<Yen>,
    /// The computed maximum amount (rule 3).
    pub max_amount: Option<Yen>,
    /// The subsidy rate that applies.
    pub rate: Option<Ratio>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub submitted_at: Option<String>,
    pub returned_reason: Option<String>,
    pub closing_reason: Option<String>,
    pub grant_id: Option<GrantId>,
    pub awarded_amount: Option<Yen>,
    /// While the application can be edited: what submission would refuse about the amount
    /// requested in the saved content (rule 3, above the maximum or below the floor), so that the
    /// form warns before it is submitted; null when it would pass or nothing is requested yet.
    pub amount_warning: Option<AmountWarning>,
    /// The files attached (見積書, 規約, 名簿, 事業計画の資料), in the order added.
    pub attachments: Vec<AttachmentRead>,
    /// What staff checked at the latest screening (形式審査), who and when; null when none was
    /// recorded.
    pub screening_checks: Option<ScreeningChecksRead>,
    /// Present on the answer to a command: the log position of its last event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
}

/// What submission would refuse about the amount requested: the field, the rule's code and its
/// message in Japanese and English.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AmountWarning {
    pub field: Option<String>,
    pub code: String,
    pub detail_ja: String,
    pub detail_en: String,
}

/// What staff checked at a screening, who and when.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ScreeningChecksRead {
    #[serde(flatten)]
    pub checks: ScreeningChecks,
    /// The staff member who screened.
    pub by: UserId,
    #[schema(value_type = String, format = DateTime)]
    pub at: String,
}

impl ApplicationRead {
    /// The read of `application`.
    pub fn of(application: &Application) -> Self {
        let content = application.content();
        ApplicationRead {
            id: application.id(),
            receipt_number: receipt_number(application.id()),
            round_id: application.round_id(),
            group_id: application.group_id(),
            status: application.status(),
            title: content.map(|c| c.title.clone()),
            summary: content.map(|c| c.summary.clone()),
            purpose: content.map(|c| c.purpose.clone()),
            beneficiaries: content.map(|c| c.beneficiaries.clone()),
            period: content.map(|c| c.period),
            budget: content.map(|c| c.budget.clone()),
            requested_amount: content.map(|c| c.requested_amount),
            max_amount: application.max_amount(),
            rate: application.terms().map(|terms| terms.rate),
            submitted_at: application.submitted_at().map(jst),
            returned_reason: application.returned_reason().map(str::to_owned),
            closing_reason: application.closing_reason().map(str::to_owned),
            grant_id: application.grant_id(),
            awarded_amount: application.awarded_amount(),
            amount_warning: application
                .status()
                .filter(|status| status.is_editable())
                .and_then(|_| application.amount_warning())
                .map(|warning| AmountWarning {
                    field: warning.field().map(str::to_owned),
                    code: warning.code().to_owned(),
                    detail_ja: warning.message_ja(),
                    detail_en: warning.message_en(),
                }),
            attachments: AttachmentRead::application_files(
                application.id(),
                application.attachments(),
            ),
            screening_checks: application
                .screening_checks()
                .map(|record| ScreeningChecksRead {
                    checks: record.checks.clone(),
                    by: record.by,
                    at: jst(record.at),
                }),
            position: None,
        }
    }
}
