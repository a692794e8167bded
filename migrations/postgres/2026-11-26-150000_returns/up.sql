-- Returns of shipped goods (issue 15). A return is part of the order: it is written in the transaction of the
-- order's compare-and-swap, so parallel requests are judged one after the other and never return more than was
-- shipped. Receiving a return asks for its refund in the same change (`refund_id`). `orders.return_count` lets
-- a read skip the returns query for the (many) orders without one.
ALTER TABLE orders ADD COLUMN return_count INTEGER NOT NULL DEFAULT 0 CHECK (return_count >= 0);

CREATE TABLE returns (
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

-- The products and quantities a return brings back (at least one, each product once).
CREATE TABLE return_items (
    return_id  TEXT    NOT NULL REFERENCES returns (id),
    position   INTEGER NOT NULL CHECK (position >= 0),
    product_id TEXT    NOT NULL CHECK (length(product_id) BETWEEN 1 AND 128),
    quantity   BIGINT  NOT NULL CHECK (quantity >= 1),
    PRIMARY KEY (return_id, position),
    UNIQUE (return_id, product_id)
);
