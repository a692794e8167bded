DROP INDEX orders_by_customer_status;
DROP INDEX orders_by_store_status;
ALTER TABLE orders DROP COLUMN metadata;
ALTER TABLE orders DROP COLUMN note;
