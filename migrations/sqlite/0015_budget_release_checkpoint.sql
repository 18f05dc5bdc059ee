-- The budget-release process (app/src/process/release.rs) starts where the log stands when this
-- migration runs: every release before it was made by the grant handlers themselves, without the
-- attempt the process recognises, so following those older events would release their budget twice.
INSERT INTO projection_checkpoints (name, position, transaction_id)
SELECT 'budget_release', max(position), 0 FROM events WHERE position IS NOT NULL
HAVING count(*) > 0
ON CONFLICT (name) DO NOTHING;
