-- A rule on one column becomes the rule of that column's type (a domain of its own, its constraint named as the
-- table's CHECK was). Postgres reads a table's CHECKs from their stored text and plans them again for every
-- statement that writes the table (ExecRelCheck), and an UPDATE checks all of them, whatever it sets. A
-- domain's rule is read once per connection (the type cache), and a write checks only the columns it writes.
-- Rules over several columns stay CHECKs of their table. SQLite keeps its CHECKs: its statements are compiled
-- once with them.

CREATE DOMAIN orders_store_id AS text CONSTRAINT orders_store_id_check CHECK (length(VALUE) BETWEEN 1 AND 128);
CREATE DOMAIN orders_customer_id AS text CONSTRAINT orders_customer_id_check CHECK (length(VALUE) BETWEEN 1 AND 128);
CREATE DOMAIN orders_status AS text CONSTRAINT orders_status_check CHECK (VALUE IN ('pending', 'processing', 'partially_shipped', 'shipped', 'delivered', 'canceled'));
CREATE DOMAIN orders_currency AS text CONSTRAINT orders_currency_check CHECK (length(VALUE) = 3);
CREATE DOMAIN orders_items_total AS bigint CONSTRAINT orders_items_total_check CHECK (VALUE >= 0);
CREATE DOMAIN orders_shipping_cost AS bigint CONSTRAINT orders_shipping_cost_check CHECK (VALUE >= 0);
CREATE DOMAIN orders_tax_amount AS bigint CONSTRAINT orders_tax_amount_check CHECK (VALUE >= 0);
CREATE DOMAIN orders_total_amount AS bigint CONSTRAINT orders_total_amount_check CHECK (VALUE >= 0);
CREATE DOMAIN orders_version AS bigint CONSTRAINT orders_version_check CHECK (VALUE >= 1);
CREATE DOMAIN orders_payment_method AS text CONSTRAINT orders_payment_method_check CHECK (length(VALUE) BETWEEN 1 AND 64);
CREATE DOMAIN orders_payment_amount AS bigint CONSTRAINT orders_payment_amount_check CHECK (VALUE >= 0);
CREATE DOMAIN orders_ship_to_country AS text CONSTRAINT orders_ship_to_country_check CHECK (length(VALUE) = 2);
CREATE DOMAIN orders_payment_authorization_id AS text CONSTRAINT orders_payment_authorization_id_check CHECK (length(VALUE) BETWEEN 1 AND 128);
CREATE DOMAIN orders_note AS text CONSTRAINT orders_note_check CHECK (length(VALUE) <= 1000);
CREATE DOMAIN orders_metadata AS text CONSTRAINT orders_metadata_check CHECK (jsonb_typeof((VALUE)::jsonb) = 'object');
CREATE DOMAIN orders_shipment_count AS bigint CONSTRAINT orders_shipment_count_check CHECK (VALUE >= 0);
CREATE DOMAIN orders_refund_count AS integer CONSTRAINT orders_refund_count_check CHECK (VALUE >= 0);
CREATE DOMAIN orders_return_count AS integer CONSTRAINT orders_return_count_check CHECK (VALUE >= 0);

ALTER TABLE orders
    DROP CONSTRAINT orders_store_id_check,
    DROP CONSTRAINT orders_customer_id_check,
    DROP CONSTRAINT orders_status_check,
    DROP CONSTRAINT orders_currency_check,
    DROP CONSTRAINT orders_items_total_check,
    DROP CONSTRAINT orders_shipping_cost_check,
    DROP CONSTRAINT orders_tax_amount_check,
    DROP CONSTRAINT orders_total_amount_check,
    DROP CONSTRAINT orders_version_check,
    DROP CONSTRAINT orders_payment_method_check,
    DROP CONSTRAINT orders_payment_amount_check,
    DROP CONSTRAINT orders_ship_to_country_check,
    DROP CONSTRAINT orders_payment_authorization_id_check,
    DROP CONSTRAINT orders_note_check,
    DROP CONSTRAINT orders_metadata_check,
    DROP CONSTRAINT orders_shipment_count_check,
    DROP CONSTRAINT orders_refund_count_check,
    DROP CONSTRAINT orders_return_count_check,
    ALTER COLUMN store_id TYPE orders_store_id,
    ALTER COLUMN customer_id TYPE orders_customer_id,
    ALTER COLUMN status TYPE orders_status,
    ALTER COLUMN currency TYPE orders_currency,
    ALTER COLUMN items_total TYPE orders_items_total,
    ALTER COLUMN shipping_cost TYPE orders_shipping_cost,
    ALTER COLUMN tax_amount TYPE orders_tax_amount,
    ALTER COLUMN total_amount TYPE orders_total_amount,
    ALTER COLUMN version TYPE orders_version,
    ALTER COLUMN payment_method TYPE orders_payment_method,
    ALTER COLUMN payment_amount TYPE orders_payment_amount,
    ALTER COLUMN ship_to_country TYPE orders_ship_to_country,
    ALTER COLUMN payment_authorization_id TYPE orders_payment_authorization_id,
    ALTER COLUMN note TYPE orders_note,
    ALTER COLUMN metadata TYPE orders_metadata,
    ALTER COLUMN shipment_count TYPE orders_shipment_count,
    ALTER COLUMN refund_count TYPE orders_refund_count,
    ALTER COLUMN return_count TYPE orders_return_count;

CREATE DOMAIN order_items_position AS integer CONSTRAINT order_items_position_check CHECK (VALUE >= 0);
CREATE DOMAIN order_items_product_id AS text CONSTRAINT order_items_product_id_check CHECK (length(VALUE) BETWEEN 1 AND 128);
CREATE DOMAIN order_items_quantity AS bigint CONSTRAINT order_items_quantity_check CHECK (VALUE > 0);
CREATE DOMAIN order_items_unit_price AS bigint CONSTRAINT order_items_unit_price_check CHECK (VALUE >= 0);

ALTER TABLE order_items
    DROP CONSTRAINT order_items_position_check,
    DROP CONSTRAINT order_items_product_id_check,
    DROP CONSTRAINT order_items_quantity_check,
    DROP CONSTRAINT order_items_unit_price_check,
    ALTER COLUMN position TYPE order_items_position,
    ALTER COLUMN product_id TYPE order_items_product_id,
    ALTER COLUMN quantity TYPE order_items_quantity,
    ALTER COLUMN unit_price TYPE order_items_unit_price;

CREATE DOMAIN idempotency_keys_key AS text CONSTRAINT idempotency_keys_key_check CHECK (length(VALUE) BETWEEN 1 AND 255);

ALTER TABLE idempotency_keys
    DROP CONSTRAINT idempotency_keys_key_check,
    ALTER COLUMN key TYPE idempotency_keys_key;

CREATE DOMAIN idempotency_claims_key AS text CONSTRAINT idempotency_claims_key_check CHECK (length(VALUE) BETWEEN 1 AND 255);

ALTER TABLE idempotency_claims
    DROP CONSTRAINT idempotency_claims_key_check,
    ALTER COLUMN key TYPE idempotency_claims_key;

CREATE DOMAIN order_events_order_version AS bigint CONSTRAINT order_events_order_version_check CHECK (VALUE >= 1);
CREATE DOMAIN order_events_event_type AS text CONSTRAINT order_events_event_type_check CHECK (VALUE LIKE 'order.%');

ALTER TABLE order_events
    DROP CONSTRAINT order_events_order_version_check,
    DROP CONSTRAINT order_events_event_type_check,
    ALTER COLUMN order_version TYPE order_events_order_version,
    ALTER COLUMN event_type TYPE order_events_event_type;

CREATE DOMAIN outbox_effect AS text CONSTRAINT outbox_effect_check CHECK (length(VALUE) BETWEEN 1 AND 64);
CREATE DOMAIN outbox_order_version AS bigint CONSTRAINT outbox_order_version_check CHECK (VALUE >= 1);
CREATE DOMAIN outbox_amount AS bigint CONSTRAINT outbox_amount_check CHECK (VALUE >= 0);
CREATE DOMAIN outbox_currency AS text CONSTRAINT outbox_currency_check CHECK (length(VALUE) = 3);
CREATE DOMAIN outbox_state AS text CONSTRAINT outbox_state_check CHECK (VALUE IN ('pending', 'done', 'parked'));
CREATE DOMAIN outbox_attempts AS integer CONSTRAINT outbox_attempts_check CHECK (VALUE >= 0);

ALTER TABLE outbox
    DROP CONSTRAINT outbox_effect_check,
    DROP CONSTRAINT outbox_order_version_check,
    DROP CONSTRAINT outbox_amount_check,
    DROP CONSTRAINT outbox_currency_check,
    DROP CONSTRAINT outbox_state_check,
    DROP CONSTRAINT outbox_attempts_check,
    ALTER COLUMN effect TYPE outbox_effect,
    ALTER COLUMN order_version TYPE outbox_order_version,
    ALTER COLUMN amount TYPE outbox_amount,
    ALTER COLUMN currency TYPE outbox_currency,
    ALTER COLUMN state TYPE outbox_state,
    ALTER COLUMN attempts TYPE outbox_attempts;

CREATE DOMAIN payment_attempts_provider_key AS text CONSTRAINT payment_attempts_provider_key_check CHECK (length(VALUE) BETWEEN 1 AND 255);
CREATE DOMAIN payment_attempts_method AS text CONSTRAINT payment_attempts_method_check CHECK (length(VALUE) BETWEEN 1 AND 64);
CREATE DOMAIN payment_attempts_amount AS bigint CONSTRAINT payment_attempts_amount_check CHECK (VALUE >= 0);
CREATE DOMAIN payment_attempts_currency AS text CONSTRAINT payment_attempts_currency_check CHECK (length(VALUE) = 3);
CREATE DOMAIN payment_attempts_authorization_id AS text CONSTRAINT payment_attempts_authorization_id_check CHECK (length(VALUE) BETWEEN 1 AND 128);
CREATE DOMAIN payment_attempts_state AS text CONSTRAINT payment_attempts_state_check CHECK (VALUE IN ('open', 'attached', 'settling', 'declined', 'voided'));
CREATE DOMAIN payment_attempts_failures AS integer CONSTRAINT payment_attempts_failures_check CHECK (VALUE >= 0);

ALTER TABLE payment_attempts
    DROP CONSTRAINT payment_attempts_provider_key_check,
    DROP CONSTRAINT payment_attempts_method_check,
    DROP CONSTRAINT payment_attempts_amount_check,
    DROP CONSTRAINT payment_attempts_currency_check,
    DROP CONSTRAINT payment_attempts_authorization_id_check,
    DROP CONSTRAINT payment_attempts_state_check,
    DROP CONSTRAINT payment_attempts_failures_check,
    ALTER COLUMN provider_key TYPE payment_attempts_provider_key,
    ALTER COLUMN method TYPE payment_attempts_method,
    ALTER COLUMN amount TYPE payment_attempts_amount,
    ALTER COLUMN currency TYPE payment_attempts_currency,
    ALTER COLUMN authorization_id TYPE payment_attempts_authorization_id,
    ALTER COLUMN state TYPE payment_attempts_state,
    ALTER COLUMN failures TYPE payment_attempts_failures;

CREATE DOMAIN shipments_carrier AS text CONSTRAINT shipments_carrier_check CHECK (length(VALUE) BETWEEN 1 AND 64);
CREATE DOMAIN shipments_tracking_number AS text CONSTRAINT shipments_tracking_number_check CHECK (length(VALUE) BETWEEN 1 AND 64);
CREATE DOMAIN shipments_status AS text CONSTRAINT shipments_status_check CHECK (VALUE IN ('shipped', 'delivered'));

ALTER TABLE shipments
    DROP CONSTRAINT shipments_carrier_check,
    DROP CONSTRAINT shipments_tracking_number_check,
    DROP CONSTRAINT shipments_status_check,
    ALTER COLUMN carrier TYPE shipments_carrier,
    ALTER COLUMN tracking_number TYPE shipments_tracking_number,
    ALTER COLUMN status TYPE shipments_status;

CREATE DOMAIN shipment_items_product_id AS text CONSTRAINT shipment_items_product_id_check CHECK (length(VALUE) BETWEEN 1 AND 128);
CREATE DOMAIN shipment_items_quantity AS bigint CONSTRAINT shipment_items_quantity_check CHECK (VALUE > 0);

ALTER TABLE shipment_items
    DROP CONSTRAINT shipment_items_product_id_check,
    DROP CONSTRAINT shipment_items_quantity_check,
    ALTER COLUMN product_id TYPE shipment_items_product_id,
    ALTER COLUMN quantity TYPE shipment_items_quantity;

CREATE DOMAIN refunds_position AS integer CONSTRAINT refunds_position_check CHECK (VALUE >= 0);
CREATE DOMAIN refunds_amount AS bigint CONSTRAINT refunds_amount_check CHECK (VALUE > 0);
CREATE DOMAIN refunds_reason AS text CONSTRAINT refunds_reason_check CHECK (length(VALUE) BETWEEN 1 AND 500);
CREATE DOMAIN refunds_status AS text CONSTRAINT refunds_status_check CHECK (VALUE IN ('pending', 'succeeded', 'failed'));

ALTER TABLE refunds
    DROP CONSTRAINT refunds_position_check,
    DROP CONSTRAINT refunds_amount_check,
    DROP CONSTRAINT refunds_reason_check,
    DROP CONSTRAINT refunds_status_check,
    ALTER COLUMN position TYPE refunds_position,
    ALTER COLUMN amount TYPE refunds_amount,
    ALTER COLUMN reason TYPE refunds_reason,
    ALTER COLUMN status TYPE refunds_status;

CREATE DOMAIN refund_items_position AS integer CONSTRAINT refund_items_position_check CHECK (VALUE >= 0);
CREATE DOMAIN refund_items_product_id AS text CONSTRAINT refund_items_product_id_check CHECK (length(VALUE) BETWEEN 1 AND 128);
CREATE DOMAIN refund_items_quantity AS bigint CONSTRAINT refund_items_quantity_check CHECK (VALUE >= 1);

ALTER TABLE refund_items
    DROP CONSTRAINT refund_items_position_check,
    DROP CONSTRAINT refund_items_product_id_check,
    DROP CONSTRAINT refund_items_quantity_check,
    ALTER COLUMN position TYPE refund_items_position,
    ALTER COLUMN product_id TYPE refund_items_product_id,
    ALTER COLUMN quantity TYPE refund_items_quantity;

CREATE DOMAIN returns_position AS integer CONSTRAINT returns_position_check CHECK (VALUE >= 0);
CREATE DOMAIN returns_reason AS text CONSTRAINT returns_reason_check CHECK (length(VALUE) BETWEEN 1 AND 500);
CREATE DOMAIN returns_status AS text CONSTRAINT returns_status_check CHECK (VALUE IN ('requested', 'received', 'rejected'));

ALTER TABLE returns
    DROP CONSTRAINT returns_position_check,
    DROP CONSTRAINT returns_reason_check,
    DROP CONSTRAINT returns_status_check,
    ALTER COLUMN position TYPE returns_position,
    ALTER COLUMN reason TYPE returns_reason,
    ALTER COLUMN status TYPE returns_status;

CREATE DOMAIN return_items_position AS integer CONSTRAINT return_items_position_check CHECK (VALUE >= 0);
CREATE DOMAIN return_items_product_id AS text CONSTRAINT return_items_product_id_check CHECK (length(VALUE) BETWEEN 1 AND 128);
CREATE DOMAIN return_items_quantity AS bigint CONSTRAINT return_items_quantity_check CHECK (VALUE >= 1);

ALTER TABLE return_items
    DROP CONSTRAINT return_items_position_check,
    DROP CONSTRAINT return_items_product_id_check,
    DROP CONSTRAINT return_items_quantity_check,
    ALTER COLUMN position TYPE return_items_position,
    ALTER COLUMN product_id TYPE return_items_product_id,
    ALTER COLUMN quantity TYPE return_items_quantity;
