-- One schema (SQLite gets orders_payment_whole and orders_shipment_whole in this change), and the payment's
-- authorization id with the constraints that tie the authorization and the refund to a payment.
ALTER TABLE orders
    ADD COLUMN payment_authorization_id TEXT CHECK (length(payment_authorization_id) BETWEEN 1 AND 128),
    ADD CONSTRAINT orders_authorization_of_payment CHECK (payment_authorization_id IS NULL OR paid_at IS NOT NULL),
    ADD CONSTRAINT orders_refund_of_payment CHECK ((NOT refund_due AND refunded_at IS NULL) OR paid_at IS NOT NULL);
