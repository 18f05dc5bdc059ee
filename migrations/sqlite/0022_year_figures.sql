-- The year's figures for the city (projection `year_figures`, projections/src/year_figures.rs): one row
-- per round (its fiscal year and course), per application (whether it was ever submitted) and per
-- grant (its outcome and amounts); the figures are these rows added up per fiscal year and course
-- when read. Every table here is a function of the event log and may be rebuilt at any time.
CREATE TABLE year_figure_rounds
(
    round_id    text    NOT NULL PRIMARY KEY,
    fiscal_year integer NOT NULL,
    course      text    NOT NULL
);

CREATE TABLE year_figure_applications
(
    application_id text    NOT NULL PRIMARY KEY,
    round_id       text    NOT NULL,
    submitted      integer NOT NULL
);

CREATE INDEX year_figure_applications_round ON year_figure_applications (round_id);

-- `outcome`: live, withdrawn or cancelled. Amounts are yen: `decided` as decided or changed since,
-- `paid` and `refunded` the running totals, `finalised` once settled; `participants` are those of
-- the settlement report the finalisation accepted, `reported_participants` those of the last
-- report submitted.
CREATE TABLE year_figure_grants
(
    grant_id              text   NOT NULL PRIMARY KEY,
    round_id              text   NOT NULL,
    outcome               text   NOT NULL,
    decided               integer NOT NULL,
    paid                  integer NOT NULL,
    finalised             integer,
    refunded              integer NOT NULL,
    reported_participants integer,
    participants          integer
);

CREATE INDEX year_figure_grants_round ON year_figure_grants (round_id);
