-- Read models (projections) and their checkpoints. Every table here is a function of the event log:
-- `grants replay` may drop its rows and rebuild them at any time.

-- How far each projection has read the log. On SQLite `transaction_id` stays 0: one writer at a time
-- makes position order the commit order, so the position alone says what was applied.
CREATE TABLE projection_checkpoints
(
  name           text    NOT NULL PRIMARY KEY,
  position       integer NOT NULL DEFAULT 0,
  transaction_id integer NOT NULL DEFAULT 0,
  updated_at     text    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

-- The public list of awarded projects (rule 12): group name, project and amounts, never a person's
-- name, address, phone, e-mail, and never a score.
CREATE TABLE awards
(
  grant_id         text    NOT NULL PRIMARY KEY,
  fiscal_year      integer,
  course           text,
  group_name       text,
  title            text,
  summary          text,
  amount_awarded   integer NOT NULL,
  award_date       text,
  amount_finalised integer,
  status           text    NOT NULL
) STRICT;

CREATE INDEX awards_fiscal_year_course ON awards (fiscal_year, course);

-- The auditors' hash chain: one link per event in log order, hash = sha256(previous hash || event).
CREATE TABLE audit_chain
(
  link          integer NOT NULL PRIMARY KEY,
  position      integer NOT NULL UNIQUE,
  hash          text    NOT NULL,
  previous_hash text    NOT NULL
) STRICT;
