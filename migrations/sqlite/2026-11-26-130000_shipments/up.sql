-- Shipments by line: an order ships in any number of shipments, each carrying quantities of its products
-- and delivered on its own; `partially_shipped` joins the statuses. The order keeps a count of its shipments,
-- so a read loads them only when there are any. Each order's one shipment of before (orders.carrier and
-- friends) becomes a shipment of all its lines here, with the order's id as its id (a UUIDv7, unique since an
-- order had one), delivered if the order was; then those columns go.
-- SQLite changes a CHECK only by rebuilding the table, as 000004 did: foreign keys off outside the
-- transaction, the new table filled, swapped in and indexed inside it.
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE shipments (
    id              TEXT      NOT NULL PRIMARY KEY,
    order_id        TEXT      NOT NULL REFERENCES orders (id),
    carrier         TEXT      NOT NULL CHECK (length(carrier) BETWEEN 1 AND 64),
    tracking_number TEXT      NOT NULL CHECK (length(tracking_number) BETWEEN 1 AND 64),
    status          TEXT      NOT NULL CHECK (status IN ('shipped', 'delivered')),
    shipped_at      TIMESTAMP NOT NULL,
    delivered_at    TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL,
    CONSTRAINT shipments_delivered_whole CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);
-- An order's shipments, oldest first (ids are UUIDv7).
CREATE INDEX shipments_by_order ON shipments (order_id, id);

CREATE TABLE shipment_items (
    shipment_id TEXT   NOT NULL REFERENCES shipments (id),
    product_id  TEXT   NOT NULL CHECK (length(product_id) BETWEEN 1 AND 128),
    quantity    BIGINT NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (shipment_id, product_id)
);

INSERT INTO shipments (id, order_id, carrier, tracking_number, status, shipped_at, delivered_at, updated_at)
SELECT id, id, carrier, tracking_number,
       CASE WHEN status = 'delivered' THEN 'delivered' ELSE 'shipped' END,
       shipped_at,
       CASE WHEN status = 'delivered' THEN updated_at END,
       coalesce(shipment_updated_at, shipped_at)
FROM orders WHERE carrier IS NOT NULL;

INSERT INTO shipment_items (shipment_id, product_id, quantity)
SELECT o.id, i.product_id, sum(i.quantity)
FROM orders o JOIN order_items i ON i.order_id = o.id
WHERE o.carrier IS NOT NULL
GROUP BY o.id, i.product_id;

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
    CONSTRAINT orders_payment_whole CHECK (
        (payment_method IS NULL) = (payment_amount IS NULL) AND (payment_method IS NULL) = (paid_at IS NULL)),
    CONSTRAINT orders_authorization_of_payment CHECK (payment_authorization_id IS NULL OR paid_at IS NOT NULL),
    CONSTRAINT orders_refund_of_payment CHECK ((NOT refund_due AND refunded_at IS NULL) OR paid_at IS NOT NULL)
);

INSERT INTO orders_rebuilt (
    id, store_id, customer_id, status, currency, items_total, shipping_cost, tax_amount, total_amount, version,
    created_at, updated_at, deleted_at, payment_method, payment_amount, payment_reference, paid_at, refund_due,
    ship_to_name, ship_to_line1, ship_to_line2, ship_to_city, ship_to_state, ship_to_postal_code, ship_to_country,
    refunded_at, payment_authorization_id, note, metadata, shipment_count, captured_at)
SELECT
    id, store_id, customer_id, status, currency, items_total, shipping_cost, tax_amount, total_amount, version,
    created_at, updated_at, deleted_at, payment_method, payment_amount, payment_reference, paid_at, refund_due,
    ship_to_name, ship_to_line1, ship_to_line2, ship_to_city, ship_to_state, ship_to_postal_code, ship_to_country,
    refunded_at, payment_authorization_id, note, metadata, CASE WHEN carrier IS NULL THEN 0 ELSE 1 END,
    captured_at
FROM orders;

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
