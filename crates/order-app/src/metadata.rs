use order_domain::{Metadata, Order, OrderId, VersionCheck};

use crate::{Action, AppError, Caller, OrderService};

impl OrderService {
    /// Replaces an order's metadata as a whole, in any status while it is live; a compare-and-swap like
    /// every change, honouring the caller's `If-Match`.
    pub async fn update_metadata(
        &self,
        caller: &Caller,
        id: OrderId,
        metadata: Metadata,
        check: VersionCheck,
    ) -> Result<Order, AppError> {
        self.change_order(caller, Action::WriteMetadata, id, &check, |order, now| {
            Ok(order.update_metadata(metadata.clone(), now)?)
        })
        .await
    }
}

#[cfg(test)]
#[path = "metadata_tests.rs"]
mod tests;
