//! The grant read: what the API answers about a grant (api.md's grant read, with extensions) and its
//! settlement report, built
//! from the grant aggregate in one place and typed from the aggregate to the answer. Its schema in
//! the OpenAPI document is derived from these types. Instants are written in JST ([`super::jst`]).

use grants_domain::grant::{
    AdvanceRequest, AdvanceRequestStatus, ChangeRecord, DiscontinuationState, GrantAction,
    GrantStatus, Period, SettlementReport,
};
use grants_domain::{ApplicationId, ChangeRequestId, Grant, GrantId, GroupId, Ratio, RoundId, Yen};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use super::attachment_read::AttachmentRead;
use super::jst;

/// An instant as the API writes it: RFC 3339 in JST.
type Instant = String;

/// The grant read of api.md. `paid_total` is what was paid net of refunds received.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct GrantRead {
    /// The grant.
    pub grant_id: GrantId,
    /// The application whose award opened this grant.
    pub application_id: ApplicationId,
    /// The round that awarded it.
    pub round_id: RoundId,
    /// The group the grant is paid to.
    pub group_id: GroupId,
    /// Where the grant stands; null until the award decision (交付決定) is recorded.
    pub status: Option<GrantStatus>,
    /// The amount decided (交付決定額) as amended by approved changes, in integer yen; zero before the
    /// decision.
    pub decided_amount: Yen,
    /// The subsidy rate of the grant (rule 3), taken from the group's grants counted at the
    /// decision; the finalised amount uses it (an extension of api.md's grant read).
    pub rate: Option<Ratio>,
    /// The decision day (JST); null before the decision.
    pub decided_on: Option<Date>,
    /// The decision notice's document number (文書番号); null before the decision.
    pub notice_number: Option<String>,
    /// Integer yen the group holds: payments less refunds received.
    pub paid_total: Yen,
    /// The amount fixed at finalisation (額の確定), in integer yen; null until then.
    pub finalised_amount: Option<Yen>,
    /// The refund ordered and not yet received, in integer yen.
    pub refund_due: Yen,
    /// The refund's due date (納期限) while a refund is outstanding, after finalisation or a
    /// cancellation; null otherwise (an extension of api.md's grant read).
    pub refund_due_on: Option<Date>,
    /// What the city still owes once the amount is finalised (rule 7), in integer yen; zero before.
    pub payable: Yen,
    /// The day the project must be completed by (JST), as amended; null before the decision.
    pub completion_deadline: Option<Date>,
    /// What remains to be paid: the finalised amount once known, else the decided amount, less
    /// `paid_total`; zero once withdrawn or cancelled (an extension of api.md's grant read).
    pub remaining_to_pay: Yen,
    /// What of the advances requested waits for staff to pay it (an extension).
    pub open_advance: Yen,
    /// Every advance request (概算払の請求), in the order made, with where it stands (an extension).
    pub advance_requests: Vec<AdvanceRequestRead>,
    /// What the grant's state lets be asked of it now, in the order of the grant's life (an
    /// extension): the command may still refuse for the date or the values asked.
    pub allowed_actions: Vec<GrantAction>,
    /// Every payment to the group and refund received, in the order recorded (an extension of
    /// api.md's grant read).
    pub payments: Vec<grants_domain::grant::PaymentEntry>,
    /// Every change request and minor change (変更承認申請・軽微な変更), in the order made (an
    /// extension of api.md's grant read).
    pub change_requests: Vec<ChangeRequestRead>,
    /// The request to discontinue (中止・廃止) and staff's decision, null when none (an extension).
    pub discontinuation: Option<DiscontinuationRead>,
    /// The day the first settlement report is due: the round's rule, or the latest extension.
    pub settlement_due_on: Option<Date>,
    /// Every extension of the due date staff granted, in order.
    pub settlement_extensions: Vec<SettlementExtensionRead>,
    /// The cancellation's refund order with its 加算金・延滞金 terms (適正化法 第19条); null without
    /// one, or for a cancellation recorded before the terms were.
    pub refund_order: Option<RefundOrderRead>,
    /// 加算金 and 延滞金 as of today (JST), or as of the day the refund was paid in full.
    pub surcharges: Option<grants_domain::grant::Surcharges>,
    /// The delay reason of a report submitted after its due date; null when none came late.
    pub settlement_delay: Option<SettlementDelayRead>,
    /// Present on the answer to a command: the log position of its last event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
    /// Present on the answer to a change request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_request_id: Option<ChangeRequestId>,
}

/// One advance request (概算払の請求).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[schema(as = GrantAdvanceRequest)]
pub struct AdvanceRequestRead {
    /// The amount asked for, in integer yen.
    pub amount: Yen,
    /// When the group asked, in JST.
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: Instant,
    /// The JST calendar day of the request.
    pub requested_on: Date,
    /// Open (waits for staff to pay), paid in full, or lapsed when advances ended.
    pub status: AdvanceRequestStatus,
    /// What of this request has not been paid.
    pub unpaid: Yen,
}

/// A change request as the grant records it: what was asked (reason, period, the total cost before
/// and after) and what became of it. The whole budget stays out: the totals are what rule 8 weighs.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[schema(as = GrantChangeRequest)]
pub struct ChangeRequestRead {
    /// The change request.
    pub change_request_id: ChangeRequestId,
    /// The group's reason for the change.
    pub reason: String,
    /// When the group asked, in JST.
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: Instant,
    /// The project period asked for.
    pub period: Period,
    /// The plan's total cost (事業費総額) before and after the change, which rule 8 compares.
    pub total_cost_before: Yen,
    /// The plan's total cost after the change, in integer yen.
    pub total_cost_after: Yen,
    /// Pending, notified (a minor change, 軽微な変更), approved or rejected.
    pub status: grants_domain::grant::ChangeState,
    /// null while pending and for a minor change.
    pub decision: Option<ChangeDecisionRead>,
    /// The files attached to the request (見積書 and others).
    pub attachments: Vec<AttachmentRead>,
}

/// Staff's decision on a change request.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[schema(as = ChangeRequestDecision)]
pub struct ChangeDecisionRead {
    /// True for an approval, false for a rejection.
    pub approved: bool,
    /// Staff's reason for the decision.
    pub reason: String,
    /// When staff decided, in JST.
    #[schema(value_type = String, format = DateTime)]
    pub decided_at: Instant,
    /// The decided amount before and after the approval; null on a rejection.
    pub previous_amount: Option<Yen>,
    /// The decided amount after the approval, in integer yen; null on a rejection.
    pub decided_amount: Option<Yen>,
}

/// The group's request to discontinue (中止・廃止) and what became of it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[schema(as = GrantDiscontinuation)]
pub struct DiscontinuationRead {
    /// The group's reason for discontinuing.
    pub reason: String,
    /// In JST.
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: Instant,
    /// Pending staff's decision, approved or refused.
    pub status: DiscontinuationState,
    /// Staff's reason for a refusal, or note on an approval.
    pub decision_reason: Option<String>,
    /// The day the project ended (the new completion deadline), on approval.
    pub discontinued_on: Option<Date>,
}

/// One extension of a settlement report's due date (期限の延長).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[schema(as = GrantSettlementExtension)]
pub struct SettlementExtensionRead {
    /// The due date before this extension (JST).
    pub previous: Date,
    /// The new due date (JST).
    pub deadline: Date,
    /// Staff's reason for extending.
    pub reason: String,
    /// When staff extended it, in JST.
    #[schema(value_type = String, format = DateTime)]
    pub extended_at: Instant,
}

/// A refund ordered by cancellation, as the order states it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[schema(as = GrantRefundOrder)]
pub struct RefundOrderRead {
    /// The refund ordered, in integer yen.
    pub ordered: Yen,
    /// The refund's due date (納期限, JST).
    pub due_on: Date,
    /// 加算金's yearly rate (default 219/2000 = 10.95%).
    pub additional_charge_rate: Ratio,
    /// 延滞金's yearly rate (default 219/2000 = 10.95%).
    pub late_charge_rate: Ratio,
    /// The days the yearly rates are divided by, leap years included.
    pub days_per_year: u32,
    /// 加算金 if the refund is paid in full on its due date.
    pub additional_charge_if_paid_on_due_date: Yen,
}

/// The reason a late report gave (遅延理由) and when staff accepted it (null until then).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[schema(as = GrantSettlementDelay)]
pub struct SettlementDelayRead {
    /// The group's reason for the delay.
    pub reason: String,
    /// The due date the report missed.
    pub deadline: Date,
    /// When the group gave the reason, in JST.
    #[schema(value_type = String, format = DateTime)]
    pub explained_at: Instant,
    /// When staff accepted the reason, in JST; null until then.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub accepted_at: Option<Instant>,
}

/// A grant's settlement report as its group and staff read it, with its files.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SettlementReportRead {
    /// null until a report was saved.
    pub report: Option<SettlementReport>,
    /// The receipts and activity photos attached, in the order added.
    pub attachments: Vec<AttachmentRead>,
}

impl SettlementReportRead {
    /// The report of `grant` as saved, and its files.
    pub fn of(grant: &Grant) -> Self {
        SettlementReportRead {
            report: grant.report.clone(),
            attachments: AttachmentRead::report_files(grant),
        }
    }
}

impl GrantRead {
    /// The read of `grant`, its surcharges as of `today` (JST).
    pub fn of(grant: &Grant, today: Date) -> Self {
        GrantRead {
            grant_id: grant.grant_id,
            application_id: grant.application_id,
            round_id: grant.round_id,
            group_id: grant.group_id,
            status: grant.status,
            decided_amount: grant.decided_amount(),
            rate: grant.award.as_ref().map(|award| award.terms.rate),
            decided_on: grant.decided_on(),
            notice_number: grant.notice_number().map(str::to_owned),
            paid_total: grant.net_paid(),
            finalised_amount: grant.finalised_amount,
            refund_due: grant.refund_due(),
            refund_due_on: grant.refund_due_on(),
            payable: grant.payable(),
            completion_deadline: grant.completion_deadline(),
            remaining_to_pay: grant.remaining_to_pay(),
            open_advance: grant.open_advance(),
            advance_requests: grant
                .advances()
                .iter()
                .map(AdvanceRequestRead::of)
                .collect(),
            allowed_actions: grant.allowed_actions(),
            payments: grant.payments.clone(),
            change_requests: grant
                .changes
                .iter()
                .map(|change| ChangeRequestRead::of(grant, change))
                .collect(),
            discontinuation: grant
                .discontinuation
                .as_ref()
                .map(|record| DiscontinuationRead {
                    reason: record.reason.clone(),
                    requested_at: jst(record.requested_at),
                    status: record.state,
                    decision_reason: record.decision_reason.clone(),
                    discontinued_on: record.discontinued_on,
                }),
            settlement_due_on: grant.settlement_due_on(),
            settlement_extensions: grant
                .settlement_extensions
                .iter()
                .map(|extension| SettlementExtensionRead {
                    previous: extension.previous,
                    deadline: extension.deadline,
                    reason: extension.reason.clone(),
                    extended_at: jst(extension.extended_at),
                })
                .collect(),
            refund_order: grant.refund_order.as_ref().map(|order| RefundOrderRead {
                ordered: order.ordered,
                due_on: order.due_on,
                additional_charge_rate: order.terms.additional_rate,
                late_charge_rate: order.terms.late_rate,
                days_per_year: order.terms.days_per_year,
                additional_charge_if_paid_on_due_date: order.additional_if_paid_on_due_date,
            }),
            surcharges: grant.surcharges(today),
            settlement_delay: grant
                .settlement_delay
                .as_ref()
                .map(|delay| SettlementDelayRead {
                    reason: delay.reason.clone(),
                    deadline: delay.deadline,
                    explained_at: jst(delay.explained_at),
                    accepted_at: delay.accepted_at.map(jst),
                }),
            position: None,
            change_request_id: None,
        }
    }

    /// The advance requests that wait for staff to pay them, in the order made.
    pub fn open_advances(&self) -> impl Iterator<Item = &AdvanceRequestRead> {
        self.advance_requests
            .iter()
            .filter(|request| request.status == AdvanceRequestStatus::Open)
    }

    /// Whether the grant's state lets `action` be asked for now.
    pub fn allows(&self, action: GrantAction) -> bool {
        self.allowed_actions.contains(&action)
    }
}

impl AdvanceRequestRead {
    fn of(request: &AdvanceRequest) -> Self {
        AdvanceRequestRead {
            amount: request.amount,
            requested_at: jst(request.requested_at),
            requested_on: request.requested_on,
            status: request.status,
            unpaid: request.unpaid,
        }
    }
}

impl ChangeRequestRead {
    fn of(grant: &Grant, record: &ChangeRecord) -> Self {
        ChangeRequestRead {
            change_request_id: record.change_request_id,
            reason: record.reason.clone(),
            requested_at: jst(record.requested_at),
            period: record.period,
            total_cost_before: record.total_cost_before,
            total_cost_after: record.total_cost_after,
            status: record.state,
            decision: record.decision.as_ref().map(|decision| ChangeDecisionRead {
                approved: decision.approved,
                reason: decision.reason.clone(),
                decided_at: jst(decision.decided_at),
                previous_amount: decision.previous_amount,
                decided_amount: decision.decided_amount,
            }),
            attachments: AttachmentRead::change_files(grant, record.change_request_id),
        }
    }
}
