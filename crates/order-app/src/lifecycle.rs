use order_domain::ports::{AddressCheck, PaymentError};
use order_domain::{
    Field, NotificationKind, Order, OrderAction, OrderId, OrderStatus, PaymentDraft,
    PaymentRequest, ProviderKey, ShippingAddress, Tracking, VersionCheck, Violation,
};

use crate::policy::Action;
use crate::{AppError, Caller, OrderService};

impl OrderService {
    /// Pays a pending order with exactly its total; the payment service authorizes it first. Each attempt
    /// authorizes under a key of its own, so a declined order can be paid with another method; the
    /// compare-and-swap then lets only one payment land, and the order keeps its authorization's id.
    pub async fn pay_order(
        &self,
        caller: &Caller,
        id: OrderId,
        draft: PaymentDraft,
        check: VersionCheck,
    ) -> Result<Order, AppError> {
        let order = self.find_for(caller, Action::Pay, id).await?;
        check.ensure(order.version())?;
        let payment = PaymentRequest::parse(draft, order.currency()).map_err(AppError::Invalid)?;
        order.check_payment(&payment)?;
        let key = ProviderKey::authorization_attempt(id);
        let authorization = self
            .ports
            .payments
            .authorize(&key, id, &payment)
            .await
            .map_err(|error| match error {
                PaymentError::Declined(reason) => AppError::PaymentDeclined(reason),
                PaymentError::Conflict(reason) => AppError::Unexpected(reason.into()),
                PaymentError::Gateway(error) => error.into(),
            })?;
        let order = self
            .change_order(caller, Action::Pay, id, &check, |order, now| {
                Ok(order.pay(&payment, authorization.clone(), now)?)
            })
            .await?;
        self.notify(&order, NotificationKind::OrderPaid).await;
        Ok(order)
    }

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
        // The last attempt's reading is the one that landed.
        let shipped_now = std::cell::Cell::new(false);
        let order = self
            .change_order(caller, Action::RecordTracking, id, &check, |order, now| {
                shipped_now.set(order.status() == OrderStatus::Processing);
                Ok(order.record_tracking(tracking.clone(), now)?)
            })
            .await?;
        if shipped_now.get() {
            self.notify(&order, NotificationKind::OrderShipped).await;
        }
        Ok(order)
    }

    pub async fn deliver_order(
        &self,
        caller: &Caller,
        id: OrderId,
        check: VersionCheck,
    ) -> Result<Order, AppError> {
        let order = self
            .change_order(caller, Action::Deliver, id, &check, |order, now| {
                Ok(order.deliver(now)?)
            })
            .await?;
        self.notify(&order, NotificationKind::OrderDelivered).await;
        Ok(order)
    }

    /// Cancels a pending or processing order, gives its stock back and refunds a paid one. Only the cancel
    /// that wins the compare-and-swap goes on to release and refund, so parallel cancels refund once; what
    /// fails here (the services being down) is left recorded for the sweeper.
    pub async fn cancel_order(
        &self,
        caller: &Caller,
        id: OrderId,
        check: VersionCheck,
    ) -> Result<Order, AppError> {
        let order = self
            .change_order(caller, Action::Cancel, id, &check, |order, now| {
                Ok(order.cancel(now)?)
            })
            .await?;
        self.release_reservation(id).await;
        self.notify(&order, NotificationKind::OrderCanceled).await;
        Ok(self.settle_refund(order).await)
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

    /// Refunds the payment of a canceled order if a refund is due, and records it; returns the order as it
    /// now stands. The refund carries a key derived from the order, so a repeat is refunded once downstream.
    pub(crate) async fn settle_refund(&self, order: Order) -> Order {
        let Some(payment) = order.payment().filter(|payment| payment.refund_due) else {
            return order;
        };
        let Some(authorization) = &payment.authorization_id else {
            tracing::warn!(order = %order.id(), "a refund is due but the payment has no authorization on record; refund it by hand");
            return order;
        };
        let key = ProviderKey::full_refund(order.id());
        let refunded = self
            .ports
            .payments
            .refund(
                &key,
                order.id(),
                authorization,
                payment.amount,
                "order canceled",
            )
            .await;
        match refunded {
            Ok(refund) => tracing::info!(order = %order.id(), refund = %refund, "refunded"),
            Err(error) => {
                tracing::warn!(order = %order.id(), error = %error, "refund failed; the sweeper will retry it");
                return order;
            }
        }
        let record = |order: &mut Order, now| Ok(order.record_refund(now)?);
        match self
            .change_order(
                &Caller::anonymous(),
                Action::Refund,
                order.id(),
                &VersionCheck::Any,
                record,
            )
            .await
        {
            Ok(refunded) => refunded,
            Err(error) => {
                tracing::warn!(order = %order.id(), error = %error, "refunded, but could not record it yet");
                order
            }
        }
    }
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
