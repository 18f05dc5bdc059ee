-- Sign-in data, kept out of the event log on purpose: password hashes and session tokens must never
-- reach the log, its exports or the audit trail. The account itself (e-mail, name, roles) is an
-- aggregate in the log; `roles` here is a copy kept by the service for the sign-in check.
CREATE TABLE credentials
(
  user_id       text NOT NULL PRIMARY KEY,
  email         text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  display_name  text NOT NULL,
  roles         text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Bearer sessions: only the SHA-256 of the token is stored. Times are Unix seconds (UTC).
CREATE TABLE sessions
(
  token_hash  text NOT NULL PRIMARY KEY,
  user_id     text NOT NULL REFERENCES credentials (user_id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  bigint NOT NULL,
  revoked_at  bigint
);

CREATE INDEX sessions_user ON sessions (user_id);
