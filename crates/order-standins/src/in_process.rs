//! The stand-ins as in-process ports: the zero-setup default of a local run, answering by the test values.
//! - `StandInCustomers`: every customer exists except ids starting with `no-such-customer`.
//! - `StandInInventory`: every product has ample stock except ids starting with `p-out-of-stock`; restocks
//!   are kept in a `RestockBook` (a repeated key once).
//! - `StandInPayments`: a `PaymentLedger` (authorized unless the method is `declined`), inspectable by tests.
//! - `StandInShipping`: every address is deliverable except postal codes starting with `00000`.
//! - `StandInNotifier`: accepts every notification.

use std::sync::Arc;

use async_trait::async_trait;
use order_domain::ports::{
    AddressCheck, CustomerDirectory, GatewayError, Inventory, Notifier, PaymentError,
    PaymentGateway, ReservationError, ShippingService,
};
use order_domain::{
    AuthorizationId, CustomerId, Money, Notification, OrderId, OrderLine, PaymentRequest,
    ProviderKey, RefundId, ReturnId, ReturnItem, ShippingAddress,
};

use crate::ledger::{PaymentAnswer, PaymentCall, PaymentLedger};
use crate::restocks::{Restock, RestockAnswer, RestockBook};
use crate::test_values::{
    MISSING_CUSTOMER_PREFIX, OUT_OF_STOCK_PREFIX, UNDELIVERABLE_POSTAL_PREFIX,
};

#[derive(Debug, Clone, Copy, Default)]
pub struct StandInCustomers;

#[async_trait]
impl CustomerDirectory for StandInCustomers {
    async fn exists(&self, customer: &CustomerId) -> Result<bool, GatewayError> {
        Ok(!customer.as_str().starts_with(MISSING_CUSTOMER_PREFIX))
    }
}

/// Ample stock (see the test values), and a `RestockBook` of the returns put back.
#[derive(Debug, Clone, Default)]
pub struct StandInInventory {
    restocks: Arc<RestockBook>,
}

impl StandInInventory {
    /// Its restocks, for tests to inspect.
    pub fn restocks(&self) -> &Arc<RestockBook> {
        &self.restocks
    }
}

#[async_trait]
impl Inventory for StandInInventory {
    async fn reserve(&self, _order: OrderId, lines: &[OrderLine]) -> Result<(), ReservationError> {
        let mut unavailable: Vec<_> = lines
            .iter()
            .map(|line| &line.product_id)
            .filter(|product| product.as_str().starts_with(OUT_OF_STOCK_PREFIX))
            .cloned()
            .collect();
        if unavailable.is_empty() {
            return Ok(());
        }
        unavailable.sort();
        unavailable.dedup();
        Err(ReservationError::Unavailable(unavailable))
    }

    async fn release(&self, _order: OrderId) -> Result<(), GatewayError> {
        Ok(())
    }

    /// The in-process stand-in keeps no reservations, so none is ever left behind.
    async fn reservations_before(
        &self,
        _before: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<OrderId>, GatewayError> {
        Ok(Vec::new())
    }

    async fn restock(
        &self,
        order: OrderId,
        returned: ReturnId,
        items: &[ReturnItem],
        key: &str,
    ) -> Result<(), GatewayError> {
        let restock = Restock {
            order_id: order.to_string(),
            return_id: returned.to_string(),
            items: items
                .iter()
                .map(|item| (item.product_id.to_string(), item.quantity.get()))
                .collect(),
        };
        match self.restocks.handle(key, restock) {
            Ok(RestockAnswer::Restocked) => Ok(()),
            Ok(RestockAnswer::AnswerLost) => Err(GatewayError::Unavailable {
                service: "inventory",
                retry_after: None,
                source: Some("the answer was lost (test product `p-lost-restock`)".into()),
            }),
            Err(_) => Err(GatewayError::Unexpected {
                service: "inventory",
                detail: format!("Idempotency-Key `{key}` reused with another restock"),
            }),
        }
    }
}

/// The payment service in process: a ledger that honours keys as a real provider does.
#[derive(Debug, Clone, Default)]
pub struct StandInPayments {
    ledger: Arc<PaymentLedger>,
}

impl StandInPayments {
    /// Its books, for tests to inspect.
    pub fn ledger(&self) -> &Arc<PaymentLedger> {
        &self.ledger
    }

    fn call(&self, key: &ProviderKey, call: PaymentCall) -> Result<PaymentAnswer, PaymentError> {
        let answer = self.ledger.handle(key.as_str(), call).map_err(|_| {
            unexpected(format!(
                "Idempotency-Key `{key}` reused with another request"
            ))
        })?;
        match answer {
            PaymentAnswer::Declined { reason } => Err(PaymentError::Declined(reason)),
            PaymentAnswer::Conflict { reason } => Err(PaymentError::Conflict(reason)),
            PaymentAnswer::NotFound => Err(unexpected("no such authorization".to_owned())),
            answer => Ok(answer),
        }
    }
}

fn unexpected(detail: String) -> PaymentError {
    PaymentError::Gateway(GatewayError::Unexpected {
        service: "payment",
        detail,
    })
}

fn amount_text(amount: Money) -> String {
    amount.to_decimal().to_string()
}

#[async_trait]
impl PaymentGateway for StandInPayments {
    async fn authorize(
        &self,
        key: &ProviderKey,
        order: OrderId,
        payment: &PaymentRequest,
    ) -> Result<AuthorizationId, PaymentError> {
        let call = PaymentCall::Authorize {
            order_id: order.to_string(),
            method: payment.method.clone(),
            amount: amount_text(payment.amount),
            currency: payment.amount.currency().code().to_owned(),
            reference: payment.reference.clone(),
        };
        match self.call(key, call)? {
            PaymentAnswer::Authorized { authorization_id } => {
                AuthorizationId::parse(authorization_id).map_err(|e| unexpected(e.to_string()))
            }
            other => Err(unexpected(format!("{other:?}"))),
        }
    }

    async fn capture(
        &self,
        key: &ProviderKey,
        authorization: &AuthorizationId,
        amount: Money,
    ) -> Result<(), PaymentError> {
        let call = PaymentCall::Capture {
            authorization_id: authorization.to_string(),
            amount: amount_text(amount),
            currency: amount.currency().code().to_owned(),
        };
        self.call(key, call).map(drop)
    }

    async fn void(
        &self,
        key: &ProviderKey,
        authorization: &AuthorizationId,
    ) -> Result<(), PaymentError> {
        let call = PaymentCall::Void {
            authorization_id: authorization.to_string(),
        };
        self.call(key, call).map(drop)
    }

    async fn refund(
        &self,
        key: &ProviderKey,
        order: OrderId,
        authorization: &AuthorizationId,
        amount: Money,
        reason: &str,
    ) -> Result<RefundId, PaymentError> {
        let call = PaymentCall::Refund {
            order_id: order.to_string(),
            authorization_id: authorization.to_string(),
            amount: amount_text(amount),
            currency: amount.currency().code().to_owned(),
            reason: reason.to_owned(),
        };
        match self.call(key, call)? {
            PaymentAnswer::Refunded { refund_id } => {
                RefundId::parse(refund_id).map_err(|e| unexpected(e.to_string()))
            }
            other => Err(unexpected(format!("{other:?}"))),
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct StandInShipping;

#[async_trait]
impl ShippingService for StandInShipping {
    async fn validate_address(
        &self,
        address: &ShippingAddress,
    ) -> Result<AddressCheck, GatewayError> {
        if address.postal_code.starts_with(UNDELIVERABLE_POSTAL_PREFIX) {
            return Ok(AddressCheck::Undeliverable(format!(
                "no delivery to postal code {} (test prefix `{UNDELIVERABLE_POSTAL_PREFIX}`)",
                address.postal_code
            )));
        }
        Ok(AddressCheck::Deliverable)
    }
}

/// Accepts every notification and sends nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct StandInNotifier;

#[async_trait]
impl Notifier for StandInNotifier {
    async fn notify(&self, notification: Notification) -> Result<(), GatewayError> {
        tracing::debug!(order = %notification.order_id, kind = %notification.kind, "stand-in notification");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use order_domain::{AddressDraft, Currency, NotificationKind, ProductId, Quantity};

    fn line(product: &str) -> OrderLine {
        OrderLine {
            product_id: ProductId::parse(product).expect("valid test data"),
            quantity: Quantity::parse("1").expect("valid test data"),
            unit_price: Money::zero(Currency::USD),
        }
    }

    fn request(method: &str) -> PaymentRequest {
        PaymentRequest {
            method: method.into(),
            amount: Money::from_minor(11_500, Currency::USD).expect("a valid amount"),
            reference: None,
        }
    }

    #[tokio::test]
    async fn a_declined_order_can_be_paid_with_another_method_under_a_new_key() {
        let payments = StandInPayments::default();
        let order = OrderId::generate();
        let first =
            ProviderKey::authorization_attempt(order, order_domain::AttemptId::generate(), None);
        assert!(matches!(
            payments
                .authorize(&first, order, &request("declined"))
                .await,
            Err(PaymentError::Declined(_))
        ));
        // The same key with another body is what a provider refuses.
        assert!(matches!(
            payments.authorize(&first, order, &request("visa")).await,
            Err(PaymentError::Gateway(GatewayError::Unexpected { .. }))
        ));
        let second =
            ProviderKey::authorization_attempt(order, order_domain::AttemptId::generate(), None);
        let authorization = payments
            .authorize(&second, order, &request("visa"))
            .await
            .expect("authorized under a new key");
        let replayed = payments
            .authorize(&second, order, &request("visa"))
            .await
            .expect("replayed");
        assert_eq!(replayed, authorization);
        let books = payments.ledger().authorizations();
        assert_eq!(books.len(), 1);
        assert_eq!(books[0].amount, "115.00");
        assert_eq!(books[0].order_id, order.to_string());
    }

    #[tokio::test]
    async fn voids_and_refunds_are_kept_in_the_books() {
        let payments = StandInPayments::default();
        let order = OrderId::generate();
        let held = payments
            .authorize(
                &ProviderKey::authorization_attempt(
                    order,
                    order_domain::AttemptId::generate(),
                    None,
                ),
                order,
                &request("visa"),
            )
            .await
            .expect("authorized");
        payments
            .void(&ProviderKey::void(&held), &held)
            .await
            .expect("voided");
        payments
            .void(&ProviderKey::parse("void-again").expect("a key"), &held)
            .await
            .expect("voided again");
        assert_eq!(payments.ledger().voids(), [held.to_string()]);
        assert!(matches!(
            payments
                .capture(&ProviderKey::capture(&held), &held, request("visa").amount)
                .await,
            Err(PaymentError::Conflict(_))
        ));

        let taken = payments
            .authorize(
                &ProviderKey::authorization_attempt(
                    order,
                    order_domain::AttemptId::generate(),
                    None,
                ),
                order,
                &request("visa"),
            )
            .await
            .expect("authorized");
        payments
            .capture(
                &ProviderKey::capture(&taken),
                &taken,
                request("visa").amount,
            )
            .await
            .expect("captured");
        assert!(matches!(
            payments.void(&ProviderKey::void(&taken), &taken).await,
            Err(PaymentError::Conflict(_))
        ));
        let refund = payments
            .refund(
                &ProviderKey::full_refund(order),
                order,
                &taken,
                request("visa").amount,
                "order canceled",
            )
            .await
            .expect("refunded");
        let refunds = payments.ledger().refunds();
        assert_eq!(refunds.len(), 1);
        assert_eq!(refunds[0].id, refund.to_string());
        assert_eq!(refunds[0].authorization_id, taken.to_string());
    }

    #[tokio::test]
    async fn customers_exist_unless_their_id_says_otherwise() {
        let id = |s: &str| CustomerId::parse(s).expect("valid test data");
        assert!(StandInCustomers.exists(&id("c-1")).await.unwrap_or(false));
        assert!(!StandInCustomers
            .exists(&id("no-such-customer-7"))
            .await
            .unwrap_or(true));
    }

    #[tokio::test]
    async fn out_of_stock_products_are_each_named_once() {
        let lines = [
            line("p-1"),
            line("p-out-of-stock-b"),
            line("p-out-of-stock-a"),
            line("p-out-of-stock-b"),
        ];
        match StandInInventory::default()
            .reserve(OrderId::generate(), &lines)
            .await
        {
            Err(ReservationError::Unavailable(products)) => {
                let names: Vec<_> = products.iter().map(|p| p.as_str()).collect();
                assert_eq!(names, ["p-out-of-stock-a", "p-out-of-stock-b"]);
            }
            other => panic!("expected unavailable, got {other:?}"),
        }
        assert!(StandInInventory::default()
            .reserve(OrderId::generate(), &[line("p-1")])
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn addresses_are_deliverable_unless_the_postal_code_says_otherwise() {
        let address = |postal: &str| {
            ShippingAddress::parse(AddressDraft {
                line1: Some("1 Main St".into()),
                city: Some("Springfield".into()),
                postal_code: Some(postal.into()),
                country: Some("US".into()),
                ..AddressDraft::default()
            })
            .expect("valid test data")
        };
        assert_eq!(
            StandInShipping
                .validate_address(&address("62701"))
                .await
                .ok(),
            Some(AddressCheck::Deliverable)
        );
        assert!(matches!(
            StandInShipping.validate_address(&address("00000-1")).await,
            Ok(AddressCheck::Undeliverable(_))
        ));
    }

    #[tokio::test]
    async fn the_notifier_accepts_every_notification() {
        let customer_id = CustomerId::parse("c-1").expect("valid test data");
        for kind in NotificationKind::ALL {
            let notification = Notification {
                order_id: OrderId::generate(),
                kind,
                customer_id: customer_id.clone(),
            };
            assert!(StandInNotifier.notify(notification).await.is_ok());
        }
    }
}
