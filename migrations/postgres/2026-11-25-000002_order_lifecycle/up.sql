-- The order's life after creation: payment, shipping address, shipment tracking.
-- Each group is all set or all NULL; the domain sets them together.

ALTER TABLE orders
    ADD COLUMN payment_method TEXT CHECK (length(payment_method) BETWEEN 1 AND 64),
    ADD COLUMN payment_amount BIGINT CHECK (payment_amount >= 0),
    ADD COLUMN payment_reference TEXT,
    ADD COLUMN paid_at TIMESTAMP,
    ADD COLUMN refund_due BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN ship_to_name TEXT,
    ADD COLUMN ship_to_line1 TEXT,
    ADD COLUMN ship_to_line2 TEXT,
    ADD COLUMN ship_to_city TEXT,
    ADD COLUMN ship_to_state TEXT,
    ADD COLUMN ship_to_postal_code TEXT,
    ADD COLUMN ship_to_country TEXT CHECK (length(ship_to_country) = 2),
    ADD COLUMN carrier TEXT,
    ADD COLUMN tracking_number TEXT,
    ADD COLUMN shipped_at TIMESTAMP,
    ADD COLUMN shipment_updated_at TIMESTAMP,
    ADD CONSTRAINT orders_payment_whole CHECK (
        (payment_method IS NULL) = (payment_amount IS NULL) AND (payment_method IS NULL) = (paid_at IS NULL)),
    ADD CONSTRAINT orders_shipment_whole CHECK (
        (carrier IS NULL) = (tracking_number IS NULL) AND (carrier IS NULL) = (shipped_at IS NULL));
