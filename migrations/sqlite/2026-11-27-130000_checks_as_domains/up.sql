-- Postgres only (its rules on one column become domains); SQLite compiles its CHECKs once per statement.
-- Kept so that both migration sets have the same names.
SELECT 1;
