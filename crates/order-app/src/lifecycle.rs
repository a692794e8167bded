use order_domain::ports::{AddressCheck, PaymentError, RepositoryError};
use order_domain::{
    AuthorizationId, Field, Order, OrderAction, OrderId, OrderStatus, PaymentAttempt, PaymentDraft,
    PaymentRequest, ShippingAddress, Tracking, VersionCheck, Violation,
};

use crate::policy::Action;
use crate::{AppError, Caller, OrderService};

impl OrderService {
    /// Pays a pending order with exactly its total. The attempt is recorded (with its own provider key and a
    /// due date for the settler) before the payment service authorizes it, and the order's compare-and-swap
    /// attaches it; an attempt that loses (declined, canceled meanwhile, the save failed, a crash) is voided
    /// by the worker (see `settle_due_attempts`), so no authorization is left held for an order that did
    /// not take it.
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
        let attempt = PaymentAttempt::open(id, payment.clone(), None);
        let now = self.ports.clock.now();
        self.ports
            .attempts
            .open(&attempt, now + self.settings.payment_attempt_grace)
            .await?;
        let authorization = match self
            .ports
            .payments
            .authorize(&attempt.key, id, &payment)
            .await
        {
            Ok(authorization) => authorization,
            Err(error) => {
                // Whatever the provider did (a decline holds nothing; a timeout may have held money), the
                // settler finds out by replaying the attempt's key.
                self.attempt_lost(&attempt, None).await;
                return Err(match error {
                    PaymentError::Declined(reason) => AppError::PaymentDeclined(reason),
                    PaymentError::Conflict(reason) => AppError::Unexpected(reason.into()),
                    PaymentError::Gateway(error) => error.into(),
                });
            }
        };
        let paid = self
            .attach_payment(caller, id, &check, &payment, &attempt, &authorization)
            .await;
        if paid.is_err() {
            self.attempt_lost(&attempt, Some(authorization)).await;
        }
        paid
    }

    /// The order's paying compare-and-swap, which attaches the attempt in the same transaction.
    async fn attach_payment(
        &self,
        caller: &Caller,
        id: OrderId,
        check: &VersionCheck,
        payment: &PaymentRequest,
        attempt: &PaymentAttempt,
        authorization: &AuthorizationId,
    ) -> Result<Order, AppError> {
        for _ in 0..self.settings.max_write_attempts {
            let mut order = self.find_for(caller, Action::Pay, id).await?;
            let expected = order.version();
            check.ensure(expected)?;
            let before = order.clone();
            order.pay(payment, authorization.clone(), self.ports.clock.now())?;
            let change = self.record(Some(&before), &order, caller, None)?;
            let attached = self
                .ports
                .attempts
                .attach(&order, expected, &change, attempt.id, authorization)
                .await;
            match attached {
                Ok(()) => return Ok(order),
                Err(RepositoryError::VersionConflict) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict)
    }

    /// Makes a losing attempt due for the settler now, rather than after its grace period. Best effort: if
    /// this fails, the grace period runs out and the settler takes it then.
    async fn attempt_lost(&self, attempt: &PaymentAttempt, authorization: Option<AuthorizationId>) {
        let now = self.ports.clock.now();
        if let Err(error) = self
            .ports
            .attempts
            .lost(attempt.id, authorization, now)
            .await
        {
            tracing::warn!(attempt = %attempt.id, error = ?error, "a lost payment attempt waits for its grace period");
        }
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
