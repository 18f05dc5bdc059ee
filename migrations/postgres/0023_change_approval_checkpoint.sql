-- The change-approval process (app/src/process/change.rs) starts where the log stands when this
-- migration runs: no reservation (ChangeReserved) exists before it, so there is nothing earlier to
-- follow, and a large log is not read through once for nothing.
INSERT INTO projection_checkpoints (name, position, transaction_id)
SELECT 'change_approval', position, transaction_id::text::bigint
  FROM events
 ORDER BY transaction_id DESC, position DESC
 LIMIT 1
ON CONFLICT (name) DO NOTHING;
