-- Postgres only (its idempotency_claims becomes UNLOGGED); SQLite has no such thing. Kept so that both
-- migration sets have the same names.
SELECT 1;
