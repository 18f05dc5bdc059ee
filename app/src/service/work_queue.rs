//! The staff work queue: everything waiting on staff, by kind, with a count and the objects (behind
//! `GET /api/v1/work-queue` and `/staff`). Read from the read models: submitted applications (`applications`),
//! grants whose state waits on staff (`grant_ledger`), and the open change requests and runner-up
//! offers (`work_items`). Which states wait on staff is the domain's rule (`grants_domain::work`).

use std::collections::BTreeMap;

use grants_domain::application::ApplicationStatus;
use grants_domain::grant::GrantStatus;
use grants_domain::work::{staff_work_for_application, staff_work_for_grant, StaffWork};
use grants_domain::Yen;
use grants_projections::grant_ledger::GrantQuery;
use grants_projections::work_items::{self, DECIDE_CHANGE, OFFER_UNANSWERED};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ServiceError;
use crate::policy::Staff;
use crate::state::AppState;

/// The staff work queue: one entry per kind of work, in the queue's order, empty kinds included.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct WorkQueue {
    /// Every kind of work, in the queue's order, empty kinds included.
    pub kinds: Vec<WorkKind>,
    /// Mails to groups whose delivery failed and is being retried (`GET /api/v1/mail`).
    #[serde(default)]
    pub failing_mail: i64,
}

/// One kind of work waiting on staff.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct WorkKind {
    /// screen, pay_advance, decide_change, review_report, pay_remainder, receive_refund,
    /// offer_unanswered.
    #[schema(value_type = String)]
    pub kind: StaffWork,
    /// What staff must do, in Japanese.
    pub label: String,
    /// How many objects wait (the length of `items`).
    pub count: usize,
    /// The objects waiting.
    pub items: Vec<WorkEntry>,
}

/// One object waiting: an application or a grant, and the day it must be answered by if any.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct WorkEntry {
    /// The application concerned (for work on a grant, the grant's application), when known.
    pub application_id: Option<String>,
    /// The grant concerned, for work on a grant (a payment, a change, a report, a refund); else
    /// null.
    pub grant_id: Option<String>,
    /// The round the object belongs to, when known.
    pub round_id: Option<String>,
    /// The project's title, when known.
    pub title: Option<String>,
    /// The group's name (団体名), when known.
    pub group_name: Option<String>,
    /// The amount concerned (the advance to pay, the remainder, the refund), in yen.
    pub amount: Option<i64>,
    /// The last day to answer (JST), where there is one: an offer's, a refund's 納期限.
    pub due_on: Option<String>,
    /// The last day has passed (a refund still owed after its 納期限).
    #[serde(default)]
    pub overdue: bool,
}

fn yen(amount: i64) -> Yen {
    Yen::new(amount).unwrap_or(Yen::ZERO)
}

/// The 納期限 of the refund grant `grant_id` owes, and whether it has passed on `today`.
async fn refund_due(
    state: &AppState,
    grant_id: &str,
    today: time::Date,
) -> Result<(Option<String>, bool), ServiceError> {
    let Ok(id) = grant_id.parse::<grants_domain::GrantId>() else {
        return Ok((None, false));
    };
    let grant = state.stores.grants.load(id).await?;
    Ok(grant.map_or((None, false), |grant| {
        (
            grant.refund_due_on.map(|day| day.to_string()),
            grant.refund_overdue(today),
        )
    }))
}

/// Everything waiting on staff, every kind in the queue's order (empty kinds included).
pub async fn work_queue(state: &AppState, _staff: &Staff) -> Result<WorkQueue, ServiceError> {
    let pool = state.db.clone();
    let today = state.clock.today_jst();
    let mut by_kind: BTreeMap<StaffWork, Vec<WorkEntry>> = BTreeMap::new();

    let submitted = ApplicationStatus::Submitted.as_str();
    let applications = grants_projections::applications::list(&pool, None, Some(submitted), None)
        .await
        .map_err(ServiceError::from)?;
    for row in applications {
        if let Some(work) = staff_work_for_application(row.status) {
            by_kind.entry(work).or_default().push(WorkEntry {
                application_id: Some(row.application_id),
                grant_id: None,
                round_id: Some(row.round_id),
                title: Some(row.title),
                group_name: row.group_name,
                amount: Some(row.requested_amount),
                due_on: None,
                overdue: false,
            });
        }
    }

    // The grants that may wait: those with an open advance request, and those in a status in
    // which the domain's rule has work for some amounts.
    let mut grants = super::grant_list::every(
        state,
        GrantQuery {
            open_advance: true,
            ..GrantQuery::default()
        },
    )
    .await?;
    for status in [
        GrantStatus::ReportSubmitted,
        GrantStatus::Finalised,
        GrantStatus::RefundDue,
        GrantStatus::Cancelled,
    ] {
        let query = GrantQuery {
            status: Some(status.as_str()),
            ..GrantQuery::default()
        };
        for grant in super::grant_list::every(state, query).await? {
            if !grants
                .iter()
                .any(|seen| seen.ledger.grant_id == grant.ledger.grant_id)
            {
                grants.push(grant);
            }
        }
    }
    let mut titles: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
    for grant in &grants {
        let ledger = &grant.ledger;
        titles.insert(
            ledger.grant_id.clone(),
            (grant.title.clone(), grant.group_name.clone()),
        );
        let work = staff_work_for_grant(
            ledger.status,
            yen(ledger.open_advance),
            yen(ledger.payable),
            yen(ledger.refund_due),
        );
        for kind in work {
            let amount = match kind {
                StaffWork::PayAdvance => ledger.open_advance,
                StaffWork::PayRemainder => ledger.payable,
                StaffWork::ReceiveRefund => ledger.refund_due,
                _ => ledger.decided_amount,
            };
            // A refund's 納期限 is the grant's (the ledger does not carry it): the few grants that
            // owe one are loaded.
            let (due_on, overdue) = match kind {
                StaffWork::ReceiveRefund => refund_due(state, &ledger.grant_id, today).await?,
                _ => (None, false),
            };
            by_kind.entry(kind).or_default().push(WorkEntry {
                application_id: ledger.application_id.clone(),
                grant_id: Some(ledger.grant_id.clone()),
                round_id: ledger.round_id.clone(),
                title: grant.title.clone(),
                group_name: grant.group_name.clone(),
                amount: Some(amount),
                due_on,
                overdue,
            });
        }
    }

    for item in work_items::list(&pool).await.map_err(ServiceError::from)? {
        let kind = match item.kind.as_str() {
            DECIDE_CHANGE => StaffWork::DecideChange,
            OFFER_UNANSWERED => StaffWork::OfferUnanswered,
            _ => continue,
        };
        let (mut title, mut group_name) = (None, None);
        if let Some(grant_id) = &item.grant_id {
            if let Some(known) = titles.get(grant_id) {
                (title, group_name) = known.clone();
            } else if let Some(award) = grants_projections::awards::find(&pool, grant_id)
                .await
                .map_err(ServiceError::from)?
            {
                (title, group_name) = (award.title, award.group_name);
            }
        }
        if let Some(application_id) = &item.application_id {
            if let Some(row) = grants_projections::applications::get(&pool, application_id)
                .await
                .map_err(ServiceError::from)?
            {
                title = Some(row.title);
                group_name = row.group_name;
            }
        }
        by_kind.entry(kind).or_default().push(WorkEntry {
            application_id: item.application_id,
            grant_id: item.grant_id,
            round_id: item.round_id,
            title,
            group_name,
            amount: None,
            due_on: item.due_on,
            overdue: false,
        });
    }

    let kinds = StaffWork::ALL
        .into_iter()
        .map(|kind| {
            let items = by_kind.remove(&kind).unwrap_or_default();
            WorkKind {
                kind,
                label: kind.label_ja().to_owned(),
                count: items.len(),
                items,
            }
        })
        .collect();
    Ok(WorkQueue {
        kinds,
        failing_mail: crate::mail::failing(&state.db).await?,
    })
}
