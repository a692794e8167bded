-- Shipments by line: an order ships in any number of shipments, each carrying quantities of its products
-- and delivered on its own; `partially_shipped` joins the statuses. The order keeps a count of its shipments,
-- so a read loads them only when there are any. Each order's one shipment of before (orders.carrier and
-- friends) becomes a shipment of all its lines here, with the order's id as its id (a UUIDv7, unique since an
-- order had one), delivered if the order was; then those columns go.

CREATE TABLE shipments (
    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    order_id        TEXT COLLATE "C" NOT NULL REFERENCES orders (id),
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
    shipment_id TEXT COLLATE "C" NOT NULL REFERENCES shipments (id),
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

ALTER TABLE orders ADD COLUMN shipment_count BIGINT NOT NULL DEFAULT 0 CHECK (shipment_count >= 0);
UPDATE orders SET shipment_count = 1 WHERE carrier IS NOT NULL;

ALTER TABLE orders
    DROP CONSTRAINT orders_shipment_whole,
    DROP COLUMN carrier,
    DROP COLUMN tracking_number,
    DROP COLUMN shipped_at,
    DROP COLUMN shipment_updated_at,
    DROP CONSTRAINT orders_status_check,
    ADD CONSTRAINT orders_status_check
        CHECK (status IN ('pending', 'processing', 'partially_shipped', 'shipped', 'delivered', 'canceled'));
