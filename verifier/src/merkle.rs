//! The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1: hashes, inclusion and
//! consistency proofs, and their verification. Nothing here knows about events or databases.
//!
//! - the empty tree: `MTH({}) = SHA-256()`;
//! - a leaf: `MTH({d}) = SHA-256(0x00 || d)`;
//! - a node: `MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))`, `k` the largest power of two
//!   smaller than `n`.
//!
//! Every subtree that the RFC's split rule produces starts at a multiple of its own largest power of
//! two, so it is made of *perfect* subtrees `(level, index)`: the `2^level` leaves from
//! `index * 2^level`. A store keeps those (about two per leaf) and answers any root or proof with
//! O(log² n) of them ([`range_nodes`], [`range_hash`]); [`Frontier`] appends leaves and says which
//! perfect subtrees each one completes.

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// A perfect subtree: the `2^level` leaves from `index * 2^level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// The height above the leaves (0: a single leaf).
    pub level: u32,
    /// The subtree's place among those of its level, from 0 at the left.
    pub index: u64,
}

/// The hash of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// `SHA-256(0x00 || input)`.
pub fn leaf_hash(input: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(input);
    hasher.finalize().into()
}

/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The largest power of two smaller than `n` (`n > 1`).
fn split(n: u64) -> u64 {
    debug_assert!(n > 1);
    1 << (63 - (n - 1).leading_zeros())
}

/// The root of a tree over `leaves` (leaf hashes), straight from the definition.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The perfect subtrees whose hashes give `MTH(D[start:end])` (`start < end`, `start` a multiple of
/// the range's largest power of two, as in every range the RFC's recursion makes).
pub fn range_nodes(start: u64, end: u64) -> Vec<NodeId> {
    let mut nodes = Vec::new();
    let mut start = start;
    while start < end {
        let size = end - start;
        let level = if size.is_power_of_two() {
            size.trailing_zeros()
        } else {
            split(size).trailing_zeros()
        };
        nodes.push(NodeId {
            level,
            index: start >> level,
        });
        start += 1 << level;
    }
    nodes
}

/// `MTH(D[start:end])` from the hashes of its [`range_nodes`]; `None` if `node` lacks one.
pub fn range_hash(start: u64, end: u64, node: &impl Fn(NodeId) -> Option<Hash>) -> Option<Hash> {
    let hashes = range_nodes(start, end)
        .into_iter()
        .map(node)
        .collect::<Option<Vec<Hash>>>()?;
    let (last, rest) = hashes.split_last()?;
    Some(
        rest.iter()
            .rev()
            .fold(*last, |right, left| node_hash(left, &right)),
    )
}

/// The ranges whose hashes make the audit path of leaf `m` in a tree of `n` leaves, in the order of
/// the proof (RFC 9162 2.1.3.1, `PATH(m, D[n])`).
pub fn inclusion_ranges(m: u64, n: u64) -> Vec<(u64, u64)> {
    fn path(m: u64, start: u64, end: u64, out: &mut Vec<(u64, u64)>) {
        let n = end - start;
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            path(m, start, start + k, out);
            out.push((start + k, end));
        } else {
            path(m - k, start + k, end, out);
            out.push((start, start + k));
        }
    }
    let mut out = Vec::new();
    if m < n {
        path(m, 0, n, &mut out);
    }
    out
}

/// The ranges whose hashes make the consistency proof from a tree of `m` leaves to one of `n`
/// (RFC 9162 2.1.4.1, `PROOF(m, D[n])`; empty when `m` is 0 or `m >= n`).
pub fn consistency_ranges(m: u64, n: u64) -> Vec<(u64, u64)> {
    fn subproof(m: u64, start: u64, end: u64, whole: bool, out: &mut Vec<(u64, u64)>) {
        let n = end - start;
        if m == n {
            if !whole {
                out.push((start, end));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            subproof(m, start, start + k, whole, out);
            out.push((start + k, end));
        } else {
            subproof(m - k, start + k, end, false, out);
            out.push((start, start + k));
        }
    }
    let mut out = Vec::new();
    if 0 < m && m < n {
        subproof(m, 0, n, true, &mut out);
    }
    out
}

/// Why a proof does not verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProofError {
    /// The sizes or index cannot be (index past the tree, first size past the second, an empty tree).
    BadSizes,
    /// The proof has the wrong number of hashes for the sizes.
    WrongLength,
    /// The hashes recomputed from the proof differ from the given root(s).
    Mismatch,
}

impl std::fmt::Display for ProofError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ProofError::BadSizes => "the sizes or the index are out of range",
            ProofError::WrongLength => "the proof has the wrong number of hashes",
            ProofError::Mismatch => "the proof does not lead to the given root",
        })
    }
}

/// Verifies an inclusion proof: RFC 9162 2.1.3.2, step by step.
pub fn verify_inclusion(
    leaf_index: u64,
    tree_size: u64,
    leaf: &Hash,
    path: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if leaf_index >= tree_size {
        return Err(ProofError::BadSizes);
    }
    let (mut fnode, mut snode) = (leaf_index, tree_size - 1);
    let mut r = *leaf;
    for p in path {
        if snode == 0 {
            return Err(ProofError::WrongLength);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::WrongLength);
    }
    if &r != root {
        return Err(ProofError::Mismatch);
    }
    Ok(())
}

/// Verifies a consistency proof between a tree of `first` leaves and one of `second`: RFC 9162
/// 2.1.4.2, step by step. Equal sizes need an empty proof and equal roots.
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if first == 0 || first > second {
        return Err(ProofError::BadSizes);
    }
    if first == second {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if first_root == second_root {
            Ok(())
        } else {
            Err(ProofError::Mismatch)
        };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength);
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let (mut fnode, mut snode) = (first - 1, second - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if snode == 0 {
            return Err(ProofError::WrongLength);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::WrongLength);
    }
    if &fr != first_root || &sr != second_root {
        return Err(ProofError::Mismatch);
    }
    Ok(())
}

/// The right edge of a tree being appended to: the perfect subtrees of `size`'s set bits, largest
/// first. Enough to append and to give the root, without the leaves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// `(level, hash)` of each perfect subtree on the edge, levels decreasing.
    edge: Vec<(u32, Hash)>,
}

impl Frontier {
    /// The perfect subtrees a [`Frontier`] of `size` leaves is made of, largest first.
    pub fn nodes(size: u64) -> Vec<NodeId> {
        (0..64u32)
            .rev()
            .filter(|level| size >> level & 1 == 1)
            .map(|level| NodeId {
                level,
                index: (size >> level) - 1,
            })
            .collect()
    }

    /// The frontier of a tree of `size` leaves from the hashes of its [`Frontier::nodes`];
    /// `None` if they do not fit.
    pub fn restore(size: u64, hashes: &[Hash]) -> Option<Frontier> {
        let nodes = Self::nodes(size);
        (nodes.len() == hashes.len()).then(|| Frontier {
            size,
            edge: nodes
                .iter()
                .zip(hashes)
                .map(|(node, hash)| (node.level, *hash))
                .collect(),
        })
    }

    /// How many leaves the tree has.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash; returns the perfect subtrees it completes, the leaf itself first.
    pub fn push(&mut self, leaf: Hash) -> Vec<(NodeId, Hash)> {
        let index = self.size;
        let mut made = vec![(NodeId { level: 0, index }, leaf)];
        let mut hash = leaf;
        let mut level = 0;
        while let Some(&(top, left)) = self.edge.last() {
            if top != level {
                break;
            }
            self.edge.pop();
            hash = node_hash(&left, &hash);
            level += 1;
            made.push((
                NodeId {
                    level,
                    index: index >> level,
                },
                hash,
            ));
        }
        self.edge.push((level, hash));
        self.size += 1;
        made
    }

    /// Appends a leaf hash, as [`Frontier::push`] without listing the subtrees it completes.
    pub fn append(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut level = 0;
        while let Some(&(top, left)) = self.edge.last() {
            if top != level {
                break;
            }
            self.edge.pop();
            hash = node_hash(&left, &hash);
            level += 1;
        }
        self.edge.push((level, hash));
        self.size += 1;
    }

    /// The root of the tree so far.
    pub fn root(&self) -> Hash {
        match self.edge.split_last() {
            None => empty_root(),
            Some((last, rest)) => rest
                .iter()
                .rev()
                .fold(last.1, |right, (_, left)| node_hash(left, &right)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    /// `PATH(m, D[n])` straight from RFC 9162's recursive definition, over the leaves.
    fn rfc_path(m: usize, d: &[Hash]) -> Vec<Hash> {
        if d.len() <= 1 {
            return Vec::new();
        }
        let k = split(d.len() as u64) as usize;
        if m < k {
            let mut p = rfc_path(m, &d[..k]);
            p.push(root(&d[k..]));
            p
        } else {
            let mut p = rfc_path(m - k, &d[k..]);
            p.push(root(&d[..k]));
            p
        }
    }

    /// `SUBPROOF(m, D[n], b)` straight from the RFC.
    fn rfc_subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
        let n = d.len();
        if m == n {
            return if b { Vec::new() } else { vec![root(d)] };
        }
        let k = split(n as u64) as usize;
        if m <= k {
            let mut p = rfc_subproof(m, &d[..k], b);
            p.push(root(&d[k..]));
            p
        } else {
            let mut p = rfc_subproof(m - k, &d[k..], false);
            p.push(root(&d[..k]));
            p
        }
    }

    /// A store of every perfect subtree, as the service keeps them, built through [`Frontier`].
    fn store(d: &[Hash]) -> HashMap<NodeId, Hash> {
        let mut frontier = Frontier::default();
        let mut nodes = HashMap::new();
        for leaf in d {
            nodes.extend(frontier.push(*leaf));
        }
        nodes
    }

    fn hashes(ranges: &[(u64, u64)], nodes: &HashMap<NodeId, Hash>) -> Vec<Hash> {
        ranges
            .iter()
            .map(|&(a, b)| range_hash(a, b, &|id| nodes.get(&id).copied()).unwrap())
            .collect()
    }

    #[test]
    fn known_vectors() {
        // The empty tree is SHA-256 of the empty string.
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // A one-leaf tree over the empty leaf is SHA-256 of the single byte 0x00.
        assert_eq!(
            hex::encode(root(&[leaf_hash(b"")])),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        assert_eq!(Frontier::default().root(), empty_root());
    }

    #[test]
    fn frontier_roots_and_stored_ranges_match_the_definition() {
        let d = leaves(70);
        let nodes = store(&d);
        let mut frontier = Frontier::default();
        let mut appended = Frontier::default();
        for n in 1..=d.len() {
            frontier.push(d[n - 1]);
            appended.append(d[n - 1]);
            let expected = root(&d[..n]);
            assert_eq!(frontier.root(), expected, "size {n}");
            assert_eq!(appended, frontier, "append at size {n}");
            let got = range_hash(0, n as u64, &|id| nodes.get(&id).copied()).unwrap();
            assert_eq!(got, expected, "size {n} from stored nodes");
            let edge: Vec<Hash> = Frontier::nodes(n as u64)
                .iter()
                .map(|id| nodes[id])
                .collect();
            let restored = Frontier::restore(n as u64, &edge).unwrap();
            assert_eq!(restored, frontier, "restored at size {n}");
        }
    }

    #[test]
    fn inclusion_proofs_for_every_size_to_20_and_every_index() {
        let d = leaves(20);
        let nodes = store(&d);
        for n in 1..=20u64 {
            let r = root(&d[..n as usize]);
            for m in 0..n {
                let path = hashes(&inclusion_ranges(m, n), &nodes);
                assert_eq!(
                    path,
                    rfc_path(m as usize, &d[..n as usize]),
                    "PATH({m}, {n})"
                );
                assert_eq!(verify_inclusion(m, n, &d[m as usize], &path, &r), Ok(()));
                // Any other leaf, a shortened or lengthened path, or another root fails.
                let other = d[((m + 1) % 20) as usize];
                assert!(verify_inclusion(m, n, &other, &path, &r).is_err());
                if !path.is_empty() {
                    assert!(verify_inclusion(m, n, &d[m as usize], &path[1..], &r).is_err());
                }
                let mut longer = path.clone();
                longer.push(r);
                assert!(verify_inclusion(m, n, &d[m as usize], &longer, &r).is_err());
                assert!(verify_inclusion(m, n, &d[m as usize], &path, &empty_root()).is_err());
            }
            assert_eq!(
                verify_inclusion(n, n, &d[0], &[], &r),
                Err(ProofError::BadSizes)
            );
        }
    }

    #[test]
    fn consistency_proofs_for_every_pair_of_sizes_to_20() {
        let d = leaves(20);
        let nodes = store(&d);
        for n in 1..=20u64 {
            let second = root(&d[..n as usize]);
            for m in 1..=n {
                let first = root(&d[..m as usize]);
                let proof = hashes(&consistency_ranges(m, n), &nodes);
                assert_eq!(
                    proof,
                    if m == n {
                        Vec::new()
                    } else {
                        rfc_subproof(m as usize, &d[..n as usize], true)
                    },
                    "PROOF({m}, {n})"
                );
                assert_eq!(verify_consistency(m, n, &first, &second, &proof), Ok(()));
                // A first tree that differs (a fork) or a changed proof fails.
                let forked = leaf_hash(b"fork");
                assert!(verify_consistency(m, n, &forked, &second, &proof).is_err());
                assert!(verify_consistency(m, n, &first, &forked, &proof).is_err());
                if let Some((_, shorter)) = proof.split_last() {
                    assert!(verify_consistency(m, n, &first, &second, shorter).is_err());
                }
            }
            assert_eq!(
                verify_consistency(0, n, &empty_root(), &second, &[]),
                Err(ProofError::BadSizes)
            );
        }
    }
}
