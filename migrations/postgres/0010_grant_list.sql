-- Keyset pages of the staff grant list (`GET /api/v1/grants?status=&round_id=&after=&limit=`), ordered
-- by grant_id: one index per filter the API offers (an applicant's own list filters by group), so that
-- every page is an index range scan however deep it is. The round index gains grant_id for the same
-- reason (and serves the round's list of grants, also in grant_id order).
DROP INDEX grant_ledger_round;
CREATE INDEX grant_ledger_round ON grant_ledger (round_id, grant_id);
CREATE INDEX grant_ledger_status ON grant_ledger (status, grant_id);
CREATE INDEX grant_ledger_group ON grant_ledger (group_id, grant_id);
