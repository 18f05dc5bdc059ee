//! The Merkle tree the `audit_chain` projection keeps (`merkle_nodes`: every perfect subtree), the
//! signed tree heads (`tree_heads`), and what auditors ask of them: roots, inclusion and
//! consistency proofs, the export of the log. The math is `grants_verifier::merkle`'s.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use grants_verifier::export::ExportLine;
use grants_verifier::head::TreeHead;
use grants_verifier::leaf::LeafEvent;
use grants_verifier::merkle::{self, Hash, NodeId};
use sqlx::Row;

use crate::audit_chain::leaf_event;
use crate::error::ProjectionError;
use crate::event_log;
use crate::pool::{LogPool, Tx};

fn node_query(count: usize) -> String {
    let conditions: Vec<String> = (0..count)
        .map(|i| format!("(level = ${} AND idx = ${})", 2 * i + 1, 2 * i + 2))
        .collect();
    format!(
        "SELECT level, idx, hash FROM merkle_nodes WHERE {}",
        conditions.join(" OR ")
    )
}

fn node_rows<R: Row>(rows: Vec<R>) -> Result<HashMap<NodeId, Hash>, ProjectionError>
where
    for<'r> i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Vec<u8>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let mut found = HashMap::with_capacity(rows.len());
    for row in rows {
        let level: i32 = row.try_get(0)?;
        let index: i64 = row.try_get(1)?;
        let bytes: Vec<u8> = row.try_get(2)?;
        let hash: Hash = bytes
            .as_slice()
            .try_into()
            .map_err(|_| ProjectionError::Corrupt {
                position: 0,
                column: "merkle_nodes.hash",
                detail: format!("node ({level}, {index}) is not 32 bytes"),
            })?;
        found.insert(
            NodeId {
                level: u32::try_from(level).unwrap_or_default(),
                index: u64::try_from(index).unwrap_or_default(),
            },
            hash,
        );
    }
    Ok(found)
}

/// The stored hashes of `ids` (those present), inside a transaction.
pub async fn nodes_tx(
    tx: &mut Tx,
    ids: &[NodeId],
) -> Result<HashMap<NodeId, Hash>, ProjectionError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = node_query(ids.len());
    match tx {
        Tx::Sqlite(conn) => {
            let mut query = sqlx::query(&sql);
            for id in ids {
                query = query.bind(id.level as i32).bind(id.index as i64);
            }
            node_rows(query.fetch_all(&mut **conn).await?)
        }
        Tx::Postgres(conn) => {
            let mut query = sqlx::query(&sql);
            for id in ids {
                query = query.bind(id.level as i32).bind(id.index as i64);
            }
            node_rows(query.fetch_all(&mut **conn).await?)
        }
    }
}

/// The stored hashes of `ids` (those present).
pub async fn nodes(
    pool: &LogPool,
    ids: &[NodeId],
) -> Result<HashMap<NodeId, Hash>, ProjectionError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = node_query(ids.len());
    match pool {
        LogPool::Sqlite(pool) => {
            let mut query = sqlx::query(&sql);
            for id in ids {
                query = query.bind(id.level as i32).bind(id.index as i64);
            }
            node_rows(query.fetch_all(pool).await?)
        }
        LogPool::Postgres(pool) => {
            let mut query = sqlx::query(&sql);
            for id in ids {
                query = query.bind(id.level as i32).bind(id.index as i64);
            }
            node_rows(query.fetch_all(pool).await?)
        }
    }
}

/// The number of leaves the tree has (the chain's links).
pub async fn tree_size(pool: &LogPool) -> Result<u64, ProjectionError> {
    let size: Option<i64> = crate::on_pool!(pool, pool => sqlx::query_scalar(
        "SELECT max(link) FROM audit_chain"
    )
    .fetch_one(pool)
    .await?);
    Ok(u64::try_from(size.unwrap_or_default()).unwrap_or_default())
}

/// The hashes of `ranges` (each `MTH(D[a:b])`), from the stored nodes in one query; `None` if the
/// tree lacks one (a range past its size).
async fn range_hashes(
    pool: &LogPool,
    ranges: &[(u64, u64)],
) -> Result<Option<Vec<Hash>>, ProjectionError> {
    let mut ids: Vec<NodeId> = ranges
        .iter()
        .flat_map(|&(a, b)| merkle::range_nodes(a, b))
        .collect();
    ids.sort();
    ids.dedup();
    let found = nodes(pool, &ids).await?;
    Ok(ranges
        .iter()
        .map(|&(a, b)| merkle::range_hash(a, b, &|id| found.get(&id).copied()))
        .collect())
}

/// The root of the tree's first `size` leaves; `None` past the tree's size.
pub async fn root(pool: &LogPool, size: u64) -> Result<Option<Hash>, ProjectionError> {
    if size == 0 {
        return Ok(Some(merkle::empty_root()));
    }
    Ok(range_hashes(pool, &[(0, size)])
        .await?
        .map(|mut h| h.remove(0)))
}

/// The audit path of leaf `index` in the tree of `size` leaves.
pub async fn inclusion_path(
    pool: &LogPool,
    index: u64,
    size: u64,
) -> Result<Option<Vec<Hash>>, ProjectionError> {
    if index >= size {
        return Ok(None);
    }
    range_hashes(pool, &merkle::inclusion_ranges(index, size)).await
}

/// The consistency proof from the tree of `first` leaves to the tree of `second`.
pub async fn consistency_proof(
    pool: &LogPool,
    first: u64,
    second: u64,
) -> Result<Option<Vec<Hash>>, ProjectionError> {
    if first == 0 || first > second {
        return Ok(None);
    }
    range_hashes(pool, &merkle::consistency_ranges(first, second)).await
}

/// The leaf hash of leaf `index`.
pub async fn leaf_hash(pool: &LogPool, index: u64) -> Result<Option<Hash>, ProjectionError> {
    let id = NodeId { level: 0, index };
    Ok(nodes(pool, &[id]).await?.get(&id).copied())
}

/// The leaf index and the leaf of the event at `position`, once chained.
pub async fn leaf_at(
    pool: &LogPool,
    position: i64,
) -> Result<Option<(u64, LeafEvent)>, ProjectionError> {
    let link: Option<i64> = crate::on_pool!(pool, pool => sqlx::query_scalar(
        "SELECT link FROM audit_chain WHERE position = $1"
    )
    .bind(position)
    .fetch_optional(pool)
    .await?);
    let Some(link) = link else {
        return Ok(None);
    };
    let events = event_log::read_positions(pool, &[position]).await?;
    let Some(event) = events.first() else {
        return Ok(None);
    };
    Ok(Some((
        u64::try_from(link - 1).unwrap_or_default(),
        leaf_event(event)?,
    )))
}

/// Stores a signed head; `false` if a head of that size is already stored (it is kept).
pub async fn insert_head(pool: &LogPool, head: &TreeHead) -> Result<bool, ProjectionError> {
    let size = i64::try_from(head.tree_size).unwrap_or(i64::MAX);
    let timestamp = i64::try_from(head.timestamp).unwrap_or(i64::MAX);
    let inserted = crate::on_pool!(pool, pool => sqlx::query(
        "INSERT INTO tree_heads (tree_size, root_hash, timestamp_ms, signature, key_id)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tree_size) DO NOTHING",
    )
    .bind(size)
    .bind(&head.root_hash)
    .bind(timestamp)
    .bind(&head.signature)
    .bind(&head.key_id)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(inserted == 1)
}

const HEAD_COLUMNS: &str =
    "SELECT tree_size, root_hash, timestamp_ms, signature, key_id FROM tree_heads";

fn head_row<R: Row>(row: &R) -> Result<TreeHead, ProjectionError>
where
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let size: i64 = row.try_get(0)?;
    let timestamp: i64 = row.try_get(2)?;
    Ok(TreeHead {
        tree_size: u64::try_from(size).unwrap_or_default(),
        root_hash: row.try_get(1)?,
        timestamp: u64::try_from(timestamp).unwrap_or_default(),
        signature: row.try_get(3)?,
        key_id: row.try_get(4)?,
        issued_at: None,
    })
}

/// Up to `limit` signed heads of sizes above `after`, smallest first.
pub async fn heads(
    pool: &LogPool,
    after: u64,
    limit: i64,
) -> Result<Vec<TreeHead>, ProjectionError> {
    let sql = format!("{HEAD_COLUMNS} WHERE tree_size > $1 ORDER BY tree_size LIMIT $2");
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    crate::on_pool!(pool, pool => sqlx::query(&sql)
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await?
        .iter()
        .map(head_row)
        .collect())
}

/// The signed head of `size`, if one was issued.
pub async fn head(pool: &LogPool, size: u64) -> Result<Option<TreeHead>, ProjectionError> {
    let sql = format!("{HEAD_COLUMNS} WHERE tree_size = $1");
    let size = i64::try_from(size).unwrap_or(i64::MAX);
    crate::on_pool!(pool, pool => sqlx::query(&sql)
        .bind(size)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(head_row)
        .transpose())
}

/// The latest signed head.
pub async fn latest_head(pool: &LogPool) -> Result<Option<TreeHead>, ProjectionError> {
    let sql = format!("{HEAD_COLUMNS} ORDER BY tree_size DESC LIMIT 1");
    crate::on_pool!(pool, pool => sqlx::query(&sql)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(head_row)
        .transpose())
}

/// The roots of every signed head, by size (unverified: the table is the database's word).
pub async fn head_roots(pool: &LogPool) -> Result<BTreeMap<u64, Hash>, ProjectionError> {
    roots_of(&all_heads(pool).await?)
}

/// Every signed head, smallest first.
pub async fn all_heads(pool: &LogPool) -> Result<Vec<TreeHead>, ProjectionError> {
    let mut all = Vec::new();
    loop {
        let after = all.last().map_or(0, |head: &TreeHead| head.tree_size);
        let page = heads(pool, after, 1000).await?;
        if page.is_empty() {
            return Ok(all);
        }
        all.extend(page);
    }
}

/// The heads' roots by size.
pub fn roots_of(heads: &[TreeHead]) -> Result<BTreeMap<u64, Hash>, ProjectionError> {
    let mut roots = BTreeMap::new();
    for head in heads {
        let root = head.root().map_err(|_| ProjectionError::Corrupt {
            position: 0,
            column: "tree_heads.root_hash",
            detail: format!("the head of size {} has no root", head.tree_size),
        })?;
        roots.insert(head.tree_size, root);
    }
    Ok(roots)
}

/// Writes the export of the first `size` leaves (JSON Lines of [`ExportLine`], docs/verification.md)
/// to `out`; returns the number of lines.
pub async fn export(pool: &LogPool, size: u64, out: &mut impl Write) -> Result<u64, ExportError> {
    let mut after = 0;
    let mut written = 0;
    while let Some((page, last)) = export_page(pool, after, size).await? {
        out.write_all(&page)?;
        written += last - after;
        after = last;
    }
    Ok(written)
}

/// The export lines of the leaves after the first `after`, up to `size`, a page at a time: the
/// page's bytes and the number of leaves up to its end; `None` past `size`.
pub async fn export_page(
    pool: &LogPool,
    after: u64,
    size: u64,
) -> Result<Option<(Vec<u8>, u64)>, ExportError> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let upto = i64::try_from(size).unwrap_or(i64::MAX);
    if after >= upto {
        return Ok(None);
    }
    let rows: Vec<(i64, i64, String, i32)> = crate::on_pool!(pool, pool => sqlx::query_as(
        "SELECT link, position, hash, chain_version FROM audit_chain
         WHERE link > $1 AND link <= $2 ORDER BY link LIMIT 1000",
    )
    .bind(after)
    .bind(upto)
    .fetch_all(pool)
    .await
    .map_err(ProjectionError::from)?);
    let Some(last) = rows.last().map(|row| row.0) else {
        return Ok(None);
    };
    let positions: Vec<i64> = rows.iter().map(|row| row.1).collect();
    let events: HashMap<i64, _> = event_log::read_positions(pool, &positions)
        .await?
        .into_iter()
        .map(|event| (event.position, event))
        .collect();
    let mut out = Vec::with_capacity(rows.len() * 1024);
    for (link, position, hash, version) in rows {
        let event = events.get(&position).ok_or(ProjectionError::Corrupt {
            position,
            column: "events",
            detail: format!("link {link} names an event the log does not hold"),
        })?;
        let line = ExportLine {
            index: u64::try_from(link - 1).unwrap_or_default(),
            chain_version: u32::try_from(version).unwrap_or_default(),
            chain_hash: hash,
            event: leaf_event(event)?,
        };
        serde_json::to_writer(&mut out, &line).map_err(std::io::Error::from)?;
        out.push(b'\n');
    }
    Ok(Some((out, u64::try_from(last).unwrap_or_default())))
}

/// Why the export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The log could not be read.
    #[error(transparent)]
    Log(#[from] ProjectionError),
    /// The output could not be written.
    #[error("cannot write the export: {0}")]
    Write(#[from] std::io::Error),
}
