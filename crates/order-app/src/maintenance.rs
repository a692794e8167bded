use order_domain::ports::OutboxStats;

use crate::{AppError, OrderService};

impl OrderService {
    /// Forgets idempotency keys past their time to live; returns how many.
    pub async fn purge_expired_idempotency_keys(&self) -> Result<u64, AppError> {
        let now = self.ports.clock.now();
        Ok(self.ports.orders.purge_expired_idempotency(now).await?)
    }

    /// Forgets the outbox's done effects older than the retention period (the history keeps the events).
    pub async fn prune_outbox(&self) -> Result<u64, AppError> {
        let before = self.ports.clock.now() - self.settings.event_retention;
        Ok(self.ports.outbox.prune_done(before).await?)
    }

    /// Whether the service can do its work: the database answers and takes a write. Slow when the database
    /// is: call it from a background probe that keeps a `Readiness`, not from a request.
    pub async fn check_ready(&self) -> Result<(), AppError> {
        Ok(self.ports.orders.ping().await?)
    }

    /// How far the outbox is behind: effects waiting, the oldest one's age, effects parked.
    pub async fn outbox_stats(&self) -> Result<OutboxStats, AppError> {
        let now = self.ports.clock.now();
        Ok(self.ports.outbox.stats(now).await?)
    }
}
