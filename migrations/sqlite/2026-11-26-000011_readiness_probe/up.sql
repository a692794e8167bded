-- One row the readiness probe rewrites: proof that the database still takes a write (a full disk does not).
CREATE TABLE readiness_probe (
    id SMALLINT PRIMARY KEY,
    probes BIGINT NOT NULL
);
