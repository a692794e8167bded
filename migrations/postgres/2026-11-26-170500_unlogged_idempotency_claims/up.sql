-- A key's hold is a transient lock, not an acknowledged write: nothing a client was answered depends on it
-- surviving a crash (a create's answer is its record in idempotency_keys, written with the order). Unlogged,
-- taking or dropping a hold writes no WAL, so its commit does not wait for a flush: a keyed create waits for
-- one WAL flush (its order's) instead of two. After a crash the table is empty: the holds of requests that
-- died with the database are gone, and a retry is still answered from the record, or claims afresh.
ALTER TABLE idempotency_claims SET UNLOGGED;
