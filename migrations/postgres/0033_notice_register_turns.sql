-- The notice register hands out a fiscal year's numbers one at a time (app/src/notice.rs).
-- Assignments of one fiscal year take turns at a transaction-scoped advisory lock, and each reads
-- the last number after the one before it committed, so none tries a number another has just
-- taken. The whole turn is this function, called as one statement: no round trip to the service
-- happens while the lock is held, which is released by the statement's commit. (Session 17: an
-- insert-and-retry from the service lost most tries with eight decisions at once; a turn held
-- across the service's round trips queued them behind each other.) A VOLATILE plpgsql function
-- takes a fresh snapshot for each statement in it, so the statements after the lock see the last
-- holder's row.
CREATE FUNCTION assign_notice_number(p_lock bigint, p_year integer, p_grant text, p_head text, p_tail text)
    RETURNS text
    LANGUAGE plpgsql
    VOLATILE
AS $$
DECLARE
    assigned text;
    next_sequence bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock);
    SELECT number INTO assigned FROM notice_numbers WHERE grant_id = p_grant;
    IF FOUND THEN
        RETURN assigned;
    END IF;
    SELECT coalesce(max(sequence), 0) + 1 INTO next_sequence FROM notice_numbers WHERE fiscal_year = p_year;
    assigned := p_head || next_sequence || p_tail;
    INSERT INTO notice_numbers (fiscal_year, sequence, grant_id, number)
        VALUES (p_year, next_sequence, p_grant, assigned);
    RETURN assigned;
END;
$$;
