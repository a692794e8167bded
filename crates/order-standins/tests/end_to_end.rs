//! The real clients against the stand-in server, over real HTTP: both sides of each contract agree.

use std::net::TcpListener;

use order_domain::ports::{
    AddressCheck, CustomerDirectory, GatewayError, Inventory, Notifier, PaymentError,
    PaymentGateway, ReservationError, ShippingService,
};
use order_domain::{
    AddressDraft, Currency, CustomerId, Money, Notification, NotificationKind, OrderId, OrderLine,
    PaymentRequest, ProductId, ProviderKey, Quantity, ShippingAddress,
};
use order_gateways::{
    BaseUrl, HttpCustomers, HttpInventory, HttpNotifier, HttpPayments, HttpSettings, HttpShipping,
};

/// The stand-in server on a free port; its settings for the clients.
fn spawn_standins() -> HttpSettings {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let port = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .port();
    let server = order_standins::serve(listener).unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(server);
    let base =
        BaseUrl::parse(&format!("http://127.0.0.1:{port}")).unwrap_or_else(|e| panic!("{e}"));
    HttpSettings::new(base)
}

fn line(product: &str) -> OrderLine {
    OrderLine {
        product_id: ProductId::parse(product).unwrap_or_else(|e| panic!("{e}")),
        quantity: Quantity::parse("1").unwrap_or_else(|e| panic!("{e}")),
        unit_price: Money::zero(Currency::USD),
    }
}

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn customers_exist_unless_their_id_says_otherwise() {
    let customers = HttpCustomers::new(spawn_standins()).unwrap_or_else(|e| panic!("{e}"));
    let id = |s: &str| CustomerId::parse(s).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(customers.exists(&id("c-1")).await, Ok(true)));
    assert!(matches!(
        customers.exists(&id("no-such-customer-1")).await,
        Ok(false)
    ));
}

#[tokio::test]
async fn stock_is_reserved_unless_out_of_stock_and_reservations_are_released() {
    let inventory = HttpInventory::new(spawn_standins()).unwrap_or_else(|e| panic!("{e}"));
    let order = OrderId::generate();
    let reserved = inventory.reserve(order, &[line("p-1"), line("p-2")]).await;
    assert!(reserved.is_ok(), "{reserved:?}");
    let refused = inventory
        .reserve(
            OrderId::generate(),
            &[line("p-1"), line("p-out-of-stock-9")],
        )
        .await;
    match refused {
        Err(ReservationError::Unavailable(products)) => {
            assert_eq!(
                products.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
                ["p-out-of-stock-9"]
            );
        }
        other => panic!("expected out of stock, got {other:?}"),
    }
    let released = inventory.release(order).await;
    assert!(released.is_ok(), "{released:?}");
}

#[tokio::test]
async fn the_payment_server_honours_keys_as_a_real_provider_does() {
    let payments = HttpPayments::new(spawn_standins()).expect("a client");
    let request = |method: &str| PaymentRequest {
        method: method.into(),
        amount: usd(11_500),
        reference: None,
    };
    let order = OrderId::generate();
    let declined_key =
        ProviderKey::authorization_attempt(order, order_domain::AttemptId::generate(), None);
    assert!(matches!(
        payments
            .authorize(&declined_key, order, &request("declined"))
            .await,
        Err(PaymentError::Declined(_))
    ));
    // The same key with another body: 422, which the client cannot read as an answer.
    assert!(matches!(
        payments
            .authorize(&declined_key, order, &request("visa"))
            .await,
        Err(PaymentError::Gateway(GatewayError::Unexpected { .. }))
    ));
    let attempt =
        ProviderKey::authorization_attempt(order, order_domain::AttemptId::generate(), None);
    let held = payments
        .authorize(&attempt, order, &request("visa"))
        .await
        .expect("authorized under a new key");
    let replayed = payments
        .authorize(&attempt, order, &request("visa"))
        .await
        .expect("replayed");
    assert_eq!(replayed, held);

    payments
        .void(&ProviderKey::void(&held), &held)
        .await
        .expect("voided");
    let again = ProviderKey::parse(format!("void-again:{held}")).expect("a key");
    payments
        .void(&again, &held)
        .await
        .expect("voiding again is 200");
    assert!(matches!(
        payments
            .capture(&ProviderKey::capture(&held), &held, usd(11_500))
            .await,
        Err(PaymentError::Conflict(_))
    ));

    let taken = payments
        .authorize(
            &ProviderKey::authorization_attempt(order, order_domain::AttemptId::generate(), None),
            order,
            &request("visa"),
        )
        .await
        .expect("authorized");
    payments
        .capture(&ProviderKey::capture(&taken), &taken, usd(11_500))
        .await
        .expect("captured");
    assert!(matches!(
        payments.void(&ProviderKey::void(&taken), &taken).await,
        Err(PaymentError::Conflict(_))
    ));
    let refund_key = ProviderKey::full_refund(order);
    let refund = |key| payments.refund(key, order, &taken, usd(11_500), "order canceled");
    let refunded = refund(&refund_key).await.expect("refunded");
    let repeated = refund(&refund_key).await.expect("replayed");
    assert_eq!(repeated, refunded);
}

#[tokio::test]
async fn addresses_are_deliverable_unless_the_postal_code_says_otherwise() {
    let shipping = HttpShipping::new(spawn_standins()).unwrap_or_else(|e| panic!("{e}"));
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
        shipping.validate_address(&address("62701")).await.ok(),
        Some(AddressCheck::Deliverable)
    );
    assert!(matches!(
        shipping.validate_address(&address("00000")).await,
        Ok(AddressCheck::Undeliverable(_))
    ));
}

#[tokio::test]
async fn every_kind_of_notification_is_accepted() {
    let notifier = HttpNotifier::new(spawn_standins()).unwrap_or_else(|e| panic!("{e}"));
    let customer_id = CustomerId::parse("c-1").unwrap_or_else(|e| panic!("{e}"));
    for kind in NotificationKind::ALL {
        let sent = notifier
            .notify(Notification {
                order_id: OrderId::generate(),
                kind,
                customer_id: customer_id.clone(),
            })
            .await;
        assert!(sent.is_ok(), "{kind}: {sent:?}");
    }
}
