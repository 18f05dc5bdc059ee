//! Requests waiting on staff that are not a state of one row of another read model: the change
//! requests (変更承認申請) no decision has answered and the runner-up offers (繰上げの申出) not yet
//! answered (`work_items`).
//!
//! | opens a row | closes it |
//! |---|---|
//! | grant `ChangeRequested` | `ChangeApproved`, `ChangeRejected` of the same request; the grant's `GrantWithdrawn` or `GrantCancelled` |
//! | round `RankingFixed`, its row with a remainder offer | `RunnerUpOfferAccepted`, `RunnerUpOfferDeclined` of that application |
//!
//! The staff work queue adds these to what the `applications` and `grant_ledger` rows say
//! (`grants_domain::work` decides which of their states wait on staff).

use serde::Serialize;
use sqlx::Row;

use grants_domain::grant::GrantEvent;
use grants_domain::round::RoundEvent;
use grants_domain::{ApplicationId, ChangeRequestId};

use crate::error::ProjectionError;
use crate::event_log::{Decode, LoggedEvent, Reads};
use crate::pool::{LogPool, Tx};
use crate::runner::{BoxFuture, Projection};
use crate::typed::decode;

/// The projection's name.
pub const NAME: &str = "work_items";

/// The kind of a change request waiting for its decision.
pub const DECIDE_CHANGE: &str = "decide_change";
/// The kind of a runner-up offer waiting for the runner-up's answer.
pub const OFFER_UNANSWERED: &str = "offer_unanswered";

/// One open request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkItem {
    /// The item's id: `change:` and the change request's id, or `offer:` and the application's id.
    pub item_id: String,
    /// [`DECIDE_CHANGE`] or [`OFFER_UNANSWERED`].
    pub kind: String,
    /// The grant a change request is for; `None` for an offer.
    pub grant_id: Option<String>,
    /// The runner-up's application an offer is for; `None` for a change request.
    pub application_id: Option<String>,
    /// The round of an offer; `None` for a change request.
    pub round_id: Option<String>,
    /// The last day to answer (`YYYY-MM-DD`, JST), where there is one.
    pub due_on: Option<String>,
}

/// The events that open or close a request (the others are not decoded).
pub const READS: &[Reads] = &[
    Reads::Event("grant", "ChangeRequested"),
    Reads::Event("grant", "ChangeApproved"),
    Reads::Event("grant", "ChangeRejected"),
    Reads::Event("grant", "GrantWithdrawn"),
    Reads::Event("grant", "GrantCancelled"),
    Reads::Event("round", "RankingFixed"),
    Reads::Event("round", "RunnerUpOfferAccepted"),
    Reads::Event("round", "RunnerUpOfferDeclined"),
];

/// Builds the `work_items` table.
#[derive(Clone, Copy, Debug, Default)]
pub struct WorkItems;

impl Projection for WorkItems {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &["work_items"]
    }

    fn reads(&self) -> Option<&'static [Reads]> {
        Some(READS)
    }

    /// The text only: the typed events are deserialised from it ([`crate::typed::decode`]).
    fn decode(&self) -> Decode {
        Decode::Text
    }

    fn apply_batch<'a>(
        &'a self,
        tx: &'a mut Tx,
        events: &'a [LoggedEvent],
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(async move {
            for event in events {
                for change in changes(event)? {
                    write(tx, &change, event.position).await?;
                }
            }
            Ok(())
        })
    }
}

/// What one event does to the table.
enum Change {
    Open(WorkItem),
    Close(String),
    CloseGrant(String),
}

/// The event as the domain's type, if [`READS`] names it (a live step's batch holds every event;
/// the others are not decoded).
enum Read {
    Grant(Box<GrantEvent>),
    Round(Box<RoundEvent>),
}

fn read_event(event: &LoggedEvent) -> Result<Option<Read>, ProjectionError> {
    if !Reads::any(READS, event) {
        return Ok(None);
    }
    Ok(match event.aggregate_type.as_str() {
        "grant" => Some(Read::Grant(Box::new(decode(NAME, event)?))),
        "round" => Some(Read::Round(Box::new(decode(NAME, event)?))),
        _ => None,
    })
}

fn changes(event: &LoggedEvent) -> Result<Vec<Change>, ProjectionError> {
    let id = &event.aggregate_id;
    Ok(match read_event(event)? {
        Some(Read::Grant(grant_event)) => match *grant_event {
            GrantEvent::ChangeRequested {
                change_request_id, ..
            } => vec![Change::Open(WorkItem {
                item_id: change_item(change_request_id),
                kind: DECIDE_CHANGE.to_owned(),
                grant_id: Some(id.clone()),
                application_id: None,
                round_id: None,
                due_on: None,
            })],
            GrantEvent::ChangeApproved {
                change_request_id, ..
            }
            | GrantEvent::ChangeRejected {
                change_request_id, ..
            } => vec![Change::Close(change_item(change_request_id))],
            GrantEvent::GrantWithdrawn { .. } | GrantEvent::GrantCancelled { .. } => {
                vec![Change::CloseGrant(id.clone())]
            }
            _ => Vec::new(),
        },
        Some(Read::Round(round_event)) => match *round_event {
            RoundEvent::RankingFixed {
                rows,
                offer_expires_on,
                ..
            } => rows
                .iter()
                .filter(|row| row.remainder_offer.is_some())
                .map(|row| {
                    Change::Open(WorkItem {
                        item_id: offer_item(row.application_id),
                        kind: OFFER_UNANSWERED.to_owned(),
                        grant_id: None,
                        application_id: Some(row.application_id.to_string()),
                        round_id: Some(id.clone()),
                        due_on: offer_expires_on.map(|day| day.to_string()),
                    })
                })
                .collect(),
            RoundEvent::RunnerUpOfferAccepted { application_id, .. }
            | RoundEvent::RunnerUpOfferDeclined { application_id, .. } => {
                vec![Change::Close(offer_item(application_id))]
            }
            _ => Vec::new(),
        },
        None => Vec::new(),
    })
}

fn change_item(change_request_id: ChangeRequestId) -> String {
    format!("change:{change_request_id}")
}

fn offer_item(application_id: ApplicationId) -> String {
    format!("offer:{application_id}")
}

async fn write(tx: &mut Tx, change: &Change, position: i64) -> Result<(), ProjectionError> {
    match change {
        Change::Open(item) => {
            crate::exec_tx!(tx, conn => sqlx::query(
                "INSERT INTO work_items (item_id, kind, grant_id, application_id, round_id, due_on, \
                 updated_position) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (item_id) DO UPDATE SET due_on = excluded.due_on, \
                 updated_position = excluded.updated_position",
            )
            .bind(&item.item_id)
            .bind(&item.kind)
            .bind(&item.grant_id)
            .bind(&item.application_id)
            .bind(&item.round_id)
            .bind(&item.due_on)
            .bind(position)
            .execute(&mut *conn)
            .await?);
        }
        Change::Close(item_id) => {
            crate::exec_tx!(tx, conn => sqlx::query("DELETE FROM work_items WHERE item_id = $1")
                .bind(item_id)
                .execute(&mut *conn)
                .await?);
        }
        Change::CloseGrant(grant_id) => {
            crate::exec_tx!(tx, conn => sqlx::query("DELETE FROM work_items WHERE grant_id = $1")
                .bind(grant_id)
                .execute(&mut *conn)
                .await?);
        }
    }
    Ok(())
}

/// Every open request, oldest first.
pub async fn list(pool: &LogPool) -> Result<Vec<WorkItem>, ProjectionError> {
    let sql = "SELECT item_id, kind, grant_id, application_id, round_id, due_on FROM work_items \
               ORDER BY updated_position, item_id";
    let rows = crate::on_pool!(pool, pool => {
        let rows = sqlx::query(sql).fetch_all(pool).await?;
        rows.iter().map(read).collect::<Result<Vec<_>, sqlx::Error>>()?
    });
    Ok(rows)
}

fn read<'r, R>(row: &'r R) -> Result<WorkItem, sqlx::Error>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(WorkItem {
        item_id: row.try_get(0)?,
        kind: row.try_get(1)?,
        grant_id: row.try_get(2)?,
        application_id: row.try_get(3)?,
        round_id: row.try_get(4)?,
        due_on: row.try_get(5)?,
    })
}
