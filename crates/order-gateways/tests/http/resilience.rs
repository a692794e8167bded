use std::time::Duration;

use order_domain::ports::{CustomerDirectory, GatewayError, PaymentError, PaymentGateway};
use order_domain::{AuthorizationId, CustomerId, OrderId, ProviderKey};
use order_gateways::resilience::{Call, HttpService};
use order_gateways::{BreakerSettings, HttpCustomers, HttpPayments, HttpSettings};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{payment, received, settings, settings_for, usd};

fn customer() -> CustomerId {
    CustomerId::parse("c-1").unwrap_or_else(|e| panic!("{e}"))
}

fn customers(settings: HttpSettings) -> HttpCustomers {
    HttpCustomers::new(settings).unwrap_or_else(|e| panic!("{e}"))
}

fn is_unavailable(result: &Result<bool, GatewayError>) -> bool {
    matches!(
        result,
        Err(GatewayError::Unavailable {
            service: "customer",
            ..
        })
    )
}

#[tokio::test]
async fn a_service_slower_than_the_timeout_is_unavailable() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let mut settings = settings(&server).with_timeout(Duration::from_millis(100));
    settings.max_retries = 0;
    let result = customers(settings).exists(&customer()).await;
    assert!(is_unavailable(&result), "{result:?}");
}

#[tokio::test]
async fn a_refused_connection_is_unavailable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let result = customers(settings_for(&format!("http://127.0.0.1:{port}")))
        .exists(&customer())
        .await;
    assert!(is_unavailable(&result), "{result:?}");
}

#[tokio::test]
async fn a_503_is_retried_with_the_same_idempotency_key_until_the_write_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/authorizations"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/authorizations"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(serde_json::json!({"authorizationId": "a-1"})),
        )
        .mount(&server)
        .await;
    let order = OrderId::generate();
    let key = ProviderKey::authorization_attempt(order, order_domain::AttemptId::generate(), None);
    let payments = HttpPayments::new(settings(&server)).unwrap_or_else(|e| panic!("{e}"));
    let result = payments
        .authorize(&key, order, &payment("visa", usd(100)))
        .await;
    assert!(result.is_ok(), "{result:?}");
    let requests = server.received_requests().await.unwrap_or_default();
    let keys: Vec<_> = requests
        .iter()
        .map(|r| {
            r.headers
                .get("Idempotency-Key")
                .and_then(|v| v.to_str().ok())
        })
        .collect();
    assert_eq!(keys, [Some(key.as_str()), Some(key.as_str())]);
}

#[tokio::test]
async fn retries_stop_after_the_configured_number_and_the_service_is_unavailable() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .expect(3)
        .mount(&server)
        .await;
    let result = customers(settings(&server)).exists(&customer()).await;
    assert!(is_unavailable(&result), "{result:?}");
}

#[tokio::test]
async fn a_4xx_other_than_429_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(422))
        .expect(1)
        .mount(&server)
        .await;
    let payments = HttpPayments::new(settings(&server)).unwrap_or_else(|e| panic!("{e}"));
    let authorization = AuthorizationId::parse("a-1").expect("a valid id");
    let result = payments
        .refund(
            &ProviderKey::full_refund(OrderId::generate()),
            OrderId::generate(),
            &authorization,
            usd(100),
            "order canceled",
        )
        .await;
    assert!(
        matches!(
            result,
            Err(PaymentError::Gateway(GatewayError::Unexpected { .. }))
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_429_asking_for_longer_than_the_backoff_is_passed_on_as_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "120"))
        .expect(1)
        .mount(&server)
        .await;
    let result = customers(settings(&server)).exists(&customer()).await;
    assert!(
        matches!(result, Err(GatewayError::Unavailable { retry_after: Some(d), .. }) if d == Duration::from_secs(120)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_429_asking_for_a_short_wait_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let result = customers(settings(&server)).exists(&customer()).await;
    assert!(matches!(result, Ok(true)), "{result:?}");
    assert_eq!(received(&server).await, 2);
}

#[tokio::test]
async fn a_call_that_is_not_safe_to_repeat_is_sent_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let http = HttpService::new("test", settings(&server)).unwrap_or_else(|e| panic!("{e}"));
    let url = http.url(&["charges"]);
    let result = http
        .send(Call::Once, |client| client.post(url.clone()))
        .await;
    assert!(
        matches!(result, Err(GatewayError::Unavailable { .. })),
        "{result:?}"
    );
}

fn breaker_settings(server: &MockServer, cool_down: Duration) -> HttpSettings {
    let mut settings = settings(server);
    settings.max_retries = 0;
    settings.breaker = BreakerSettings {
        failure_threshold: 3,
        cool_down,
    };
    settings
}

#[tokio::test]
async fn the_breaker_opens_after_consecutive_failures_and_then_fails_fast() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let customers = customers(breaker_settings(&server, Duration::from_secs(60)));
    for _ in 0..3 {
        let result = customers.exists(&customer()).await;
        assert!(is_unavailable(&result), "{result:?}");
    }
    let result = customers.exists(&customer()).await;
    assert!(
        matches!(result, Err(GatewayError::Unavailable { retry_after: Some(d), .. }) if d > Duration::from_secs(50)),
        "{result:?}"
    );
    assert_eq!(
        received(&server).await,
        3,
        "the open breaker let a call through"
    );
}

#[tokio::test]
async fn the_breaker_closes_when_the_probe_after_the_cool_down_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(3)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let customers = customers(breaker_settings(&server, Duration::from_millis(200)));
    for _ in 0..3 {
        let _ = customers.exists(&customer()).await;
    }
    assert!(is_unavailable(&customers.exists(&customer()).await));
    assert_eq!(received(&server).await, 3);

    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(matches!(customers.exists(&customer()).await, Ok(true)));
    assert!(matches!(customers.exists(&customer()).await, Ok(true)));
    assert_eq!(received(&server).await, 5);
}

#[tokio::test]
async fn calls_beyond_the_concurrency_bound_wait_for_a_slot_and_give_up_after_the_timeout() {
    let server = MockServer::start().await;
    // One slot, 400 ms per answer, 1 s timeout: the 2nd and 3rd calls wait their turn and succeed; the 4th
    // would get its slot only after 1.2 s, so it gives up without sending anything.
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(400)))
        .mount(&server)
        .await;
    let mut settings = settings(&server);
    settings.max_concurrent = 1;
    settings.max_retries = 0;
    let customers = customers(settings);
    let id = customer();
    let (a, b, c, d) = tokio::join!(
        customers.exists(&id),
        customers.exists(&id),
        customers.exists(&id),
        customers.exists(&id)
    );
    let results = [a, b, c, d];
    let succeeded = results.iter().filter(|r| matches!(r, Ok(true))).count();
    let unavailable = results.iter().filter(|r| is_unavailable(r)).count();
    assert_eq!((succeeded, unavailable), (3, 1), "{results:?}");
    assert_eq!(received(&server).await, 3);
}
