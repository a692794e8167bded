-- Back to one shipment per order: the latest shipment's tracking returns to the order; partially shipped
-- orders go back to processing. (The per-line quantities are lost.)
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
    refunded_at         TIMESTAMP,
    payment_authorization_id TEXT CHECK (length(payment_authorization_id) BETWEEN 1 AND 128),
    note                TEXT CHECK (length(note) <= 1000),
    metadata            TEXT NOT NULL DEFAULT '{}'
        CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
    captured_at         TIMESTAMP,
    CONSTRAINT orders_payment_whole CHECK (
        (payment_method IS NULL) = (payment_amount IS NULL) AND (payment_method IS NULL) = (paid_at IS NULL)),
    CONSTRAINT orders_shipment_whole CHECK (
        (carrier IS NULL) = (tracking_number IS NULL) AND (carrier IS NULL) = (shipped_at IS NULL)),
    CONSTRAINT orders_authorization_of_payment CHECK (payment_authorization_id IS NULL OR paid_at IS NOT NULL),
    CONSTRAINT orders_refund_of_payment CHECK ((NOT refund_due AND refunded_at IS NULL) OR paid_at IS NOT NULL)
);

INSERT INTO orders_rebuilt (
    id, store_id, customer_id, status, currency, items_total, shipping_cost, tax_amount, total_amount, version,
    created_at, updated_at, deleted_at, payment_method, payment_amount, payment_reference, paid_at, refund_due,
    ship_to_name, ship_to_line1, ship_to_line2, ship_to_city, ship_to_state, ship_to_postal_code, ship_to_country,
    carrier, tracking_number, shipped_at, shipment_updated_at, refunded_at, payment_authorization_id, note,
    metadata, captured_at)
SELECT
    o.id, o.store_id, o.customer_id,
    CASE WHEN o.status = 'partially_shipped' THEN 'processing' ELSE o.status END,
    o.currency, o.items_total, o.shipping_cost, o.tax_amount, o.total_amount, o.version,
    o.created_at, o.updated_at, o.deleted_at, o.payment_method, o.payment_amount, o.payment_reference, o.paid_at,
    o.refund_due, o.ship_to_name, o.ship_to_line1, o.ship_to_line2, o.ship_to_city, o.ship_to_state,
    o.ship_to_postal_code, o.ship_to_country,
    s.carrier, s.tracking_number, s.shipped_at, s.updated_at, o.refunded_at, o.payment_authorization_id, o.note,
    o.metadata, o.captured_at
FROM orders o
LEFT JOIN shipments s ON s.id = (
    SELECT id FROM shipments WHERE order_id = o.id AND o.status <> 'partially_shipped' ORDER BY id DESC LIMIT 1);

DROP TABLE orders;
ALTER TABLE orders_rebuilt RENAME TO orders;
DROP TABLE shipment_items;
DROP TABLE shipments;

CREATE INDEX orders_by_store ON orders (store_id, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_by_customer ON orders (customer_id, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_by_status ON orders (status, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_refunds_due ON orders (id) WHERE refund_due;
CREATE INDEX orders_by_store_status ON orders (store_id, status, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_by_customer_status ON orders (customer_id, status, id) WHERE deleted_at IS NULL;

COMMIT;
PRAGMA foreign_keys = ON;
