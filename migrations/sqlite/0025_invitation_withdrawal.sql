-- An open invitation to join a group can be withdrawn (app/src/auth/invitation.rs, issue 18): by
-- the group's representative or staff, before it is accepted or expires. The invitation's row
-- stays; this table says when (Unix seconds, UTC) and by whom it was withdrawn, so that the link, if
-- opened later, says it was withdrawn rather than that it is unknown. Not in the event log, as the
-- invitation itself is not. A table of its own keyed by the invitation's token hash rather than
-- columns of `group_invitations`: numbered 0025 (a free slot), it runs before 0030 creates that
-- table on a new database.
CREATE TABLE group_invitation_withdrawals
(
    token_hash   text   NOT NULL PRIMARY KEY,
    withdrawn_at bigint NOT NULL,
    withdrawn_by text   NOT NULL
);
