use order_domain::ports::AddressCheck;
use order_domain::{
    Field, Order, OrderAction, OrderId, OrderStatus, ShippingAddress, Tracking, VersionCheck,
    Violation,
};

use crate::policy::Action;
use crate::{AppError, Caller, OrderService};

impl OrderService {
    /// Stores where the order goes, once the shipping service says it can deliver there.
    pub async fn set_shipping_address(
        &self,
        caller: &Caller,
        id: OrderId,
        address: ShippingAddress,
        check: VersionCheck,
    ) -> Result<Order, AppError> {
        // The order's own answers (gone, stale, shipped already) come before asking the carrier.
        let order = self
            .find_for(caller, Action::SetShippingAddress, id)
            .await?;
        check.ensure(order.version())?;
        let action = OrderAction::SetShippingAddress;
        if !action.is_allowed_in(order.status()) {
            return Err(AppError::NotAllowed {
                action,
                status: order.status(),
                allowed: order.allowed_actions().collect(),
            });
        }
        if let AddressCheck::Undeliverable(reason) =
            self.ports.shipping.validate_address(&address).await?
        {
            let reason = format!("cannot be delivered to: {reason}");
            return Err(AppError::Invalid(vec![Violation::new(
                Field::ShippingAddress,
                reason,
            )]));
        }
        self.change_order(
            caller,
            Action::SetShippingAddress,
            id,
            &check,
            |order, now| Ok(order.set_shipping_address(address.clone(), now)?),
        )
        .await
    }

    /// Ships a paid order, or corrects the tracking of a shipped one.
    pub async fn record_tracking(
        &self,
        caller: &Caller,
        id: OrderId,
        tracking: Tracking,
        check: VersionCheck,
    ) -> Result<Order, AppError> {
        self.change_order(caller, Action::RecordTracking, id, &check, |order, now| {
            Ok(order.record_tracking(tracking.clone(), now)?)
        })
        .await
    }

    pub async fn deliver_order(
        &self,
        caller: &Caller,
        id: OrderId,
        check: VersionCheck,
    ) -> Result<Order, AppError> {
        self.change_order(caller, Action::Deliver, id, &check, |order, now| {
            Ok(order.deliver(now)?)
        })
        .await
    }

    /// Cancels a pending or processing order. What follows (the stock released, the customer told, a paid
    /// order's authorization voided) is written with the cancel and done by the outbox worker, so only the cancel that
    /// wins the compare-and-swap has it done, once, even across a crash.
    pub async fn cancel_order(
        &self,
        caller: &Caller,
        id: OrderId,
        check: VersionCheck,
    ) -> Result<Order, AppError> {
        self.change_order(caller, Action::Cancel, id, &check, |order, now| {
            Ok(order.cancel(now)?)
        })
        .await
    }

    /// `PUT /status`: sets one of the statuses a client may ask for, by the action that reaches it; any
    /// other status is refused naming the way to it.
    pub async fn set_status(
        &self,
        caller: &Caller,
        id: OrderId,
        status: OrderStatus,
        check: VersionCheck,
    ) -> Result<Order, AppError> {
        match OrderAction::reaching(status).filter(|_| status.is_settable()) {
            Some(OrderAction::Cancel) => self.cancel_order(caller, id, check).await,
            Some(OrderAction::Deliver) => self.deliver_order(caller, id, check).await,
            _ => Err(AppError::StatusNotSettable { status }),
        }
    }
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
