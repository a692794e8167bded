-- SQLite only (its orders, order_items and idempotency_claims become WITHOUT ROWID); a Postgres table is a
-- heap beside its indexes either way. Kept so that both migration sets have the same names.
SELECT 1;
