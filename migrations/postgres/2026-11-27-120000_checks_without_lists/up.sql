-- SQLite only (its CHECKs on lists of values become comparisons); Postgres checks a list without building a
-- table. Kept so that both migration sets have the same names.
SELECT 1;
