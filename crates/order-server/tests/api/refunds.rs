//! Partial refunds over HTTP: only captured money, at most what is refundable (also under parallel
//! requests), idempotent per key, and settled by the payment provider after commit.

use std::net::TcpListener;

use order_gateways::{BaseUrl, HttpSettings};
use order_storage::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    header, json_of, pointers, problem, spawn_app, spawn_app_on, spawn_app_with_auth, TestApp,
};

fn refund_of(amount: Value) -> Value {
    json!({"amount": amount, "reason": "arrived damaged"})
}

fn event_types(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .filter_map(|e| e["type"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_refund_of_captured_money_is_pending_then_succeeds_with_its_events() {
    let app = spawn_app().await;
    let id = app.shipped_order_id().await;
    let body = json!({"amount": 20.5, "reason": "arrived damaged",
                      "items": [{"productId": "p-1", "quantity": 1}]});
    let response = app.refund(&id, &body, None).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(header(&response, "etag").as_deref(), Some("\"5\""));
    let order = json_of(response).await;
    assert_eq!(order["refunds"][0]["status"], "pending", "{order}");
    assert_eq!(order["refunds"][0]["amount"], json!(20.5));
    assert_eq!(order["refunds"][0]["reason"], "arrived damaged");
    assert_eq!(
        order["refunds"][0]["items"],
        json!([{"productId": "p-1", "quantity": 1}])
    );
    assert_eq!(order["refunds"][0]["settledAt"], Value::Null);
    assert_eq!(order["refundableAmount"], json!(94.5));
    assert_eq!(order["refundedAmount"], json!(0.0));

    let settled = app
        .order_when(&id, |o| o["refunds"][0]["status"] == "succeeded")
        .await;
    assert_eq!(settled["refundedAmount"], json!(20.5));
    assert_eq!(settled["refundableAmount"], json!(94.5));
    assert!(settled["refunds"][0]["settledAt"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert_eq!(
        settled["version"], 6,
        "captured, requested, then succeeded: {settled}"
    );
    assert_eq!(settled["status"], "shipped", "a refund moves no status");

    let history = json_of(app.get(&format!("/orders/{id}/events?after=4")).await).await;
    assert_eq!(
        event_types(&history),
        ["order.refund_requested", "order.refund_succeeded"]
    );
}

#[tokio::test]
async fn money_not_captured_is_not_refunded() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    let unpaid = app.refund(&id, &refund_of(json!(1)), None).await;
    let body = problem(unpaid, StatusCode::CONFLICT).await;
    assert_eq!(body["type"], "/problems/payment-not-captured");
    assert_eq!(app.pay(&id, json!(115)).await.status(), StatusCode::OK);
    let authorized = app.refund(&id, &refund_of(json!(1)), None).await;
    let body = problem(authorized, StatusCode::CONFLICT).await;
    assert_eq!(body["type"], "/problems/payment-not-captured");
    let order = app.order(&id).await;
    assert_eq!(order["version"], 2, "nothing written");
    assert_eq!(order["refunds"], json!([]));
    assert_eq!(order["refundableAmount"], json!(0.0));
}

#[tokio::test]
async fn a_bad_refund_names_every_bad_field_and_writes_nothing() {
    let app = spawn_app().await;
    let id = app.shipped_order_id().await;
    let cases = [
        (
            json!({"amount": 0, "reason": "", "items": [{"productId": "p-1", "quantity": 0}]}),
            vec!["/amount", "/reason", "/items/0/quantity"],
        ),
        (json!({}), vec!["/amount", "/reason"]),
        (
            json!({"amount": 1.005, "reason": "x".repeat(501)}),
            vec!["/amount", "/reason"],
        ),
        (refund_of(json!(115.01)), vec!["/amount"]),
        (
            json!({"amount": 1, "reason": "r", "items": [{"productId": "nope", "quantity": 1},
                                                         {"productId": "p-1", "quantity": 3}]}),
            vec!["/items/0/productId", "/items/1/quantity"],
        ),
    ];
    for (body, expected) in cases {
        let refused = problem(
            app.refund(&id, &body, None).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(pointers(&refused), expected, "{body}");
    }
    assert_eq!(
        app.refund(&id, &json!({"amount": "ten", "reason": "r"}), None)
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    let order = app.order(&id).await;
    assert_eq!(order["version"], 4, "nothing written");
    assert_eq!(order["refunds"], json!([]));
    let exact = app.refund(&id, &refund_of(json!(115)), None).await;
    assert_eq!(exact.status(), StatusCode::CREATED, "all of it, exactly");
    let over = app.refund(&id, &refund_of(json!(0.01)), None).await;
    let over = problem(over, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(pointers(&over), ["/amount"]);
}

/// Sends a refund until it is not a lost race: a `409` concurrent change is the client's to retry.
async fn refund_until_judged(app: &TestApp, id: &str, body: &Value) -> StatusCode {
    loop {
        let response = app.refund(id, body, None).await;
        match response.status() {
            StatusCode::CONFLICT => {
                let body = json_of(response).await;
                assert_eq!(body["type"], "/problems/concurrent-change", "{body}");
            }
            status => return status,
        }
    }
}

#[tokio::test]
async fn parallel_refunds_never_give_back_more_than_was_captured() {
    let app = spawn_app().await;
    let id = app.shipped_order_id().await;
    // 12 × 10.00 against 115.00 captured: exactly 11 fit.
    let body = refund_of(json!(10));
    let answers =
        futures::future::join_all((0..12).map(|_| refund_until_judged(&app, &id, &body))).await;
    let created = answers
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let refused = answers
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    assert_eq!((created, refused), (11, 1), "{answers:?}");
    let order = app
        .order_when(&id, |o| {
            o["refunds"]
                .as_array()
                .is_some_and(|r| r.iter().all(|r| r["status"] == "succeeded"))
        })
        .await;
    assert_eq!(order["refunds"].as_array().map(Vec::len), Some(11));
    assert_eq!(order["refundedAmount"], json!(110.0));
    assert_eq!(order["refundableAmount"], json!(5.0));
}

/// The `order-standins` server on a free port, and its address.
fn standins() -> (HttpSettings, String) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("a local address").port();
    tokio::spawn(order_standins::serve(listener).expect("the stand-in server starts"));
    let base = format!("http://127.0.0.1:{port}");
    (
        HttpSettings::new(BaseUrl::parse(&base).expect("a base URL")),
        base,
    )
}

async fn ledger_refunds(base: &str, order: &str) -> Vec<Value> {
    let books: Value = reqwest::get(format!("{base}/refunds"))
        .await
        .expect("the ledger answers")
        .json()
        .await
        .expect("JSON");
    books["refunds"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|refund| refund["orderId"] == order)
        .collect()
}

#[tokio::test]
async fn a_refund_retried_with_its_key_is_made_once_and_another_body_is_refused() {
    let database = TestDatabase::from_env().expect("a test database");
    let (payment, base) = standins();
    let app = spawn_app_on(database, |config| config.services.payment = Some(payment)).await;
    let id = app.shipped_order_id().await;
    let first = app
        .refund(&id, &refund_of(json!(30)), Some("refund-1"))
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first = first.bytes().await.expect("a body");
    let again = app
        .refund(&id, &refund_of(json!(30.0)), Some("refund-1"))
        .await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(
        header(&again, "idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(
        again.bytes().await.expect("a body"),
        first,
        "the same answer"
    );

    let other = app
        .refund(&id, &refund_of(json!(31)), Some("refund-1"))
        .await;
    let other = problem(other, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(other["type"], "/problems/idempotency-key-reused");

    let order = app
        .order_when(&id, |o| o["refunds"][0]["status"] == "succeeded")
        .await;
    assert_eq!(
        order["refunds"].as_array().map(Vec::len),
        Some(1),
        "{order}"
    );
    let sent = ledger_refunds(&base, &id).await;
    assert_eq!(
        sent.len(),
        1,
        "the provider gave the money back once: {sent:?}"
    );
    assert_eq!(sent[0]["amount"], "30.00");

    // The same key on another order is another request.
    let other_order = app.shipped_order_id().await;
    let elsewhere = app
        .refund(&other_order, &refund_of(json!(30)), Some("refund-1"))
        .await;
    assert_eq!(elsewhere.status(), StatusCode::CREATED);
    assert_eq!(header(&elsewhere, "idempotent-replayed"), None);
}

#[tokio::test]
async fn parallel_retries_of_one_keyed_refund_make_one_refund() {
    let app = spawn_app().await;
    let id = app.shipped_order_id().await;
    let body = refund_of(json!(40));
    let answers =
        futures::future::join_all((0..8).map(|_| app.refund(&id, &body, Some("same-key")))).await;
    for answer in &answers {
        assert!(
            matches!(answer.status(), StatusCode::CREATED | StatusCode::CONFLICT),
            "{answer:?}"
        );
    }
    let order = app.order(&id).await;
    assert_eq!(
        order["refunds"].as_array().map(Vec::len),
        Some(1),
        "{order}"
    );
    assert_eq!(order["refundableAmount"], json!(75.0));
}

#[tokio::test]
async fn a_refund_the_provider_refuses_fails_and_its_money_is_refundable_again() {
    let app = spawn_app().await;
    let id = app.shipped_order_id().await;
    let body = json!({"amount": 50, "reason": "refuse-refund: the stand-ins decline this"});
    let asked = json_of(app.refund(&id, &body, None).await).await;
    assert_eq!(asked["refundableAmount"], json!(65.0), "held while pending");
    let failed = app
        .order_when(&id, |o| o["refunds"][0]["status"] == "failed")
        .await;
    assert!(failed["refunds"][0]["settledAt"].is_string());
    assert_eq!(failed["refundableAmount"], json!(115.0));
    assert_eq!(failed["refundedAmount"], json!(0.0));
    let history = json_of(app.get(&format!("/orders/{id}/events?after=4")).await).await;
    assert_eq!(
        event_types(&history),
        ["order.refund_requested", "order.refund_failed"]
    );
    let again = app.refund(&id, &refund_of(json!(115)), None).await;
    assert_eq!(
        again.status(),
        StatusCode::CREATED,
        "all of it is refundable again"
    );
}

#[tokio::test]
async fn customers_never_refund_and_other_stores_do_not_see_the_order() {
    let app = spawn_app_with_auth().await;
    let admin = app.as_principal("--role admin");
    let id = admin.shipped_order_id().await;
    let body = refund_of(json!(5));
    let customer = app.as_principal("--role customer --customer-id customer-1");
    problem(
        customer.refund(&id, &body, None).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let stranger = app.as_principal("--role store --store-id store-2");
    problem(
        stranger.refund(&id, &body, None).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        admin.order(&id).await["refunds"],
        json!([]),
        "nothing written"
    );
    let operator = app.as_principal("--role operator");
    assert_eq!(
        operator.refund(&id, &body, None).await.status(),
        StatusCode::CREATED
    );
    let store = app.as_principal("--role store --store-id store-1");
    assert_eq!(
        store.refund(&id, &body, None).await.status(),
        StatusCode::CREATED
    );
}
