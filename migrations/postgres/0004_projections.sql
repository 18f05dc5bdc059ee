-- Read models (projections) and their checkpoints. Every table here is a function of the event log:
-- `grants replay` may drop its rows and rebuild them at any time.

-- How far each projection has read the log: the (transaction_id, position) of the last event applied.
-- The log is read in (transaction_id, position) order below the oldest running transaction, so that an
-- event whose transaction commits late is never skipped (see projections/src/event_log.rs).
-- transaction_id holds the xid8 as a bigint (epoch and xid fit for the life of any cluster).
CREATE TABLE projection_checkpoints
(
    name           text        NOT NULL PRIMARY KEY,
    position       bigint      NOT NULL DEFAULT 0,
    transaction_id bigint      NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- The public list of awarded projects (rule 12): group name, project and amounts, never a person's
-- name, address, phone, e-mail, and never a score.
CREATE TABLE awards
(
    grant_id         text   NOT NULL PRIMARY KEY,
    fiscal_year      integer,
    course           text,
    group_name       text,
    title            text,
    summary          text,
    amount_awarded   bigint NOT NULL,
    award_date       date,
    amount_finalised bigint,
    status           text   NOT NULL
);

CREATE INDEX awards_fiscal_year_course ON awards (fiscal_year, course);

-- The auditors' hash chain: one link per event in log order, hash = sha256(previous hash || event).
CREATE TABLE audit_chain
(
    link          bigint NOT NULL PRIMARY KEY,
    position      bigint NOT NULL UNIQUE,
    hash          text   NOT NULL,
    previous_hash text   NOT NULL
);
