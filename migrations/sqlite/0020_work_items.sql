-- Requests waiting on staff that are not a state of one grant or application row (projection
-- `work_items`): change requests (変更承認申請) not yet decided, and runner-up offers (繰上げの申出)
-- not yet answered. One row per open request, deleted when it is answered; a function of the log.
-- `due_on` is the last day to answer (YYYY-MM-DD, JST) where there is one.
CREATE TABLE work_items
(
    item_id          text   NOT NULL PRIMARY KEY,
    kind             text   NOT NULL,
    grant_id         text,
    application_id   text,
    round_id         text,
    due_on           text,
    updated_position bigint NOT NULL
);

CREATE INDEX work_items_grant ON work_items (grant_id);
CREATE INDEX work_items_application ON work_items (application_id);
