use crate::{AppError, OrderService};

impl OrderService {
    /// Forgets idempotency keys past their time to live; returns how many.
    pub async fn purge_expired_idempotency_keys(&self) -> Result<u64, AppError> {
        let now = self.ports.clock.now();
        Ok(self.ports.orders.purge_expired_idempotency(now).await?)
    }

    /// Whether the service can do its work: the database answers and takes a write. Slow when the database
    /// is: call it from a background probe that keeps a `Readiness`, not from a request.
    pub async fn check_ready(&self) -> Result<(), AppError> {
        Ok(self.ports.orders.ping().await?)
    }
}
