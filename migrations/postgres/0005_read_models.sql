-- Read models for the staff and applicant screens and the public exports' extra columns. Every table
-- here is a function of the event log: `grants replay` may drop its rows and rebuild them at any time.
-- (`events.position` is already immutable here: GENERATED ALWAYS, and 0001's trigger refuses updates.)

-- One row per application, for the lists of staff, auditors and applicants (projection `applications`).
-- `status` holds the api.md status strings; amounts are yen.
CREATE TABLE applications
(
    application_id   text        NOT NULL PRIMARY KEY,
    round_id         text        NOT NULL,
    group_id         text        NOT NULL,
    group_name       text,
    title            text        NOT NULL,
    status           text        NOT NULL,
    requested_amount bigint      NOT NULL,
    max_amount       bigint,
    submitted_at     timestamptz,
    grant_id         text,
    updated_position bigint      NOT NULL
);

CREATE INDEX applications_round_status ON applications (round_id, status);
CREATE INDEX applications_group ON applications (group_id);

-- The group names the `applications` projection has seen (its own copy, rebuilt with it).
CREATE TABLE application_groups
(
    group_id text NOT NULL PRIMARY KEY,
    name     text NOT NULL
);

-- One row per grant: what was decided, paid, finalised and is still owed (projection `grant_ledger`).
-- `paid_total` is net of refunds received (`paid_gross` less `refunded_total`); `payable` is what the
-- city still owes after finalisation, `refund_due` what the group still owes.
CREATE TABLE grant_ledger
(
    grant_id            text   NOT NULL PRIMARY KEY,
    application_id      text,
    round_id            text,
    group_id            text,
    status              text   NOT NULL,
    decided_amount      bigint NOT NULL,
    decided_on          date,
    notice_number       text,
    paid_gross          bigint NOT NULL DEFAULT 0,
    refunded_total      bigint NOT NULL DEFAULT 0,
    paid_total          bigint NOT NULL DEFAULT 0,
    finalised_amount    bigint,
    refund_due          bigint NOT NULL DEFAULT 0,
    payable             bigint NOT NULL DEFAULT 0,
    completion_deadline date,
    updated_position    bigint NOT NULL
);

CREATE INDEX grant_ledger_round ON grant_ledger (round_id);

-- The public awards list gains what the 360Giving export needs: the group's registration number under
-- the city's ordinance (public in municipal grant lists; not personal data) and the planned project
-- period. The awards projection keeps its own copy of the registration numbers.
ALTER TABLE awards ADD COLUMN registration_number text;
ALTER TABLE awards ADD COLUMN planned_start date;
ALTER TABLE awards ADD COLUMN planned_end date;

CREATE TABLE award_groups
(
    group_id            text NOT NULL PRIMARY KEY,
    registration_number text NOT NULL
);

-- The new columns are filled by replaying the log into `awards` from its start.
DELETE FROM awards;
DELETE FROM projection_checkpoints WHERE name = 'awards';
