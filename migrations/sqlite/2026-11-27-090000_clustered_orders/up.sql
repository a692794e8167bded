-- The hot tables keyed by text become WITHOUT ROWID (issue 16): a row lives in its primary key's B-tree,
-- so reading an order by id, or its lines, is one B-tree search instead of the key's index and then the
-- table, and a create writes one B-tree fewer for the order, for each line and for its idempotency hold.
-- Every index on orders already ends with the id, so none grows. Rows stay well under the size at which
-- a WITHOUT ROWID row spills to overflow pages (about 1,000 bytes at 4 KiB pages); the tables with large
-- rows (idempotency_keys' stored responses, the events' payloads) keep their rowid.
-- The data is copied as it is, columns in the same order; the rebuild runs as the earlier ones do, foreign
-- keys off outside the transaction.
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE orders_clustered (
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
INSERT INTO orders_clustered SELECT * FROM orders;
DROP TABLE orders;
ALTER TABLE orders_clustered RENAME TO orders;

CREATE INDEX orders_by_store ON orders (store_id, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_by_customer ON orders (customer_id, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_by_status ON orders (status, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_refunds_due ON orders (id) WHERE refund_due;
CREATE INDEX orders_by_store_status ON orders (store_id, status, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_by_customer_status ON orders (customer_id, status, id) WHERE deleted_at IS NULL;

CREATE TABLE order_items_clustered (
    order_id   TEXT    NOT NULL REFERENCES orders (id),
    position   INTEGER NOT NULL CHECK (position >= 0),
    product_id TEXT    NOT NULL CHECK (length(product_id) BETWEEN 1 AND 128),
    quantity   BIGINT  NOT NULL CHECK (quantity > 0),
    unit_price BIGINT  NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (order_id, position)
) WITHOUT ROWID;
INSERT INTO order_items_clustered SELECT * FROM order_items;
DROP TABLE order_items;
ALTER TABLE order_items_clustered RENAME TO order_items;

CREATE TABLE idempotency_claims_clustered (
    scope       TEXT      NOT NULL,
    key         TEXT      NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint BLOB      NOT NULL,
    claimed_at  TIMESTAMP NOT NULL,
    held_until  TIMESTAMP NOT NULL CHECK (held_until > claimed_at),
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
INSERT INTO idempotency_claims_clustered SELECT * FROM idempotency_claims;
DROP TABLE idempotency_claims;
ALTER TABLE idempotency_claims_clustered RENAME TO idempotency_claims;

COMMIT;
PRAGMA foreign_keys = ON;
