-- The directory (projection `directory`): the few facts the command side looks up on every request
-- (which rounds exist, who belongs to which group, which grants a group received in a course, which
-- applications a round has), indexed. Every table here is a function of the event log: `grants replay`
-- may drop its rows and rebuild them at any time. The command side reads these rows together with the
-- log after the projection's checkpoint, in one snapshot, so it never acts on a lagging copy (see
-- projections/src/directory.rs).

-- One row per `RoundOpened`: the round's course (rule 1 counts grants per course) and fiscal year.
CREATE TABLE directory_rounds
(
  round_id        text    NOT NULL PRIMARY KEY,
  course          text    NOT NULL,
  fiscal_year     integer,
  opened_position bigint  NOT NULL
);

CREATE INDEX directory_rounds_opened ON directory_rounds (opened_position);

-- One row per `MemberAdded` (the group aggregate has no event that removes a member account).
CREATE TABLE directory_members
(
  group_id       text    NOT NULL,
  user_id        text    NOT NULL,
  added_position bigint  NOT NULL,
  PRIMARY KEY (group_id, user_id)
);

CREATE INDEX directory_members_user ON directory_members (user_id, added_position);

-- One row per `AwardDecided` (rule 1's grant count: every award decision of the group, as the count
-- has always been taken; a later release or withdrawal does not un-count it).
CREATE TABLE directory_awards
(
  round_id         text    NOT NULL,
  application_id   text    NOT NULL,
  group_id         text    NOT NULL,
  decided_position bigint  NOT NULL,
  PRIMARY KEY (round_id, application_id)
);

CREATE INDEX directory_awards_group ON directory_awards (group_id, round_id);

-- One row per `ApplicationDraftStarted`: the round each application belongs to.
CREATE TABLE directory_applications
(
  application_id   text    NOT NULL PRIMARY KEY,
  round_id         text    NOT NULL,
  started_position bigint  NOT NULL
);

CREATE INDEX directory_applications_round ON directory_applications (round_id, started_position);
