use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{header, json_of, pointers, problem, spawn_app, valid_order};

#[tokio::test]
async fn a_valid_order_is_created_pending_at_version_one() {
    let app = spawn_app().await;
    let response = app.post_order(&valid_order()).await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let location = header(&response, "location");
    assert_eq!(header(&response, "etag").as_deref(), Some("\"1\""));
    let order = json_of(response).await;
    let id = order["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(location, Some(format!("/orders/{id}")));
    assert_eq!(
        uuid::Uuid::parse_str(&id).map(|u| u.get_version_num()).ok(),
        Some(7)
    );
    assert_eq!(order["status"], "pending");
    assert_eq!(order["version"], 1);
    assert_eq!(order["currency"], "USD");
    assert_eq!(order["storeId"], "store-1");
    assert_eq!(order["customerId"], "customer-1");
    assert_eq!(order["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        order["items"][0],
        json!({"productId": "p-1", "quantity": 2, "price": 25.00, "shippedQuantity": 0,
               "returnedQuantity": 0})
    );
    assert_eq!(order["shipments"], json!([]));
    let created_at = order["createdAt"].as_str().unwrap_or_default();
    assert!(
        chrono::DateTime::parse_from_rfc3339(created_at).is_ok(),
        "{created_at}"
    );
    assert!(created_at.ends_with('Z'), "UTC: {created_at}");
    assert_eq!(order["createdAt"], order["updatedAt"]);

    let fetched = json_of(app.get_order(&id).await).await;
    assert_eq!(fetched, order);
}

#[tokio::test]
async fn amounts_are_written_exactly_with_the_currency_decimals() {
    let app = spawn_app().await;
    let order = app.create(&valid_order()).await;
    // Written from the stored minor units with the currency's decimals, never through a float.
    let raw = app
        .get(&format!(
            "/orders/{}",
            order["id"].as_str().unwrap_or_default()
        ))
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(raw.contains("\"totalAmount\":115.00"), "{raw}");
    assert!(raw.contains("\"price\":25.00"), "{raw}");

    let mut yen = valid_order();
    yen["currency"] = json!("JPY");
    let response = app
        .post_raw("/orders", yen.to_string(), Some("application/json"))
        .await;
    let text = response.text().await.unwrap_or_default();
    assert!(
        text.contains("\"totalAmount\":115,") && text.contains("\"currency\":\"JPY\""),
        "{text}"
    );
}

#[tokio::test]
async fn the_seed_readme_example_is_rejected_naming_items_total() {
    let app = spawn_app().await;
    let seed = json!({
        "storeId": "store-1", "customerId": "customer-1", "idempotencyKey": "seed-1",
        "itemsTotal": 100, "shippingCost": 10, "taxAmount": 5, "totalAmount": 115,
        "items": [
            {"productId": "product-1", "quantity": 2, "price": 25},
            {"productId": "product-2", "quantity": 2, "price": 50}
        ]
    });
    let body = problem(
        app.post_order(&seed).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointers(&body), ["/itemsTotal"]);
    assert!(app.all_orders("").await.is_empty());
}

#[tokio::test]
async fn every_bad_field_is_named_in_one_response() {
    let app = spawn_app().await;
    let bad = json!({
        "storeId": "",
        "currency": "USD",
        "itemsTotal": -1,
        "shippingCost": 10.001,
        "taxAmount": 0,
        "totalAmount": 0,
        "items": [
            {"productId": "p-1", "quantity": 1.5, "price": 25.005},
            {"quantity": 0, "price": 1},
            {"productId": "x".repeat(129), "quantity": 1, "price": 1}
        ]
    });
    let body = problem(app.post_order(&bad).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        pointers(&body),
        [
            "/storeId",
            "/customerId",
            "/itemsTotal",
            "/shippingCost",
            "/items/0/quantity",
            "/items/0/price",
            "/items/1/productId",
            "/items/1/quantity",
            "/items/2/productId",
        ]
    );
    assert!(app.all_orders("").await.is_empty());
}

#[tokio::test]
async fn totals_that_do_not_add_up_are_rejected() {
    let app = spawn_app().await;
    let mut wrong_total = valid_order();
    wrong_total["totalAmount"] = json!(115.01);
    let body = problem(
        app.post_order(&wrong_total).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointers(&body), ["/totalAmount"]);
}

#[tokio::test]
async fn item_counts_outside_one_to_a_hundred_are_rejected() {
    let app = spawn_app().await;
    let mut empty = valid_order();
    empty["items"] = json!([]);
    let body = problem(
        app.post_order(&empty).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointers(&body), ["/items"]);

    let mut many = valid_order();
    many["items"] = json!(vec![
        json!({"productId": "p", "quantity": 1, "price": 1});
        101
    ]);
    many["itemsTotal"] = json!(101);
    many["totalAmount"] = json!(116);
    let body = problem(
        app.post_order(&many).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointers(&body), ["/items"]);
}

#[tokio::test]
async fn an_unknown_currency_is_rejected() {
    let app = spawn_app().await;
    let mut order = valid_order();
    order["currency"] = json!("XYZ");
    let body = problem(
        app.post_order(&order).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointers(&body), ["/currency"]);
}

#[tokio::test]
async fn an_unknown_customer_is_a_422_and_nothing_is_written() {
    let app = spawn_app().await;
    let mut order = valid_order();
    order["customerId"] = json!("no-such-customer-42");
    let body = problem(
        app.post_order(&order).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointers(&body), ["/customerId"]);
    assert!(app.all_orders("").await.is_empty());
}

#[tokio::test]
async fn missing_stock_is_a_409_naming_the_products_and_nothing_is_written() {
    let app = spawn_app().await;
    let mut order = valid_order();
    order["items"][1]["productId"] = json!("p-out-of-stock-9");
    let body = problem(app.post_order(&order).await, StatusCode::CONFLICT).await;
    assert_eq!(body["unavailableProducts"], json!(["p-out-of-stock-9"]));
    assert!(body["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("p-out-of-stock-9"));
    assert!(app.all_orders("").await.is_empty());
}

#[tokio::test]
async fn every_route_is_also_served_under_v1() {
    let app = spawn_app().await;
    let response = app
        .post_raw(
            "/v1/orders",
            valid_order().to_string(),
            Some("application/json"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = header(&response, "location").unwrap_or_default();
    assert!(location.starts_with("/v1/orders/"), "{location}");
    let fetched = app.get(&location).await;
    assert_eq!(fetched.status(), StatusCode::OK);
    assert_eq!(app.get("/v1/orders").await.status(), StatusCode::OK);
    assert_eq!(app.get("/v1/health/live").await.status(), StatusCode::OK);
}
