-- Partial refunds of an order's captured money (issue 15). A refund is part of the order: it is written in
-- the transaction of the order's compare-and-swap, so parallel refunds are judged one after the other and
-- never give back more than was captured. `orders.refund_count` lets a read skip the refunds query for the
-- (many) orders without one.
ALTER TABLE orders ADD COLUMN refund_count INTEGER NOT NULL DEFAULT 0 CHECK (refund_count >= 0);

CREATE TABLE refunds (
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

-- The products and quantities a refund is for (optional).
CREATE TABLE refund_items (
    refund_id  TEXT      NOT NULL REFERENCES refunds (id),
    position   INTEGER   NOT NULL CHECK (position >= 0),
    product_id TEXT      NOT NULL CHECK (length(product_id) BETWEEN 1 AND 128),
    quantity   BIGINT    NOT NULL CHECK (quantity >= 1),
    PRIMARY KEY (refund_id, position)
);
