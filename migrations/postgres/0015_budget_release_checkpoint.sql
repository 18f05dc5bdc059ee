-- The budget-release process (app/src/process/release.rs) starts where the log stands when this
-- migration runs: every release before it was made by the grant handlers themselves, without the
-- attempt the process recognises, so following those older events would release their budget twice.
INSERT INTO projection_checkpoints (name, position, transaction_id)
SELECT 'budget_release', position, transaction_id::text::bigint
  FROM events
 ORDER BY transaction_id DESC, position DESC
 LIMIT 1
ON CONFLICT (name) DO NOTHING;
