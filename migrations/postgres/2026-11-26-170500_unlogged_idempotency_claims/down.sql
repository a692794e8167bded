ALTER TABLE idempotency_claims SET LOGGED;
