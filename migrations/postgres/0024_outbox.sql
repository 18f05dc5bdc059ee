-- The mail outbox (app/src/mail): one row per mail the log calls for, written by the process
-- `mail_outbox` in the same transaction as its checkpoint, so a crash neither loses nor doubles one.
-- A mail is keyed by the event that called for it (stream and sequence) and its template (and the
-- application or grant it is about); `message_id` is derived from that key, so a second follower of
-- the same event finds the row there. The sender delivers the rows whose `sent_at` is empty once
-- `next_attempt_at` (Unix milliseconds) has passed, counting `attempts` and keeping the
-- `last_error` for staff. `recipients` (one address a line), `subject` and `body` are personal
-- data: they are shown to staff and sent, never logged.
CREATE TABLE outbox_mails
(
    message_id      text    NOT NULL PRIMARY KEY,
    stream_id       text    NOT NULL,
    sequence        bigint  NOT NULL,
    template        text    NOT NULL,
    subject_id      text    NOT NULL,
    position        bigint  NOT NULL,
    group_id        text    NOT NULL,
    recipients      text    NOT NULL,
    subject         text    NOT NULL,
    body            text    NOT NULL,
    created_at      text    NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at bigint  NOT NULL,
    last_error      text,
    sent_at         text,
    UNIQUE (stream_id, sequence, template, subject_id)
);

CREATE INDEX outbox_mails_pending ON outbox_mails (next_attempt_at) WHERE sent_at IS NULL;

-- In-app notices (お知らせ): the same mails as each member of the group sees them on /my, written
-- with the mail in the same transaction. `read_at` is set when the member marks it read.
CREATE TABLE notices
(
    user_id    text   NOT NULL,
    message_id text   NOT NULL,
    position   bigint NOT NULL,
    subject    text   NOT NULL,
    link       text   NOT NULL,
    created_at text   NOT NULL,
    read_at    text,
    PRIMARY KEY (user_id, message_id)
);

CREATE INDEX notices_by_user ON notices (user_id, position);

-- The outbox starts where the log stands when this migration runs: a service that already holds
-- years of events does not mail every group about them once.
INSERT INTO projection_checkpoints (name, position, transaction_id)
SELECT 'mail_outbox', position, transaction_id::text::bigint
  FROM events
 ORDER BY transaction_id DESC, position DESC
 LIMIT 1
ON CONFLICT (name) DO NOTHING;
