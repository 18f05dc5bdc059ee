-- Advance requests (概算払の請求) waiting for staff. The grant ledger keeps, per grant, the advances
-- requested and paid, and what of the requests is still open (`grants_domain::grant::open_advance`),
-- so that the staff dashboard can list the grants where a group waits to be paid.
ALTER TABLE grant_ledger ADD COLUMN advances_requested integer NOT NULL DEFAULT 0;
ALTER TABLE grant_ledger ADD COLUMN advances_paid integer NOT NULL DEFAULT 0;
ALTER TABLE grant_ledger ADD COLUMN open_advance integer NOT NULL DEFAULT 0;
CREATE INDEX grant_ledger_open_advance ON grant_ledger (grant_id) WHERE open_advance > 0;

-- The new columns are filled by replaying the log into `grant_ledger` from its start.
DELETE FROM grant_ledger;
DELETE FROM projection_checkpoints WHERE name = 'grant_ledger';

-- The grant's state now keeps each advance request (derived from the existing `AdvanceRequested`
-- events). A snapshot written before cannot hold them: delete the grants' snapshots so that each
-- grant is replayed from its events (as migration 0008 did). Snapshots are a cache of the log.
DELETE FROM snapshots WHERE aggregate_type = 'grant';
