DROP TABLE outbox;
DROP TABLE order_events;
