use chrono::{DateTime, Utc};
use order_domain::ports::RepositoryError;
use order_domain::{Order, OrderId, VersionCheck};

use crate::policy::Action;
use crate::{AppError, Caller, OrderService};

impl OrderService {
    /// Soft-deletes an order: it stays stored for audit and is gone for every client.
    pub async fn delete_order(
        &self,
        caller: &Caller,
        id: OrderId,
        check: VersionCheck,
    ) -> Result<(), AppError> {
        self.change_order(caller, Action::Delete, id, &check, |order, now| {
            order.delete(now);
            Ok(())
        })
        .await
        .map(drop)
    }

    /// Read, check the caller may do `action` to it, apply a domain change, compare-and-swap on the version. A lost race is retried from a fresh
    /// read, never overwritten; a caller's `If-Match` is checked against each fresh read.
    pub(crate) async fn change_order(
        &self,
        caller: &Caller,
        action: Action,
        id: OrderId,
        check: &VersionCheck,
        apply: impl Fn(&mut Order, DateTime<Utc>) -> Result<(), AppError>,
    ) -> Result<Order, AppError> {
        for _ in 0..self.settings.max_write_attempts {
            let mut order = self.find_for(caller, action, id).await?;
            let expected = order.version();
            if !check.admits(expected) {
                return Err(AppError::PreconditionFailed { current: expected });
            }
            apply(&mut order, self.ports.clock.now())?;
            match self.ports.orders.update(&order, expected).await {
                Ok(()) => return Ok(order),
                Err(RepositoryError::VersionConflict) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict)
    }
}

#[cfg(test)]
#[path = "write_order_tests.rs"]
mod tests;
