-- Read models for the staff and applicant screens, the public exports' extra columns, and a guard on
-- `events.position`. Every table here is a function of the event log: `grants replay` may drop its rows
-- and rebuild them at any time.

-- An event's position is set once, by the AFTER INSERT trigger `events_position` (0001), and never
-- changed: rows cannot be reordered silently (the audit chain would catch it, this refuses it).
-- The position trigger itself still works: it updates a row whose position is still NULL.
CREATE TRIGGER events_position_immutable BEFORE UPDATE OF position ON events
  WHEN OLD.position IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'event positions are immutable');
END;

-- One row per application, for the lists of staff, auditors and applicants (projection `applications`).
-- `status` holds the api.md status strings; amounts are yen.
CREATE TABLE applications
(
  application_id   text    NOT NULL PRIMARY KEY,
  round_id         text    NOT NULL,
  group_id         text    NOT NULL,
  group_name       text,
  title            text    NOT NULL,
  status           text    NOT NULL,
  requested_amount integer NOT NULL,
  max_amount       integer,
  submitted_at     text,
  grant_id         text,
  updated_position integer NOT NULL
) STRICT;

CREATE INDEX applications_round_status ON applications (round_id, status);
CREATE INDEX applications_group ON applications (group_id);

-- The group names the `applications` projection has seen (its own copy, rebuilt with it).
CREATE TABLE application_groups
(
  group_id text NOT NULL PRIMARY KEY,
  name     text NOT NULL
) STRICT;

-- One row per grant: what was decided, paid, finalised and is still owed (projection `grant_ledger`).
-- `paid_total` is net of refunds received (`paid_gross` less `refunded_total`); `payable` is what the
-- city still owes after finalisation, `refund_due` what the group still owes.
CREATE TABLE grant_ledger
(
  grant_id            text    NOT NULL PRIMARY KEY,
  application_id      text,
  round_id            text,
  group_id            text,
  status              text    NOT NULL,
  decided_amount      integer NOT NULL,
  decided_on          text,
  notice_number       text,
  paid_gross          integer NOT NULL DEFAULT 0,
  refunded_total      integer NOT NULL DEFAULT 0,
  paid_total          integer NOT NULL DEFAULT 0,
  finalised_amount    integer,
  refund_due          integer NOT NULL DEFAULT 0,
  payable             integer NOT NULL DEFAULT 0,
  completion_deadline text,
  updated_position    integer NOT NULL
) STRICT;

CREATE INDEX grant_ledger_round ON grant_ledger (round_id);

-- The public awards list gains what the 360Giving export needs: the group's registration number under
-- the city's ordinance (public in municipal grant lists; not personal data) and the planned project
-- period. The awards projection keeps its own copy of the registration numbers.
ALTER TABLE awards ADD COLUMN registration_number text;
ALTER TABLE awards ADD COLUMN planned_start text;
ALTER TABLE awards ADD COLUMN planned_end text;

CREATE TABLE award_groups
(
  group_id            text NOT NULL PRIMARY KEY,
  registration_number text NOT NULL
) STRICT;

-- The new columns are filled by replaying the log into `awards` from its start.
DELETE FROM awards;
DELETE FROM projection_checkpoints WHERE name = 'awards';
