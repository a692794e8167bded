//! Shipments by line over HTTP: quantities, statuses, one shipment's tracking and delivery, the first API's
//! mapping onto shipments, and parallel shipments that never ship more than was ordered.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{header, json_of, pointers, problem, spawn_app, valid_order, TestApp};

impl TestApp {
    /// `POST /orders/{id}/shipments`.
    async fn ship(&self, id: &str, body: &Value) -> reqwest::Response {
        self.send(
            self.client
                .post(self.url(&format!("/orders/{id}/shipments")))
                .json(body),
        )
        .await
    }

    /// A paid order made of `body`; its id.
    async fn paid(&self, body: &Value) -> String {
        let order = self.create(body).await;
        let id = order["id"].as_str().unwrap_or_default().to_owned();
        let paid = self.pay(&id, order["totalAmount"].clone()).await;
        assert_eq!(paid.status(), StatusCode::OK);
        id
    }
}

/// Three units of one product.
fn three_of_one() -> Value {
    json!({
        "storeId": "store-1", "customerId": "customer-1",
        "itemsTotal": 30, "shippingCost": 0, "taxAmount": 0, "totalAmount": 30,
        "items": [{"productId": "p-1", "quantity": 3, "price": 10}]
    })
}

fn shipment(items: Value) -> Value {
    json!({"carrier": "UPS", "trackingNumber": "1Z999", "items": items})
}

fn shipped_quantities(order: &Value) -> Vec<u64> {
    order["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["shippedQuantity"].as_u64().unwrap_or(99))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn shipping_part_of_an_order_answers_201_with_the_shipment_and_its_location() {
    let app = spawn_app().await;
    let id = app.paid(&valid_order()).await;
    let response = app
        .ship(&id, &shipment(json!([{"productId": "p-1", "quantity": 1}])))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = header(&response, "Location").unwrap_or_default();
    let order = json_of(response).await;
    assert_eq!(order["status"], "partially_shipped");
    assert_eq!(shipped_quantities(&order), [1, 0]);
    assert_eq!(order["items"][0]["returnedQuantity"], 0);
    let shipments = order["shipments"].as_array().cloned().unwrap_or_default();
    assert_eq!(shipments.len(), 1);
    let shipment_id = shipments[0]["id"].as_str().unwrap_or_default();
    assert_eq!(location, format!("/orders/{id}/shipments/{shipment_id}"));
    assert_eq!(shipments[0]["status"], "shipped");
    assert_eq!(shipments[0]["deliveredAt"], Value::Null);
    assert_eq!(
        shipments[0]["items"],
        json!([{"productId": "p-1", "quantity": 1}])
    );
    assert_eq!(order["shipment"]["id"], shipments[0]["id"]);
    // Stored: a read gives the same. (Read once the capture the first shipment asks for is recorded: it
    // changes the order's version, which the ETag at the Location carries.)
    let read = app
        .order_when(&id, |o| o["payment"]["capturedAt"].is_string())
        .await;
    assert_eq!(read["shipments"], order["shipments"]);
    assert_eq!(shipped_quantities(&read), [1, 0]);
    // The Location answers with the shipment itself.
    let at_location = app.get(&location).await;
    assert_eq!(at_location.status(), StatusCode::OK);
    assert_eq!(
        header(&at_location, "ETag"),
        Some(format!("\"{}\"", read["version"]))
    );
    assert_eq!(json_of(at_location).await, shipments[0]);
}

#[tokio::test]
async fn a_shipment_is_read_at_its_location_by_those_who_may_read_its_order() {
    let app = crate::helpers::spawn_app_with_auth().await;
    let admin = app.as_principal("--role admin");
    let id = admin.paid(&valid_order()).await;
    let response = admin.ship(&id, &shipment(json!(null))).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = header(&response, "Location").unwrap_or_default();
    let own_store = app.as_principal("--role store --store-id store-1");
    assert_eq!(own_store.get(&location).await.status(), StatusCode::OK);
    let operator = app.as_principal("--role operator");
    assert_eq!(operator.get(&location).await.status(), StatusCode::OK);
    let other_store = app.as_principal("--role store --store-id store-2");
    problem(other_store.get(&location).await, StatusCode::NOT_FOUND).await;
    let unknown = format!("/orders/{id}/shipments/{}", uuid_like());
    let body = problem(admin.get(&unknown).await, StatusCode::NOT_FOUND).await;
    assert_eq!(body["type"], "/problems/shipment-not-found");
    let not_an_id = format!("/orders/{id}/shipments/nope");
    problem(admin.get(&not_an_id).await, StatusCode::NOT_FOUND).await;
}

/// A well-formed UUIDv7 that names no shipment.
fn uuid_like() -> &'static str {
    "01900000-0000-7000-8000-000000000000"
}

#[tokio::test]
async fn a_shipment_without_items_ships_the_rest_and_the_order_is_shipped() {
    let app = spawn_app().await;
    let id = app.paid(&valid_order()).await;
    let first = app
        .ship(&id, &shipment(json!([{"productId": "p-2", "quantity": 1}])))
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let rest = app
        .ship(&id, &json!({"carrier": "DHL", "trackingNumber": "D1"}))
        .await;
    assert_eq!(rest.status(), StatusCode::CREATED);
    let order = json_of(rest).await;
    assert_eq!(order["status"], "shipped");
    assert_eq!(shipped_quantities(&order), [2, 1]);
    assert_eq!(
        order["shipments"][1]["items"],
        json!([{"productId": "p-1", "quantity": 2}])
    );
    assert_eq!(order["shipment"]["trackingNumber"], "D1");
    // Nothing is left: another shipment is a transition problem.
    let more = app
        .ship(&id, &json!({"carrier": "DHL", "trackingNumber": "D2"}))
        .await;
    let body = problem(more, StatusCode::CONFLICT).await;
    assert_eq!(body["type"], "/problems/transition-not-allowed");
}

#[tokio::test]
async fn too_many_zero_or_an_unknown_product_is_422_naming_each_item_and_writes_nothing() {
    let app = spawn_app().await;
    let id = app.paid(&valid_order()).await;
    let before = app.order(&id).await;
    let response = app
        .ship(
            &id,
            &shipment(json!([
                {"productId": "p-1", "quantity": 3},
                {"productId": "p-2", "quantity": 0},
                {"productId": "nope", "quantity": 1}
            ])),
        )
        .await;
    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    // The zero is found reading the request; the others against the order, once it reads.
    assert_eq!(pointers(&body), ["/items/1/quantity"]);
    let response = app
        .ship(
            &id,
            &shipment(json!([
                {"productId": "p-1", "quantity": 3},
                {"productId": "nope", "quantity": 1}
            ])),
        )
        .await;
    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(pointers(&body), ["/items/0/quantity", "/items/1/productId"]);
    assert_eq!(app.order(&id).await, before);
}

#[tokio::test]
async fn only_a_paid_order_ships() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    let response = app.ship(&id, &shipment(json!(null))).await;
    let body = problem(response, StatusCode::CONFLICT).await;
    assert_eq!(body["type"], "/problems/transition-not-allowed");
    assert_eq!(body["currentStatus"], "pending");
}

#[tokio::test]
async fn a_partially_shipped_order_can_be_neither_canceled_nor_deleted() {
    let app = spawn_app().await;
    let id = app.paid(&valid_order()).await;
    let response = app
        .ship(&id, &shipment(json!([{"productId": "p-1", "quantity": 1}])))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let canceled = app.set_status(&id, "canceled").await;
    assert_eq!(canceled.status(), StatusCode::CONFLICT);
    let deleted = app.delete_order(&id).await;
    assert_eq!(deleted.status(), StatusCode::CONFLICT);
    assert_eq!(app.order(&id).await["status"], "partially_shipped");
}

#[tokio::test]
async fn parallel_shipments_never_ship_more_than_was_ordered() {
    let app = spawn_app().await;
    let id = app.paid(&three_of_one()).await;
    let one = shipment(json!([{"productId": "p-1", "quantity": 1}]));
    let responses = join_all((0..10).map(|_| app.ship(&id, &one))).await;
    let statuses: Vec<StatusCode> = responses.iter().map(|r| r.status()).collect();
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 3, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| [
            StatusCode::CREATED,
            StatusCode::CONFLICT,
            StatusCode::UNPROCESSABLE_ENTITY
        ]
        .contains(s)),
        "{statuses:?}"
    );
    let order = app.order(&id).await;
    assert_eq!(order["status"], "shipped");
    assert_eq!(shipped_quantities(&order), [3]);
    assert_eq!(order["shipments"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn one_shipment_is_corrected_and_delivered_and_the_last_delivery_delivers_the_order() {
    let app = spawn_app().await;
    let id = app.paid(&valid_order()).await;
    let first = json_of(
        app.ship(&id, &shipment(json!([{"productId": "p-1", "quantity": 2}])))
            .await,
    )
    .await;
    let first_id = first["shipments"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let corrected = app
        .put(
            &id,
            &format!("shipments/{first_id}/tracking"),
            &json!({"carrier": "UPS", "trackingNumber": "FIXED"}),
            None,
        )
        .await;
    assert_eq!(corrected.status(), StatusCode::OK);
    assert_eq!(
        json_of(corrected).await["shipments"][0]["trackingNumber"],
        "FIXED"
    );
    let delivered = app
        .put(
            &id,
            &format!("shipments/{first_id}/status"),
            &json!({"status": "delivered"}),
            None,
        )
        .await;
    let order = json_of(delivered).await;
    assert_eq!(order["shipments"][0]["status"], "delivered");
    assert_eq!(order["status"], "partially_shipped");
    let second = json_of(app.ship(&id, &shipment(json!(null))).await).await;
    assert_eq!(second["status"], "shipped");
    let second_id = second["shipments"][1]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let last = app
        .put(
            &id,
            &format!("shipments/{second_id}/status"),
            &json!({"status": "delivered"}),
            None,
        )
        .await;
    assert_eq!(json_of(last).await["status"], "delivered");
    let types: Vec<String> = json_of(app.get(&format!("/orders/{id}/events")).await).await["items"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
                // The capture the first shipment asked for lands whenever the worker gets to it.
                .filter(|t| t != "order.payment_captured")
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        types,
        [
            "order.created",
            "order.paid",
            "order.shipment_created",
            "order.tracking_corrected",
            "order.shipment_delivered",
            "order.shipped",
            "order.delivered"
        ]
    );
}

#[tokio::test]
async fn an_unknown_shipment_is_a_404_problem() {
    let app = spawn_app().await;
    let id = app.paid(&valid_order()).await;
    assert_eq!(app.track(&id, "T1").await.status(), StatusCode::OK);
    let unknown = "019a6e1c-3f43-7a4e-9d2b-6c1f0e8a5b21";
    for path in [
        format!("shipments/{unknown}/status"),
        "shipments/not-a-uuid/status".to_owned(),
    ] {
        let response = app
            .put(&id, &path, &json!({"status": "delivered"}), None)
            .await;
        let body = problem(response, StatusCode::NOT_FOUND).await;
        assert_eq!(body["type"], "/problems/shipment-not-found");
    }
    let response = app
        .put(
            &id,
            &format!("shipments/{unknown}/tracking"),
            &json!({"carrier": "UPS", "trackingNumber": "X"}),
            None,
        )
        .await;
    problem(response, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn the_first_api_ships_the_rest_in_one_shipment_corrects_it_and_delivers_every_shipment() {
    let app = spawn_app().await;
    let id = app.paid(&valid_order()).await;
    let part = app
        .ship(&id, &shipment(json!([{"productId": "p-1", "quantity": 1}])))
        .await;
    assert_eq!(part.status(), StatusCode::CREATED);
    let rest = json_of(app.track(&id, "LEGACY").await).await;
    assert_eq!(rest["status"], "shipped");
    assert_eq!(shipped_quantities(&rest), [2, 1]);
    assert_eq!(
        rest["shipments"][1]["items"],
        json!([{"productId": "p-1", "quantity": 1}, {"productId": "p-2", "quantity": 1}])
    );
    let corrected = json_of(app.track(&id, "LEGACY-2").await).await;
    assert_eq!(corrected["shipments"].as_array().map(Vec::len), Some(2));
    assert_eq!(corrected["shipment"]["trackingNumber"], "LEGACY-2");
    assert_eq!(corrected["shipments"][0]["trackingNumber"], "1Z999");
    let delivered = json_of(app.set_status(&id, "delivered").await).await;
    assert_eq!(delivered["status"], "delivered");
    let arrived: Vec<&str> = delivered["shipments"]
        .as_array()
        .map(|s| {
            s.iter()
                .map(|s| s["status"].as_str().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(arrived, ["delivered", "delivered"]);
}

#[tokio::test]
async fn a_customer_never_ships_its_order() {
    let app = crate::helpers::spawn_app_with_auth().await;
    let admin = app.as_principal("--role admin");
    let id = admin.paid(&valid_order()).await;
    let customer = app.as_principal("--role customer --customer-id customer-1");
    let response = customer.ship(&id, &shipment(json!(null))).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let store = app.as_principal("--role store --store-id store-1");
    let response = store.ship(&id, &shipment(json!(null))).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}
