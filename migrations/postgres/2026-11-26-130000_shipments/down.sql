-- Back to one shipment per order: the latest shipment's tracking returns to the order; partially shipped
-- orders go back to processing. (The per-line quantities are lost.)
ALTER TABLE orders
    ADD COLUMN carrier TEXT,
    ADD COLUMN tracking_number TEXT,
    ADD COLUMN shipped_at TIMESTAMP,
    ADD COLUMN shipment_updated_at TIMESTAMP;

UPDATE orders SET status = 'processing' WHERE status = 'partially_shipped';
UPDATE orders o SET carrier = s.carrier, tracking_number = s.tracking_number, shipped_at = s.shipped_at,
    shipment_updated_at = s.updated_at
FROM shipments s
WHERE s.id = (SELECT id FROM shipments WHERE order_id = o.id ORDER BY id DESC LIMIT 1)
  AND o.status <> 'processing';

ALTER TABLE orders
    DROP COLUMN shipment_count,
    DROP CONSTRAINT orders_status_check,
    ADD CONSTRAINT orders_status_check
        CHECK (status IN ('pending', 'processing', 'shipped', 'delivered', 'canceled')),
    ADD CONSTRAINT orders_shipment_whole CHECK (
        (carrier IS NULL) = (tracking_number IS NULL) AND (carrier IS NULL) = (shipped_at IS NULL));

DROP TABLE shipment_items;
DROP TABLE shipments;
