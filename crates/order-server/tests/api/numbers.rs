//! Numbers are read for their exact value, whatever the notation; nothing is rounded.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{json_of, pointers, problem, spawn_app, valid_order, TestApp};

/// The valid order with the first item's price written as `price` exactly.
async fn create_with_price(app: &TestApp, price: &str) -> reqwest::Response {
    let mut order = valid_order();
    order["items"][0]["price"] = json!("PRICE");
    let body = order.to_string().replace("\"PRICE\"", price);
    app.post_raw("/orders", body, Some("application/json"))
        .await
}

#[tokio::test]
async fn exponent_notation_is_its_exact_value() {
    let app = spawn_app().await;
    let created = json_of(create_with_price(&app, "2.5e1").await).await;
    assert_eq!(created["items"][0]["price"], json!(25.0), "{created}");
    let created = json_of(create_with_price(&app, "2500e-2").await).await;
    assert_eq!(created["status"], "pending", "{created}");
}

#[tokio::test]
async fn a_price_with_hidden_decimals_is_refused_naming_its_pointer() {
    let app = spawn_app().await;
    for price in [
        "25.00000000000000000000000000001e0",
        "25.00000000000000000000000000001",
        "2.5000000000000000000000000000000000000000001e1",
    ] {
        let body = problem(
            create_with_price(&app, price).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(pointers(&body), ["/items/0/price"], "{price}: {body}");
    }
    assert!(app.all_orders("").await.is_empty());
}

#[tokio::test]
async fn absurd_exponents_are_refused_without_harm() {
    let app = spawn_app().await;
    for price in [
        "1e999999999999999999999",
        "1e-999999999999999999999",
        "1e400",
    ] {
        let body = problem(
            create_with_price(&app, price).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(pointers(&body), ["/items/0/price"], "{price}: {body}");
    }
}

#[tokio::test]
async fn a_payment_amount_is_read_exactly() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    let pay = |amount: &'static str| {
        let body = format!(r#"{{"method": "visa", "amount": {amount}}}"#);
        app.client
            .put(app.url(&format!("/orders/{id}/payment")))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
    };
    let refused = pay("1.15000000000000000000000000001e2")
        .await
        .expect("the server answers");
    let body = problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(pointers(&body), ["/amount"], "{body}");
    let paid = pay("1.15e2").await.expect("the server answers");
    assert_eq!(paid.status(), StatusCode::OK);
}
