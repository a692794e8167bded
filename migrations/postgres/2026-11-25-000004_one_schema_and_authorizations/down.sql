ALTER TABLE orders
    DROP CONSTRAINT orders_refund_of_payment,
    DROP CONSTRAINT orders_authorization_of_payment,
    DROP COLUMN payment_authorization_id;
