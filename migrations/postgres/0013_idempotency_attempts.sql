-- A claimed key names the execution (attempt) that holds it and until when: a copy of the request
-- that finds the lease run out takes the claim over and resumes the same attempt, whose committed
-- steps the event store recognises by the attempt id in their metadata (app/src/store/attempt.rs).
-- Rows claimed before this migration have no attempt and an expired lease (0).
ALTER TABLE idempotency_keys ADD COLUMN attempt_id text;
ALTER TABLE idempotency_keys ADD COLUMN lease_until bigint NOT NULL DEFAULT 0;
