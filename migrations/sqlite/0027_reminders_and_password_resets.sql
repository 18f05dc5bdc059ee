-- Reminders (app/src/mail/reminders.rs): the deadlines each group has now, kept from the log by the
-- process `reminders` (its own checkpoint, from the start of the log) in the same transaction that
-- moves its checkpoint. One row per kind and object: a draft's window (`draft`, the application),
-- the settlement report's due day (`settlement_report`, the grant), a refund's 納期限 (`refund`,
-- the grant), an offer's last day (`runner_up_offer`, `promotion_offer`, the application). A row
-- is replaced when the object changes and removed when the deadline is met. `due_on` is the JST day
-- as YYYY-MM-DD, so that text order is day order.
--
-- Which reminder is due on a day is the domain's rule (grants_domain::reminder); the reminders go
-- into `outbox_mails` keyed by (object, the due day as a Julian day number, the reminder), so a
-- restart neither skips nor repeats one.
CREATE TABLE reminder_deadlines
(
    kind           text NOT NULL,
    object_id      text NOT NULL,
    application_id text NOT NULL,
    round_id       text NOT NULL,
    due_on         text NOT NULL,
    PRIMARY KEY (kind, object_id)
);

CREATE INDEX reminder_deadlines_due ON reminder_deadlines (due_on);
CREATE INDEX reminder_deadlines_round ON reminder_deadlines (round_id, kind);

-- Password reset links (app/src/auth/reset.rs): only the SHA-256 of each link's token is kept, with
-- the account, when it expires (Unix seconds, UTC) and when it was used. A link is used once
-- (`used_at` set by a conditional update); resetting the password voids the account's other links
-- and revokes its sessions. Not in the event log: like the password hashes, they are secrets.
CREATE TABLE password_resets
(
    token_hash text   NOT NULL PRIMARY KEY,
    user_id    text   NOT NULL REFERENCES credentials (user_id),
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    used_at    bigint
);

CREATE INDEX password_resets_user ON password_resets (user_id);

-- E-mail address verification links (app/src/auth/verification.rs): like the reset links, only
-- the token's SHA-256, the account, the address it was mailed to, when it expires (Unix seconds)
-- and when it was used. The verified state itself is an event on the account (`EmailVerified`).
CREATE TABLE email_verifications
(
    token_hash text   NOT NULL PRIMARY KEY,
    user_id    text   NOT NULL REFERENCES credentials (user_id),
    email      text   NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    used_at    bigint
);

CREATE INDEX email_verifications_user ON email_verifications (user_id);

-- TOTP (RFC 6238) second factors (app/src/auth/totp.rs): the shared secret (hex; it must be read to
-- check a code, so it cannot be hashed), when enrolment was confirmed (NULL while pending), and the
-- last time step accepted, so that a code is accepted once. Recovery codes: only their SHA-256,
-- each used once.
CREATE TABLE totp_secrets
(
    user_id     text   NOT NULL PRIMARY KEY REFERENCES credentials (user_id),
    secret      text   NOT NULL,
    enrolled_at bigint,
    last_step   bigint NOT NULL DEFAULT 0
);

CREATE TABLE totp_recovery_codes
(
    code_hash text   NOT NULL PRIMARY KEY,
    user_id   text   NOT NULL REFERENCES credentials (user_id),
    used_at   bigint
);

CREATE INDEX totp_recovery_codes_user ON totp_recovery_codes (user_id);
