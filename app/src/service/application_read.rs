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
    /// The application.
    pub id: ApplicationId,
    /// The receipt number (受付番号) the group quotes, read from the id: `0A12-9B7E-4D51` (an
    /// extension of api.md; the mails name it).
    pub receipt_number: String,
    /// The round applied to.
    pub round_id: RoundId,
    /// The applying group.
    pub group_id: GroupId,
    /// Where the application stands; null before the draft starts.
    pub status: Option<ApplicationStatus>,
    /// The project's title; null until the draft has content (so for the fields below).
    pub title: Option<String>,
    /// The project's summary (事業の概要).
    pub summary: Option<String>,
    /// The project's purpose (目的).
    pub purpose: Option<String>,
    /// Who the project serves (受益者).
    pub beneficiaries: Option<String>,
    /// The project period.
    pub period: Option<Period>,
    /// The project's budget: income and expense lines (収支予算).
    pub budget: Option<Budget>,
    /// The amount requested, in integer yen.
    pub requested_amount: Option<Yen>,
    /// The computed maximum amount (rule 3).
    pub max_amount: Option<Yen>,
    /// The subsidy rate that applies.
    pub rate: Option<Ratio>,
    /// When the group submitted it, in JST; null before submission.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub submitted_at: Option<String>,
    /// Why staff returned it, while it is returned for correction.
    pub returned_reason: Option<String>,
    /// Why it closed without an award (ineligible, withdrawn, rejected).
    pub closing_reason: Option<String>,
    /// The grant opened by its award; null until then.
    pub grant_id: Option<GrantId>,
    /// The decided amount once awarded, in integer yen.
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
    /// The form field the rule concerns, by its API name; null when it concerns no one field.
    pub field: Option<String>,
    /// The rule's stable code.
    pub code: String,
    /// The rule's message in Japanese.
    pub detail_ja: String,
    /// The rule's message in English.
    pub detail_en: String,
}

/// What staff checked at a screening, who and when.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ScreeningChecksRead {
    /// The checks recorded (flattened into this object).
    #[serde(flatten)]
    pub checks: ScreeningChecks,
    /// The staff member who screened.
    pub by: UserId,
    /// When staff screened it, in JST.
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
