-- Payment attempts (issue 12): each try at paying an order is recorded, with its provider key and request,
-- before the provider is asked. The order's paying compare-and-swap marks it attached; otherwise the worker
-- settles it once due (settle_at: a grace period after it opened, or at once when its request lost), voiding
-- whatever it obtained, so no authorization is left held for an order that did not take it.
-- orders.captured_at: when the provider confirmed the capture that the first shipment asked for.

ALTER TABLE orders ADD COLUMN captured_at TIMESTAMP;

CREATE TABLE payment_attempts (
    id               TEXT NOT NULL PRIMARY KEY,
    order_id         TEXT NOT NULL REFERENCES orders (id),
    provider_key     TEXT      NOT NULL UNIQUE CHECK (length(provider_key) BETWEEN 1 AND 255),
    method           TEXT      NOT NULL CHECK (length(method) BETWEEN 1 AND 64),
    amount           BIGINT    NOT NULL CHECK (amount >= 0),
    currency         TEXT      NOT NULL CHECK (length(currency) = 3),
    reference        TEXT,
    authorization_id TEXT      CHECK (length(authorization_id) BETWEEN 1 AND 128),
    state            TEXT      NOT NULL CHECK (state IN ('open', 'attached', 'settling', 'declined', 'voided')),
    failures         INTEGER   NOT NULL DEFAULT 0 CHECK (failures >= 0),
    settle_at        TIMESTAMP NOT NULL,
    last_error       TEXT,
    created_at       TIMESTAMP NOT NULL,
    CONSTRAINT payment_attempts_held_has_authorization CHECK (
        state NOT IN ('attached', 'voided') OR authorization_id IS NOT NULL)
);

-- What the worker settles next; an order's attempts.
CREATE INDEX payment_attempts_due ON payment_attempts (settle_at) WHERE state IN ('open', 'settling');
CREATE INDEX payment_attempts_by_order ON payment_attempts (order_id);
