//! Paying against payment services that honour idempotency keys as real providers do: the in-process ledger
//! stand-in and the `order-standins` server over HTTP.

use std::net::TcpListener;

use order_gateways::{BaseUrl, HttpSettings};
use order_storage::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{json_of, problem, spawn_app, spawn_app_on, TestApp};

/// The `order-standins` server on a free port.
fn standins() -> HttpSettings {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("a local address").port();
    tokio::spawn(order_standins::serve(listener).expect("the stand-in server starts"));
    HttpSettings::new(BaseUrl::parse(&format!("http://127.0.0.1:{port}")).expect("a base URL"))
}

async fn decline_then_pay_with_another_method(app: &TestApp) {
    let id = app.new_order_id().await;
    let pay = |method: &'static str| {
        let body = json!({"method": method, "amount": 115.00});
        let id = id.clone();
        async move { app.put(&id, "payment", &body, None).await }
    };
    problem(pay("declined").await, StatusCode::PAYMENT_REQUIRED).await;
    let paid = pay("visa").await;
    assert_eq!(paid.status(), StatusCode::OK);
    let paid = json_of(paid).await;
    assert_eq!(paid["status"], "processing", "{paid}");
    assert_eq!(paid["payment"]["method"], "visa", "{paid}");
}

#[tokio::test]
async fn a_declined_order_can_be_paid_with_another_method() {
    let app = spawn_app().await;
    decline_then_pay_with_another_method(&app).await;
}

#[tokio::test]
async fn a_declined_order_can_be_paid_with_another_method_over_http() {
    let database = TestDatabase::from_env().expect("a test database");
    let payment = standins();
    let app = spawn_app_on(database, |config| config.services.payment = Some(payment)).await;
    decline_then_pay_with_another_method(&app).await;
}

#[tokio::test]
async fn a_paid_order_canceled_over_http_is_voided_not_refunded() {
    let database = TestDatabase::from_env().expect("a test database");
    let payment = standins();
    let app = spawn_app_on(database, |config| config.services.payment = Some(payment)).await;
    let id = app.new_order_id().await;
    assert_eq!(app.pay(&id, json!(115)).await.status(), StatusCode::OK);
    let canceled = app.set_status(&id, "canceled").await;
    assert_eq!(canceled.status(), StatusCode::OK);
    let order = json_of(canceled).await;
    // The authorization was never captured: it is voided (see money.rs), nothing is owed back.
    assert_eq!(order["payment"]["refundDue"], false, "{order}");
    assert!(order["payment"]["refundedAt"].is_null(), "{order}");
}
