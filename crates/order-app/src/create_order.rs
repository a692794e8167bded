use order_domain::ports::{GatewayError, ReservationError};
use order_domain::{
    Fingerprint, IdempotencyKey, IdempotencyRecord, IdempotencyScope, NewOrder, Order, OrderId,
};

use crate::{AppError, Caller, OrderService};

/// A key that makes a create safe to retry, in the key space of whoever sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct IdempotentRequest {
    scope: IdempotencyScope,
    key: IdempotencyKey,
}

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
    /// Creates an order once per idempotency key: checks the customer, reserves the stock, then stores the
    /// order and the key's record in one transaction. `render` turns the new order into the response body,
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
        let idempotency = idempotency_key.map(|key| IdempotentRequest {
            scope: caller.idempotency_scope(),
            key,
        });
        let now = self.ports.clock.now();
        let fingerprint = order.fingerprint();
        if let Some(request) = &idempotency {
            if let Some(record) = self.find_record(request, now).await? {
                return replay(record, fingerprint);
            }
        }

        if !self.ports.customers.exists(order.customer_id()).await? {
            return Err(AppError::UnknownCustomer(order.customer_id().clone()));
        }
        let order = Order::place(order, OrderId::generate(), now);
        self.ports
            .inventory
            .reserve(order.id(), order.lines())
            .await
            .map_err(|error| match error {
                ReservationError::Unavailable(products) => AppError::OutOfStock(products),
                ReservationError::Gateway(error) => error.into(),
            })?;

        let key = idempotency
            .as_ref()
            .map(|request| request.key.as_str().to_owned());
        let change = self.record(None, &order, caller, key.as_deref())?;
        let body = render(&order);
        let record = idempotency.clone().map(|request| IdempotencyRecord {
            scope: request.scope,
            key: request.key,
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
        match (error, idempotency) {
            // Another request with the same key won the race to the unique index: answer as it did.
            (order_domain::ports::RepositoryError::DuplicateIdempotencyKey, Some(request)) => {
                match self.find_record(&request, now).await? {
                    Some(record) => replay(record, fingerprint),
                    None => Err(AppError::IdempotencyKeyInFlight),
                }
            }
            (error, _) => Err(error.into()),
        }
    }

    async fn find_record(
        &self,
        request: &IdempotentRequest,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<IdempotencyRecord>, AppError> {
        Ok(self
            .ports
            .orders
            .find_idempotency(&request.scope, &request.key, now)
            .await?)
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

fn replay(record: IdempotencyRecord, fingerprint: Fingerprint) -> Result<CreatedOrder, AppError> {
    if record.fingerprint != fingerprint {
        return Err(AppError::IdempotencyKeyReused);
    }
    Ok(CreatedOrder {
        order_id: record.order_id,
        body: record.response_body,
        replayed: true,
    })
}

#[cfg(test)]
#[path = "create_order_tests.rs"]
mod tests;
