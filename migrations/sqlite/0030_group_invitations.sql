-- Invitations to join a group (app/src/auth/invitation.rs, issue 18): a member (or staff) invites an
-- e-mail address; the link mailed to it carries 256 random bits of which only the SHA-256 is kept,
-- with the group, the address (personal data: shown to the group's members and staff only, never in
-- a log line), who invited, when it expires (Unix seconds, UTC) and when and by whom it was used.
-- Accepting it appends `MemberAdded` to the group; a link is used once (`used_at` set by a
-- conditional update). Not in the event log: a link is a secret.
--
-- `directory_members` (0009) now also loses rows: `MemberRemoved` deletes the member's row.
CREATE TABLE group_invitations
(
    token_hash text   NOT NULL PRIMARY KEY,
    group_id   text   NOT NULL,
    email      text   NOT NULL,
    invited_by text   NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    used_at    bigint,
    used_by    text
);

CREATE INDEX group_invitations_group ON group_invitations (group_id, created_at);
