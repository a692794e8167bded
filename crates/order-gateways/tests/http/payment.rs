use order_domain::ports::{GatewayError, PaymentError, PaymentGateway};
use order_domain::{Currency, Money, OrderId};
use order_gateways::HttpPayments;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{payment, settings, usd};

async fn client(server: &MockServer) -> HttpPayments {
    HttpPayments::new(settings(server)).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn an_authorization_posts_the_amount_as_exact_decimal_text_with_an_idempotency_key() {
    let server = MockServer::start().await;
    let order = OrderId::generate();
    Mock::given(method("POST"))
        .and(path("/authorizations"))
        .and(header(
            "Idempotency-Key",
            format!("authorize:{order}").as_str(),
        ))
        .and(body_json(json!({
            "orderId": order.to_string(), "method": "visa", "amount": "115.00",
            "currency": "USD", "reference": "ref-1"
        })))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let result = client(&server)
        .await
        .authorize(order, &payment("visa", usd(11_500)))
        .await;
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn a_402_is_a_decline_with_the_services_reason() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/authorizations"))
        .respond_with(
            ResponseTemplate::new(402).set_body_json(json!({"reason": "insufficient funds"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let result = client(&server)
        .await
        .authorize(OrderId::generate(), &payment("visa", usd(100)))
        .await;
    assert!(
        matches!(&result, Err(PaymentError::Declined(reason)) if reason == "insufficient funds"),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_refund_posts_the_amount_in_the_currencys_minor_digits_with_an_idempotency_key() {
    let server = MockServer::start().await;
    let order = OrderId::generate();
    let yen = Money::from_minor(700, Currency::parse("JPY").unwrap_or_else(|| panic!("JPY")))
        .unwrap_or_else(|e| panic!("{e}"));
    Mock::given(method("POST"))
        .and(path("/refunds"))
        .and(header(
            "Idempotency-Key",
            format!("refund:{order}").as_str(),
        ))
        .and(body_json(
            json!({"orderId": order.to_string(), "amount": "700", "currency": "JPY"}),
        ))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let result = client(&server).await.refund(order, yen).await;
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn an_order_already_refunded_counts_as_refunded() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/refunds"))
        .respond_with(ResponseTemplate::new(409))
        .mount(&server)
        .await;
    let result = client(&server)
        .await
        .refund(OrderId::generate(), usd(500))
        .await;
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn a_decline_with_an_unreadable_body_is_unexpected() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(402).set_body_string("nope"))
        .mount(&server)
        .await;
    let result = client(&server)
        .await
        .authorize(OrderId::generate(), &payment("visa", usd(100)))
        .await;
    assert!(
        matches!(
            result,
            Err(PaymentError::Gateway(GatewayError::Unexpected { .. }))
        ),
        "{result:?}"
    );
}
