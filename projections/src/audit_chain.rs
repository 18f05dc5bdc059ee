//! The auditors' hash chain: every event, in log order, linked to the one before it by SHA-256.
//!
//! `hash_n = sha256(hash_{n-1} || canonical bytes of event n)` ([`crate::canonical::event_bytes`]),
//! with 32 zero bytes before the first event; hashes are stored as lowercase hex in `audit_chain`
//! (one row, a *link*, per event). The chain is built by the projection runner like any read model;
//! [`verify`] recomputes it from the `events` table and compares, so an event row changed, deleted,
//! inserted or moved after it was chained makes verification fail at that position.
//!
//! A rebuild recomputes the chain from the log as it is now, so it would also re-seal a tampered log:
//! auditors compare the head hash with one they kept (or published) earlier.

use std::collections::VecDeque;

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::canonical;
use crate::checkpoint;
use crate::error::ProjectionError;
use crate::event_log::{self, Decode, LogCursor, LoggedEvent};
use crate::pool::{LogPool, Tx};
use crate::runner::{take_carried, BoxFuture, Carry, Projection};

/// The projection's name and its table.
pub const NAME: &str = "audit_chain";

/// The hash before the first event: 32 zero bytes, in hex.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Builds the `audit_chain` table.
#[derive(Clone, Copy, Debug, Default)]
pub struct AuditChain;

impl Projection for AuditChain {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [&'static str] {
        &["audit_chain"]
    }

    /// The chain hashes the log's text ([`canonical::event_bytes`]): a rebuild need not parse it.
    fn decode(&self) -> Decode {
        Decode::Text
    }

    fn apply_batch<'a>(
        &'a self,
        tx: &'a mut Tx,
        events: &'a [LoggedEvent],
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(async move {
            append(tx, events, None).await?;
            Ok(())
        })
    }

    /// A rebuild carries the chain's head from batch to batch: reading it back with `ORDER BY link
    /// DESC LIMIT 1` walks down the index past every link the rebuild's `DELETE` removed (they stay
    /// in the index until the transaction ends) and above the new ones, so a second rebuild of a
    /// 1M-event chain took 175 s instead of 17.
    fn apply_rebuild_batch<'a>(
        &'a self,
        tx: &'a mut Tx,
        events: &'a [LoggedEvent],
        carry: &'a mut Carry,
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(async move {
            let head = append(tx, events, take_carried::<Head>(carry)).await?;
            *carry = head.map(|head| Box::new(head) as _);
            Ok(())
        })
    }
}

/// The last link of the chain.
#[derive(Clone, Debug)]
struct Head {
    link: i64,
    hash: String,
}

/// Chains `events` after the last link (`head`, or read from the table when not given) and returns
/// the new last link (`None` only for an empty batch without a head): the last link is read at most once per batch
/// and the links are written in one statement on PostgreSQL (a rebuild of a 1M-event log otherwise
/// spent its time on two round trips per event, see docs/benchmarks.md).
async fn append(
    tx: &mut Tx,
    events: &[LoggedEvent],
    head: Option<Head>,
) -> Result<Option<Head>, ProjectionError> {
    if events.is_empty() {
        return Ok(head);
    }
    let head = match head {
        Some(head) => Some(head),
        None => crate::on_tx!(&mut *tx, conn => sqlx::query(
            "SELECT link, hash FROM audit_chain ORDER BY link DESC LIMIT 1",
        )
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| -> Result<Head, sqlx::Error> {
            Ok(Head { link: row.try_get(0)?, hash: row.try_get(1)? })
        })
        .transpose()?),
    };
    let (mut link, mut previous) =
        head.map_or((0, GENESIS.to_owned()), |head| (head.link, head.hash));
    let mut links = Vec::with_capacity(events.len());
    let mut positions = Vec::with_capacity(events.len());
    let mut hashes = Vec::with_capacity(events.len());
    let mut previous_hashes = Vec::with_capacity(events.len());
    for event in events {
        let hash = link_hash(&previous, event)?;
        link += 1;
        links.push(link);
        positions.push(event.position);
        previous_hashes.push(std::mem::replace(&mut previous, hash.clone()));
        hashes.push(hash);
    }
    match tx {
        Tx::Postgres(conn) => {
            sqlx::query(
                "INSERT INTO audit_chain (link, position, hash, previous_hash)
                 SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[])",
            )
            .bind(&links)
            .bind(&positions)
            .bind(&hashes)
            .bind(&previous_hashes)
            .execute(&mut **conn)
            .await?;
        }
        Tx::Sqlite(conn) => {
            for (((link, position), hash), previous) in links
                .iter()
                .zip(&positions)
                .zip(&hashes)
                .zip(&previous_hashes)
            {
                sqlx::query(
                    "INSERT INTO audit_chain (link, position, hash, previous_hash) VALUES ($1, $2, $3, $4)",
                )
                .bind(link)
                .bind(position)
                .bind(hash)
                .bind(previous)
                .execute(&mut **conn)
                .await?;
            }
        }
    }
    Ok(Some(Head {
        link,
        hash: previous,
    }))
}

/// The hash of `event` chained after `previous` (hex).
pub fn link_hash(previous: &str, event: &LoggedEvent) -> Result<String, ProjectionError> {
    let previous = decode_hex(previous).ok_or_else(|| ProjectionError::Corrupt {
        position: event.position,
        column: "previous_hash",
        detail: "not 32 bytes of hex".into(),
    })?;
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update(canonical::event_bytes(event)?);
    Ok(encode_hex(&hasher.finalize()))
}

/// The outcome of [`verify`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Every chained event still hashes to its stored link.
    pub ok: bool,
    /// Links that verified (before the first bad one, if any).
    pub events_checked: u64,
    /// The hash of the last link that verified: the chain's head when `ok`.
    pub head_hash: Option<String>,
    /// The position of the first link whose event is changed, missing or out of place (or of an
    /// event the chain lacks).
    pub first_bad_position: Option<i64>,
}

/// Recomputes the chain from the `events` table, up to the chain's checkpoint, and compares it with
/// the stored links. Events after the checkpoint (not yet chained) are not checked.
pub async fn verify(pool: &LogPool) -> Result<Verification, ProjectionError> {
    let head = checkpoint::current(pool, NAME).await?;
    let mut links = Links::new(pool);
    let mut events = Events::new(pool, head);
    let mut previous = GENESIS.to_owned();
    let mut checked: u64 = 0;
    loop {
        let link = links.next().await?;
        let event = events.next().await?;
        let bad_at = match (link, event) {
            (None, None) => None,
            (Some(link), Some(event)) => {
                let good = link.position == event.position
                    && link.previous_hash == previous
                    && link.hash == link_hash(&previous, &event)?;
                if good {
                    previous = link.hash;
                    checked += 1;
                    continue;
                }
                Some(link.position)
            }
            (Some(link), None) => Some(link.position),
            (None, Some(event)) => Some(event.position),
        };
        return Ok(Verification {
            ok: bad_at.is_none(),
            events_checked: checked,
            head_hash: (checked > 0).then_some(previous),
            first_bad_position: bad_at,
        });
    }
}

const PAGE: i64 = 1000;

struct Link {
    link: i64,
    position: i64,
    hash: String,
    previous_hash: String,
}

/// The stored links in chain order, a page at a time.
struct Links<'p> {
    pool: &'p LogPool,
    buffer: VecDeque<Link>,
    after: i64,
    done: bool,
}

impl<'p> Links<'p> {
    fn new(pool: &'p LogPool) -> Self {
        Links {
            pool,
            buffer: VecDeque::new(),
            after: 0,
            done: false,
        }
    }

    async fn next(&mut self) -> Result<Option<Link>, ProjectionError> {
        if self.buffer.is_empty() && !self.done {
            let sql = "SELECT link, position, hash, previous_hash FROM audit_chain \
                       WHERE link > $1 ORDER BY link LIMIT $2";
            let rows: Vec<Link> = crate::on_pool!(self.pool, pool => {
                let rows = sqlx::query(sql).bind(self.after).bind(PAGE).fetch_all(pool).await?;
                rows.iter()
                    .map(|row| -> Result<Link, sqlx::Error> {
                        Ok(Link {
                            link: row.try_get(0)?,
                            position: row.try_get(1)?,
                            hash: row.try_get(2)?,
                            previous_hash: row.try_get(3)?,
                        })
                    })
                    .collect::<Result<_, _>>()?
            });
            self.done = rows.len() < PAGE as usize;
            if let Some(last) = rows.last() {
                self.after = last.link;
            }
            self.buffer.extend(rows);
        }
        Ok(self.buffer.pop_front())
    }
}

/// The events up to `upto`, in log order, a page at a time.
struct Events<'p> {
    pool: &'p LogPool,
    buffer: VecDeque<LoggedEvent>,
    after: LogCursor,
    upto: LogCursor,
    done: bool,
}

impl<'p> Events<'p> {
    fn new(pool: &'p LogPool, upto: LogCursor) -> Self {
        Events {
            pool,
            buffer: VecDeque::new(),
            after: LogCursor::START,
            upto,
            done: upto == LogCursor::START,
        }
    }

    async fn next(&mut self) -> Result<Option<LoggedEvent>, ProjectionError> {
        if self.buffer.is_empty() && !self.done {
            let events = event_log::read_range(self.pool, self.after, self.upto, PAGE).await?;
            self.done = events.len() < PAGE as usize;
            if let Some(last) = events.last() {
                self.after = last.cursor();
            }
            self.buffer.extend(events);
        }
        Ok(self.buffer.pop_front())
    }
}

fn encode_hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

fn decode_hex(text: &str) -> Option<[u8; 32]> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text, &mut bytes).ok()?;
    Some(bytes)
}

/// The chain's hashes of the events between two positions (inclusive), by position; events not yet
/// chained are absent.
pub async fn hashes_between(
    pool: &LogPool,
    from: i64,
    to: i64,
) -> Result<std::collections::HashMap<i64, String>, ProjectionError> {
    let rows: Vec<(i64, String)> = crate::on_pool!(pool, pool => sqlx::query_as(
        "SELECT position, hash FROM audit_chain WHERE position >= $1 AND position <= $2",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?);
    Ok(rows.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let bytes: [u8; 32] = std::array::from_fn(|i| (i * 37) as u8);
        assert_eq!(decode_hex(&encode_hex(&bytes)), Some(bytes));
        assert_eq!(decode_hex(GENESIS), Some([0; 32]));
        assert_eq!(decode_hex("zz"), None);
    }
}
