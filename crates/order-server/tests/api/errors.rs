use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{header, pointers, problem, spawn_app, valid_order};

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let response = app
        .post_raw("/orders", "{\"storeId\": ", Some("application/json"))
        .await;
    let body = problem(response, StatusCode::BAD_REQUEST).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("not valid JSON"),
        "{body}"
    );
}

#[tokio::test]
async fn a_wrong_json_type_is_a_400_naming_the_field() {
    let app = spawn_app().await;
    let mut order = valid_order();
    order["items"][1]["quantity"] = json!("2");
    let body = problem(app.post_order(&order).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(pointers(&body), ["/items/1/quantity"]);

    let body = problem(
        app.post_order(&json!([1, 2])).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(body["detail"].is_string());
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415() {
    let app = spawn_app().await;
    let body = valid_order().to_string();
    problem(
        app.post_raw("/orders", body.clone(), Some("text/plain"))
            .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    problem(
        app.post_raw("/orders", body.clone(), None).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    let vendor = app
        .post_raw("/orders", body, Some("application/vnd.orders+json"))
        .await;
    assert_eq!(vendor.status(), StatusCode::CREATED, "a +json type is JSON");
}

#[tokio::test]
async fn a_body_over_256_kib_is_a_413() {
    let app = spawn_app().await;
    let mut order = valid_order();
    order["storeId"] = json!("s".repeat(300 * 1024));
    let response = app
        .post_raw("/orders", order.to_string(), Some("application/json"))
        .await;
    problem(response, StatusCode::PAYLOAD_TOO_LARGE).await;
}

#[tokio::test]
async fn a_malformed_id_in_the_path_is_a_404_problem() {
    let app = spawn_app().await;
    problem(app.get_order("not-a-uuid").await, StatusCode::NOT_FOUND).await;
    problem(app.delete_order("not-a-uuid").await, StatusCode::NOT_FOUND).await;
    problem(
        app.get_order(&uuid::Uuid::now_v7().to_string()).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let app = spawn_app().await;
    problem(app.get("/nowhere").await, StatusCode::NOT_FOUND).await;
    let response = app.send(app.client.patch(app.url("/orders"))).await;
    assert_eq!(header(&response, "allow").as_deref(), Some("GET, POST"));
    problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
    let id = uuid::Uuid::now_v7();
    let response = app
        .send(app.client.post(app.url(&format!("/orders/{id}"))))
        .await;
    problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
}

#[tokio::test]
async fn a_bad_idempotency_key_header_is_a_400_naming_the_header() {
    let app = spawn_app().await;
    let response = app
        .post_order_with_key(&valid_order(), &"k".repeat(256))
        .await;
    let body = problem(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["errors"][0]["header"], "Idempotency-Key");
    assert!(app.all_orders("").await.is_empty());
}

#[tokio::test]
async fn a_bad_idempotency_key_in_the_body_is_named_with_the_other_fields() {
    let app = spawn_app().await;
    let mut order = valid_order();
    order["idempotencyKey"] = json!("");
    order["storeId"] = json!("");
    let body = problem(
        app.post_order(&order).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointers(&body), ["/storeId", "/idempotencyKey"]);
}
