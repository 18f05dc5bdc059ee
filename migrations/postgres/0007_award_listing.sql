-- Keyset pages of the public awards list (`?after=&limit=`), ordered by (award_date, grant_id):
-- one index per filter combination the API offers, so that every page is an index range scan
-- however deep it is, instead of a sort of the whole table.
DROP INDEX awards_fiscal_year_course;
CREATE INDEX awards_listing ON awards (award_date, grant_id);
CREATE INDEX awards_year_listing ON awards (fiscal_year, award_date, grant_id);
CREATE INDEX awards_year_course_listing ON awards (fiscal_year, course, award_date, grant_id);
