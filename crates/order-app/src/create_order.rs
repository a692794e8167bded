use chrono::{DateTime, Utc};
use order_domain::ports::{GatewayError, RepositoryError, ReservationError};
use order_domain::{
    Fingerprint, IdempotencyKey, IdempotencyRecord, KeyClaim, NewOrder, Order, OrderId,
};

use crate::idempotent::{replay, IdempotentRequest, Replayed};
use crate::policy::{authorize, Action};
use crate::{AppError, Caller, OrderService};

#[derive(Debug, Clone)]
pub struct CreateOrder {
    pub order: NewOrder,
    /// The client's key; it lives in the caller's key space.
    pub idempotency_key: Option<IdempotencyKey>,
}

/// The answer to a create: the body the client gets, the same bytes on every replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedOrder {
    pub order_id: OrderId,
    pub body: Vec<u8>,
    pub replayed: bool,
}

impl OrderService {
    /// Creates an order once per idempotency key: holds the key (a duplicate in flight meanwhile gets
    /// `IdempotencyKeyInFlight` and causes nothing downstream), checks the customer, reserves the stock, then
    /// stores the order and the key's record in one transaction. `render` turns the new order into the response body,
    /// which is kept with the key so that a retry gets exactly the same answer.
    ///
    /// Nothing is stored when a check fails, so a failed request does not use up its key.
    pub async fn create_order(
        &self,
        caller: &Caller,
        command: CreateOrder,
        render: impl FnOnce(&Order) -> Vec<u8>,
    ) -> Result<CreatedOrder, AppError> {
        let CreateOrder {
            order,
            idempotency_key,
        } = command;
        authorize(caller, Action::Create, Some((&order).into()))?;
        let idempotency = idempotency_key.map(|key| IdempotentRequest {
            scope: caller.idempotency_scope(),
            key,
        });
        let now = self.ports.clock.now();
        let fingerprint = order.fingerprint();
        let Some(request) = idempotency else {
            return self
                .place(caller, order, None, fingerprint, render, now)
                .await;
        };
        // The claim first: it holds a key that has no live record, and answers a key that has one, so a new key
        // (the common case) and a replay each cost one step.
        let claim = self.claim_of(&request, fingerprint, now);
        match self.ports.orders.claim_idempotency(&claim).await? {
            KeyClaim::Held => {}
            KeyClaim::Answered(record) => return replay(record, fingerprint),
            KeyClaim::Busy => return self.replay_or_in_flight(&request, fingerprint, now).await,
        }
        let result = self
            .place(caller, order, Some(&request), fingerprint, render, now)
            .await;
        if !matches!(
            result,
            Ok(CreatedOrder {
                replayed: false,
                ..
            })
        ) {
            // Nothing of ours was stored: the key is free for a retry at once (or when the hold lapses).
            self.release_key(&claim).await;
        }
        result
    }

    /// Checks the customer, reserves the stock, then stores the order with the key's record.
    async fn place(
        &self,
        caller: &Caller,
        order: NewOrder,
        request: Option<&IdempotentRequest>,
        fingerprint: Fingerprint,
        render: impl FnOnce(&Order) -> Vec<u8>,
        now: DateTime<Utc>,
    ) -> Result<CreatedOrder, AppError> {
        if !self.ports.customers.exists(order.customer_id()).await? {
            return Err(AppError::UnknownCustomer(order.customer_id().clone()));
        }
        let order = Order::place(order, OrderId::generate_at(now), now);
        self.ports
            .inventory
            .reserve(order.id(), order.lines())
            .await
            .map_err(|error| match error {
                ReservationError::Unavailable(products) => AppError::OutOfStock(products),
                ReservationError::Gateway(error) => error.into(),
            })?;

        let key = request.map(|request| request.key.as_str());
        let change = self.record(None, &order, caller, key)?;
        let body = render(&order);
        let record = request.map(|request| IdempotencyRecord {
            scope: request.scope.clone(),
            key: request.key.clone(),
            fingerprint,
            order_id: order.id(),
            response_body: body.clone(),
            created_at: now,
            expires_at: now + self.settings.idempotency_ttl,
        });
        let Err(error) = self.ports.orders.insert(&order, &change, record).await else {
            return Ok(CreatedOrder {
                order_id: order.id(),
                body,
                replayed: false,
            });
        };

        self.release_reservation(order.id()).await;
        match (error, request) {
            // Another request stored an order with this key (its hold lapsed ours): answer as it did.
            (RepositoryError::DuplicateIdempotencyKey, Some(request)) => {
                self.replay_or_in_flight(request, fingerprint, now).await
            }
            (error, _) => Err(error.into()),
        }
    }

    /// Gives back the stock reserved for an order that was not stored, or was canceled. A failure here is
    /// logged, not returned: the caller's answer is already decided, and the reservation is named by the
    /// order id, so the sweeper can still find and release it.
    pub(crate) async fn release_reservation(&self, order: OrderId) {
        if let Err(error) = self.ports.inventory.release(order).await {
            log_release_failure(order, &error);
        }
    }
}

fn log_release_failure(order: OrderId, error: &GatewayError) {
    tracing::warn!(%order, error = %error, "could not release the stock reserved for an order that was not stored");
}

impl Replayed for CreatedOrder {
    fn from_record(record: IdempotencyRecord) -> Self {
        CreatedOrder {
            order_id: record.order_id,
            body: record.response_body,
            replayed: true,
        }
    }
}

#[cfg(test)]
#[path = "create_order_tests.rs"]
mod tests;
