-- Repairs the delivered shipments 2026-11-26-130000_shipments made of the orders delivered before it (each one's
-- shipment has the order's id as its id). It took the order's `updated_at` for the delivery, but an order
-- changes after it is delivered (its metadata is replaced, it is archived): where the order's history has the
-- `order.delivered` event, that event's instant is the delivery. (An order delivered before the history began
-- keeps its last change, the best there is.) A shipment also changed when it was delivered, so its
-- `updated_at` is at least its `delivered_at`, as for shipments delivered since.
-- 130000 has run on live databases, so it stays as it is (migrations are append-only); this one is safe to run
-- on any database: on shipments delivered since 130000 the event and `delivered_at` agree already.
UPDATE shipments
SET delivered_at = (
    SELECT min(e.occurred_at) FROM order_events e
    WHERE e.order_id = shipments.order_id AND e.event_type = 'order.delivered')
WHERE id = order_id
  AND status = 'delivered'
  AND EXISTS (
    SELECT 1 FROM order_events e
    WHERE e.order_id = shipments.order_id AND e.event_type = 'order.delivered');

UPDATE shipments
SET updated_at = delivered_at
WHERE id = order_id AND status = 'delivered' AND updated_at < delivered_at;
