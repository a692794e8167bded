//! The HTTP mapping of failures that a real database or service rarely gives on demand.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::{test, App};
use order_app::{OrderService, Ports, Readiness, Settings};
use order_domain::ports::{
    GatewayError, MockClock, MockCustomerDirectory, MockEventHistory, MockInventory, MockNotifier,
    MockOrderRepository, MockOutbox, MockPaymentGateway, MockShippingService, RepositoryError,
};

use crate::rate_limit::{InMemoryLimiter, RateLimiting, RateLimits};
use crate::{configure, problem_responses};

pub(crate) fn service(
    orders: MockOrderRepository,
    customers: MockCustomerDirectory,
) -> OrderService {
    let mut notifier = MockNotifier::new();
    notifier.expect_notify().returning(|_| Ok(()));
    let mut clock = MockClock::new();
    clock.expect_now().returning(chrono::Utc::now);
    OrderService::new(
        Ports {
            orders: Arc::new(orders),
            customers: Arc::new(customers),
            inventory: Arc::new(MockInventory::new()),
            payments: Arc::new(MockPaymentGateway::new()),
            shipping: Arc::new(MockShippingService::new()),
            notifier: Arc::new(notifier),
            clock: Arc::new(clock),
            history: Arc::new(MockEventHistory::new()),
            outbox: Arc::new(MockOutbox::new()),
            attempts: Arc::new(order_domain::ports::MockPaymentAttempts::new()),
            publisher: None,
        },
        Settings::default(),
    )
}

fn order_json() -> serde_json::Value {
    serde_json::json!({
        "storeId": "s", "customerId": "c", "itemsTotal": 1, "shippingCost": 0, "taxAmount": 0,
        "totalAmount": 1, "items": [{"productId": "p", "quantity": 1, "price": 1}]
    })
}

/// The routes without authentication or rate limits.
pub(crate) fn open(service: OrderService) -> impl FnOnce(&mut actix_web::web::ServiceConfig) {
    configure(
        service,
        crate::Authentication::Open,
        RateLimiting::new(Arc::new(InMemoryLimiter::new(RateLimits::default()))),
        crate::RenderedOrders::new(1 << 20),
    )
}

async fn call(
    service: OrderService,
    request: test::TestRequest,
) -> (StatusCode, Option<String>, serde_json::Value) {
    let app = test::init_service(
        App::new()
            .wrap(problem_responses())
            .configure(open(service)),
    )
    .await;
    let response = test::call_service(&app, request.to_request()).await;
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: serde_json::Value = test::read_body_json(response).await;
    (status, retry_after, body)
}

#[actix_web::test]
async fn a_failed_readiness_probe_makes_readiness_a_503_with_retry_after_without_asking_the_database(
) {
    let mut orders = MockOrderRepository::new();
    orders.expect_ping().never();
    let readiness = Readiness::new(std::time::Duration::from_secs(60));
    readiness.record(Err("database or disk is full".to_owned()));
    let app = test::init_service(
        App::new()
            .wrap(problem_responses())
            .app_data(Data::new(readiness))
            .configure(open(service(orders, MockCustomerDirectory::new()))),
    )
    .await;
    let response = test::call_service(
        &app,
        test::TestRequest::get().uri("/health/ready").to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let body: serde_json::Value = test::read_body_json(response).await;
    assert_eq!(body["status"], 503);
    assert_eq!(body["type"], "/problems/not-ready");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("disk is full"),
        "{body}"
    );
}

#[actix_web::test]
async fn an_unavailable_customer_service_is_a_503_with_its_retry_after() {
    let mut customers = MockCustomerDirectory::new();
    customers.expect_exists().returning(|_| {
        Err(GatewayError::Unavailable {
            service: "customer",
            retry_after: Some(std::time::Duration::from_secs(7)),
            source: None,
        })
    });
    let mut orders = MockOrderRepository::new();
    orders.expect_insert().never();
    let request = test::TestRequest::post()
        .uri("/orders")
        .set_json(order_json());
    let (status, retry_after, body) = call(service(orders, customers), request).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(retry_after.as_deref(), Some("7"));
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("customer"),
        "{body}"
    );
}

#[actix_web::test]
async fn an_unexpected_failure_is_a_500_that_hides_its_cause() {
    let mut orders = MockOrderRepository::new();
    orders
        .expect_find()
        .returning(|_| Err(RepositoryError::Unexpected("secret table layout".into())));
    let request = test::TestRequest::get().uri(&format!("/orders/{}", uuid::Uuid::now_v7()));
    let (status, _, body) = call(service(orders, MockCustomerDirectory::new()), request).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!body.to_string().contains("secret"), "{body}");
}
