-- Orders, their lines, and the idempotency keys of completed creates.
-- Ids are UUIDv7 text (time-ordered) compared bytewise (COLLATE "C") so that keyset pages follow creation
-- order; money is BIGINT minor units; times are UTC.

CREATE TABLE orders (
    id            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
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
    deleted_at    TIMESTAMP
);

-- Keyset pages, newest first, per filter; deleted orders are never listed.
CREATE INDEX orders_by_store ON orders (store_id, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_by_customer ON orders (customer_id, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_by_status ON orders (status, id) WHERE deleted_at IS NULL;

CREATE TABLE order_items (
    order_id   TEXT COLLATE "C" NOT NULL REFERENCES orders (id),
    position   INTEGER NOT NULL CHECK (position >= 0),
    product_id TEXT    NOT NULL CHECK (length(product_id) BETWEEN 1 AND 128),
    quantity   BIGINT  NOT NULL CHECK (quantity > 0),
    unit_price BIGINT  NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (order_id, position)
);

-- One completed create per key and scope: the primary key is what makes a key idempotent under races.
CREATE TABLE idempotency_keys (
    scope         TEXT      NOT NULL,
    key           TEXT      NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint   BYTEA     NOT NULL,
    order_id      TEXT COLLATE "C" NOT NULL REFERENCES orders (id),
    response_body BYTEA     NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, key)
);

CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);
