DROP TABLE refund_items;
DROP TABLE refunds;
ALTER TABLE orders DROP COLUMN refund_count;
