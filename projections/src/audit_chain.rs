//! The auditors' hash chain: every event, in log order, linked to the one before it by SHA-256.
//!
//! `hash_n = sha256(hash_{n-1} || bytes of event n)`, with 32 zero bytes before the first event;
//! hashes are stored as lowercase hex in `audit_chain` (one row, a *link*, per event) with the
//! link's version: version 1 hashes the old canonical form ([`crate::canonical::event_bytes`]),
//! version 2 the RFC 8785 (JCS) form of the event ([`leaf_event`], `grants_verifier::leaf`), from the
//! link recorded in `audit_chain_versions` on (docs/verification.md). The same JCS bytes are the
//! leaves of the RFC 9162 Merkle tree, kept in `merkle_nodes` in the same transaction
//! ([`crate::merkle_store`]). The chain is built by the projection runner like any read model;
//! [`verify`] recomputes it from the `events` table and compares, so an event row changed, deleted,
//! inserted or moved after it was chained makes verification fail at that position.
//!
//! A rebuild recomputes the chain and the tree from the log as it is now, so it would also re-seal a
//! tampered log: [`verify`] compares the recomputed tree with the signed heads in `tree_heads`, which
//! a rebuild never touches, and auditors with heads they kept.

use std::collections::VecDeque;

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use grants_verifier::head::VerifyingKey;
use grants_verifier::jcs::Canonicalizer;
use grants_verifier::leaf::{self, LeafEvent, LeafText, LeafTextError};
use grants_verifier::merkle::{self, Frontier};
use time::format_description::well_known::Rfc3339;
use time::UtcOffset;

use crate::canonical;
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
        &["audit_chain", "merkle_nodes"]
    }

    /// The chain reads the log's text: [`canonical::event_bytes`] canonicalises it without parsing,
    /// [`leaf_event`] parses it once.
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

/// The last link of the chain, the tree's right edge and the link from which links hash JCS.
#[derive(Clone, Debug)]
struct Head {
    link: i64,
    hash: String,
    frontier: Frontier,
    switch: i64,
}

/// Reads the chain's head, the tree's edge and the switch to JCS.
async fn load_head(tx: &mut Tx) -> Result<Head, ProjectionError> {
    let last: Option<(i64, String)> = crate::on_tx!(&mut *tx, conn => sqlx::query_as(
        "SELECT link, hash FROM audit_chain ORDER BY link DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?);
    let switch: Option<i64> = crate::on_tx!(&mut *tx, conn => sqlx::query_scalar(
        "SELECT from_link FROM audit_chain_versions WHERE version = 2",
    )
    .fetch_optional(&mut *conn)
    .await?);
    let (link, hash) = last.unwrap_or((0, GENESIS.to_owned()));
    let size = u64::try_from(link).unwrap_or_default();
    let ids = Frontier::nodes(size);
    let found = crate::merkle_store::nodes_tx(tx, &ids).await?;
    let hashes = ids
        .iter()
        .map(|id| found.get(id).copied())
        .collect::<Option<Vec<_>>>();
    let frontier = hashes
        .and_then(|hashes| Frontier::restore(size, &hashes))
        .ok_or_else(|| ProjectionError::Corrupt {
            position: 0,
            column: "merkle_nodes",
            detail: format!(
                "the tree lacks the nodes of its edge at size {size}: rebuild audit_chain (grants replay --projection audit_chain)"
            ),
        })?;
    Ok(Head {
        link,
        hash,
        frontier,
        switch: switch.unwrap_or(1),
    })
}

/// The chain version of `link`.
fn version_of(link: i64, switch: i64) -> u32 {
    if link >= switch {
        leaf::CHAIN_V2
    } else {
        leaf::CHAIN_V1
    }
}

/// Chains `events` after the last link (`head`, or read from the table when not given), appends
/// their leaves to the Merkle tree, and returns the new head (`None` only for an empty batch
/// without a head): the head is read at most once per batch and the links and nodes are written in
/// one statement each on PostgreSQL (a rebuild of a 1M-event log otherwise spent its time on two
/// round trips per event, see docs/benchmarks.md).
async fn append(
    tx: &mut Tx,
    events: &[LoggedEvent],
    head: Option<Head>,
) -> Result<Option<Head>, ProjectionError> {
    if events.is_empty() {
        return Ok(head);
    }
    let mut head = match head {
        Some(head) => head,
        None => load_head(tx).await?,
    };
    let mut links = Vec::with_capacity(events.len());
    let mut positions = Vec::with_capacity(events.len());
    let mut hashes = Vec::with_capacity(events.len());
    let mut previous_hashes = Vec::with_capacity(events.len());
    let mut versions = Vec::with_capacity(events.len());
    let (mut levels, mut indexes, mut node_hashes) = (Vec::new(), Vec::new(), Vec::new());
    let mut jcs = Canonicalizer::default();
    let mut input = Vec::with_capacity(4096);
    for event in events {
        let link = head.link + 1;
        let version = version_of(link, head.switch);
        write_leaf_input(event, &mut jcs, &mut input)?;
        let hash = match version {
            leaf::CHAIN_V1 => link_hash(&head.hash, event)?,
            _ => encode_hex(&leaf::chain_hash(
                &decode_previous(&head.hash, event)?,
                &input,
            )),
        };
        for (id, node) in head.frontier.push(merkle::leaf_hash(&input)) {
            levels.push(i32::try_from(id.level).unwrap_or_default());
            indexes.push(i64::try_from(id.index).unwrap_or_default());
            node_hashes.push(node.to_vec());
        }
        head.link = link;
        links.push(link);
        positions.push(event.position);
        versions.push(i32::try_from(version).unwrap_or_default());
        previous_hashes.push(std::mem::replace(&mut head.hash, hash.clone()));
        hashes.push(hash);
    }
    match tx {
        Tx::Postgres(conn) => {
            sqlx::query(
                "INSERT INTO audit_chain (link, position, hash, previous_hash, chain_version)
                 SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::int[])",
            )
            .bind(&links)
            .bind(&positions)
            .bind(&hashes)
            .bind(&previous_hashes)
            .bind(&versions)
            .execute(&mut **conn)
            .await?;
            sqlx::query(
                "INSERT INTO merkle_nodes (level, idx, hash)
                 SELECT * FROM UNNEST($1::int[], $2::bigint[], $3::bytea[])",
            )
            .bind(&levels)
            .bind(&indexes)
            .bind(&node_hashes)
            .execute(&mut **conn)
            .await?;
        }
        Tx::Sqlite(conn) => {
            for i in 0..links.len() {
                sqlx::query(
                    "INSERT INTO audit_chain (link, position, hash, previous_hash, chain_version) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(links[i])
                .bind(positions[i])
                .bind(&hashes[i])
                .bind(&previous_hashes[i])
                .bind(versions[i])
                .execute(&mut **conn)
                .await?;
            }
            for i in 0..levels.len() {
                sqlx::query("INSERT INTO merkle_nodes (level, idx, hash) VALUES ($1, $2, $3)")
                    .bind(levels[i])
                    .bind(indexes[i])
                    .bind(&node_hashes[i])
                    .execute(&mut **conn)
                    .await?;
            }
        }
    }
    Ok(Some(head))
}

/// The event's leaf input (its JCS bytes, the same as [`leaf::leaf_input`] of [`leaf_event`]),
/// written into `out` straight from the log's text, without parsing payload and metadata into values.
pub fn write_leaf_input(
    event: &LoggedEvent,
    jcs: &mut Canonicalizer,
    out: &mut Vec<u8>,
) -> Result<(), ProjectionError> {
    let recorded_at = recorded_at(event)?;
    out.clear();
    LeafText {
        position: event.position,
        recorded_at: &recorded_at,
        aggregate_type: &event.aggregate_type,
        aggregate_id: &event.aggregate_id,
        sequence: event.sequence,
        event_type: &event.event_type,
        event_version: &event.event_version,
        payload: &event.text.payload,
        metadata: &event.text.metadata,
    }
    .write_input(jcs, out)
    .map_err(|e| {
        let (column, detail) = match e {
            LeafTextError::Payload(detail) => ("payload", detail),
            LeafTextError::Metadata(detail) => ("metadata", detail),
        };
        ProjectionError::Corrupt {
            position: event.position,
            column,
            detail,
        }
    })
}

fn recorded_at(event: &LoggedEvent) -> Result<String, ProjectionError> {
    event
        .recorded_at
        .to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .map_err(|e| ProjectionError::Corrupt {
            position: event.position,
            column: "recorded_at",
            detail: e.to_string(),
        })
}

/// The event as a leaf of the tree: its fields, `recorded_at` in RFC 3339 at UTC, payload and
/// metadata parsed from the log's text.
pub fn leaf_event(event: &LoggedEvent) -> Result<LeafEvent, ProjectionError> {
    let recorded_at = recorded_at(event)?;
    let json = |column: &'static str, text: &str| {
        serde_json::from_str(text).map_err(|e| ProjectionError::Corrupt {
            position: event.position,
            column,
            detail: e.to_string(),
        })
    };
    Ok(LeafEvent {
        position: event.position,
        recorded_at,
        aggregate_type: event.aggregate_type.clone(),
        aggregate_id: event.aggregate_id.clone(),
        sequence: event.sequence,
        event_type: event.event_type.clone(),
        event_version: event.event_version.clone(),
        payload: json("payload", &event.text.payload)?,
        metadata: json("metadata", &event.text.metadata)?,
    })
}

fn decode_previous(previous: &str, event: &LoggedEvent) -> Result<[u8; 32], ProjectionError> {
    decode_hex(previous).ok_or_else(|| ProjectionError::Corrupt {
        position: event.position,
        column: "previous_hash",
        detail: "not 32 bytes of hex".into(),
    })
}

/// The version-1 hash of `event` chained after `previous` (hex): the old canonical form.
pub fn link_hash(previous: &str, event: &LoggedEvent) -> Result<String, ProjectionError> {
    let previous = decode_previous(previous, event)?;
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update(canonical::event_bytes(event)?);
    Ok(encode_hex(&hasher.finalize()))
}

/// The result of recomputing the hash chain and the Merkle tree against the signed heads (what
/// `verify` and `verify_signed` find).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verification {
    /// Every chained event still hashes to its stored link, and the tree over them gives the root
    /// of every signed head.
    pub ok: bool,
    /// Links that verified (before the first bad one, if any).
    pub events_checked: u64,
    /// The hash of the last link that verified: the chain's head when `ok`.
    pub head_hash: Option<String>,
    /// The position of the first link whose event is changed, missing or out of place (or of an
    /// event the chain lacks).
    pub first_bad_position: Option<i64>,
    /// The first bad leaf index (link - 1), or where a head's tree stops agreeing.
    pub first_bad_index: Option<u64>,
    /// Signed heads whose root the recomputed tree gave.
    pub heads_checked: u64,
    /// Signed heads whose signature verified with a trusted key (0 when no key was given: then
    /// signatures are left to `grants-verify`).
    pub signatures_checked: u64,
    /// What is wrong, in words.
    pub problem: Option<String>,
}

/// Recomputes the chain and the Merkle tree from the `events` table, up to the chain's checkpoint,
/// and compares them with the stored links (each with its version's canonical form) and with the
/// roots of the signed heads in `tree_heads`. Events after the checkpoint (not yet chained) are not
/// checked; head signatures are not checked ([`verify_signed`] does).
pub async fn verify(pool: &LogPool) -> Result<Verification, ProjectionError> {
    verify_signed(pool, &[]).await
}

/// [`verify`], and first every signed head's signature: each must verify with one of `trusted`
/// (the service's key and the keys it signed with before), or it was replaced or forged. With no
/// trusted key, signatures are not checked (`signatures_checked` is 0).
pub async fn verify_signed(
    pool: &LogPool,
    trusted: &[VerifyingKey],
) -> Result<Verification, ProjectionError> {
    // The heads first: each was signed over links already written, so the chain read next covers
    // every one of them, however far it has moved on meanwhile.
    let heads = crate::merkle_store::all_heads(pool).await?;
    let (head, last_link) = chained(pool).await?;
    let mut signatures_checked = 0;
    if !trusted.is_empty() {
        for signed in &heads {
            if trusted.iter().any(|key| signed.verify(key).is_ok()) {
                signatures_checked += 1;
                continue;
            }
            return Ok(Verification {
                ok: false,
                events_checked: 0,
                head_hash: None,
                first_bad_position: None,
                first_bad_index: None,
                heads_checked: 0,
                signatures_checked,
                problem: Some(format!(
                    "the signed head for size {} (timestamp {}, key {}) does not verify with a trusted key: it was replaced or forged, or signed with a key not given",
                    signed.tree_size, signed.timestamp, signed.key_id
                )),
            });
        }
    }
    let roots = crate::merkle_store::roots_of(&heads)?;
    let mut links = Links::new(pool, last_link);
    let mut events = Events::new(pool, head);
    let mut previous = GENESIS.to_owned();
    let mut frontier = Frontier::default();
    let mut checked: u64 = 0;
    let mut heads_checked = 0;
    let mut last_good_head = 0;
    let result = |ok_so_far: Option<(Option<i64>, Option<u64>, String)>,
                  checked: u64,
                  previous: String,
                  heads_checked: u64| {
        let (position, index, problem) = match ok_so_far {
            Some((position, index, problem)) => (position, index, Some(problem)),
            None => (None, None, None),
        };
        Verification {
            ok: problem.is_none(),
            events_checked: checked,
            head_hash: (checked > 0).then_some(previous),
            first_bad_position: position,
            first_bad_index: index,
            heads_checked,
            signatures_checked,
            problem,
        }
    };
    let mut jcs = Canonicalizer::default();
    let mut input = Vec::with_capacity(4096);
    loop {
        let link = links.next().await?;
        let event = events.next().await?;
        let bad = match (link, event) {
            (None, None) => None,
            (Some(link), Some(event)) => {
                write_leaf_input(&event, &mut jcs, &mut input)?;
                let expected = match u32::try_from(link.chain_version).unwrap_or_default() {
                    leaf::CHAIN_V1 => link_hash(&previous, &event)?,
                    leaf::CHAIN_V2 => encode_hex(&leaf::chain_hash(
                        &decode_previous(&previous, &event)?,
                        &input,
                    )),
                    _ => String::new(),
                };
                let good = link.position == event.position
                    && link.previous_hash == previous
                    && link.hash == expected;
                if good {
                    previous = link.hash;
                    checked += 1;
                    frontier.append(merkle::leaf_hash(&input));
                    let size = frontier.size();
                    if let Some(root) = roots.get(&size) {
                        if frontier.root() != *root {
                            let problem = format!(
                                "the first {size} events do not give the root signed for size {size}: the log changed between index {last_good_head} and {}",
                                size - 1
                            );
                            return Ok(result(
                                Some((None, Some(last_good_head), problem)),
                                checked,
                                previous,
                                heads_checked,
                            ));
                        }
                        heads_checked += 1;
                        last_good_head = size;
                    }
                    continue;
                }
                Some((
                    Some(link.position),
                    Some(u64::try_from(link.link - 1).unwrap_or_default()),
                    format!(
                        "link {} (position {}) does not match the event at position {}: an event changed, deleted, inserted or moved",
                        link.link, link.position, event.position
                    ),
                ))
            }
            (Some(link), None) => Some((
                Some(link.position),
                Some(u64::try_from(link.link - 1).unwrap_or_default()),
                format!(
                    "the log ends before link {} (position {}): events deleted",
                    link.link, link.position
                ),
            )),
            (None, Some(event)) => Some((
                Some(event.position),
                Some(checked),
                format!(
                    "the event at position {} has no link: an event inserted",
                    event.position
                ),
            )),
        };
        if bad.is_none() {
            if let Some((&size, _)) = roots.range(checked + 1..).next() {
                let problem = format!(
                    "the chain ends after {checked} events, but a head was signed for {size}: the tail from index {checked} is missing"
                );
                return Ok(result(
                    Some((None, Some(checked), problem)),
                    checked,
                    previous,
                    heads_checked,
                ));
            }
        }
        return Ok(result(bad, checked, previous, heads_checked));
    }
}

const PAGE: i64 = 1000;

struct Link {
    link: i64,
    chain_version: i32,
    position: i64,
    hash: String,
    previous_hash: String,
}

/// The chain's checkpoint and its last link, read in one statement (one snapshot): the links and
/// the checkpoint are written in one transaction, so these links are exactly the events up to the
/// checkpoint. Read apart, a chain step committed in between would leave a link with no event
/// read for it, which the verification would take for a deleted event.
async fn chained(pool: &LogPool) -> Result<(LogCursor, i64), ProjectionError> {
    let sql = "SELECT (SELECT transaction_id FROM projection_checkpoints WHERE name = $1), \
               (SELECT position FROM projection_checkpoints WHERE name = $1), \
               (SELECT max(link) FROM audit_chain)";
    let row: (Option<i64>, Option<i64>, Option<i64>) =
        crate::on_pool!(pool, pool => sqlx::query_as(sql).bind(NAME).fetch_one(pool).await?);
    let head = match row {
        (Some(transaction_id), Some(position), _) => LogCursor {
            transaction_id,
            position,
        },
        _ => LogCursor::START,
    };
    Ok((head, row.2.unwrap_or(0)))
}

/// The stored links in chain order up to `last`, a page at a time.
struct Links<'p> {
    pool: &'p LogPool,
    buffer: VecDeque<Link>,
    after: i64,
    last: i64,
    done: bool,
}

impl<'p> Links<'p> {
    fn new(pool: &'p LogPool, last: i64) -> Self {
        Links {
            pool,
            buffer: VecDeque::new(),
            after: 0,
            last,
            done: false,
        }
    }

    async fn next(&mut self) -> Result<Option<Link>, ProjectionError> {
        if self.buffer.is_empty() && !self.done {
            let sql = "SELECT link, position, hash, previous_hash, chain_version FROM audit_chain \
                       WHERE link > $1 AND link <= $3 ORDER BY link LIMIT $2";
            let rows: Vec<Link> = crate::on_pool!(self.pool, pool => {
                let rows = sqlx::query(sql)
                    .bind(self.after)
                    .bind(PAGE)
                    .bind(self.last)
                    .fetch_all(pool)
                    .await?;
                rows.iter()
                    .map(|row| -> Result<Link, sqlx::Error> {
                        Ok(Link {
                            link: row.try_get(0)?,
                            position: row.try_get(1)?,
                            hash: row.try_get(2)?,
                            previous_hash: row.try_get(3)?,
                            chain_version: row.try_get(4)?,
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
