-- The change-approval process (app/src/process/change.rs) starts where the log stands when this
-- migration runs: no reservation (ChangeReserved) exists before it, so there is nothing earlier to
-- follow, and a large log is not read through once for nothing.
INSERT INTO projection_checkpoints (name, position, transaction_id)
SELECT 'change_approval', max(position), 0 FROM events WHERE position IS NOT NULL
HAVING count(*) > 0
ON CONFLICT (name) DO NOTHING;
