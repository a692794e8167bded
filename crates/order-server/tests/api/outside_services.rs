//! The service against outside services over real HTTP (wiremock), as the saga and the resilience rules
//! promise: compensation, exactly-once refunds, 503 when a service is down, and the customer cache.

use std::time::Duration;

use futures::future::join_all;
use order_gateways::{BaseUrl, HttpSettings};
use order_storage::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{
    header as response_header, json_of, problem, spawn_app_on, valid_order, TestApp,
};

fn settings(server: &MockServer) -> HttpSettings {
    let base = BaseUrl::parse(&server.uri()).unwrap_or_else(|e| panic!("{e}"));
    HttpSettings::new(base).with_timeout(Duration::from_millis(300))
}

async fn app_with(configure: impl FnOnce(&mut order_server::Config)) -> TestApp {
    spawn_app_on(TestDatabase::sqlite(), configure).await
}

async fn requests_to(server: &MockServer, verb: &str, path_prefix: &str) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == verb && r.url.path().starts_with(path_prefix))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_cancels_of_a_paid_order_void_it_exactly_once() {
    let payments = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/authorizations"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"authorizationId": "auth-1"})),
        )
        .mount(&payments)
        .await;
    Mock::given(method("POST"))
        .and(path("/authorizations/auth-1/void"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&payments)
        .await;
    let app = app_with(|c| c.services.payment = Some(settings(&payments))).await;
    let id = app.new_order_id().await;
    assert_eq!(app.pay(&id, json!(115)).await.status(), StatusCode::OK);

    let responses = join_all((0..10).map(|_| app.set_status(&id, "canceled"))).await;
    let ok = responses
        .iter()
        .filter(|r| r.status() == StatusCode::OK)
        .count();
    assert_eq!(ok, 1);
    // The authorization was never captured: the one cancel that won voids it, once, keyed by it.
    for _ in 0..100 {
        let voids = requests_to(&payments, "POST", "/authorizations/auth-1/void").await;
        if !voids.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let voids = requests_to(&payments, "POST", "/authorizations/auth-1/void").await;
    assert_eq!(voids.len(), 1, "one void call");
    let key = voids[0]
        .headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok());
    assert_eq!(key, Some("void:auth-1"), "keyed by its authorization");
    assert!(requests_to(&payments, "POST", "/refunds").await.is_empty());
    assert_eq!(app.order(&id).await["payment"]["refundDue"], false);
}

#[tokio::test]
async fn a_failed_insert_releases_the_stock_it_reserved() {
    let inventory = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/reservations"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&inventory)
        .await;
    Mock::given(method("DELETE"))
        .and(path_regex("^/reservations/.+$"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&inventory)
        .await;
    let app = app_with(|c| c.services.inventory = Some(settings(&inventory))).await;
    // Break the store under the running service: the order's lines can no longer be written.
    app.database.execute("DROP TABLE order_items");

    let response = app.post_order(&valid_order()).await;
    problem(response, StatusCode::INTERNAL_SERVER_ERROR).await;

    let reserved = requests_to(&inventory, "POST", "/reservations").await;
    assert_eq!(reserved.len(), 1);
    let reservation: Value = serde_json::from_slice(&reserved[0].body).unwrap_or_default();
    let reservation_id = reservation["reservationId"].as_str().unwrap_or_default();
    let released = requests_to(&inventory, "DELETE", "/reservations/").await;
    assert_eq!(released.len(), 1, "the reservation is released");
    assert_eq!(
        released[0].url.path(),
        format!("/reservations/{reservation_id}")
    );
}

#[tokio::test]
async fn a_customer_service_that_does_not_answer_is_a_503_and_nothing_is_written() {
    let customers = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex("^/customers/.+$"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&customers)
        .await;
    let app = app_with(|c| {
        let mut customer = settings(&customers);
        customer.max_retries = 0;
        c.services.customer = Some(customer);
    })
    .await;

    let response = app.post_order_with_key(&valid_order(), "k-1").await;
    assert!(response_header(&response, "retry-after").is_some());
    problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(app.all_orders("").await.is_empty());
}

#[tokio::test]
async fn an_unknown_customer_and_missing_stock_over_http_are_the_same_answers_as_ever() {
    let services = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/customers/ghost"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&services)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/customers/.+$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "c"})))
        .mount(&services)
        .await;
    Mock::given(method("POST"))
        .and(path("/reservations"))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({"unavailable": ["p-2"]})))
        .mount(&services)
        .await;
    let app = app_with(|c| {
        c.services.customer = Some(settings(&services));
        c.services.inventory = Some(settings(&services));
    })
    .await;

    let mut ghost = valid_order();
    ghost["customerId"] = json!("ghost");
    problem(
        app.post_order(&ghost).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let body = problem(app.post_order(&valid_order()).await, StatusCode::CONFLICT).await;
    assert_eq!(body["unavailableProducts"], json!(["p-2"]));
    assert!(app.all_orders("").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_orders_from_one_customer_asks_the_customer_service_once() {
    let customers = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/customers/customer-1"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(50)))
        .mount(&customers)
        .await;
    let app = app_with(|c| c.services.customer = Some(settings(&customers))).await;

    let order = valid_order();
    let responses = join_all((0..12).map(|_| app.post_order(&order))).await;
    assert!(responses.iter().all(|r| r.status() == StatusCode::CREATED));
    assert_eq!(requests_to(&customers, "GET", "/customers/").await.len(), 1);
    let created = json_of(app.post_order(&valid_order()).await).await;
    assert_eq!(created["status"], "pending");
    assert_eq!(
        requests_to(&customers, "GET", "/customers/").await.len(),
        1,
        "still cached"
    );
}

#[tokio::test]
async fn the_sweeper_releases_stock_whose_order_was_never_stored() {
    let inventory = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/reservations"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&inventory)
        .await;
    Mock::given(method("DELETE"))
        .and(path_regex("^/reservations/.+$"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&inventory)
        .await;
    let app = app_with(|c| {
        c.services.inventory = Some(settings(&inventory));
        c.sweep_interval = Duration::from_millis(200);
    })
    .await;
    let live = app.new_order_id().await;
    // As if the service had crashed after reserving for this order and before storing it.
    let never_stored = uuid::Uuid::now_v7().to_string();
    Mock::given(method("GET"))
        .and(path("/reservations"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"reservations": [never_stored, live]})),
        )
        .mount(&inventory)
        .await;

    let mut released = Vec::new();
    for _ in 0..50 {
        released = requests_to(&inventory, "DELETE", "/reservations/").await;
        if !released.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let paths: Vec<String> = released.iter().map(|r| r.url.path().to_owned()).collect();
    assert!(
        paths.contains(&format!("/reservations/{never_stored}")),
        "{paths:?}"
    );
    assert!(
        !paths.contains(&format!("/reservations/{live}")),
        "a live order keeps its stock"
    );
    let asked = requests_to(&inventory, "GET", "/reservations").await;
    let query = asked
        .first()
        .and_then(|r| r.url.query().map(str::to_owned))
        .unwrap_or_default();
    assert!(query.starts_with("createdBefore="), "{query}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_parallel_creates_with_one_key_reserve_stock_once() {
    let inventory = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/reservations"))
        // Slow enough that the duplicates arrive while the first create is in flight.
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_millis(150)))
        .mount(&inventory)
        .await;
    let app = app_with(|c| c.services.inventory = Some(settings(&inventory))).await;
    let order = valid_order();

    let responses = join_all((0..20).map(|_| app.post_order_with_key(&order, "one-key"))).await;
    let mut created = 0;
    let mut in_flight = 0;
    for response in responses {
        match response.status() {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                assert_eq!(
                    response_header(&response, "retry-after").as_deref(),
                    Some("1")
                );
                let problem = problem(response, StatusCode::CONFLICT).await;
                assert_eq!(problem["type"], "/problems/idempotency-key-in-flight");
                in_flight += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(
        created >= 1 && in_flight >= 1,
        "{created} created, {in_flight} in flight"
    );
    assert_eq!(
        requests_to(&inventory, "POST", "/reservations").await.len(),
        1,
        "one reservation downstream"
    );
    // Once the first is done, a retry replays it.
    let retry = app.post_order_with_key(&order, "one-key").await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(
        response_header(&retry, "idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(app.all_orders("").await.len(), 1);
}
