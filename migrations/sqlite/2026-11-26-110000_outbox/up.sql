-- The order's history and the outbox (issue 11).
-- order_events: one row per change, written in the change's transaction, kept for ever (also for deleted
-- orders); (order_id, order_version) is unique, so an order's events are numbered without gaps or doubles.
-- outbox: the effects each event must be followed by (publication, notification, stock release, refund),
-- a queue run by the worker: pending until done, or parked after repeated failures. Done rows are pruned
-- after EVENT_RETENTION_DAYS; the history is not.

CREATE TABLE order_events (
    event_id        TEXT NOT NULL PRIMARY KEY,
    order_id        TEXT NOT NULL REFERENCES orders (id),
    order_version   BIGINT    NOT NULL CHECK (order_version >= 1),
    event_type      TEXT      NOT NULL CHECK (event_type LIKE 'order.%'),
    occurred_at     TIMESTAMP NOT NULL,
    actor_subject   TEXT,
    actor_role      TEXT,
    request_id      TEXT,
    idempotency_key TEXT,
    data            TEXT      NOT NULL,
    CONSTRAINT order_events_actor_whole CHECK ((actor_subject IS NULL) = (actor_role IS NULL)),
    UNIQUE (order_id, order_version)
);

CREATE TABLE outbox (
    event_id        TEXT NOT NULL REFERENCES order_events (event_id),
    effect          TEXT      NOT NULL CHECK (length(effect) BETWEEN 1 AND 64),
    order_id        TEXT NOT NULL,
    order_version   BIGINT    NOT NULL CHECK (order_version >= 1),
    customer_id     TEXT,
    amount          BIGINT    CHECK (amount >= 0),
    currency        TEXT      CHECK (length(currency) = 3),
    state           TEXT      NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'parked')),
    attempts        INTEGER   NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    done_at         TIMESTAMP,
    PRIMARY KEY (event_id, effect)
);

-- What is due, and per order and effect what comes first; the done rows to prune.
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_pending_by_order ON outbox (order_id, effect, order_version) WHERE state = 'pending';
CREATE INDEX outbox_done ON outbox (done_at) WHERE state = 'done';
