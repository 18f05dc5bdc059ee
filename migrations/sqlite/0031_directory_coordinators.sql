-- The coordinators (中間支援) each group consented to (projection `directory`, issue 18 item 5):
-- one row per `CoordinatorConsented` not since withdrawn (`CoordinatorConsentWithdrawn` deletes it),
-- so that a coordinator's `GET /api/v1/groups` lists the groups it helps. Like the other directory
-- tables it is a function of the log, rebuilt by `grants replay`; whether a consent allows
-- submission is the group aggregate's to say, not this table's.
CREATE TABLE directory_coordinators
(
  group_id           text    NOT NULL,
  user_id            text    NOT NULL,
  consented_position bigint  NOT NULL,
  PRIMARY KEY (group_id, user_id)
);

CREATE INDEX directory_coordinators_user ON directory_coordinators (user_id, consented_position);
