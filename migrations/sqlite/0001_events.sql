-- The event log on SQLite: the table sqlite-es 0.5 expects, plus what it lacks for a global history.
-- `position` is the global log position, assigned by a trigger in insert order; SQLite runs one writer at
-- a time, so insert order is commit order and positions never leave a gap behind a later commit.
-- `recorded_at` is the commit time in UTC.
CREATE TABLE events
(
  aggregate_type text                          NOT NULL,
  aggregate_id   text                          NOT NULL,
  sequence       integer CHECK (sequence >= 0) NOT NULL,
  event_type     text                          NOT NULL,
  event_version  text                          NOT NULL,
  payload        text                          NOT NULL,
  metadata       text                          NOT NULL,
  position       integer UNIQUE,
  recorded_at    text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (aggregate_type, aggregate_id, sequence)
) STRICT;

CREATE TRIGGER events_position AFTER INSERT ON events
BEGIN
  UPDATE events
     SET position = (SELECT coalesce(max(position), 0) + 1 FROM events)
   WHERE rowid = NEW.rowid;
END;

-- Events are never updated or deleted (rule 11).
CREATE TRIGGER events_no_update BEFORE UPDATE OF aggregate_type, aggregate_id, sequence, event_type,
  event_version, payload, metadata, recorded_at ON events
BEGIN
  SELECT RAISE(ABORT, 'events are immutable');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are immutable');
END;

CREATE TABLE snapshots
(
  aggregate_type   text                                  NOT NULL,
  aggregate_id     text                                  NOT NULL,
  last_sequence    integer CHECK (last_sequence >= 0)    NOT NULL,
  current_snapshot integer CHECK (current_snapshot >= 0) NOT NULL,
  payload          text                                  NOT NULL,
  PRIMARY KEY (aggregate_type, aggregate_id, last_sequence)
) STRICT;
