use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{header, json_of, order_for, problem, spawn_app, valid_order};

#[tokio::test]
async fn a_retry_with_the_same_key_replays_the_first_response_and_creates_nothing() {
    let app = spawn_app().await;
    let first = app.post_order_with_key(&valid_order(), "key-1").await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(header(&first, "idempotent-replayed"), None);
    let location = header(&first, "location");
    let first_body = first.bytes().await.unwrap_or_default();

    // Same meaning, different spelling: still the same request.
    let mut respelled = valid_order();
    respelled["itemsTotal"] = json!(100);
    let retry = app.post_order_with_key(&respelled, "key-1").await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(
        header(&retry, "idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(header(&retry, "location"), location);
    assert_eq!(retry.bytes().await.unwrap_or_default(), first_body);
    assert_eq!(app.all_orders("").await.len(), 1);
}

#[tokio::test]
async fn the_body_key_and_the_header_key_are_one_key_space() {
    let app = spawn_app().await;
    let mut keyed = valid_order();
    keyed["idempotencyKey"] = json!("shared");
    let first = json_of(app.post_order(&keyed).await).await;
    let retry = app.post_order_with_key(&valid_order(), "shared").await;
    assert_eq!(
        header(&retry, "idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(json_of(retry).await["id"], first["id"]);

    // The header wins over the body.
    let mut other = valid_order();
    other["idempotencyKey"] = json!("shared");
    let fresh = app.post_order_with_key(&other, "another").await;
    assert_eq!(header(&fresh, "idempotent-replayed"), None);
    assert_eq!(app.all_orders("").await.len(), 2);
}

#[tokio::test]
async fn a_bad_body_key_is_refused_even_when_the_header_key_wins() {
    let app = spawn_app().await;
    let mut order = valid_order();
    order["idempotencyKey"] = json!("bad\u{7}key");
    let refused = problem(
        app.post_order_with_key(&order, "good-key").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(crate::helpers::pointers(&refused), ["/idempotencyKey"]);
    assert!(app.all_orders("").await.is_empty());
}

#[tokio::test]
async fn the_same_key_with_a_different_payload_is_a_422() {
    let app = spawn_app().await;
    assert_eq!(
        app.post_order_with_key(&valid_order(), "key-1")
            .await
            .status(),
        StatusCode::CREATED
    );
    let other = order_for("store-1", "someone-else");
    let body = problem(
        app.post_order_with_key(&other, "key-1").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        body["type"]
            .as_str()
            .unwrap_or_default()
            .contains("idempotency"),
        "{body}"
    );
    assert_eq!(app.all_orders("").await.len(), 1);
}

#[tokio::test]
async fn a_failed_request_does_not_use_up_its_key() {
    let app = spawn_app().await;
    let mut invalid = valid_order();
    invalid["totalAmount"] = json!(1);
    problem(
        app.post_order_with_key(&invalid, "key-1").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    let mut out_of_stock = valid_order();
    out_of_stock["items"][0]["productId"] = json!("p-out-of-stock-1");
    problem(
        app.post_order_with_key(&out_of_stock, "key-1").await,
        StatusCode::CONFLICT,
    )
    .await;

    let mut unknown = valid_order();
    unknown["customerId"] = json!("no-such-customer");
    problem(
        app.post_order_with_key(&unknown, "key-1").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    let created = app.post_order_with_key(&valid_order(), "key-1").await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(header(&created, "idempotent-replayed"), None);
}
