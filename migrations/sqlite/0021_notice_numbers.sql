-- The notice register (文書番号簿): the fiscal year's sequence of notice numbers
-- (交付決定通知書の文書番号), one row per grant, assigned by the decision's follow-up
-- (app/src/notice.rs). The primary key makes two grants of one fiscal year never share a
-- sequence; `grant_id` is unique so that the handler and the background follow-up, which may both
-- carry out the same decision, get the same number. The number itself is recorded in the grant's
-- `GrantDecided` event, so replaying the log never renumbers; this table only hands out the next.
CREATE TABLE notice_numbers
(
    fiscal_year integer NOT NULL,
    sequence    bigint  NOT NULL,
    grant_id    text    NOT NULL UNIQUE,
    number      text    NOT NULL,
    PRIMARY KEY (fiscal_year, sequence)
);
