use order_domain::ports::PaymentError;
use order_domain::{
    Order, OrderId, PaymentDraft, PaymentRequest, ShippingAddress, Tracking, VersionCheck,
};

use crate::{AppError, OrderService};

impl OrderService {
    /// Pays a pending order with exactly its total; the payment service authorizes it first. The
    /// authorization is keyed by the order, so a retried or racing payment is authorized once downstream;
    /// the compare-and-swap then lets only one payment land.
    pub async fn pay_order(
        &self,
        id: OrderId,
        draft: PaymentDraft,
        check: VersionCheck,
    ) -> Result<Order, AppError> {
        let order = self.get_order(id).await?;
        if !check.admits(order.version()) {
            return Err(AppError::PreconditionFailed {
                current: order.version(),
            });
        }
        let payment = PaymentRequest::parse(draft, order.currency()).map_err(AppError::Invalid)?;
        order.check_payment(&payment)?;
        self.ports
            .payments
            .authorize(id, &payment)
            .await
            .map_err(|error| match error {
                PaymentError::Declined(reason) => AppError::PaymentDeclined(reason),
                PaymentError::Gateway(error) => error.into(),
            })?;
        self.change_order(id, &check, |order, now| Ok(order.pay(&payment, now)?))
            .await
    }

    pub async fn set_shipping_address(
        &self,
        id: OrderId,
        address: ShippingAddress,
        check: VersionCheck,
    ) -> Result<Order, AppError> {
        self.change_order(id, &check, |order, now| {
            Ok(order.set_shipping_address(address.clone(), now)?)
        })
        .await
    }

    /// Ships a paid order, or corrects the tracking of a shipped one.
    pub async fn record_tracking(
        &self,
        id: OrderId,
        tracking: Tracking,
        check: VersionCheck,
    ) -> Result<Order, AppError> {
        self.change_order(id, &check, |order, now| {
            Ok(order.record_tracking(tracking.clone(), now)?)
        })
        .await
    }

    pub async fn deliver_order(&self, id: OrderId, check: VersionCheck) -> Result<Order, AppError> {
        self.change_order(id, &check, |order, now| Ok(order.deliver(now)?))
            .await
    }

    /// Cancels a pending or processing order; a paid one is left with a refund due.
    pub async fn cancel_order(&self, id: OrderId, check: VersionCheck) -> Result<Order, AppError> {
        self.change_order(id, &check, |order, now| Ok(order.cancel(now)?))
            .await
    }
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
