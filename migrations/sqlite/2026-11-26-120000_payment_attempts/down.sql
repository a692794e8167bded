DROP TABLE payment_attempts;
ALTER TABLE orders DROP COLUMN captured_at;
