-- Back to the CHECKs written as lists, data and indexes as they were.
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE outbox_rebuilt (
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
INSERT INTO outbox_rebuilt SELECT * FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_rebuilt RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_pending_by_order ON outbox (order_id, effect, order_version) WHERE state = 'pending';
CREATE INDEX outbox_done ON outbox (done_at) WHERE state = 'done';
CREATE INDEX outbox_parked ON outbox (created_at) WHERE state = 'parked';

CREATE TABLE payment_attempts_rebuilt (
    id               TEXT NOT NULL PRIMARY KEY,
    order_id         TEXT NOT NULL REFERENCES orders (id),
    provider_key     TEXT      NOT NULL UNIQUE CHECK (length(provider_key) BETWEEN 1 AND 255),
    method           TEXT      NOT NULL CHECK (length(method) BETWEEN 1 AND 64),
    amount           BIGINT    NOT NULL CHECK (amount >= 0),
    currency         TEXT      NOT NULL CHECK (length(currency) = 3),
    reference        TEXT,
    authorization_id TEXT      CHECK (length(authorization_id) BETWEEN 1 AND 128),
    state            TEXT      NOT NULL CHECK (state IN ('open', 'attached', 'settling', 'declined', 'voided')),
    failures         INTEGER   NOT NULL DEFAULT 0 CHECK (failures >= 0),
    settle_at        TIMESTAMP NOT NULL,
    last_error       TEXT,
    created_at       TIMESTAMP NOT NULL,
    CONSTRAINT payment_attempts_held_has_authorization CHECK (
        state NOT IN ('attached', 'voided') OR authorization_id IS NOT NULL)
);
INSERT INTO payment_attempts_rebuilt SELECT * FROM payment_attempts;
DROP TABLE payment_attempts;
ALTER TABLE payment_attempts_rebuilt RENAME TO payment_attempts;
CREATE INDEX payment_attempts_due ON payment_attempts (settle_at) WHERE state IN ('open', 'settling');
CREATE INDEX payment_attempts_by_order ON payment_attempts (order_id);

CREATE TABLE refunds_rebuilt (
    id         TEXT      NOT NULL PRIMARY KEY,
    order_id   TEXT      NOT NULL REFERENCES orders (id),
    position   INTEGER   NOT NULL CHECK (position >= 0),
    amount     BIGINT    NOT NULL CHECK (amount > 0),
    reason     TEXT      NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    status     TEXT      NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    created_at TIMESTAMP NOT NULL,
    settled_at TIMESTAMP,
    CONSTRAINT refunds_settled_once_not_pending CHECK ((status = 'pending') = (settled_at IS NULL)),
    UNIQUE (order_id, position)
);
INSERT INTO refunds_rebuilt SELECT * FROM refunds;
DROP TABLE refunds;
ALTER TABLE refunds_rebuilt RENAME TO refunds;

CREATE TABLE returns_rebuilt (
    id           TEXT      NOT NULL PRIMARY KEY,
    order_id     TEXT      NOT NULL REFERENCES orders (id),
    position     INTEGER   NOT NULL CHECK (position >= 0),
    reason       TEXT      NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    status       TEXT      NOT NULL CHECK (status IN ('requested', 'received', 'rejected')),
    requested_at TIMESTAMP NOT NULL,
    received_at  TIMESTAMP,
    rejected_at  TIMESTAMP,
    refund_id    TEXT      REFERENCES refunds (id),
    CONSTRAINT returns_received_when_received CHECK ((status = 'received') = (received_at IS NOT NULL)),
    CONSTRAINT returns_rejected_when_rejected CHECK ((status = 'rejected') = (rejected_at IS NOT NULL)),
    CONSTRAINT returns_refund_once_received CHECK (refund_id IS NULL OR status = 'received'),
    UNIQUE (order_id, position)
);
INSERT INTO returns_rebuilt SELECT * FROM returns;
DROP TABLE returns;
ALTER TABLE returns_rebuilt RENAME TO returns;

CREATE TABLE orders_rebuilt (
    id            TEXT      NOT NULL PRIMARY KEY,
    store_id      TEXT      NOT NULL CHECK (length(store_id) BETWEEN 1 AND 128),
    customer_id   TEXT      NOT NULL CHECK (length(customer_id) BETWEEN 1 AND 128),
    status        TEXT      NOT NULL CHECK (status IN ('pending', 'processing', 'partially_shipped', 'shipped', 'delivered', 'canceled')),
    currency      TEXT      NOT NULL CHECK (length(currency) = 3),
    items_total   BIGINT    NOT NULL CHECK (items_total >= 0),
    shipping_cost BIGINT    NOT NULL CHECK (shipping_cost >= 0),
    tax_amount    BIGINT    NOT NULL CHECK (tax_amount >= 0),
    total_amount  BIGINT    NOT NULL CHECK (total_amount >= 0),
    version       BIGINT    NOT NULL CHECK (version >= 1),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    deleted_at    TIMESTAMP,
    payment_method      TEXT CHECK (length(payment_method) BETWEEN 1 AND 64),
    payment_amount      BIGINT CHECK (payment_amount >= 0),
    payment_reference   TEXT,
    paid_at             TIMESTAMP,
    refund_due          BOOLEAN NOT NULL DEFAULT FALSE,
    ship_to_name        TEXT,
    ship_to_line1       TEXT,
    ship_to_line2       TEXT,
    ship_to_city        TEXT,
    ship_to_state       TEXT,
    ship_to_postal_code TEXT,
    ship_to_country     TEXT CHECK (length(ship_to_country) = 2),
    refunded_at         TIMESTAMP,
    payment_authorization_id TEXT CHECK (length(payment_authorization_id) BETWEEN 1 AND 128),
    note                TEXT CHECK (length(note) <= 1000),
    metadata            TEXT NOT NULL DEFAULT '{}'
        CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
    shipment_count      BIGINT NOT NULL DEFAULT 0 CHECK (shipment_count >= 0),
    captured_at         TIMESTAMP,
    refund_count        INTEGER NOT NULL DEFAULT 0 CHECK (refund_count >= 0),
    return_count        INTEGER NOT NULL DEFAULT 0 CHECK (return_count >= 0),
    CONSTRAINT orders_payment_whole CHECK (
        (payment_method IS NULL) = (payment_amount IS NULL) AND (payment_method IS NULL) = (paid_at IS NULL)),
    CONSTRAINT orders_authorization_of_payment CHECK (payment_authorization_id IS NULL OR paid_at IS NOT NULL),
    CONSTRAINT orders_refund_of_payment CHECK ((NOT refund_due AND refunded_at IS NULL) OR paid_at IS NOT NULL)
) WITHOUT ROWID;
INSERT INTO orders_rebuilt SELECT * FROM orders;
DROP TABLE orders;
ALTER TABLE orders_rebuilt RENAME TO orders;
CREATE INDEX orders_by_store ON orders (store_id, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_by_customer ON orders (customer_id, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_by_status ON orders (status, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_refunds_due ON orders (id) WHERE refund_due;
CREATE INDEX orders_by_store_status ON orders (store_id, status, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_by_customer_status ON orders (customer_id, status, id) WHERE deleted_at IS NULL;

COMMIT;
PRAGMA foreign_keys = ON;
