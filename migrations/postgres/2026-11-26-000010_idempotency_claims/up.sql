-- Keys held by creates in flight: a second request with the key is told so, and causes nothing downstream.
-- A hold lapses at held_until, so a crashed holder frees its key by itself.
CREATE TABLE idempotency_claims (
    scope       TEXT      NOT NULL,
    key         TEXT      NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint BYTEA     NOT NULL,
    claimed_at  TIMESTAMP NOT NULL,
    held_until  TIMESTAMP NOT NULL CHECK (held_until > claimed_at),
    PRIMARY KEY (scope, key)
);
