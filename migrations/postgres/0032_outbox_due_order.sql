-- The sender claims the oldest due mails first (app/src/mail/sender.rs: `ORDER BY position,
-- message_id LIMIT 20` among the unsent). With only `outbox_mails_pending` (by `next_attempt_at`),
-- every pass read and sorted every unsent mail: under load the outbox held thousands, read again
-- every 20 mails (issue 20). This index is in the pass's order, so it stops at the batch.
CREATE INDEX outbox_mails_due_order ON outbox_mails (position, message_id) WHERE sent_at IS NULL;
