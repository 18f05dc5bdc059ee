//! The verifiable log (docs/verification.md): the signed tree heads and the signing key's public
//! half for everyone (sizes, roots, times, signatures: no personal data); inclusion and consistency
//! proofs and the export of the log for auditors and staff, who check them with `grants-verify`.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use grants_projections::merkle_store;
use grants_verifier::export::{ConsistencyProof, InclusionProof};
use grants_verifier::head::TreeHead;
use grants_verifier::to_hex;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;
use super::extract::{Json, Query};
use super::openapi as doc;
use super::AppState;
use crate::policy::Overseer;
use crate::tree_heads::shown;

/// The most heads one page holds.
const HEADS_PAGE: i64 = 1_000;

/// The query of `GET /api/v1/public/tree-heads`: a page of signed tree heads.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HeadsPage {
    /// Only heads of sizes above this one (default 0: from the first).
    after: Option<u64>,
    /// At most this many heads (default and maximum 1,000).
    limit: Option<i64>,
}

/// The signed heads and the key that signs them.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TreeHeads {
    /// The Ed25519 public key, hex.
    public_key: String,
    heads: Vec<TreeHead>,
}

/// The public half of the key that signs the tree heads.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TreeHeadKey {
    /// Always Ed25519.
    algorithm: &'static str,
    /// 64 hex digits.
    public_key: String,
}

/// `GET /api/v1/public/tree-heads`: the signed heads, smallest first, with the public key.
#[utoipa::path(
    get,
    path = "/api/v1/public/tree-heads",
    operation_id = "public_tree_heads",
    tag = "public",
    summary = "署名付きツリーヘッドの一覧 / the signed tree heads of the audit log",
    params(HeadsPage),
    security(()),
    responses((status = 200, description = "the heads, smallest tree first, and the key that signs them", body = TreeHeads)),
)]
pub async fn heads(
    State(state): State<AppState>,
    Query(page): Query<HeadsPage>,
) -> Result<impl IntoResponse, ApiError> {
    let limit = page.limit.unwrap_or(HEADS_PAGE).clamp(1, HEADS_PAGE);
    let heads = merkle_store::heads(&state.db, page.after.unwrap_or(0), limit)
        .await
        .map_err(ApiError::from)?;
    Ok(Json(TreeHeads {
        public_key: state.tree_heads.public_key_hex(),
        heads: heads.into_iter().map(shown).collect(),
    }))
}

/// `GET /api/v1/public/tree-heads/key`: the public half of the signing key.
#[utoipa::path(
    get,
    path = "/api/v1/public/tree-heads/key",
    operation_id = "public_tree_head_key",
    tag = "public",
    summary = "ツリーヘッドの署名鍵（公開鍵） / the public key that signs the tree heads",
    security(()),
    responses((status = 200, description = "the Ed25519 public key, 64 hex digits", body = TreeHeadKey)),
)]
pub async fn key(State(state): State<AppState>) -> impl IntoResponse {
    Json(TreeHeadKey {
        algorithm: "Ed25519",
        public_key: state.tree_heads.public_key_hex(),
    })
}

/// The head of `size`, or the latest when not given; 404 when there is none.
async fn signed_head(state: &AppState, size: Option<u64>) -> Result<TreeHead, ApiError> {
    let pool = state.db.clone();
    let head = match size {
        Some(size) => merkle_store::head(&pool, size).await,
        None => merkle_store::latest_head(&pool).await,
    }
    .map_err(ApiError::from)?;
    head.map(shown).ok_or_else(|| {
        ApiError::invalid(
            "audit.no_signed_head",
            "その大きさの署名付きツリーヘッドはありません（一覧は /api/v1/public/tree-heads）",
            "no signed tree head has that size (see /api/v1/public/tree-heads)",
        )
        .with_field("tree_size")
    })
}

/// The query of `GET /api/v1/audit/proofs/inclusion`: which event, in which signed head.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// The event's log position.
    position: i64,
    /// The size of a signed head; default the latest head.
    tree_size: Option<u64>,
}

/// `GET /api/v1/audit/proofs/inclusion?position=&tree_size=`.
#[utoipa::path(
    get,
    path = "/api/v1/audit/proofs/inclusion",
    operation_id = "audit_inclusion_proof",
    tag = "audit",
    summary = "イベントの包含証明 / an inclusion proof of one event in a signed tree head",
    params(InclusionQuery),
    responses(
        (status = 200, description = "the event, its leaf hash, the audit path and the signed head", body = InclusionProof),
        (status = 422, description = "no signed head of that size, or the event is not in it", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn inclusion(
    State(state): State<AppState>,
    _: Overseer,
    Query(query): Query<InclusionQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let head = signed_head(&state, query.tree_size).await?;
    let pool = state.db.clone();
    let not_in = || {
        ApiError::invalid(
            "audit.not_in_tree",
            "そのイベントはこのツリーヘッドにまだ含まれていません",
            "the event is not in the tree of this head (yet)",
        )
        .with_field("position")
    };
    let (index, event) = merkle_store::leaf_at(&pool, query.position)
        .await
        .map_err(ApiError::from)?
        .filter(|(index, _)| *index < head.tree_size)
        .ok_or_else(not_in)?;
    let path = merkle_store::inclusion_path(&pool, index, head.tree_size)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(not_in)?;
    let leaf = merkle_store::leaf_hash(&pool, index)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(not_in)?;
    Ok(Json(InclusionProof {
        leaf_index: index,
        tree_size: head.tree_size,
        leaf_hash: to_hex(&leaf),
        audit_path: path.iter().map(to_hex).collect(),
        head,
        event: Some(event),
    }))
}

/// The query of `GET /api/v1/audit/proofs/consistency`: the two signed heads' sizes.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The size of the older signed head.
    first: u64,
    /// The size of the newer signed head; default the latest head.
    second: Option<u64>,
}

/// `GET /api/v1/audit/proofs/consistency?first=&second=`.
#[utoipa::path(
    get,
    path = "/api/v1/audit/proofs/consistency",
    operation_id = "audit_consistency_proof",
    tag = "audit",
    summary = "2つのツリーヘッド間の整合性証明 / a consistency proof between two signed tree heads",
    params(ConsistencyQuery),
    responses(
        (status = 200, description = "both signed heads and the proof that the second extends the first", body = ConsistencyProof),
        (status = 422, description = "no signed head of a size, or first after second", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn consistency(
    State(state): State<AppState>,
    _: Overseer,
    Query(query): Query<ConsistencyQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let first = signed_head(&state, Some(query.first)).await?;
    let second = signed_head(&state, query.second).await?;
    if first.tree_size > second.tree_size {
        return Err(ApiError::invalid(
            "audit.heads_reversed",
            "first は second 以下の大きさで指定してください",
            "first must not be larger than second",
        )
        .with_field("first"));
    }
    let proof = merkle_store::consistency_proof(&state.db, first.tree_size, second.tree_size)
        .await
        .map_err(ApiError::from)?
        .unwrap_or_default();
    Ok(Json(ConsistencyProof {
        first,
        second,
        proof: proof.iter().map(to_hex).collect(),
    }))
}

/// The query of `GET /api/v1/audit/export`: how much of the log to export.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Export the first this many events; default every event in the tree.
    tree_size: Option<u64>,
}

/// `GET /api/v1/audit/export`: the log as `grants-verify export` reads it.
#[utoipa::path(
    get,
    path = "/api/v1/audit/export",
    operation_id = "audit_export",
    tag = "audit",
    summary = "検証用のログ出力（JSON Lines） / the log for the standalone verifier, as JSON Lines",
    params(ExportQuery),
    responses((status = 200, description = "one line per event in log order: index, chain_version, chain_hash, event (docs/verification.md)", content_type = "application/jsonl", body = String)),
)]
pub async fn export(
    State(state): State<AppState>,
    _: Overseer,
    Query(query): Query<ExportQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let pool = state.db.clone();
    let size = merkle_store::tree_size(&pool)
        .await
        .map_err(ApiError::from)?;
    let size = query.tree_size.map_or(size, |asked| asked.min(size));
    // A page of a thousand events at a time: the export of a large log is never held whole. An
    // error after the first page can only cut the body short, which the verifier reports as a
    // truncated tail or an unreadable line.
    let pages = futures_util::stream::try_unfold(0u64, move |after| {
        let pool = pool.clone();
        async move {
            match merkle_store::export_page(&pool, after, size).await {
                Ok(Some((page, last))) => Ok(Some((page, last))),
                Ok(None) => Ok(None),
                Err(error) => {
                    tracing::error!(%error, "the audit export stopped");
                    Err(std::io::Error::other("the audit export stopped"))
                }
            }
        }
    });
    let out = axum::body::Body::from_stream(pages);
    Ok((
        [
            (header::CONTENT_TYPE, "application/jsonl; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.jsonl\"",
            ),
        ],
        out,
    ))
}
