DROP INDEX outbox_parked;
