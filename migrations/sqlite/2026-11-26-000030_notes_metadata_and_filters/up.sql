-- A client's note and metadata on an order (bounded as Stripe bounds them; the domain checks each key), and
-- the indexes that serve the list filters. `createdAfter`/`createdBefore` need none of their own: an order's
-- id embeds its creation instant, so a time range is an id range on the (filter, id) indexes.
ALTER TABLE orders ADD COLUMN note TEXT CHECK (length(note) <= 1000);
ALTER TABLE orders ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}'
    CHECK (json_valid(metadata) AND json_type(metadata) = 'object');

-- A status set is read as one keyset scan per status, merged; these serve it under a store or a customer.
CREATE INDEX orders_by_store_status ON orders (store_id, status, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_by_customer_status ON orders (customer_id, status, id) WHERE deleted_at IS NULL;
