-- The parked effects, counted by every readiness probe (`/health/ready`'s `outbox.parked`): without an index
-- of their own, each count read every row the outbox keeps for the retention period.
CREATE INDEX outbox_parked ON outbox (created_at) WHERE state = 'parked';
