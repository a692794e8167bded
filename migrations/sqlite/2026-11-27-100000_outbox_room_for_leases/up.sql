-- Postgres only (outbox pages keep room for the worker's leases); SQLite rewrites a row in its page either
-- way. Kept so that both migration sets have the same names.
SELECT 1;
