-- The order's life after creation: payment, shipping address, shipment tracking.
-- Each group is all set or all NULL; the domain sets them together.

ALTER TABLE orders ADD COLUMN payment_method TEXT CHECK (length(payment_method) BETWEEN 1 AND 64);
ALTER TABLE orders ADD COLUMN payment_amount BIGINT CHECK (payment_amount >= 0);
ALTER TABLE orders ADD COLUMN payment_reference TEXT;
ALTER TABLE orders ADD COLUMN paid_at TIMESTAMP;
ALTER TABLE orders ADD COLUMN refund_due BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE orders ADD COLUMN ship_to_name TEXT;
ALTER TABLE orders ADD COLUMN ship_to_line1 TEXT;
ALTER TABLE orders ADD COLUMN ship_to_line2 TEXT;
ALTER TABLE orders ADD COLUMN ship_to_city TEXT;
ALTER TABLE orders ADD COLUMN ship_to_state TEXT;
ALTER TABLE orders ADD COLUMN ship_to_postal_code TEXT;
ALTER TABLE orders ADD COLUMN ship_to_country TEXT CHECK (length(ship_to_country) = 2);

ALTER TABLE orders ADD COLUMN carrier TEXT;
ALTER TABLE orders ADD COLUMN tracking_number TEXT;
ALTER TABLE orders ADD COLUMN shipped_at TIMESTAMP;
ALTER TABLE orders ADD COLUMN shipment_updated_at TIMESTAMP;
