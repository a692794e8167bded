use crate::{AppError, OrderService};

/// What one sweep put right, and what it could not (to be tried again at the next).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub released: usize,
    pub failed: usize,
}

impl OrderService {
    /// Releases stock reserved for an order that was never stored (a crash, or a lost connection, between
    /// reserving and storing): the one thing no outbox row can cover, since nothing was committed.
    /// Reservations are named by order id, so the store can tell, and only reservations older than the grace
    /// period are judged, so no create in flight is hit. Everything a stored order owes (stock released on
    /// cancel or delete, refunds) is a row in the outbox, written with the change.
    pub async fn sweep(&self) -> Result<SweepReport, AppError> {
        let mut report = SweepReport::default();
        let before = self.ports.clock.now() - self.settings.reservation_grace;
        for order_id in self.ports.inventory.reservations_before(before).await? {
            if self
                .ports
                .orders
                .find_including_deleted(order_id)
                .await?
                .is_some()
            {
                continue;
            }
            match self.ports.inventory.release(order_id).await {
                Ok(()) => report.released += 1,
                Err(error) => {
                    tracing::warn!(order = %order_id, error = %error, "could not release a reservation");
                    report.failed += 1;
                }
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
#[path = "sweeper_tests.rs"]
mod tests;
