use std::time::Duration;

use order_domain::{
    AddressDraft, Currency, Money, OrderLine, PaymentRequest, ProductId, Quantity, ShippingAddress,
};
use order_gateways::{BaseUrl, HttpSettings};
use wiremock::MockServer;

/// Settings for a test server: short timeout and backoff so that failures come quickly.
pub fn settings(server: &MockServer) -> HttpSettings {
    settings_for(&server.uri())
}

pub fn settings_for(uri: &str) -> HttpSettings {
    let base = BaseUrl::parse(uri).unwrap_or_else(|e| panic!("{e}"));
    let mut settings = HttpSettings::new(base).with_timeout(Duration::from_millis(1000));
    settings.backoff_min = Duration::from_millis(1);
    settings.backoff_max = Duration::from_millis(20);
    settings
}

pub fn line(product: &str, quantity: &str) -> OrderLine {
    OrderLine {
        product_id: ProductId::parse(product).unwrap_or_else(|e| panic!("{e}")),
        quantity: Quantity::parse(quantity).unwrap_or_else(|e| panic!("{e}")),
        unit_price: Money::zero(Currency::USD),
    }
}

pub fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD).unwrap_or_else(|e| panic!("{e}"))
}

pub fn payment(method: &str, amount: Money) -> PaymentRequest {
    PaymentRequest {
        method: method.into(),
        amount,
        reference: Some("ref-1".into()),
    }
}

pub fn address(postal_code: &str) -> ShippingAddress {
    ShippingAddress::parse(AddressDraft {
        name: Some("Ada Lovelace".into()),
        line1: Some("1 Main St".into()),
        city: Some("Springfield".into()),
        postal_code: Some(postal_code.into()),
        country: Some("US".into()),
        ..AddressDraft::default()
    })
    .unwrap_or_else(|e| panic!("{e:?}"))
}

pub async fn received(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .map_or(0, |requests| requests.len())
}
