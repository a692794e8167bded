use order_http::rate_limit::{Quota, RateLimits};
use order_storage::testing::TestDatabase;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::{header, problem, spawn_app, spawn_app_on};

fn is_uuid_v7(id: Option<&str>) -> bool {
    id.and_then(|id| Uuid::parse_str(id).ok())
        .is_some_and(|uuid| uuid.get_version_num() == 7)
}

#[tokio::test]
async fn a_sane_request_id_is_echoed_even_on_a_problem() {
    let app = spawn_app().await;
    let unknown_order = format!("/orders/{}", Uuid::now_v7());
    for path in [unknown_order.as_str(), "/no/such/route", "/health/live"] {
        let response = app
            .send(
                app.client
                    .get(app.url(path))
                    .header("X-Request-Id", "trace-42.a:b_c"),
            )
            .await;
        assert_eq!(
            header(&response, "x-request-id").as_deref(),
            Some("trace-42.a:b_c"),
            "{path}"
        );
    }
    let response = app
        .send(
            app.client
                .get(app.url("/no/such/route"))
                .header("X-Request-Id", "abc"),
        )
        .await;
    assert_eq!(header(&response, "x-request-id").as_deref(), Some("abc"));
    problem(response, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_missing_or_unsafe_request_id_is_replaced_by_a_new_uuid_v7() {
    let app = spawn_app().await;
    let response = app.get("/no/such/route").await;
    assert!(is_uuid_v7(header(&response, "x-request-id").as_deref()));

    let too_long = "a".repeat(129);
    for unsafe_id in ["two words", too_long.as_str(), "<script>", "a\"b"] {
        let response = app
            .send(
                app.client
                    .get(app.url("/health/live"))
                    .header("X-Request-Id", unsafe_id),
            )
            .await;
        let echoed = header(&response, "x-request-id");
        assert!(
            is_uuid_v7(echoed.as_deref()),
            "{unsafe_id:?} gave {echoed:?}"
        );
    }
}

#[tokio::test]
async fn each_request_gets_its_own_id() {
    let app = spawn_app().await;
    let first = header(&app.get("/health/live").await, "x-request-id");
    let second = header(&app.get("/health/live").await, "x-request-id");
    assert!(first.is_some());
    assert_ne!(first, second);
}

#[tokio::test]
async fn a_rate_limited_request_keeps_its_request_id() {
    let database = TestDatabase::from_env().expect("a test database");
    let app = spawn_app_on(database, |config| {
        config.rate_limits = RateLimits {
            reads: Quota::parse("1/min").ok(),
            writes: None,
        };
    })
    .await;
    let unknown_order = format!("/orders/{}", Uuid::now_v7());
    let first = app.get(&unknown_order).await;
    assert_eq!(first.status(), StatusCode::NOT_FOUND);
    let refused = app
        .send(
            app.client
                .get(app.url(&unknown_order))
                .header("X-Request-Id", "over-budget-1"),
        )
        .await;
    assert_eq!(
        header(&refused, "x-request-id").as_deref(),
        Some("over-budget-1")
    );
    problem(refused, StatusCode::TOO_MANY_REQUESTS).await;
}
