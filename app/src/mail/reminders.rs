//! The process `reminders`: the mails that remind a group of a deadline before it passes (a draft
//! not yet submitted as the window closes, the settlement report due in 14 and in 3 days, a refund's
//! 納期限, an offer's last day).
//!
//! It does two things, in turns:
//! 1. **Follows the log** from a checkpoint of its own and keeps, in `reminder_deadlines` (migration
//!    0027), the deadlines each application and grant gives its group now: for every event it reads
//!    the state of the application, grant or round the event is about (as of the batch's last event
//!    of it or later: `Store::load_each`, one read of the log per kind; a later event is in a later
//!    batch) and replaces that object's rows, in the transaction that moves the checkpoint. Which states have a deadline is
//!    the domain's rule (`grants_domain::reminder`: `draft_deadline`, `grant_deadlines`,
//!    `offer_deadlines`, from the group's next steps in `grants_domain::work`).
//! 2. **When it has caught up with the log** and a pass is due (on a new day, a second after it
//!    wrote deadlines, and every minute: `Passes`), asks the domain which reminder is due today
//!    (`reminder_due`; today is the injected clock's JST day, `crate::clock`) for every deadline
//!    within the next 14 days, and writes each due reminder into the outbox with the notices, as
//!    `mail_outbox` writes news. A reminder's key in `outbox_mails` is the deadline's object (as
//!    stream and subject), its day (as the sequence: the Julian day number) and the reminder's
//!    template, so each reminder is written once per deadline: a restart, a second service or a run
//!    from the start of the log finds it there and writes nothing; a day the service was stopped on
//!    is caught up the next time it runs (a reminder is due from its first day to the deadline).
//!    A deadline moved (a report's extension, a corrected window) is a new deadline and reminded
//!    again.
//!
//! `mail/sender.rs` delivers them with every other mail.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::time::Duration;

use grants_domain::reminder::{
    days_left, draft_deadline, grant_deadlines, has_draft_deadline, offer_deadlines, reminder_due,
    DeadlineKind, Reminder,
};
use grants_domain::{Application, ApplicationId, Grant, GrantId, Round, RoundId};
use grants_projections::{checkpoint, LogCursor, Tx};
use sqlx::Row;
use time::{Date, OffsetDateTime};

use super::outbox::{addressed, found, mail_domain, read, store, MailKey, Pending};
use super::templates::News;
use crate::service::load::{existing, seen_in_stream};
use crate::state::AppState;

/// The process's checkpoint in `projection_checkpoints`.
pub const NAME: &str = "reminders";

/// How many events one step reads.
const BATCH: i64 = 100;

/// How long the process waits when the log has nothing new: how soon a new day (or a moved test
/// clock) is noticed.
const IDLE: Duration = Duration::from_millis(250);

/// How soon after a pass over the due reminders written deadlines are looked at again.
const AFTER_NEW_DEADLINES: Duration = Duration::from_secs(1);

/// The longest time between two passes over the due reminders on one day (a reminder skipped for
/// want of an address is tried again then).
const PASS_EVERY: Duration = Duration::from_secs(60);

/// When the due reminders are looked for again (each pass reads every deadline of the next 14 days
/// and checks each due reminder against the outbox): on a new day, a second after the follower
/// wrote deadlines, and every minute; not every time the follower catches up, which under load was
/// a dozen times a second.
#[derive(Default)]
struct Passes {
    /// The day and the moment of the last pass.
    last: Option<(Date, std::time::Instant)>,
    /// Whether the follower wrote deadlines since.
    deadlines_written: bool,
}

impl Passes {
    fn due(&self, today: Date, now: std::time::Instant) -> bool {
        let Some((day, at)) = self.last else {
            return true;
        };
        let since = now.saturating_duration_since(at);
        day != today
            || since >= PASS_EVERY
            || (self.deadlines_written && since >= AFTER_NEW_DEADLINES)
    }

    fn done(&mut self, today: Date, now: std::time::Instant) {
        self.last = Some((today, now));
        self.deadlines_written = false;
    }
}

/// One deadline as `reminder_deadlines` keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Deadline {
    kind: DeadlineKind,
    /// The application (a draft, an offer) or the grant (the report, a refund).
    object_id: String,
    application_id: ApplicationId,
    round_id: RoundId,
    due_on: Date,
}

/// The background run until `shutdown`: follows the log, and once caught up writes the reminders
/// due when a pass is due (`Passes`). A failed step is retried with a growing pause; nothing is skipped.
pub async fn run(state: AppState, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let mut failures: u32 = 0;
    let mut progress = crate::process::Progress::new(NAME);
    let mut passes = Passes::default();
    loop {
        let outcome = match follow(&state, &mut progress).await {
            Ok(Followed::Read { new_deadlines }) => {
                passes.deadlines_written |= new_deadlines;
                Ok(true)
            }
            Ok(Followed::CaughtUp) => {
                let (today, now) = (state.clock.today_jst(), std::time::Instant::now());
                if passes.due(today, now) {
                    let reminded = remind(&state, today).await.map(|_| false);
                    if reminded.is_ok() {
                        passes.done(today, now);
                    }
                    reminded
                } else {
                    Ok(false)
                }
            }
            Err(error) => Err(error),
        };
        let pause = match outcome {
            Ok(true) => {
                failures = 0;
                Duration::ZERO
            }
            Ok(false) => {
                failures = 0;
                IDLE
            }
            Err(error) => {
                progress.forget();
                failures = failures.saturating_add(1);
                tracing::error!(%error, process = NAME, attempt = failures, "process step failed; will retry");
                Duration::from_millis(200).saturating_mul(1 << failures.min(7))
            }
        };
        tokio::select! {
            biased;
            () = &mut shutdown => return,
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// What one step of following the log did.
enum Followed {
    /// Nothing was left to read.
    CaughtUp,
    /// A batch was read; `new_deadlines` when it wrote deadlines that may fall due (a draft's, a
    /// grant's, a round's offers or window), not only removed some.
    Read { new_deadlines: bool },
}

/// Reads the next batch after the checkpoint and replaces the deadlines of every object it touched,
/// with the moved checkpoint, in one transaction. A batch that touched none writes only, now and
/// then, the checkpoint (`process::Progress`: replacing an object's deadlines twice leaves the
/// same rows).
async fn follow(
    state: &AppState,
    progress: &mut crate::process::Progress,
) -> anyhow::Result<Followed> {
    let pool = state.db.clone();
    let cursor: LogCursor = progress.start(&pool).await?;
    let batch = state.feed.read_after(cursor, BATCH).await?;
    let Some(last) = batch.last().map(|event| event.cursor()) else {
        progress.store_if_due(&pool, true).await?;
        return Ok(Followed::CaughtUp);
    };
    // Each object the batch touched, with the sequence of its last event in the batch: its state is
    // read at least that fresh (`Store::load_each`; a later event is the next batch's), each kind
    // with one read of the log for the copies kept in memory.
    let mut applications = BTreeMap::new();
    let mut grants = BTreeMap::new();
    let mut rounds = BTreeMap::new();
    for event in &batch {
        let id = event.aggregate_id.as_str();
        let seen = seen_in_stream(event.sequence);
        if event.aggregate_type == <Application as cqrs_es::Aggregate>::TYPE {
            if let Ok(id) = id.parse::<ApplicationId>() {
                applications.insert(id, seen);
            }
        } else if event.aggregate_type == <Grant as cqrs_es::Aggregate>::TYPE {
            if let Ok(id) = id.parse::<GrantId>() {
                grants.insert(id, seen);
            }
        } else if event.aggregate_type == <Round as cqrs_es::Aggregate>::TYPE {
            if let Ok(id) = id.parse::<RoundId>() {
                rounds.insert(id, seen);
            }
        }
    }
    // Read every state first, then write: the transaction stays short.
    let stores = &state.stores;
    let read_applications = stores.applications.load_each(&asked(&applications)).await;
    let read_applications = read_applications.map_err(read)?;
    let mut drafts = Vec::new();
    let mut closing = HashMap::new();
    for id in applications.into_keys() {
        let application = read_applications.get(&id.to_string());
        drafts.push((
            id,
            application_draft(state, id, application, &mut closing).await?,
        ));
    }
    let read_grants = stores
        .grants
        .load_each(&asked(&grants))
        .await
        .map_err(read)?;
    let grant_rows: Vec<(GrantId, Vec<Deadline>)> = grants
        .into_keys()
        .map(|id| (id, grant_rows_of(id, read_grants.get(&id.to_string()))))
        .collect();
    let mut read_rounds = stores
        .rounds
        .load_each(&asked(&rounds))
        .await
        .map_err(read)?;
    let round_rows: Vec<(RoundId, Round)> = rounds
        .into_keys()
        .filter_map(|id| Some((id, read_rounds.remove(&id.to_string())?)))
        .collect();
    progress.advance(last);
    if drafts.is_empty() && grant_rows.is_empty() && round_rows.is_empty() {
        progress.store_if_due(&pool, false).await?;
        return Ok(Followed::Read {
            new_deadlines: false,
        });
    }
    let new_deadlines = drafts.iter().any(|(_, draft)| draft.is_some())
        || grant_rows.iter().any(|(_, rows)| !rows.is_empty())
        || !round_rows.is_empty();
    let mut tx = pool.begin().await?;
    let draft_ids: Vec<String> = drafts.iter().map(|(id, _)| id.to_string()).collect();
    let draft_rows: Vec<&Deadline> = drafts.iter().flat_map(|(_, draft)| draft).collect();
    replace(&mut tx, &draft_ids, &[DeadlineKind::Draft], &draft_rows).await?;
    let grant_ids: Vec<String> = grant_rows.iter().map(|(id, _)| id.to_string()).collect();
    let rows: Vec<&Deadline> = grant_rows.iter().flat_map(|(_, rows)| rows).collect();
    let kinds = [DeadlineKind::SettlementReport, DeadlineKind::Refund];
    replace(&mut tx, &grant_ids, &kinds, &rows).await?;
    rounds_changed(&mut tx, &round_rows).await?;
    progress.store(&mut tx).await?;
    tx.commit().await?;
    progress.written();
    Ok(Followed::Read { new_deadlines })
}

/// The draft deadline of application `id` as read (`None`: no events), if it is a draft of a
/// round that exists. `closing` holds the closing instants of the rounds this batch has read
/// already (a batch under load holds many drafts of one round: one read of it, not one per draft).
async fn application_draft(
    state: &AppState,
    id: ApplicationId,
    application: Option<&Application>,
    closing: &mut HashMap<RoundId, Option<OffsetDateTime>>,
) -> anyhow::Result<Option<Deadline>> {
    let Some(application) = application else {
        return Ok(None);
    };
    let Some(status) = application
        .status()
        .filter(|&status| has_draft_deadline(status))
    else {
        return Ok(None);
    };
    let round_id = application.round_id();
    let closes_at = match closing.get(&round_id) {
        Some(closes_at) => *closes_at,
        None => {
            let round = found(existing(&state.stores.rounds, round_id).await)?;
            let closes_at = round.and_then(|round| round.settings.map(|s| s.closes_at));
            closing.insert(round_id, closes_at);
            closes_at
        }
    };
    let Some(closes_at) = closes_at else {
        return Ok(None);
    };
    Ok(draft_deadline(status, closes_at).map(|due_on| Deadline {
        kind: DeadlineKind::Draft,
        object_id: id.to_string(),
        application_id: id,
        round_id,
        due_on,
    }))
}

/// The deadlines grant `id` gives its group, as read (`None`: no events).
fn grant_rows_of(id: GrantId, grant: Option<&Grant>) -> Vec<Deadline> {
    let Some(grant) = grant else {
        return Vec::new();
    };
    grant_deadlines(grant)
        .into_iter()
        .map(|(kind, due_on)| Deadline {
            kind,
            object_id: id.to_string(),
            application_id: grant.application_id,
            round_id: grant.round_id,
            due_on,
        })
        .collect()
}

/// The objects a batch touched as `Store::load_each` asks for them: each with its last event.
fn asked<Id: std::fmt::Display>(touched: &BTreeMap<Id, usize>) -> Vec<(String, Option<usize>)> {
    touched
        .iter()
        .map(|(id, seen)| (id.to_string(), Some(*seen)))
        .collect()
}

/// Rounds changed: their drafts' last day follows each window (a correction may move it), and their
/// open offers are replaced by the ones they have now. Three statements for the batch's rounds.
async fn rounds_changed(tx: &mut Tx, rounds: &[(RoundId, Round)]) -> anyhow::Result<()> {
    use grants_projections::pool::{placeholders, MAX_PARAMETERS};
    let last_days: Vec<(String, String)> = rounds
        .iter()
        .filter_map(|(id, round)| {
            let settings = round.settings.as_ref()?;
            let last_day = grants_domain::reminder::draft_last_day(settings.closes_at);
            Some((id.to_string(), last_day.to_string()))
        })
        .collect();
    for chunk in last_days.chunks((MAX_PARAMETERS - 1) / 3) {
        // `CASE round_id WHEN $2 THEN $3 … END … round_id IN ($2n+2, …)`: every placeholder once.
        let cases: String = (0..chunk.len())
            .map(|n| format!(" WHEN ${} THEN ${}", 2 * n + 2, 2 * n + 3))
            .collect();
        let sql = format!(
            "UPDATE reminder_deadlines SET due_on = CASE round_id{cases} END \
             WHERE kind = $1 AND round_id IN ({})",
            placeholders(2 * chunk.len() + 2, chunk.len())
        );
        grants_projections::exec_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql).bind(DeadlineKind::Draft.key());
            for (round_id, last_day) in chunk {
                query = query.bind(round_id).bind(last_day);
            }
            for (round_id, _) in chunk {
                query = query.bind(round_id);
            }
            query.execute(&mut *conn).await?
        });
    }
    let round_ids: Vec<String> = rounds.iter().map(|(id, _)| id.to_string()).collect();
    for chunk in round_ids.chunks(MAX_PARAMETERS - 2) {
        let sql = format!(
            "DELETE FROM reminder_deadlines WHERE kind IN ($1, $2) AND round_id IN ({})",
            placeholders(3, chunk.len())
        );
        grants_projections::exec_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql)
                .bind(DeadlineKind::RunnerUpOffer.key())
                .bind(DeadlineKind::PromotionOffer.key());
            for id in chunk {
                query = query.bind(id);
            }
            query.execute(&mut *conn).await?
        });
    }
    let offers: Vec<Deadline> = rounds
        .iter()
        .flat_map(|(id, round)| {
            offer_deadlines(round)
                .into_iter()
                .map(|(application_id, kind, due_on)| Deadline {
                    kind,
                    object_id: application_id.to_string(),
                    application_id,
                    round_id: *id,
                    due_on,
                })
        })
        .collect();
    insert_all(tx, &offers.iter().collect::<Vec<_>>()).await
}

/// Replaces the deadlines of `kinds` of every object in `object_ids` with `rows`: one statement
/// deletes them and one writes the rows (a batch under load touches hundreds of objects).
async fn replace(
    tx: &mut Tx,
    object_ids: &[String],
    kinds: &[DeadlineKind],
    rows: &[&Deadline],
) -> anyhow::Result<()> {
    use grants_projections::pool::{placeholders, MAX_PARAMETERS};
    for chunk in object_ids.chunks(MAX_PARAMETERS - kinds.len()) {
        let sql = format!(
            "DELETE FROM reminder_deadlines WHERE kind IN ({}) AND object_id IN ({})",
            placeholders(1, kinds.len()),
            placeholders(kinds.len() + 1, chunk.len())
        );
        grants_projections::exec_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql);
            for kind in kinds {
                query = query.bind(kind.key());
            }
            for id in chunk {
                query = query.bind(id);
            }
            query.execute(&mut *conn).await?
        });
    }
    insert_all(tx, rows).await
}

/// Writes `rows`, a statement for up to a few hundred of them. The caller has deleted whatever they
/// replace; each object has at most one deadline of a kind, so no row meets another.
async fn insert_all(tx: &mut Tx, rows: &[&Deadline]) -> anyhow::Result<()> {
    use grants_projections::pool::{values, MAX_PARAMETERS};
    for chunk in rows.chunks(MAX_PARAMETERS / 5) {
        let sql = format!(
            "INSERT INTO reminder_deadlines (kind, object_id, application_id, round_id, due_on) \
             VALUES {}",
            values(5, chunk.len())
        );
        grants_projections::exec_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql);
            for row in chunk {
                query = query
                    .bind(row.kind.key())
                    .bind(&row.object_id)
                    .bind(row.application_id.to_string())
                    .bind(row.round_id.to_string())
                    .bind(row.due_on.to_string());
            }
            query.execute(&mut *conn).await?
        });
    }
    Ok(())
}

/// The deadlines from `today` to the farthest a reminder looks ahead.
async fn deadlines_near(state: &AppState, today: Date) -> anyhow::Result<Vec<Deadline>> {
    let horizon = today + time::Duration::days(DeadlineKind::MAX_LEAD_DAYS);
    let rows: Vec<(String, String, String, String, String)> = crate::with_pool!(&state.db, pool => {
        sqlx::query(
            "SELECT kind, object_id, application_id, round_id, due_on FROM reminder_deadlines \
             WHERE due_on >= $1 AND due_on <= $2 ORDER BY due_on, kind, object_id",
        )
        .bind(today.to_string())
        .bind(horizon.to_string())
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| -> Result<_, sqlx::Error> {
            Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?, row.try_get(4)?))
        })
        .collect::<Result<_, _>>()?
    });
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Ok(rows
        .into_iter()
        .filter_map(|(kind, object_id, application_id, round_id, due_on)| {
            Some(Deadline {
                kind: DeadlineKind::from_key(&kind)?,
                object_id,
                application_id: application_id.parse().ok()?,
                round_id: round_id.parse().ok()?,
                due_on: Date::parse(&due_on, format).ok()?,
            })
        })
        .collect())
}

/// Writes every reminder due `today` that is not in the outbox yet; how many it wrote.
async fn remind(state: &AppState, today: Date) -> anyhow::Result<usize> {
    let deadlines = deadlines_near(state, today).await?;
    let domain = mail_domain(state);
    let pool = state.db.clone();
    let due: Vec<(Deadline, Reminder, i64, String)> = deadlines
        .into_iter()
        .filter_map(|deadline| {
            let reminder = reminder_due(deadline.kind, deadline.due_on, today)?;
            let sequence = i64::from(deadline.due_on.to_julian_day());
            let message_id = super::outbox::message_id(
                &deadline.object_id,
                sequence,
                reminder.key(),
                &deadline.object_id,
                &domain,
            );
            Some((deadline, reminder, sequence, message_id))
        })
        .collect();
    let ids: Vec<&str> = due.iter().map(|(.., id)| id.as_str()).collect();
    let written_before = already_written(state, &ids).await?;
    // Where in the log they belong: after everything this process has followed.
    let position = checkpoint::current(&pool, NAME).await?.position;
    let mut pending = Vec::new();
    for (deadline, reminder, sequence, message_id) in due {
        if written_before.contains(&message_id) {
            continue;
        }
        let amount = match deadline.kind {
            DeadlineKind::Refund => {
                found(existing(&state.stores.grants, &deadline.object_id).await)?
                    .map(|grant: Grant| grant.refund_due())
            }
            _ => None,
        };
        let news = News::Reminder {
            reminder,
            due_on: deadline.due_on,
            days_left: days_left(deadline.due_on, today),
            amount,
        };
        pending.push(Pending {
            application: (deadline.application_id, None),
            news,
            path: path_of(&deadline, reminder),
            key: MailKey {
                stream_id: deadline.object_id.clone(),
                sequence,
                subject_id: deadline.object_id.clone(),
                position,
                created_at: state.clock.now(),
            },
        });
    }
    let mails = addressed(state, pending, &domain).await?;
    // One transaction for the pass's mails (each is written once, by its key, whoever writes it).
    if !mails.is_empty() {
        let mut tx = pool.begin().await?;
        store(&mut tx, &mails).await?;
        tx.commit().await?;
    }
    Ok(mails.len())
}

/// The page a reminder points to.
fn path_of(deadline: &Deadline, reminder: Reminder) -> String {
    let id = &deadline.object_id;
    match reminder {
        Reminder::DraftClosing => format!("/applications/{id}"),
        Reminder::ReportDueSoon | Reminder::ReportDueVerySoon | Reminder::RefundDue => {
            format!("/grants/{id}")
        }
        Reminder::RunnerUpOfferExpiring => format!("/applications/{id}/runner-up"),
        Reminder::PromotionOfferExpiring => format!("/applications/{id}/promotion"),
    }
}

/// Which of the mails `message_ids` the outbox holds already: one statement per 30,000.
async fn already_written(
    state: &AppState,
    message_ids: &[&str],
) -> anyhow::Result<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in message_ids.chunks(grants_projections::pool::MAX_PARAMETERS) {
        let sql = format!(
            "SELECT message_id FROM outbox_mails WHERE message_id IN ({})",
            grants_projections::pool::placeholders(1, chunk.len())
        );
        let ids: Vec<String> = crate::with_pool!(&state.db, pool => {
            let mut query = sqlx::query_scalar(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await?
        });
        found.extend(ids);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use time::macros::date;

    use super::{Passes, AFTER_NEW_DEADLINES, PASS_EVERY};

    /// Given a pass a moment ago, the next comes with a new day, a second after deadlines were
    /// written, or a minute later; not each time the follower catches up.
    #[test]
    fn the_due_reminders_are_looked_for_on_a_new_day_after_new_deadlines_and_each_minute() {
        let today = date!(2026 - 12 - 04);
        let start = Instant::now();
        let mut passes = Passes::default();
        assert!(passes.due(today, start), "the first pass");
        passes.done(today, start);
        let soon = start + Duration::from_millis(300);
        assert!(!passes.due(today, soon));
        assert!(passes.due(date!(2026 - 12 - 05), soon), "a new day");
        assert!(passes.due(today, start + PASS_EVERY), "a minute on");

        passes.deadlines_written = true;
        assert!(!passes.due(today, soon), "not at once");
        assert!(passes.due(today, start + AFTER_NEW_DEADLINES));
        passes.done(today, start + AFTER_NEW_DEADLINES);
        assert!(!passes.deadlines_written);
    }
}
