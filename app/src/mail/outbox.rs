//! The process `mail_outbox`: follows the log from a checkpoint of its own and writes, for every
//! event a group must hear of, the mail (`outbox_mails`) and each member's in-app notice (`notices`)
//! in the same transaction that moves the checkpoint past the event. So a crash before the commit
//! leaves neither, and the event is read again; a crash after leaves both, and the event is not.
//! A run from an earlier checkpoint (a restore, a reset) meets the same events again: each mail's
//! key (the event's stream and sequence, the template, and the application or grant it is about)
//! is unique in the table and its Message-ID is derived from the key, so the second insert does
//! nothing and nothing is sent twice.
//!
//! Which events call for which mail:
//!
//! | event | mail |
//! |---|---|
//! | application `ApplicationSubmitted` / `ApplicationResubmitted` | received, with the 受付番号 |
//! | application `ApplicationReturned` | returned for correction, with the reason |
//! | application `ApplicationScreenedEligible` / `ApplicationScreenedIneligible` | screening result |
//! | grant `GrantDecided` | 交付決定, with the amount, the notice number and the deadline |
//! | round `ApplicationRejected` | 不交付, with the reason |
//! | round `RankingFixed`, each row with a remainder offer | runner-up offer, with the deadline |
//! | round `PromotionOffered` | 繰上げ offer, with the deadline |
//! | grant `PaymentRecorded` | payment |
//! | grant `ChangeApproved` / `ChangeRejected` | the change's decision |
//! | grant `SettlementReportReturned` | report returned, with the reason |
//! | grant `AmountFinalised` | 確定額; and when a refund is due, a refund mail with its 納期限 |
//! | grant `GrantCancelled` with a refund | refund, with its 納期限 |
//!
//! The recipients are the e-mail addresses of the group's member accounts as they stand when the
//! mail is written: a batch reads its applications (at least as fresh as their news), then their
//! groups and the members' accounts (up to date with the log), each kind together (`addressed`).

use std::future::Future;
use std::time::Duration;

use grants_domain::account::Account;
use grants_domain::application::{receipt_number, ApplicationEvent};
use grants_domain::grant::{GrantEvent, PaymentKind};
use grants_domain::round::RoundEvent;
use grants_domain::{Application, ApplicationId, Grant, Group, Round, UserId, Yen};
use grants_projections::{LogCursor, LoggedEvent, Tx};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::templates::{render, Letter, News};
use crate::process::failure;
use crate::service::load::{existing_seen, seen_in_stream};
use crate::state::AppState;

/// The process's checkpoint in `projection_checkpoints`.
pub const NAME: &str = "mail_outbox";

/// How many events one step reads.
const BATCH: i64 = 100;

/// One mail the log calls for, ready to store.
#[derive(Clone, Debug)]
pub struct Outgoing {
    /// The Message-ID derived from the mail's key (`message_id`), `<hex@domain>`.
    pub message_id: String,
    /// The stream of the event that calls for the mail (part of its key).
    pub stream_id: String,
    /// That event's sequence in its stream (part of its key).
    pub sequence: i64,
    /// The template's key (part of the mail's key).
    pub template: &'static str,
    /// The application or grant the mail is about (part of its key).
    pub subject_id: String,
    /// The event's position in the log.
    pub position: i64,
    /// The group the mail is written to.
    pub group_id: String,
    /// The member accounts and their addresses.
    pub recipients: Vec<(UserId, String)>,
    /// The mail's subject line.
    pub subject: String,
    /// The mail's plain-text body.
    pub body: String,
    /// The page it is about, as a path of the service.
    pub path: String,
    /// When the event that calls for it happened (UTC).
    pub created_at: OffsetDateTime,
}

/// The Message-ID of the mail with this key: `<hex@domain>`, the same for every follower of the
/// event, so a receiver that sees it twice (a delivery repeated after a crash mid-send) can tell.
pub fn message_id(
    stream_id: &str,
    sequence: i64,
    template: &str,
    subject_id: &str,
    domain: &str,
) -> String {
    let digest = Sha256::new()
        .chain_update(stream_id.as_bytes())
        .chain_update(b"/")
        .chain_update(sequence.to_be_bytes())
        .chain_update(b"/")
        .chain_update(template.as_bytes())
        .chain_update(b"/")
        .chain_update(subject_id.as_bytes())
        .finalize();
    format!("<{}@{domain}>", hex::encode(&digest[..16]))
}

/// The background run: every event that calls for a mail, from the log, until `shutdown`. A failed
/// step is retried with a growing pause; nothing is skipped.
pub async fn run(state: AppState, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let mut failures: u32 = 0;
    let mut progress = crate::process::Progress::new(NAME);
    loop {
        let pause = match step(&state, &mut progress).await {
            Ok(true) => {
                failures = 0;
                Duration::ZERO
            }
            Ok(false) => Duration::from_millis(200),
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

/// Reads the next batch after the checkpoint, works out its mails, and stores them with the moved
/// checkpoint in one transaction; `true` if there was anything to read. A batch that calls for no
/// mail writes nothing but, now and then, the checkpoint (`process::Progress`: a mail stored twice
/// is stored once, by its key).
async fn step(state: &AppState, progress: &mut crate::process::Progress) -> anyhow::Result<bool> {
    let pool = state.db.clone();
    let cursor: LogCursor = progress.start(&pool).await?;
    let batch = state.feed.read_after(cursor, BATCH).await?;
    let Some(last) = batch.last().map(|event| event.cursor()) else {
        progress.store_if_due(&pool, true).await?;
        return Ok(false);
    };
    let mut pending = Vec::new();
    for event in &batch {
        pending.extend(pending_of(state, event).await?);
    }
    let mails = addressed(state, pending, &mail_domain(state)).await?;
    progress.advance(last);
    if mails.is_empty() {
        progress.store_if_due(&pool, false).await?;
        return Ok(true);
    }
    let mut tx = pool.begin().await?;
    store(&mut tx, &mails).await?;
    progress.store(&mut tx).await?;
    tx.commit().await?;
    progress.written();
    Ok(true)
}

/// Writes mails and their notices, each unless a mail with the same key is already there: one
/// statement for the mails and one for their notices (a batch under load holds hundreds).
pub(crate) async fn store(tx: &mut Tx, mails: &[Outgoing]) -> anyhow::Result<()> {
    use grants_projections::pool::{values, MAX_PARAMETERS};
    let now_ms = super::unix_ms(OffsetDateTime::now_utc());
    for chunk in mails.chunks(MAX_PARAMETERS / 13) {
        let sql = format!(
            "INSERT INTO outbox_mails (message_id, stream_id, sequence, template, subject_id, \
             position, group_id, recipients, subject, body, created_at, attempts, \
             next_attempt_at) VALUES {} ON CONFLICT DO NOTHING",
            values(13, chunk.len())
        );
        grants_projections::exec_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql);
            for mail in chunk {
                let recipients: Vec<&str> = mail
                    .recipients
                    .iter()
                    .map(|(_, address)| address.as_str())
                    .collect();
                query = query
                    .bind(&mail.message_id)
                    .bind(&mail.stream_id)
                    .bind(mail.sequence)
                    .bind(mail.template)
                    .bind(&mail.subject_id)
                    .bind(mail.position)
                    .bind(&mail.group_id)
                    .bind(recipients.join("\n"))
                    .bind(&mail.subject)
                    .bind(&mail.body)
                    .bind(super::timestamp(mail.created_at))
                    .bind(0_i32)
                    .bind(now_ms);
            }
            query.execute(&mut *conn).await?
        });
    }
    let notices: Vec<(&UserId, &Outgoing)> = mails
        .iter()
        .flat_map(|mail| {
            mail.recipients
                .iter()
                .map(move |(user_id, _)| (user_id, mail))
        })
        .collect();
    for chunk in notices.chunks(MAX_PARAMETERS / 6) {
        let sql = format!(
            "INSERT INTO notices (user_id, message_id, position, subject, link, created_at) \
             VALUES {} ON CONFLICT DO NOTHING",
            values(6, chunk.len())
        );
        grants_projections::exec_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql);
            for (user_id, mail) in chunk {
                query = query
                    .bind(user_id.to_string())
                    .bind(&mail.message_id)
                    .bind(mail.position)
                    .bind(&mail.subject)
                    .bind(&mail.path)
                    .bind(super::timestamp(mail.created_at));
            }
            query.execute(&mut *conn).await?
        });
    }
    Ok(())
}

/// What one piece of news is about: the application (its title, group and receipt number), and
/// the page to read more on.
struct About {
    application_id: ApplicationId,
    subject_id: String,
    path: String,
    news: News,
}

fn about_application(application_id: ApplicationId, news: News) -> About {
    About {
        application_id,
        subject_id: application_id.to_string(),
        path: format!("/applications/{application_id}"),
        news,
    }
}

/// The news `event` carries for groups, if any.
fn news_of(event: &LoggedEvent) -> anyhow::Result<Vec<About>> {
    use grants_projections::typed::decode;
    let decoded = |error: grants_projections::ProjectionError| anyhow::anyhow!("{error}");
    let news = if event.aggregate_type == <Application as cqrs_es::Aggregate>::TYPE {
        let application_id: ApplicationId = event.aggregate_id.parse()?;
        let news = match decode::<ApplicationEvent>(NAME, event).map_err(decoded)? {
            ApplicationEvent::ApplicationSubmitted { at, .. } => Some(News::Submitted { at }),
            ApplicationEvent::ApplicationResubmitted { at, .. } => Some(News::Resubmitted { at }),
            ApplicationEvent::ApplicationReturned { reason, .. } => Some(News::Returned { reason }),
            ApplicationEvent::ApplicationScreenedEligible { .. } => Some(News::ScreenedEligible),
            ApplicationEvent::ApplicationScreenedIneligible { reason, .. } => {
                Some(News::ScreenedIneligible { reason })
            }
            _ => None,
        };
        news.map(|news| about_application(application_id, news))
            .into_iter()
            .collect()
    } else if event.aggregate_type == <Round as cqrs_es::Aggregate>::TYPE {
        match decode::<RoundEvent>(NAME, event).map_err(decoded)? {
            RoundEvent::RankingFixed {
                rows,
                offer_expires_on,
                ..
            } => rows
                .iter()
                .filter_map(|row| {
                    row.remainder_offer.map(|remainder| {
                        about_application(
                            row.application_id,
                            News::RunnerUpOffer {
                                remainder,
                                expires_on: offer_expires_on,
                            },
                        )
                    })
                })
                .collect(),
            RoundEvent::ApplicationRejected {
                application_id,
                reason,
                ..
            } => vec![about_application(
                application_id,
                News::NotAwarded { reason },
            )],
            RoundEvent::PromotionOffered {
                application_id,
                amount,
                expires_on,
                ..
            } => vec![about_application(
                application_id,
                News::PromotionOffer { amount, expires_on },
            )],
            _ => Vec::new(),
        }
    } else if event.aggregate_type == <Grant as cqrs_es::Aggregate>::TYPE {
        let grant_news: Vec<News> = match decode::<GrantEvent>(NAME, event).map_err(decoded)? {
            GrantEvent::GrantDecided {
                decision,
                decided_on,
                ..
            } => vec![News::Awarded {
                amount: decision.amount,
                notice_number: decision.notice_number,
                decided_on,
                completion_deadline: decision.completion_deadline,
            }],
            GrantEvent::PaymentRecorded {
                amount,
                paid_on,
                kind,
                paid_total,
                ..
            } => vec![News::PaymentRecorded {
                amount,
                paid_on,
                advance: kind == PaymentKind::Advance,
                paid_total,
            }],
            GrantEvent::ChangeApproved {
                decided_amount,
                completion_deadline,
                ..
            } => vec![News::ChangeApproved {
                decided_amount,
                completion_deadline,
            }],
            GrantEvent::ChangeRejected { reason, .. } => vec![News::ChangeRejected { reason }],
            GrantEvent::SettlementReportReturned { reason, .. } => {
                vec![News::ReportReturned { reason }]
            }
            GrantEvent::AmountFinalised {
                finalised,
                payable,
                refund_due,
                refund_due_on,
                ..
            } => {
                let mut news = vec![News::AmountFinalised {
                    finalised,
                    payable,
                    refund_due,
                }];
                if refund_due > Yen::ZERO {
                    news.push(News::RefundDue {
                        amount: refund_due,
                        due_on: refund_due_on,
                    });
                }
                news
            }
            GrantEvent::GrantCancelled {
                refund_amount,
                refund_due_on,
                ..
            } if refund_amount > Yen::ZERO => vec![News::RefundDue {
                amount: refund_amount,
                due_on: refund_due_on,
            }],
            _ => Vec::new(),
        };
        // The application is the grant's, filled in by `mails_for` once the grant is loaded.
        let path = format!("/grants/{}", event.aggregate_id);
        grant_news
            .into_iter()
            .map(|news| About {
                application_id: ApplicationId::default(),
                subject_id: event.aggregate_id.clone(),
                path: path.clone(),
                news,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(news)
}

/// The mails `event` calls for, before they are addressed ([`addressed`]).
async fn pending_of(state: &AppState, event: &LoggedEvent) -> anyhow::Result<Vec<Pending>> {
    let mut abouts = news_of(event)?;
    if abouts.is_empty() {
        return Ok(Vec::new());
    }
    if event.aggregate_type == <Grant as cqrs_es::Aggregate>::TYPE {
        let grant = existing_seen(
            &state.stores.grants,
            &event.aggregate_id,
            Some(event.sequence),
        )
        .await;
        let Some(grant) = found(grant)? else {
            tracing::warn!(
                position = event.position,
                "a grant event without its grant: no mail"
            );
            return Ok(Vec::new());
        };
        for about in &mut abouts {
            about.application_id = grant.application_id;
        }
    }
    // News of the application's own event names the copy it needs: at least as fresh as it.
    let seen = (event.aggregate_type == <Application as cqrs_es::Aggregate>::TYPE)
        .then(|| seen_in_stream(event.sequence));
    Ok(abouts
        .into_iter()
        .map(|about| Pending {
            application: (about.application_id, seen),
            news: about.news,
            path: about.path,
            key: MailKey {
                stream_id: event.aggregate_id.clone(),
                sequence: event.sequence,
                subject_id: about.subject_id,
                position: event.position,
                created_at: event.recorded_at,
            },
        })
        .collect())
}

/// The domain of the service's Message-IDs: the sender address's.
pub(crate) fn mail_domain(state: &AppState) -> String {
    state
        .mail
        .mail_from
        .rsplit_once('@')
        .map(|(_, domain)| domain.trim_end_matches('>').to_owned())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// What makes a mail itself: the stream and sequence that call for it (an event's, or a deadline's
/// object and day), what it is about, and where in the log it belongs.
pub(crate) struct MailKey {
    pub stream_id: String,
    pub sequence: i64,
    pub subject_id: String,
    pub position: i64,
    pub created_at: OffsetDateTime,
}

/// One mail to write, before its group and their addresses are read: the news, the application
/// it is about, the page, and the mail's key. The application is `(id, seen)`: with its event
/// `seen` when the news is of one (`Store::load_seen`: no read when the copy in memory has it),
/// else read up to date.
pub(crate) struct Pending {
    pub application: (ApplicationId, Option<usize>),
    pub news: News,
    pub path: String,
    pub key: MailKey,
}

/// The mails `pending` call for, each addressed to its application's group's members as they stand
/// now. The applications, then their groups, then the members' accounts are each read together
/// (`Store::load_each`: one read of the log for all the copies kept in memory on PostgreSQL), so a
/// batch of a hundred submissions costs three reads, not one per group and one per member. A
/// mail whose application, group or every member's address is missing is left out with a warning,
/// not an error: one piece of news that cannot be mailed must not hold back every mail after it.
pub(crate) async fn addressed(
    state: &AppState,
    pending: Vec<Pending>,
    domain: &str,
) -> anyhow::Result<Vec<Outgoing>> {
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let stores = &state.stores;
    let wanted: Vec<(String, Option<usize>)> = pending
        .iter()
        .map(|mail| (mail.application.0.to_string(), mail.application.1))
        .collect();
    let applications = stores.applications.load_each(&wanted).await.map_err(read)?;
    let wanted: Vec<(String, Option<usize>)> = applications
        .values()
        .map(|application| (application.group_id().to_string(), None))
        .collect();
    let groups = stores.groups.load_each(&wanted).await.map_err(read)?;
    let wanted: Vec<(String, Option<usize>)> = groups
        .values()
        .flat_map(Group::members)
        .map(|member| (member.to_string(), None))
        .collect();
    let accounts = stores.accounts.load_each(&wanted).await.map_err(read)?;
    let mut mails = Vec::with_capacity(pending.len());
    for mail in pending {
        let position = mail.key.position;
        let Some(application) = applications.get(&mail.application.0.to_string()) else {
            tracing::warn!(
                position,
                "news of an application that does not exist: no mail"
            );
            continue;
        };
        let Some(group) = groups.get(&application.group_id().to_string()) else {
            tracing::warn!(position, "news for a group that does not exist: no mail");
            continue;
        };
        let recipients: Vec<(UserId, String)> = group
            .members()
            .filter_map(|member| {
                let account: &Account = accounts.get(&member.to_string())?;
                // An erased account's address reads 「削除済み」 (issue 19): nobody to mail.
                let email = account.email.as_ref().filter(|email| !email.is_erased())?;
                Some((member, email.as_str().to_owned()))
            })
            .collect();
        if recipients.is_empty() {
            continue;
        }
        mails.push(letter(state, mail, application, group, recipients, domain));
    }
    Ok(mails)
}

/// A failed read of the log as a process failure (retried).
pub(crate) fn read<E: grants_domain::Refusal>(error: crate::store::StoreError<E>) -> anyhow::Error {
    failure(crate::service::ServiceError::from(error))
}

/// The mail `pending` calls for, written to `recipients` of the application's group.
fn letter(
    state: &AppState,
    pending: Pending,
    application: &Application,
    group: &Group,
    recipients: Vec<(UserId, String)>,
    domain: &str,
) -> Outgoing {
    let Pending {
        application: (application_id, _),
        news,
        path,
        key,
    } = pending;
    let title = application
        .content()
        .map(|content| content.title.clone())
        .unwrap_or_default();
    let receipt = receipt_number(application_id);
    let link = format!("{}{}", state.mail.public_url.trim_end_matches('/'), path);
    let letter = Letter {
        group_name: group.name(),
        title: &title,
        receipt_number: &receipt,
        link: &link,
        city_name: &state.city_name,
        contact: &state.contact,
    };
    let (subject, body) = render(&news, &letter);
    let template = news.template().key();
    Outgoing {
        message_id: message_id(
            &key.stream_id,
            key.sequence,
            template,
            &key.subject_id,
            domain,
        ),
        stream_id: key.stream_id,
        sequence: key.sequence,
        template,
        subject_id: key.subject_id,
        position: key.position,
        group_id: application.group_id().to_string(),
        recipients,
        subject,
        body,
        path,
        created_at: key.created_at,
    }
}

/// The aggregate, `None` when it does not exist, an error for any other failure (retried).
pub(crate) fn found<A>(
    loaded: Result<A, crate::service::ServiceError>,
) -> anyhow::Result<Option<A>> {
    match loaded {
        Ok(aggregate) => Ok(Some(aggregate)),
        Err(problem) if problem.kind == crate::service::ErrorKind::NotFound => Ok(None),
        Err(problem) => Err(failure(problem)),
    }
}
