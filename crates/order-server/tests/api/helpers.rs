use std::sync::Arc;

use order_http::rate_limit::RateLimiter;
use order_server::token::{mint, TokenRequest};
use order_server::{Application, AuthSettings, Config};
use order_storage::testing::TestDatabase;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

/// One running application; a clone talks to the same one (see `with_token`).
#[derive(Clone)]
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database: Arc<TestDatabase>,
    pub rate_limiter: Arc<dyn RateLimiter>,
}

/// The real application on a free port, on a database of its own that is removed afterwards: a SQLite file,
/// or with `TEST_DATABASE=postgres` a fresh database on the machine's Postgres server.
pub async fn spawn_app() -> TestApp {
    let database = TestDatabase::from_env()
        .unwrap_or_else(|| panic!("TEST_DATABASE=postgres needs a Postgres server"));
    spawn_app_on(database, |_| {}).await
}

/// The real application on `database`, with its configuration adjusted by `configure`.
pub async fn spawn_app_on(database: TestDatabase, configure: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = Config::from_lookup(|_| None).unwrap_or_else(|e| panic!("config: {e}"));
    config.listen_addr = "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}"));
    config.database = database.database.clone();
    configure(&mut config);
    let application = Application::build(&config)
        .await
        .unwrap_or_else(|e| panic!("build: {e:#}"));
    let address = format!("http://127.0.0.1:{}", application.port());
    let rate_limiter = application.rate_limiter();
    tokio::spawn(application.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("client: {e}")),
        database: Arc::new(database),
        rate_limiter,
    }
}

/// The secret the test applications with authentication sign and check tokens with.
pub const TEST_SECRET: &str = "the API tests' secret, at least 32 bytes long";

/// Authentication as `AUTH_JWT_SECRET=TEST_SECRET` plus `vars` configure it.
pub fn auth_settings(vars: &[(&str, &str)]) -> AuthSettings {
    let lookup = |name: &str| {
        (name == "AUTH_JWT_SECRET")
            .then(|| TEST_SECRET.to_owned())
            .or_else(|| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            })
    };
    Config::from_lookup(lookup)
        .unwrap_or_else(|e| panic!("config: {e}"))
        .auth
}

/// The real application with bearer tokens required on the order routes.
pub async fn spawn_app_with_auth() -> TestApp {
    let database = TestDatabase::from_env()
        .unwrap_or_else(|| panic!("TEST_DATABASE=postgres needs a Postgres server"));
    spawn_app_on(database, |config| config.auth = auth_settings(&[])).await
}

/// A token the applications of `spawn_app_with_auth` accept, from `order-server token` arguments
/// (`"--role store --store-id store-1"`).
pub fn token(args: &str) -> String {
    let args: Vec<String> = args.split_whitespace().map(str::to_owned).collect();
    let request = TokenRequest::parse(&args).unwrap_or_else(|e| panic!("{e}"));
    mint(&auth_settings(&[]), &request, chrono::Utc::now()).unwrap_or_else(|e| panic!("{e}"))
}

/// A valid order: 2 × 25.00 + 1 × 50.00, shipping 10.00, tax 5.00.
pub fn valid_order() -> Value {
    json!({
        "storeId": "store-1",
        "customerId": "customer-1",
        "itemsTotal": 100.00,
        "shippingCost": 10,
        "taxAmount": 5.00,
        "totalAmount": 115.00,
        "items": [
            {"productId": "p-1", "quantity": 2, "price": 25.00},
            {"productId": "p-2", "quantity": 1, "price": 50}
        ]
    })
}

pub fn order_for(store: &str, customer: &str) -> Value {
    let mut order = valid_order();
    order["storeId"] = json!(store);
    order["customerId"] = json!(customer);
    order
}

impl TestApp {
    /// The same application, every request sent with `Authorization: Bearer <token>`.
    pub fn with_token(&self, token: &str) -> TestApp {
        let mut headers = reqwest::header::HeaderMap::new();
        let value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
            .unwrap_or_else(|e| panic!("{e}"));
        headers.insert(reqwest::header::AUTHORIZATION, value);
        TestApp {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .default_headers(headers)
                .build()
                .unwrap_or_else(|e| panic!("client: {e}")),
            ..self.clone()
        }
    }

    /// The same application as this principal (`order-server token` arguments).
    pub fn as_principal(&self, token_args: &str) -> TestApp {
        self.with_token(&token(token_args))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_order(&self, body: &Value) -> Response {
        self.send(self.client.post(self.url("/orders")).json(body))
            .await
    }

    pub async fn post_order_with_key(&self, body: &Value, key: &str) -> Response {
        self.send(
            self.client
                .post(self.url("/orders"))
                .header("Idempotency-Key", key)
                .json(body),
        )
        .await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        body: impl Into<reqwest::Body>,
        content_type: Option<&str>,
    ) -> Response {
        let mut request = self.client.post(self.url(path)).body(body);
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        self.send(request).await
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send(self.client.get(self.url(path))).await
    }

    pub async fn get_order(&self, id: &str) -> Response {
        self.get(&format!("/orders/{id}")).await
    }

    pub async fn delete_order(&self, id: &str) -> Response {
        self.send(self.client.delete(self.url(&format!("/orders/{id}"))))
            .await
    }

    pub async fn delete_order_if_match(&self, id: &str, tag: &str) -> Response {
        self.send(
            self.client
                .delete(self.url(&format!("/orders/{id}")))
                .header("If-Match", tag),
        )
        .await
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Response {
        request
            .send()
            .await
            .unwrap_or_else(|e| panic!("request failed: {e}"))
    }

    /// Creates a valid order and returns its representation.
    pub async fn create(&self, body: &Value) -> Value {
        let response = self.post_order(body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        json_of(response).await
    }

    /// Every live order, all pages followed. A cursor that leads back, or an empty page that has a next one,
    /// fails at once instead of paging for ever.
    pub async fn all_orders(&self, query: &str) -> Vec<Value> {
        let mut orders = Vec::new();
        let mut cursors = std::collections::BTreeSet::new();
        let mut path = format!("/orders?limit=100&{query}");
        loop {
            let page = json_of(self.get(&path).await).await;
            let items = page["items"].as_array().cloned().unwrap_or_default();
            let empty = items.is_empty();
            orders.extend(items);
            match page["nextCursor"].as_str() {
                Some(cursor) => {
                    assert!(!empty, "an empty page with a next one: {path}");
                    assert!(cursors.insert(cursor.to_owned()), "{cursor} given twice");
                    path = format!("/orders?limit=100&{query}&cursor={cursor}");
                }
                None => return orders,
            }
        }
    }
}

pub async fn json_of(response: Response) -> Value {
    response
        .json()
        .await
        .unwrap_or_else(|e| panic!("not JSON: {e}"))
}

/// Asserts an RFC 9457 problem with this status and returns its body.
pub async fn problem(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    let body = json_of(response).await;
    assert_eq!(body["status"], json!(status.as_u16()), "{body}");
    assert!(body["title"].is_string(), "{body}");
    body
}

/// The JSON pointers a problem names, in order.
pub fn pointers(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["pointer"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

impl TestApp {
    /// `PUT` a JSON body to an order's sub-resource, optionally with `If-Match`.
    pub async fn put(
        &self,
        id: &str,
        what: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> Response {
        let mut request = self
            .client
            .put(self.url(&format!("/orders/{id}/{what}")))
            .json(body);
        if let Some(tag) = if_match {
            request = request.header("If-Match", tag);
        }
        self.send(request).await
    }

    /// `PUT /orders/{id}/payment` with the client's `Idempotency-Key`.
    pub async fn pay_with_key(&self, id: &str, body: &Value, key: &str) -> Response {
        let request = self
            .client
            .put(self.url(&format!("/orders/{id}/payment")))
            .header("Idempotency-Key", key)
            .json(body);
        self.send(request).await
    }

    pub async fn pay(&self, id: &str, amount: Value) -> Response {
        self.put(
            id,
            "payment",
            &json!({"method": "visa", "amount": amount}),
            None,
        )
        .await
    }

    pub async fn track(&self, id: &str, number: &str) -> Response {
        self.put(
            id,
            "shipment/tracking",
            &json!({"carrier": "FedEx", "trackingNumber": number}),
            None,
        )
        .await
    }

    pub async fn set_status(&self, id: &str, status: &str) -> Response {
        self.put(id, "status", &json!({ "status": status }), None)
            .await
    }

    /// A new order's id.
    pub async fn new_order_id(&self) -> String {
        self.create(&valid_order()).await["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The order once `done` holds for it: what the outbox worker does after a change takes a moment.
    /// Fails after 10 s.
    pub async fn order_when(&self, id: &str, done: impl Fn(&Value) -> bool) -> Value {
        let mut order = self.order(id).await;
        for _ in 0..200 {
            if done(&order) {
                return order;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            order = self.order(id).await;
        }
        panic!("the order never got there: {order}");
    }

    /// The order's current representation.
    pub async fn order(&self, id: &str) -> Value {
        let response = self.get_order(id).await;
        assert_eq!(response.status(), StatusCode::OK);
        json_of(response).await
    }
}

pub fn address() -> Value {
    json!({
        "address": {
            "name": "Ada Lovelace", "line1": "1 Main St", "city": "Springfield", "state": "IL",
            "postalCode": "62701", "country": "US"
        }
    })
}

impl TestApp {
    /// Polls `/health/ready` until it answers `status` (true) or 10 s pass (false). Every answer must come
    /// within a second, whatever the state of the database, and a 503 must be a problem with `Retry-After`.
    pub async fn readiness_becomes(&self, status: StatusCode) -> bool {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < until {
            let asked = std::time::Instant::now();
            let response = self.get("/health/ready").await;
            assert!(
                asked.elapsed() < std::time::Duration::from_secs(1),
                "/health/ready took {:?}",
                asked.elapsed()
            );
            let answered = response.status();
            if answered == StatusCode::SERVICE_UNAVAILABLE {
                assert!(header(&response, "retry-after").is_some());
                problem(response, answered).await;
            }
            if answered == status {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        false
    }
}

impl TestApp {
    /// A valid order paid (115.00) and shipped: its payment is captured. Returns its id.
    pub async fn shipped_order_id(&self) -> String {
        let id = self.new_order_id().await;
        assert_eq!(self.pay(&id, json!(115)).await.status(), StatusCode::OK);
        assert_eq!(self.track(&id, "1Z999").await.status(), StatusCode::OK);
        // The shipment's capture is recorded by the worker as version 4: wait for it, so that what a test
        // does next follows it.
        self.order_when(&id, |o| o["payment"]["capturedAt"].is_string())
            .await;
        id
    }

    /// `POST /orders/{id}/refunds`, with an `Idempotency-Key` when given one.
    pub async fn refund(&self, id: &str, body: &Value, key: Option<&str>) -> Response {
        let mut request = self
            .client
            .post(self.url(&format!("/orders/{id}/refunds")))
            .json(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        self.send(request).await
    }
}
