-- The grant's state now keeps its payments and the reason, totals and decision of each change
-- request (derived from the existing events). A snapshot written before cannot hold them: delete the
-- grants' snapshots so that each grant is replayed from its events and snapshotted afresh. (An old
-- snapshot would fail to load anyway, but cqrs-es would then try to insert snapshot 1 over the old
-- row at the next snapshot boundary.) Snapshots are a cache; the events stay the truth.
DELETE FROM snapshots WHERE aggregate_type = 'grant';
