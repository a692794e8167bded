//! Returns over HTTP: only shipped units come back, once (also under parallel requests), idempotent per key;
//! receiving restocks them once through the inventory service and refunds their price; rejecting frees them.

use std::net::TcpListener;
use std::time::Duration;

use order_gateways::{BaseUrl, HttpSettings};
use order_storage::testing::TestDatabase;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{header, json_of, pointers, problem, spawn_app, spawn_app_on, TestApp};

impl TestApp {
    /// `POST /orders/{id}/returns`, with an `Idempotency-Key` when given one.
    pub async fn request_return(&self, id: &str, body: &Value, key: Option<&str>) -> Response {
        let mut request = self
            .client
            .post(self.url(&format!("/orders/{id}/returns")))
            .json(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        self.send(request).await
    }

    /// `PUT /orders/{id}/returns/{returnId}/status`.
    pub async fn settle_return(&self, id: &str, returned: &str, status: &str) -> Response {
        self.put(
            id,
            &format!("returns/{returned}/status"),
            &json!({ "status": status }),
            None,
        )
        .await
    }

    /// An order of `quantity` × `product` at 10.00 (no shipping, no tax), paid and shipped whole, its capture
    /// recorded. Returns its id.
    async fn shipped_line(&self, product: &str, quantity: u32) -> String {
        let total = 10 * quantity;
        let order = json!({
            "storeId": "store-1", "customerId": "customer-1",
            "itemsTotal": total, "shippingCost": 0, "taxAmount": 0, "totalAmount": total,
            "items": [{"productId": product, "quantity": quantity, "price": 10}]
        });
        let id = self.create(&order).await["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert_eq!(self.pay(&id, json!(total)).await.status(), StatusCode::OK);
        assert_eq!(self.track(&id, "1Z999").await.status(), StatusCode::OK);
        self.order_when(&id, |o| o["payment"]["capturedAt"].is_string())
            .await;
        id
    }

    async fn event_types(&self, id: &str, after: u64) -> Vec<String> {
        let page = json_of(
            self.get(&format!("/orders/{id}/events?after={after}"))
                .await,
        )
        .await;
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

    /// Waits until the outbox has nothing left to do (10 s at most).
    async fn outbox_drained(&self) {
        for _ in 0..100 {
            let ready = json_of(self.get("/health/ready").await).await;
            if ready["outbox"]["backlog"] == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the outbox never drained");
    }
}

fn back(product: &str, quantity: u32) -> Value {
    json!({"reason": "too small", "items": [{"productId": product, "quantity": quantity}]})
}

fn location_id(response: &Response) -> String {
    header(response, "location")
        .and_then(|l| l.rsplit('/').next().map(str::to_owned))
        .unwrap_or_default()
}

/// The `order-standins` server on a free port (its inventory records restocks), and its address.
fn standins() -> (HttpSettings, String) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("a local address").port();
    tokio::spawn(order_standins::serve(listener).expect("the stand-in server starts"));
    let base = format!("http://127.0.0.1:{port}");
    let mut settings = HttpSettings::new(BaseUrl::parse(&base).expect("a base URL"));
    // A failed restock goes back to the outbox, whose retry is what the tests watch.
    settings.max_retries = 0;
    (settings, base)
}

/// The application with its inventory at the stand-in server, and the server's address.
async fn app_with_inventory() -> (TestApp, String) {
    let database = TestDatabase::from_env().expect("a test database");
    let (inventory, base) = standins();
    let app = spawn_app_on(database, |config| {
        config.services.inventory = Some(inventory);
        config.outbox_retry_max = Duration::from_secs(1);
    })
    .await;
    (app, base)
}

async fn restocks_of(base: &str, order: &str) -> Vec<Value> {
    let book: Value = reqwest::get(format!("{base}/restocks"))
        .await
        .expect("the stand-in answers")
        .json()
        .await
        .expect("JSON");
    book["restocks"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|restock| restock["orderId"] == order)
        .collect()
}

#[tokio::test]
async fn a_return_of_shipped_goods_is_requested_and_read_at_its_location() {
    let app = spawn_app().await;
    let id = app.shipped_order_id().await;
    let response = app.request_return(&id, &back("p-1", 1), None).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(header(&response, "etag").as_deref(), Some("\"5\""));
    let location = header(&response, "location").unwrap_or_default();
    let returned = location_id(&response);
    assert_eq!(location, format!("/orders/{id}/returns/{returned}"));
    let order = json_of(response).await;
    assert_eq!(order["returns"][0]["id"], returned.as_str());
    assert_eq!(order["returns"][0]["status"], "requested");
    assert_eq!(order["returns"][0]["reason"], "too small");
    assert_eq!(
        order["returns"][0]["items"],
        json!([{"productId": "p-1", "quantity": 1}])
    );
    assert!(order["returns"][0]["requestedAt"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert_eq!(order["returns"][0]["receivedAt"], Value::Null);
    assert_eq!(order["returns"][0]["refundId"], Value::Null);
    assert_eq!(order["status"], "shipped", "a return moves no status");
    assert_eq!(order["items"][0]["returnedQuantity"], 0, "not back yet");

    let read = app.get(&location).await;
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(header(&read, "etag").as_deref(), Some("\"5\""));
    assert_eq!(json_of(read).await, order["returns"][0]);
    let unknown = app
        .get(&format!("/orders/{id}/returns/{}", uuid::Uuid::now_v7()))
        .await;
    let unknown = problem(unknown, StatusCode::NOT_FOUND).await;
    assert_eq!(unknown["type"], "/problems/return-not-found");
    assert_eq!(app.event_types(&id, 4).await, ["order.return_requested"]);
}

#[tokio::test]
async fn a_bad_return_names_every_bad_field_and_writes_nothing() {
    let app = spawn_app().await;
    let id = app.shipped_order_id().await;
    let item = |product: &str, quantity: u32| json!({"productId": product, "quantity": quantity});
    let cases = [
        (back("p-1", 3), vec!["/items/0/quantity"]),
        (back("nope", 1), vec!["/items/0/productId"]),
        (
            json!({"reason": "r", "items": [item("nope", 1), item("p-1", 3), item("p-2", 2)]}),
            vec![
                "/items/0/productId",
                "/items/1/quantity",
                "/items/2/quantity",
            ],
        ),
        (
            json!({"reason": "", "items": [item("p-1", 0)]}),
            vec!["/reason", "/items/0/quantity"],
        ),
        (json!({"reason": "r", "items": []}), vec!["/items"]),
        (json!({}), vec!["/reason", "/items"]),
        (
            json!({"reason": "r", "items": [item("p-1", 1), item("p-2", 1), item("p-1", 1)]}),
            vec!["/items/2/productId"],
        ),
    ];
    for (body, expected) in cases {
        let refused = problem(
            app.request_return(&id, &body, None).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(pointers(&refused), expected, "{body}");
    }
    let order = app.order(&id).await;
    assert_eq!(order["version"], 4, "nothing written");
    assert_eq!(order["returns"], json!([]));
    assert!(app.event_types(&id, 4).await.is_empty(), "no event");
}

#[tokio::test]
async fn an_order_with_nothing_shipped_takes_no_return() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    assert_eq!(app.pay(&id, json!(115)).await.status(), StatusCode::OK);
    let refused = problem(
        app.request_return(&id, &back("p-1", 1), None).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(refused["type"], "/problems/transition-not-allowed");
    assert_eq!(refused["attemptedAction"], "requestReturn");
    assert_eq!(app.order(&id).await["version"], 2, "nothing written");
}

#[tokio::test]
async fn an_unknown_return_is_not_found_whatever_the_orders_status() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    for status in ["received", "rejected"] {
        let unknown = problem(
            app.settle_return(&id, &uuid::Uuid::now_v7().to_string(), status)
                .await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(unknown["type"], "/problems/return-not-found", "{status}");
    }
    assert_eq!(app.order(&id).await["version"], 1, "nothing written");
}

/// Asks for a return until it is not a lost race: a `409` concurrent change is the client's to retry.
async fn return_until_judged(app: &TestApp, id: &str, body: &Value) -> StatusCode {
    loop {
        let response = app.request_return(id, body, None).await;
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
async fn parallel_returns_never_return_more_than_was_shipped() {
    let app = spawn_app().await;
    let id = app.shipped_line("p-1", 3).await;
    let body = back("p-1", 1);
    let answers =
        futures::future::join_all((0..10).map(|_| return_until_judged(&app, &id, &body))).await;
    let count = |status| answers.iter().filter(|s| **s == status).count();
    assert_eq!(
        (
            count(StatusCode::CREATED),
            count(StatusCode::UNPROCESSABLE_ENTITY)
        ),
        (3, 7),
        "{answers:?}"
    );
    let order = app.order(&id).await;
    assert_eq!(order["returns"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn a_received_return_is_restocked_once_even_when_retried_and_refunds_its_price() {
    let (app, inventory) = app_with_inventory().await;
    // The stand-in loses the first answer to a restock of this product: the outbox retries it.
    let id = app.shipped_line("p-lost-restock-1", 3).await;
    let asked = app
        .request_return(&id, &back("p-lost-restock-1", 2), None)
        .await;
    assert_eq!(asked.status(), StatusCode::CREATED);
    let returned = location_id(&asked);

    let received = app.settle_return(&id, &returned, "received").await;
    assert_eq!(received.status(), StatusCode::OK);
    let order = json_of(received).await;
    let found = &order["returns"][0];
    assert_eq!(found["status"], "received");
    assert!(found["receivedAt"].is_string());
    assert_eq!(order["items"][0]["returnedQuantity"], 2);
    let refund = &order["refunds"][0];
    assert_eq!(found["refundId"], refund["id"]);
    assert_eq!(refund["reason"], format!("return {returned}"));
    assert_eq!(refund["amount"], json!(20.0), "2 × 10.00");
    assert_eq!(
        refund["items"],
        json!([{"productId": "p-lost-restock-1", "quantity": 2}])
    );
    assert_eq!(order["refundableAmount"], json!(10.0));

    let settled = app
        .order_when(&id, |o| o["refunds"][0]["status"] == "succeeded")
        .await;
    assert_eq!(settled["refundedAmount"], json!(20.0));
    app.outbox_drained().await;
    let restocks = restocks_of(&inventory, &id).await;
    assert_eq!(restocks.len(), 1, "restocked once: {restocks:?}");
    assert_eq!(restocks[0]["returnId"], returned.as_str());
    assert_eq!(
        restocks[0]["items"],
        json!([{"productId": "p-lost-restock-1", "quantity": 2}])
    );
    assert_eq!(
        app.event_types(&id, 4).await,
        [
            "order.return_requested",
            "order.return_received",
            "order.refund_succeeded"
        ]
    );

    let again = app.settle_return(&id, &returned, "received").await;
    let again = problem(again, StatusCode::CONFLICT).await;
    assert_eq!(again["type"], "/problems/return-not-requested");
    assert_eq!(again["returnStatus"], "received");
    let rejected = app.settle_return(&id, &returned, "rejected").await;
    problem(rejected, StatusCode::CONFLICT).await;
    let last = app
        .request_return(&id, &back("p-lost-restock-1", 2), None)
        .await;
    let last = problem(last, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(pointers(&last), ["/items/0/quantity"], "only one unit left");
}

#[tokio::test]
async fn a_rejected_return_refunds_and_restocks_nothing_and_its_units_may_come_back_again() {
    let (app, inventory) = app_with_inventory().await;
    let id = app.shipped_order_id().await;
    let asked = app.request_return(&id, &back("p-1", 2), None).await;
    let returned = location_id(&asked);
    let full = app.request_return(&id, &back("p-1", 1), None).await;
    problem(full, StatusCode::UNPROCESSABLE_ENTITY).await;

    let bad = app.settle_return(&id, &returned, "requested").await;
    let bad = problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(pointers(&bad), ["/status"]);
    let rejected = app.settle_return(&id, &returned, "rejected").await;
    assert_eq!(rejected.status(), StatusCode::OK);
    let order = json_of(rejected).await;
    assert_eq!(order["returns"][0]["status"], "rejected");
    assert!(order["returns"][0]["rejectedAt"].is_string());
    assert_eq!(order["returns"][0]["receivedAt"], Value::Null);
    assert_eq!(order["refunds"], json!([]));
    assert_eq!(order["refundableAmount"], json!(115.0));
    assert_eq!(order["items"][0]["returnedQuantity"], 0);
    app.outbox_drained().await;
    assert!(restocks_of(&inventory, &id).await.is_empty(), "no restock");
    assert_eq!(
        app.event_types(&id, 4).await,
        ["order.return_requested", "order.return_rejected"]
    );
    let again = app.request_return(&id, &back("p-1", 2), None).await;
    assert_eq!(
        again.status(),
        StatusCode::CREATED,
        "its units are free again"
    );
}

#[tokio::test]
async fn a_return_retried_with_its_key_is_made_once_and_another_body_is_refused() {
    let app = spawn_app().await;
    let id = app.shipped_order_id().await;
    let first = app
        .request_return(&id, &back("p-1", 1), Some("return-1"))
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let location = header(&first, "location");
    let first = first.bytes().await.expect("a body");
    let again = app
        .request_return(&id, &back("p-1", 1), Some("return-1"))
        .await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(
        header(&again, "idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(header(&again, "location"), location, "the same return");
    assert_eq!(again.bytes().await.expect("a body"), first);
    let other = app
        .request_return(&id, &back("p-1", 2), Some("return-1"))
        .await;
    let other = problem(other, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(other["type"], "/problems/idempotency-key-reused");
    assert_eq!(
        app.order(&id).await["returns"].as_array().map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn refund_items_add_up_across_refunds_and_a_returns_refund() {
    let app = spawn_app().await;
    let id = app.shipped_order_id().await;
    let refund = |quantity: u32| {
        json!({"amount": 1, "reason": "damaged",
               "items": [{"productId": "p-1", "quantity": quantity}]})
    };
    assert_eq!(
        app.refund(&id, &refund(1), None).await.status(),
        StatusCode::CREATED
    );
    let over = app.refund(&id, &refund(2), None).await;
    let over = problem(over, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(pointers(&over), ["/items/0/quantity"]);
    assert!(
        over["errors"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("1 unit(s)")),
        "{over}"
    );
    // The return's refund names the one unit of p-1 not refunded yet; then none is left.
    let asked = app.request_return(&id, &back("p-1", 2), None).await;
    let returned = location_id(&asked);
    let received = json_of(app.settle_return(&id, &returned, "received").await).await;
    assert_eq!(
        received["refunds"][1]["items"],
        json!([{"productId": "p-1", "quantity": 1}])
    );
    assert_eq!(received["refunds"][1]["amount"], json!(25.0));
    let none_left = app.refund(&id, &refund(1), None).await;
    let none_left = problem(none_left, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(pointers(&none_left), ["/items/0/quantity"]);
}

/// A 409 offers what the order allows, as its own `allowedActions` does: settling a return only while one
/// waits (a client following it would otherwise get another 409).
#[tokio::test]
async fn a_refused_action_offers_settling_a_return_only_while_one_waits() {
    let app = spawn_app().await;
    let id = app.shipped_order_id().await;
    async fn refused(app: &TestApp, id: &str) -> Value {
        problem(app.pay(id, json!(115)).await, StatusCode::CONFLICT).await
    }
    let body = refused(&app, &id).await;
    assert_eq!(
        body["allowedActions"],
        app.order(&id).await["allowedActions"]
    );
    assert!(!body["allowedActions"]
        .as_array()
        .is_some_and(|actions| actions.contains(&json!("settleReturn"))));

    let response = app.request_return(&id, &back("p-1", 1), None).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body = refused(&app, &id).await;
    assert_eq!(
        body["allowedActions"],
        app.order(&id).await["allowedActions"]
    );
    assert!(body["allowedActions"]
        .as_array()
        .is_some_and(|actions| actions.contains(&json!("settleReturn"))));
}
