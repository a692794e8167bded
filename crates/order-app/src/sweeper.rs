use crate::{AppError, OrderService};

/// What one sweep put right, and what it could not (to be tried again at the next).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub released: usize,
    pub refunded: usize,
    pub failed: usize,
}

impl OrderService {
    /// How many owed refunds one sweep settles at most.
    const REFUNDS_PER_SWEEP: usize = 100;

    /// Finishes what a crash or an unreachable service left half-done:
    /// - stock reserved for an order that was never stored (a crash between reserving and storing), or whose
    ///   order was canceled or abandoned, is released; reservations are named by order id, so the store can
    ///   tell, and only reservations older than the grace period are judged, so no create in flight is hit;
    /// - refunds due on canceled orders are made and recorded.
    pub async fn sweep(&self) -> Result<SweepReport, AppError> {
        let mut report = SweepReport::default();
        let before = self.ports.clock.now() - self.settings.reservation_grace;
        for order_id in self.ports.inventory.reservations_before(before).await? {
            let orphaned = match self.ports.orders.find_including_deleted(order_id).await? {
                None => true,
                Some(order) => order.releases_stock(),
            };
            if !orphaned {
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
        for order in self
            .ports
            .orders
            .refunds_due(Self::REFUNDS_PER_SWEEP)
            .await?
        {
            let settled = self.settle_refund(order).await;
            if settled.payment().is_some_and(|payment| !payment.refund_due) {
                report.refunded += 1;
            } else {
                report.failed += 1;
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
#[path = "sweeper_tests.rs"]
mod tests;
