-- Issue 19: a log an outside auditor can verify. See docs/verification.md.
--
-- The hash chain switches from the service's own canonical form (version 1) to RFC 8785 JCS
-- (version 2) at the first link after the chain as it stands now: links before it keep their old
-- hashes, so a head hash kept from before the switch still verifies. The switch is kept here, not
-- in audit_chain, so that a rebuild of the chain makes the same links again.
CREATE TABLE audit_chain_versions
(
    version   integer NOT NULL PRIMARY KEY,
    from_link bigint  NOT NULL
);
INSERT INTO audit_chain_versions (version, from_link)
SELECT 2, coalesce(max(link), 0) + 1 FROM audit_chain;

ALTER TABLE audit_chain ADD COLUMN chain_version integer NOT NULL DEFAULT 1;

-- The RFC 9162 Merkle tree over the chain's links (leaf index = link - 1): every perfect subtree,
-- the 2^level leaves from idx * 2^level; level 0 holds the leaf hashes. Part of the audit_chain
-- projection, rebuilt with it.
CREATE TABLE merkle_nodes
(
    level integer NOT NULL,
    idx   bigint  NOT NULL,
    hash  bytea   NOT NULL,
    PRIMARY KEY (level, idx)
);

-- The tree is built from the first event: the chain is made again from the log (with the same hashes
-- up to the switch) by the runner, from an empty table and checkpoint.
DELETE FROM audit_chain;
DELETE FROM projection_checkpoints WHERE name = 'audit_chain';

-- Signed tree heads, written by the head signer (app/src/tree_heads.rs), never by a rebuild: they
-- are what the log is checked against. One head per size: a second root for a size is a fork.
CREATE TABLE tree_heads
(
    tree_size  bigint NOT NULL PRIMARY KEY,
    root_hash  text   NOT NULL,
    timestamp_ms bigint NOT NULL,
    signature  text   NOT NULL,
    key_id     text   NOT NULL
);
