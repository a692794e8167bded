-- When a canceled order's payment went back; refunds still due are found by a partial index.
ALTER TABLE orders ADD COLUMN refunded_at TIMESTAMP;
CREATE INDEX orders_refunds_due ON orders (id) WHERE refund_due;
