use order_domain::ports::{GatewayError, PaymentError, PaymentGateway};
use order_domain::{AuthorizationId, Currency, Money, OrderId, ProviderKey};
use order_gateways::HttpPayments;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{payment, settings, usd};

async fn client(server: &MockServer) -> HttpPayments {
    HttpPayments::new(settings(server)).expect("a client")
}

fn authorization() -> AuthorizationId {
    AuthorizationId::parse("auth-7").expect("a valid id")
}

fn key(text: &str) -> ProviderKey {
    ProviderKey::parse(text).expect("a valid key")
}

#[tokio::test]
async fn an_authorization_posts_the_exact_amount_under_its_key_and_returns_the_providers_id() {
    let server = MockServer::start().await;
    let order = OrderId::generate();
    let attempt =
        ProviderKey::authorization_attempt(order, order_domain::AttemptId::generate(), None);
    Mock::given(method("POST"))
        .and(path("/authorizations"))
        .and(header("Idempotency-Key", attempt.as_str()))
        .and(body_json(json!({
            "orderId": order.to_string(), "method": "visa", "amount": "115.00",
            "currency": "USD", "reference": "ref-1"
        })))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"authorizationId": "auth-7"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let result = client(&server)
        .await
        .authorize(&attempt, order, &payment("visa", usd(11_500)))
        .await;
    assert_eq!(result.ok(), Some(authorization()));
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
    let order = OrderId::generate();
    let result = client(&server)
        .await
        .authorize(
            &ProviderKey::authorization_attempt(order, order_domain::AttemptId::generate(), None),
            order,
            &payment("visa", usd(100)),
        )
        .await;
    assert!(
        matches!(&result, Err(PaymentError::Declined(reason)) if reason == "insufficient funds"),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_key_reused_with_another_body_is_unexpected_not_a_decline() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({"error": "key reused"})))
        .expect(1)
        .mount(&server)
        .await;
    let order = OrderId::generate();
    let result = client(&server)
        .await
        .authorize(&key("k-1"), order, &payment("visa", usd(100)))
        .await;
    assert!(
        matches!(
            result,
            Err(PaymentError::Gateway(GatewayError::Unexpected { .. }))
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_capture_posts_the_amount_to_the_authorization_under_its_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/authorizations/auth-7/capture"))
        .and(header("Idempotency-Key", "capture:auth-7"))
        .and(body_json(json!({"amount": "115.00", "currency": "USD"})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let result = client(&server)
        .await
        .capture(
            &ProviderKey::capture(&authorization()),
            &authorization(),
            usd(11_500),
        )
        .await;
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn a_void_posts_no_body_under_its_key_and_a_409_is_a_conflict() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/authorizations/auth-7/void"))
        .and(header("Idempotency-Key", "void:auth-7"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/authorizations/auth-8/void"))
        .respond_with(
            ResponseTemplate::new(409)
                .set_body_json(json!({"reason": "the authorization is captured"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let payments = client(&server).await;
    let voided = payments
        .void(&ProviderKey::void(&authorization()), &authorization())
        .await;
    assert!(voided.is_ok(), "{voided:?}");
    let captured = AuthorizationId::parse("auth-8").expect("a valid id");
    let refused = payments
        .void(&ProviderKey::void(&captured), &captured)
        .await;
    assert!(
        matches!(&refused, Err(PaymentError::Conflict(reason)) if reason == "the authorization is captured"),
        "{refused:?}"
    );
    let requests = server.received_requests().await.unwrap_or_default();
    assert!(
        requests.iter().all(|r| r.body.is_empty()),
        "a void has no body"
    );
}

#[tokio::test]
async fn a_refund_posts_order_authorization_amount_and_reason_under_its_key() {
    let server = MockServer::start().await;
    let order = OrderId::generate();
    let yen = Money::from_minor(700, Currency::parse("JPY").expect("JPY")).expect("an amount");
    let refund_key = ProviderKey::full_refund(order);
    Mock::given(method("POST"))
        .and(path("/refunds"))
        .and(header("Idempotency-Key", refund_key.as_str()))
        .and(body_json(json!({
            "orderId": order.to_string(), "authorizationId": "auth-7", "amount": "700",
            "currency": "JPY", "reason": "order canceled"
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"refundId": "re-1"})))
        .expect(1)
        .mount(&server)
        .await;
    let result = client(&server)
        .await
        .refund(&refund_key, order, &authorization(), yen, "order canceled")
        .await;
    assert_eq!(
        result.ok().map(|id| id.to_string()),
        Some("re-1".to_owned())
    );
}

#[tokio::test]
async fn a_success_without_the_providers_id_is_unexpected() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({})))
        .mount(&server)
        .await;
    let order = OrderId::generate();
    let result = client(&server)
        .await
        .authorize(&key("k-1"), order, &payment("visa", usd(100)))
        .await;
    assert!(
        matches!(
            result,
            Err(PaymentError::Gateway(GatewayError::Unexpected { .. }))
        ),
        "{result:?}"
    );
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
        .authorize(&key("k-1"), OrderId::generate(), &payment("visa", usd(100)))
        .await;
    assert!(
        matches!(
            result,
            Err(PaymentError::Gateway(GatewayError::Unexpected { .. }))
        ),
        "{result:?}"
    );
}
