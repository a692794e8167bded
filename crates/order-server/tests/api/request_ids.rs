use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::{header, problem, spawn_app};

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
