-- Back to the orders table of 000003 (no authorization id, no table constraints).
-- SQLite adds a CHECK only by rebuilding the table (https://sqlite.org/lang_altertable.html#otheralter): outside
-- a transaction foreign keys are switched off (order_items and idempotency_keys reference orders), then in one
-- transaction the new table is filled, swapped in and indexed, and the references are checked before commit.
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE orders_rebuilt (
    id            TEXT      NOT NULL PRIMARY KEY,
    store_id      TEXT      NOT NULL CHECK (length(store_id) BETWEEN 1 AND 128),
    customer_id   TEXT      NOT NULL CHECK (length(customer_id) BETWEEN 1 AND 128),
    status        TEXT      NOT NULL CHECK (status IN ('pending', 'processing', 'shipped', 'delivered', 'canceled')),
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
    carrier             TEXT,
    tracking_number     TEXT,
    shipped_at          TIMESTAMP,
    shipment_updated_at TIMESTAMP,
    refunded_at         TIMESTAMP

);

INSERT INTO orders_rebuilt (
    id, store_id, customer_id, status, currency, items_total, shipping_cost, tax_amount, total_amount, version,
    created_at, updated_at, deleted_at, payment_method, payment_amount, payment_reference, paid_at, refund_due,
    ship_to_name, ship_to_line1, ship_to_line2, ship_to_city, ship_to_state, ship_to_postal_code, ship_to_country,
    carrier, tracking_number, shipped_at, shipment_updated_at, refunded_at)
SELECT
    id, store_id, customer_id, status, currency, items_total, shipping_cost, tax_amount, total_amount, version,
    created_at, updated_at, deleted_at, payment_method, payment_amount, payment_reference, paid_at, refund_due,
    ship_to_name, ship_to_line1, ship_to_line2, ship_to_city, ship_to_state, ship_to_postal_code, ship_to_country,
    carrier, tracking_number, shipped_at, shipment_updated_at, refunded_at
FROM orders;

DROP TABLE orders;
ALTER TABLE orders_rebuilt RENAME TO orders;

CREATE INDEX orders_by_store ON orders (store_id, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_by_customer ON orders (customer_id, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_by_status ON orders (status, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_refunds_due ON orders (id) WHERE refund_due;

COMMIT;
PRAGMA foreign_keys = ON;
