-- Back to every rule as a CHECK of its table.

ALTER TABLE orders
    ALTER COLUMN store_id TYPE text,
    ALTER COLUMN customer_id TYPE text,
    ALTER COLUMN status TYPE text,
    ALTER COLUMN currency TYPE text,
    ALTER COLUMN items_total TYPE bigint,
    ALTER COLUMN shipping_cost TYPE bigint,
    ALTER COLUMN tax_amount TYPE bigint,
    ALTER COLUMN total_amount TYPE bigint,
    ALTER COLUMN version TYPE bigint,
    ALTER COLUMN payment_method TYPE text,
    ALTER COLUMN payment_amount TYPE bigint,
    ALTER COLUMN ship_to_country TYPE text,
    ALTER COLUMN payment_authorization_id TYPE text,
    ALTER COLUMN note TYPE text,
    ALTER COLUMN metadata TYPE text,
    ALTER COLUMN shipment_count TYPE bigint,
    ALTER COLUMN refund_count TYPE integer,
    ALTER COLUMN return_count TYPE integer,
    ADD CONSTRAINT orders_store_id_check CHECK (length(store_id) BETWEEN 1 AND 128),
    ADD CONSTRAINT orders_customer_id_check CHECK (length(customer_id) BETWEEN 1 AND 128),
    ADD CONSTRAINT orders_status_check CHECK (status IN ('pending', 'processing', 'partially_shipped', 'shipped', 'delivered', 'canceled')),
    ADD CONSTRAINT orders_currency_check CHECK (length(currency) = 3),
    ADD CONSTRAINT orders_items_total_check CHECK (items_total >= 0),
    ADD CONSTRAINT orders_shipping_cost_check CHECK (shipping_cost >= 0),
    ADD CONSTRAINT orders_tax_amount_check CHECK (tax_amount >= 0),
    ADD CONSTRAINT orders_total_amount_check CHECK (total_amount >= 0),
    ADD CONSTRAINT orders_version_check CHECK (version >= 1),
    ADD CONSTRAINT orders_payment_method_check CHECK (length(payment_method) BETWEEN 1 AND 64),
    ADD CONSTRAINT orders_payment_amount_check CHECK (payment_amount >= 0),
    ADD CONSTRAINT orders_ship_to_country_check CHECK (length(ship_to_country) = 2),
    ADD CONSTRAINT orders_payment_authorization_id_check CHECK (length(payment_authorization_id) BETWEEN 1 AND 128),
    ADD CONSTRAINT orders_note_check CHECK (length(note) <= 1000),
    ADD CONSTRAINT orders_metadata_check CHECK (jsonb_typeof((metadata)::jsonb) = 'object'),
    ADD CONSTRAINT orders_shipment_count_check CHECK (shipment_count >= 0),
    ADD CONSTRAINT orders_refund_count_check CHECK (refund_count >= 0),
    ADD CONSTRAINT orders_return_count_check CHECK (return_count >= 0);

ALTER TABLE order_items
    ALTER COLUMN position TYPE integer,
    ALTER COLUMN product_id TYPE text,
    ALTER COLUMN quantity TYPE bigint,
    ALTER COLUMN unit_price TYPE bigint,
    ADD CONSTRAINT order_items_position_check CHECK ("position" >= 0),
    ADD CONSTRAINT order_items_product_id_check CHECK (length(product_id) BETWEEN 1 AND 128),
    ADD CONSTRAINT order_items_quantity_check CHECK (quantity > 0),
    ADD CONSTRAINT order_items_unit_price_check CHECK (unit_price >= 0);

ALTER TABLE idempotency_keys
    ALTER COLUMN key TYPE text,
    ADD CONSTRAINT idempotency_keys_key_check CHECK (length(key) BETWEEN 1 AND 255);

ALTER TABLE idempotency_claims
    ALTER COLUMN key TYPE text,
    ADD CONSTRAINT idempotency_claims_key_check CHECK (length(key) BETWEEN 1 AND 255);

ALTER TABLE order_events
    ALTER COLUMN order_version TYPE bigint,
    ALTER COLUMN event_type TYPE text,
    ADD CONSTRAINT order_events_order_version_check CHECK (order_version >= 1),
    ADD CONSTRAINT order_events_event_type_check CHECK (event_type LIKE 'order.%');

ALTER TABLE outbox
    ALTER COLUMN effect TYPE text,
    ALTER COLUMN order_version TYPE bigint,
    ALTER COLUMN amount TYPE bigint,
    ALTER COLUMN currency TYPE text,
    ALTER COLUMN state TYPE text,
    ALTER COLUMN attempts TYPE integer,
    ADD CONSTRAINT outbox_effect_check CHECK (length(effect) BETWEEN 1 AND 64),
    ADD CONSTRAINT outbox_order_version_check CHECK (order_version >= 1),
    ADD CONSTRAINT outbox_amount_check CHECK (amount >= 0),
    ADD CONSTRAINT outbox_currency_check CHECK (length(currency) = 3),
    ADD CONSTRAINT outbox_state_check CHECK (state IN ('pending', 'done', 'parked')),
    ADD CONSTRAINT outbox_attempts_check CHECK (attempts >= 0);

ALTER TABLE payment_attempts
    ALTER COLUMN provider_key TYPE text,
    ALTER COLUMN method TYPE text,
    ALTER COLUMN amount TYPE bigint,
    ALTER COLUMN currency TYPE text,
    ALTER COLUMN authorization_id TYPE text,
    ALTER COLUMN state TYPE text,
    ALTER COLUMN failures TYPE integer,
    ADD CONSTRAINT payment_attempts_provider_key_check CHECK (length(provider_key) BETWEEN 1 AND 255),
    ADD CONSTRAINT payment_attempts_method_check CHECK (length(method) BETWEEN 1 AND 64),
    ADD CONSTRAINT payment_attempts_amount_check CHECK (amount >= 0),
    ADD CONSTRAINT payment_attempts_currency_check CHECK (length(currency) = 3),
    ADD CONSTRAINT payment_attempts_authorization_id_check CHECK (length(authorization_id) BETWEEN 1 AND 128),
    ADD CONSTRAINT payment_attempts_state_check CHECK (state IN ('open', 'attached', 'settling', 'declined', 'voided')),
    ADD CONSTRAINT payment_attempts_failures_check CHECK (failures >= 0);

ALTER TABLE shipments
    ALTER COLUMN carrier TYPE text,
    ALTER COLUMN tracking_number TYPE text,
    ALTER COLUMN status TYPE text,
    ADD CONSTRAINT shipments_carrier_check CHECK (length(carrier) BETWEEN 1 AND 64),
    ADD CONSTRAINT shipments_tracking_number_check CHECK (length(tracking_number) BETWEEN 1 AND 64),
    ADD CONSTRAINT shipments_status_check CHECK (status IN ('shipped', 'delivered'));

ALTER TABLE shipment_items
    ALTER COLUMN product_id TYPE text,
    ALTER COLUMN quantity TYPE bigint,
    ADD CONSTRAINT shipment_items_product_id_check CHECK (length(product_id) BETWEEN 1 AND 128),
    ADD CONSTRAINT shipment_items_quantity_check CHECK (quantity > 0);

ALTER TABLE refunds
    ALTER COLUMN position TYPE integer,
    ALTER COLUMN amount TYPE bigint,
    ALTER COLUMN reason TYPE text,
    ALTER COLUMN status TYPE text,
    ADD CONSTRAINT refunds_position_check CHECK ("position" >= 0),
    ADD CONSTRAINT refunds_amount_check CHECK (amount > 0),
    ADD CONSTRAINT refunds_reason_check CHECK (length(reason) BETWEEN 1 AND 500),
    ADD CONSTRAINT refunds_status_check CHECK (status IN ('pending', 'succeeded', 'failed'));

ALTER TABLE refund_items
    ALTER COLUMN position TYPE integer,
    ALTER COLUMN product_id TYPE text,
    ALTER COLUMN quantity TYPE bigint,
    ADD CONSTRAINT refund_items_position_check CHECK ("position" >= 0),
    ADD CONSTRAINT refund_items_product_id_check CHECK (length(product_id) BETWEEN 1 AND 128),
    ADD CONSTRAINT refund_items_quantity_check CHECK (quantity >= 1);

ALTER TABLE returns
    ALTER COLUMN position TYPE integer,
    ALTER COLUMN reason TYPE text,
    ALTER COLUMN status TYPE text,
    ADD CONSTRAINT returns_position_check CHECK ("position" >= 0),
    ADD CONSTRAINT returns_reason_check CHECK (length(reason) BETWEEN 1 AND 500),
    ADD CONSTRAINT returns_status_check CHECK (status IN ('requested', 'received', 'rejected'));

ALTER TABLE return_items
    ALTER COLUMN position TYPE integer,
    ALTER COLUMN product_id TYPE text,
    ALTER COLUMN quantity TYPE bigint,
    ADD CONSTRAINT return_items_position_check CHECK ("position" >= 0),
    ADD CONSTRAINT return_items_product_id_check CHECK (length(product_id) BETWEEN 1 AND 128),
    ADD CONSTRAINT return_items_quantity_check CHECK (quantity >= 1);

DROP DOMAIN orders_store_id;
DROP DOMAIN orders_customer_id;
DROP DOMAIN orders_status;
DROP DOMAIN orders_currency;
DROP DOMAIN orders_items_total;
DROP DOMAIN orders_shipping_cost;
DROP DOMAIN orders_tax_amount;
DROP DOMAIN orders_total_amount;
DROP DOMAIN orders_version;
DROP DOMAIN orders_payment_method;
DROP DOMAIN orders_payment_amount;
DROP DOMAIN orders_ship_to_country;
DROP DOMAIN orders_payment_authorization_id;
DROP DOMAIN orders_note;
DROP DOMAIN orders_metadata;
DROP DOMAIN orders_shipment_count;
DROP DOMAIN orders_refund_count;
DROP DOMAIN orders_return_count;
DROP DOMAIN order_items_position;
DROP DOMAIN order_items_product_id;
DROP DOMAIN order_items_quantity;
DROP DOMAIN order_items_unit_price;
DROP DOMAIN idempotency_keys_key;
DROP DOMAIN idempotency_claims_key;
DROP DOMAIN order_events_order_version;
DROP DOMAIN order_events_event_type;
DROP DOMAIN outbox_effect;
DROP DOMAIN outbox_order_version;
DROP DOMAIN outbox_amount;
DROP DOMAIN outbox_currency;
DROP DOMAIN outbox_state;
DROP DOMAIN outbox_attempts;
DROP DOMAIN payment_attempts_provider_key;
DROP DOMAIN payment_attempts_method;
DROP DOMAIN payment_attempts_amount;
DROP DOMAIN payment_attempts_currency;
DROP DOMAIN payment_attempts_authorization_id;
DROP DOMAIN payment_attempts_state;
DROP DOMAIN payment_attempts_failures;
DROP DOMAIN shipments_carrier;
DROP DOMAIN shipments_tracking_number;
DROP DOMAIN shipments_status;
DROP DOMAIN shipment_items_product_id;
DROP DOMAIN shipment_items_quantity;
DROP DOMAIN refunds_position;
DROP DOMAIN refunds_amount;
DROP DOMAIN refunds_reason;
DROP DOMAIN refunds_status;
DROP DOMAIN refund_items_position;
DROP DOMAIN refund_items_product_id;
DROP DOMAIN refund_items_quantity;
DROP DOMAIN returns_position;
DROP DOMAIN returns_reason;
DROP DOMAIN returns_status;
DROP DOMAIN return_items_position;
DROP DOMAIN return_items_product_id;
DROP DOMAIN return_items_quantity;
