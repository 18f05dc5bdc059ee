-- Nothing to change on SQLite: its one writer at a time already gives the notice register's
-- assignments their turns (app/src/notice.rs takes the next number in one statement). The number
-- keeps the two backends' migrations in step (PostgreSQL's 0033 adds assign_notice_number).
SELECT 1;
