//! The route table is the router: every order route has a rule, and sits behind authentication.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{test as web, App};
use order_app::{Action, OrderService, Ports, Settings};
use order_domain::ports::{
    MockClock, MockCustomerDirectory, MockInventory, MockNotifier, MockOrderRepository,
    MockPaymentGateway, MockShippingService,
};

use super::{Method, ORDERS, ORDER_ENDPOINTS};
use crate::auth::TokenVerifier;
use crate::rate_limit::{InMemoryLimiter, RateLimiting, RateLimits};
use crate::{configure, problem_responses, Authentication};

const SECRET: &[u8] = b"the route table test secret, 32+ bytes";

fn unlimited() -> RateLimiting {
    RateLimiting::new(Arc::new(InMemoryLimiter::new(RateLimits::default())))
}

/// A service that knows no order and lists none.
fn service() -> OrderService {
    let mut orders = MockOrderRepository::new();
    orders.expect_find().returning(|_| Ok(None));
    orders
        .expect_list()
        .returning(|_, _| Ok(order_domain::PageOfOrders::default()));
    orders
        .expect_find_including_deleted()
        .returning(|_| Ok(None));
    let mut clock = MockClock::new();
    clock.expect_now().returning(chrono::Utc::now);
    OrderService::new(
        Ports {
            orders: Arc::new(orders),
            customers: Arc::new(MockCustomerDirectory::new()),
            inventory: Arc::new(MockInventory::new()),
            payments: Arc::new(MockPaymentGateway::new()),
            shipping: Arc::new(MockShippingService::new()),
            notifier: Arc::new(MockNotifier::new()),
            clock: Arc::new(clock),
            history: Arc::new(order_domain::ports::MockEventHistory::new()),
            outbox: Arc::new(order_domain::ports::MockOutbox::new()),
            attempts: Arc::new(order_domain::ports::MockPaymentAttempts::new()),
            publisher: None,
        },
        Settings::default(),
    )
}

fn admin_token() -> String {
    let claims = serde_json::json!({
        "sub": "root", "role": "admin", "exp": chrono::Utc::now().timestamp() + 600
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET),
    )
    .expect("encodes")
}

/// Every order route, as the router serves it at the root and under `/v1`, with a path id filled in.
fn served_routes() -> Vec<(Method, String)> {
    let id = uuid::Uuid::now_v7();
    ["", "/v1"]
        .into_iter()
        .flat_map(|prefix| {
            ORDER_ENDPOINTS.iter().map(move |e| {
                let path = e.path.replace("{id}", &id.to_string());
                (e.method, format!("{prefix}{ORDERS}{path}"))
            })
        })
        .collect()
}

fn request(method: Method, path: &str) -> web::TestRequest {
    let request = match method {
        Method::Get => web::TestRequest::get(),
        Method::Post => web::TestRequest::post(),
        Method::Put => web::TestRequest::put(),
        Method::Delete => web::TestRequest::delete(),
    };
    request.uri(path)
}

#[test]
fn every_order_route_has_a_rule_and_one_entry() {
    for (index, endpoint) in ORDER_ENDPOINTS.iter().enumerate() {
        let route = format!("{} {ORDERS}{}", endpoint.method.as_str(), endpoint.path);
        assert!(!endpoint.actions.is_empty(), "{route} has no rule");
        let twins = ORDER_ENDPOINTS[index + 1..]
            .iter()
            .filter(|e| e.method == endpoint.method && e.path == endpoint.path)
            .count();
        assert_eq!(twins, 0, "{route} is in the table twice");
    }
}

#[test]
fn every_action_a_route_asks_for_is_in_the_table_of_actions() {
    for endpoint in ORDER_ENDPOINTS {
        for action in endpoint.actions {
            assert!(Action::ALL.contains(action), "{action}");
        }
    }
}

#[actix_web::test]
async fn every_order_route_refuses_a_request_without_a_token() {
    let verifier = Arc::new(TokenVerifier::shared_secret(SECRET));
    let app = web::init_service(App::new().wrap(problem_responses()).configure(configure(
        service(),
        Authentication::Bearer(verifier),
        unlimited(),
        crate::RenderedOrders::new(0),
    )))
    .await;
    for (method, path) in served_routes() {
        let response = web::call_service(&app, request(method, &path).to_request()).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{} {path}",
            method.as_str()
        );
        assert_eq!(
            response
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer"),
            "{} {path}",
            method.as_str()
        );
    }
}

#[actix_web::test]
async fn every_route_in_the_table_is_served_with_a_token() {
    let verifier = Arc::new(TokenVerifier::shared_secret(SECRET));
    let app = web::init_service(App::new().wrap(problem_responses()).configure(configure(
        service(),
        Authentication::Bearer(verifier),
        unlimited(),
        crate::RenderedOrders::new(0),
    )))
    .await;
    let token = admin_token();
    for (method, path) in served_routes() {
        let request = request(method, &path)
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request();
        let response = web::call_service(&app, request).await;
        let status = response.status();
        let body: serde_json::Value =
            serde_json::from_slice(&web::read_body(response).await).unwrap_or_default();
        let route = format!("{} {path}: {status} {body}", method.as_str());
        assert_ne!(status, StatusCode::UNAUTHORIZED, "{route}");
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{route}");
        // A 404 must be the order's, not the router's.
        if status == StatusCode::NOT_FOUND {
            assert_eq!(body["type"], "/problems/order-not-found", "{route}");
        }
    }
}

#[actix_web::test]
async fn health_stays_open_when_tokens_are_required() {
    let verifier = Arc::new(TokenVerifier::shared_secret(SECRET));
    let app = web::init_service(App::new().wrap(problem_responses()).configure(configure(
        service(),
        Authentication::Bearer(verifier),
        unlimited(),
        crate::RenderedOrders::new(0),
    )))
    .await;
    let response = web::call_service(
        &app,
        web::TestRequest::get().uri("/health/live").to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
}
