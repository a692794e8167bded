use std::sync::Arc;

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, Next};
use actix_web::{test, web, App, HttpMessage, HttpResponse};
use order_domain::{Principal, Role};

use super::*;
use crate::rate_limit::InMemoryLimiter;

/// Stands in for authentication: a request with `x-test-subject` is that principal's.
async fn test_authentication(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let subject = request
        .headers()
        .get("x-test-subject")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    if let Some(subject) = subject {
        request
            .extensions_mut()
            .insert(Principal::new(subject, Role::Admin));
    }
    next.call(request).await
}

fn limits(reads: Option<&str>, writes: Option<&str>) -> RateLimits {
    let quota = |text: &str| Quota::parse(text).expect("a valid quota");
    RateLimits {
        reads: reads.map(quota),
        writes: writes.map(quota),
    }
}

async fn app(
    limiting: RateLimiting,
) -> impl actix_web::dev::Service<Request, Response = ServiceResponse<impl MessageBody>, Error = Error>
{
    test::init_service(
        App::new()
            .wrap(limiting)
            .wrap(from_fn(test_authentication))
            .route("/orders", web::get().to(HttpResponse::Ok))
            .route("/orders", web::post().to(HttpResponse::Created))
            .route("/v1/orders/{id}", web::delete().to(HttpResponse::NoContent))
            .route("/health/live", web::get().to(HttpResponse::Ok)),
    )
    .await
}

fn limiting(reads: Option<&str>, writes: Option<&str>) -> RateLimiting {
    RateLimiting::new(Arc::new(InMemoryLimiter::new(limits(reads, writes))))
}

struct Answer {
    status: StatusCode,
    policy: Option<String>,
    state: Option<String>,
    retry_after: Option<String>,
}

async fn send<B: MessageBody>(
    app: &impl actix_web::dev::Service<Request, Response = ServiceResponse<B>, Error = Error>,
    request: test::TestRequest,
) -> Answer {
    let response = test::call_service(app, request.to_request()).await;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    Answer {
        status: response.status(),
        policy: header("ratelimit-policy"),
        state: header("ratelimit"),
        retry_after: header("retry-after"),
    }
}

fn post() -> test::TestRequest {
    test::TestRequest::post()
        .uri("/orders")
        .peer_addr("192.0.2.1:5000".parse().expect("an address"))
}

fn get() -> test::TestRequest {
    test::TestRequest::get()
        .uri("/orders")
        .peer_addr("192.0.2.1:5000".parse().expect("an address"))
}

#[actix_web::test]
async fn the_write_after_the_budget_is_refused_with_retry_after_and_headers() {
    let app = app(limiting(None, Some("3/s"))).await;
    for remaining in [2, 1, 0] {
        let answer = send(&app, post()).await;
        assert_eq!(answer.status, StatusCode::CREATED);
        assert_eq!(answer.policy.as_deref(), Some("\"writes\";q=3;w=1"));
        assert_eq!(answer.state, Some(format!("\"writes\";r={remaining};t=1")));
    }
    let refused = test::call_service(&app, post().to_request()).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let headers = refused.headers();
    assert_eq!(
        headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("1")
    );
    assert_eq!(
        headers.get("ratelimit").and_then(|v| v.to_str().ok()),
        Some("\"writes\";r=0;t=1")
    );
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let body: serde_json::Value = test::read_body_json(refused).await;
    assert_eq!(body["status"], 429);
    assert_eq!(body["type"], "/problems/rate-limited");
}

#[actix_web::test]
async fn reads_and_writes_have_budgets_of_their_own() {
    let app = app(limiting(Some("2/min"), Some("1/min"))).await;
    assert_eq!(send(&app, post()).await.status, StatusCode::CREATED);
    assert_eq!(
        send(&app, post()).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let read = send(&app, get()).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.policy.as_deref(), Some("\"reads\";q=2;w=60"));
    assert_eq!(read.state.as_deref(), Some("\"reads\";r=1;t=30"));
    assert_eq!(send(&app, get()).await.status, StatusCode::OK);
    let refused = send(&app, get()).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.retry_after.as_deref(), Some("30"));
}

#[actix_web::test]
async fn two_principals_have_budgets_of_their_own() {
    let app = app(limiting(None, Some("1/min"))).await;
    let as_subject = |subject: &str| post().insert_header(("x-test-subject", subject.to_owned()));
    assert_eq!(
        send(&app, as_subject("alice")).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        send(&app, as_subject("alice")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        send(&app, as_subject("bob")).await.status,
        StatusCode::CREATED
    );
    // The principal's budget is not its address's: the same address unauthenticated still has its own.
    assert_eq!(send(&app, post()).await.status, StatusCode::CREATED);
}

#[actix_web::test]
async fn unauthenticated_clients_are_told_apart_by_their_address_not_by_what_they_claim() {
    let app = app(limiting(None, Some("1/min"))).await;
    let claiming = |address: &str| post().insert_header(("x-forwarded-for", address.to_owned()));
    assert_eq!(
        send(&app, claiming("198.51.100.1")).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        send(&app, claiming("198.51.100.2")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let other_peer = post().peer_addr("192.0.2.2:5000".parse().expect("an address"));
    assert_eq!(send(&app, other_peer).await.status, StatusCode::CREATED);
}

#[actix_web::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_the_client() {
    let app = app(limiting(None, Some("1/min")).trust_forwarded_for(true)).await;
    let forwarded = |chain: &str| post().insert_header(("x-forwarded-for", chain.to_owned()));
    assert_eq!(
        send(&app, forwarded("203.0.113.9, 198.51.100.1"))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        send(&app, forwarded("203.0.113.7, 198.51.100.1"))
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        send(&app, forwarded("198.51.100.2")).await.status,
        StatusCode::CREATED
    );
}

#[actix_web::test]
async fn versioned_order_routes_are_limited_and_health_is_not() {
    let app = app(limiting(Some("1/min"), Some("1/min"))).await;
    let delete = || {
        test::TestRequest::delete()
            .uri("/v1/orders/x")
            .peer_addr("192.0.2.1:5000".parse().expect("an address"))
    };
    assert_eq!(send(&app, delete()).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        send(&app, delete()).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    for _ in 0..3 {
        let health = send(&app, test::TestRequest::get().uri("/health/live")).await;
        assert_eq!(health.status, StatusCode::OK);
        assert_eq!(health.policy, None);
        assert_eq!(health.state, None);
    }
}

#[actix_web::test]
async fn an_unlimited_budget_adds_no_headers() {
    let app = app(limiting(None, Some("1/min"))).await;
    for _ in 0..3 {
        let read = send(&app, get()).await;
        assert_eq!(read.status, StatusCode::OK);
        assert_eq!(read.policy, None);
    }
}

#[actix_web::test]
async fn only_order_routes_draw_on_a_budget() {
    assert_eq!(budget(&Method::GET, "/orders"), Some(Budget::Reads));
    assert_eq!(budget(&Method::HEAD, "/v1/orders/1"), Some(Budget::Reads));
    assert_eq!(
        budget(&Method::PUT, "/orders/1/payment"),
        Some(Budget::Writes)
    );
    assert_eq!(budget(&Method::POST, "/v1/orders"), Some(Budget::Writes));
    assert_eq!(budget(&Method::GET, "/ordersx"), None);
    assert_eq!(budget(&Method::GET, "/health/ready"), None);
    assert_eq!(budget(&Method::GET, "/metrics"), None);
    assert_eq!(budget(&Method::GET, "/v1/docs"), None);
}
