use chrono::{DateTime, Utc};
use order_domain::ports::RepositoryError;
use order_domain::{Order, OrderId, OrderStatus, VersionCheck};

use crate::policy::Action;
use crate::{AppError, Caller, OrderService};

impl OrderService {
    /// Archives an order (a soft delete): it stays stored for audit and is gone for every client. A pending
    /// order is canceled in the same change and its stock given back; a paid order must be canceled first.
    pub async fn delete_order(
        &self,
        caller: &Caller,
        id: OrderId,
        check: VersionCheck,
    ) -> Result<(), AppError> {
        // The last attempt's reading is the one that landed.
        let canceled_now = std::cell::Cell::new(false);
        let order = self
            .change_order(caller, Action::Delete, id, &check, |order, now| {
                canceled_now.set(order.status() == OrderStatus::Pending);
                Ok(order.delete(now)?)
            })
            .await?;
        if canceled_now.get() {
            self.release_reservation(order.id()).await;
        }
        Ok(())
    }

    /// Read, check that the caller may do `action` to the order, apply a domain change, compare-and-swap on the
    /// version. A lost race is retried from a fresh read, never overwritten; a caller's `If-Match` is checked
    /// against each fresh read.
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
            check.ensure(expected)?;
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
