use order_domain::ports::{GatewayError, Inventory, ReservationError};
use order_domain::OrderId;
use order_gateways::HttpInventory;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{line, settings};

async fn client(server: &MockServer) -> HttpInventory {
    HttpInventory::new(settings(server)).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_reservation_posts_the_order_and_its_items_with_an_idempotency_key() {
    let server = MockServer::start().await;
    let order = OrderId::generate();
    Mock::given(method("POST"))
        .and(path("/reservations"))
        .and(header(
            "Idempotency-Key",
            format!("reserve:{order}").as_str(),
        ))
        .and(body_json(json!({
            "reservationId": order.to_string(),
            "items": [{"productId": "p-1", "quantity": 2}, {"productId": "p-2", "quantity": 1}]
        })))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let result = client(&server)
        .await
        .reserve(order, &[line("p-1", "2"), line("p-2", "1")])
        .await;
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn a_409_or_422_names_the_unavailable_products() {
    for status in [409, 422] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(status).set_body_json(json!({"unavailable": ["p-2"]})),
            )
            .expect(1)
            .mount(&server)
            .await;
        let result = client(&server)
            .await
            .reserve(OrderId::generate(), &[line("p-1", "1"), line("p-2", "1")])
            .await;
        match result {
            Err(ReservationError::Unavailable(products)) => {
                assert_eq!(
                    products.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
                    ["p-2"]
                );
            }
            other => panic!("{status}: expected unavailable products, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_refusal_that_names_no_product_is_unexpected() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(409).set_body_string("<html>conflict</html>"))
        .mount(&server)
        .await;
    let result = client(&server)
        .await
        .reserve(OrderId::generate(), &[line("p-1", "1")])
        .await;
    assert!(
        matches!(
            result,
            Err(ReservationError::Gateway(GatewayError::Unexpected { .. }))
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn releasing_deletes_the_reservation_with_an_idempotency_key() {
    let server = MockServer::start().await;
    let order = OrderId::generate();
    Mock::given(method("DELETE"))
        .and(path(format!("/reservations/{order}")))
        .and(header(
            "Idempotency-Key",
            format!("release:{order}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let result = client(&server).await.release(order).await;
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn releasing_an_unknown_reservation_is_not_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let result = client(&server).await.release(OrderId::generate()).await;
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn a_restock_posts_the_return_under_its_key_and_is_retried_when_the_service_is_down() {
    let server = MockServer::start().await;
    let order = OrderId::generate();
    let returned = order_domain::ReturnId::generate();
    let key = returned.restock_key();
    let expected = json!({
        "orderId": order.to_string(),
        "returnId": returned.to_string(),
        "items": [{"productId": "p-1", "quantity": 2}]
    });
    Mock::given(method("POST"))
        .and(path("/restocks"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/restocks"))
        .and(header("Idempotency-Key", key.as_str()))
        .and(body_json(expected))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let items = [order_domain::ReturnItem {
        product_id: order_domain::ProductId::parse("p-1").expect("an id"),
        quantity: order_domain::Quantity::parse("2").expect("a quantity"),
    }];
    let result = client(&server)
        .await
        .restock(order, returned, &items, &key)
        .await;
    assert!(result.is_ok(), "{result:?}");
}
