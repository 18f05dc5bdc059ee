-- Answers to commands sent with an Idempotency-Key, so that a retry gets the first answer and appends
-- nothing. A row without a status is a command in flight; its first writer owns it.
CREATE TABLE idempotency_keys
(
    actor        text        NOT NULL,
    key          text        NOT NULL,
    request_hash text        NOT NULL,
    status       integer,
    response     text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, key)
);
