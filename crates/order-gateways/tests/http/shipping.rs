use order_domain::ports::{AddressCheck, GatewayError, ShippingService};
use order_gateways::HttpShipping;
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{address, settings};

async fn client(server: &MockServer) -> HttpShipping {
    HttpShipping::new(settings(server)).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_deliverable_address_is_posted_field_by_field() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/address-validations"))
        .and(body_json(json!({
            "name": "Ada Lovelace", "line1": "1 Main St", "line2": null, "city": "Springfield",
            "state": null, "postalCode": "62701", "country": "US"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"deliverable": true})))
        .expect(1)
        .mount(&server)
        .await;
    let result = client(&server)
        .await
        .validate_address(&address("62701"))
        .await;
    assert_eq!(result.ok(), Some(AddressCheck::Deliverable));
}

#[tokio::test]
async fn an_undeliverable_address_carries_the_services_reason() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"deliverable": false, "reason": "no such street"})),
        )
        .mount(&server)
        .await;
    let result = client(&server)
        .await
        .validate_address(&address("62701"))
        .await;
    assert_eq!(
        result.ok(),
        Some(AddressCheck::Undeliverable("no such street".into()))
    );
}

#[tokio::test]
async fn a_malformed_answer_is_unexpected() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": 1})))
        .mount(&server)
        .await;
    let result = client(&server)
        .await
        .validate_address(&address("62701"))
        .await;
    assert!(
        matches!(
            result,
            Err(GatewayError::Unexpected {
                service: "shipping",
                ..
            })
        ),
        "{result:?}"
    );
}
