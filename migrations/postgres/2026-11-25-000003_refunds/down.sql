DROP INDEX orders_refunds_due;
ALTER TABLE orders DROP COLUMN refunded_at;
