use async_trait::async_trait;
use order_domain::ports::{
    AddressCheck, CustomerDirectory, GatewayError, Inventory, Notifier, PaymentError,
    PaymentGateway, ReservationError, ShippingService,
};
use order_domain::{
    CustomerId, Money, Notification, OrderId, OrderLine, PaymentRequest, ShippingAddress,
};

/// Customer ids with this prefix do not exist.
pub const MISSING_CUSTOMER_PREFIX: &str = "no-such-customer";
/// Product ids with this prefix are out of stock.
pub const OUT_OF_STOCK_PREFIX: &str = "p-out-of-stock";
/// Payments with this method are declined.
pub const DECLINED_METHOD: &str = "declined";
/// Addresses whose postal code starts with this are undeliverable.
pub const UNDELIVERABLE_POSTAL_PREFIX: &str = "00000";

#[derive(Debug, Clone, Copy, Default)]
pub struct StandInCustomers;

#[async_trait]
impl CustomerDirectory for StandInCustomers {
    async fn exists(&self, customer: &CustomerId) -> Result<bool, GatewayError> {
        Ok(!customer.as_str().starts_with(MISSING_CUSTOMER_PREFIX))
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct StandInInventory;

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
}

#[derive(Debug, Clone, Copy, Default)]
pub struct StandInPayments;

#[async_trait]
impl PaymentGateway for StandInPayments {
    async fn authorize(
        &self,
        _order: OrderId,
        payment: &PaymentRequest,
    ) -> Result<(), PaymentError> {
        if payment.method == DECLINED_METHOD {
            return Err(PaymentError::Declined(
                "the card was declined (test method `declined`)".into(),
            ));
        }
        Ok(())
    }

    /// Every refund succeeds.
    async fn refund(&self, _order: OrderId, _amount: Money) -> Result<(), PaymentError> {
        Ok(())
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
            product_id: ProductId::parse(product).unwrap_or_else(|e| panic!("{e}")),
            quantity: Quantity::parse("1").unwrap_or_else(|e| panic!("{e}")),
            unit_price: Money::zero(Currency::USD),
        }
    }

    #[tokio::test]
    async fn payments_are_authorized_unless_the_method_is_declined() {
        let request = |method: &str| PaymentRequest {
            method: method.into(),
            amount: Money::zero(Currency::USD),
            reference: None,
        };
        assert!(StandInPayments
            .authorize(OrderId::generate(), &request("visa"))
            .await
            .is_ok());
        assert!(matches!(
            StandInPayments
                .authorize(OrderId::generate(), &request("declined"))
                .await,
            Err(PaymentError::Declined(_))
        ));
    }

    #[tokio::test]
    async fn customers_exist_unless_their_id_says_otherwise() {
        let id = |s: &str| CustomerId::parse(s).unwrap_or_else(|e| panic!("{e}"));
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
        match StandInInventory.reserve(OrderId::generate(), &lines).await {
            Err(ReservationError::Unavailable(products)) => {
                let names: Vec<_> = products.iter().map(|p| p.as_str()).collect();
                assert_eq!(names, ["p-out-of-stock-a", "p-out-of-stock-b"]);
            }
            other => panic!("expected unavailable, got {other:?}"),
        }
        assert!(StandInInventory
            .reserve(OrderId::generate(), &[line("p-1")])
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn refunds_always_succeed() {
        let amount = Money::from_minor(11_500, Currency::USD).unwrap_or_else(|e| panic!("{e}"));
        assert!(StandInPayments
            .refund(OrderId::generate(), amount)
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
            .unwrap_or_else(|e| panic!("{e:?}"))
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
        let customer_id = CustomerId::parse("c-1").unwrap_or_else(|e| panic!("{e}"));
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
