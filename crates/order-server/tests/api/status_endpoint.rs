//! `PUT /orders/{id}/status`: which statuses a client may ask for, and the way to the others.

use reqwest::StatusCode;

use crate::helpers::{pointers, problem, spawn_app};

#[tokio::test]
async fn statuses_a_business_event_brings_are_a_409_naming_the_endpoint_and_write_nothing() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    for (status, detail) in [
        ("pending", "an order becomes pending only when it is created"),
        (
            "processing",
            "an order becomes processing only by paying it: PUT /orders/{id}/payment",
        ),
        (
            "shipped",
            "an order becomes shipped only by recording its tracking: PUT /orders/{id}/shipment/tracking",
        ),
    ] {
        let body = problem(app.set_status(&id, status).await, StatusCode::CONFLICT).await;
        assert_eq!(body["type"], "/problems/status-not-settable", "{body}");
        assert_eq!(body["detail"], detail);
        assert_eq!(body["requestedStatus"], status);
    }
    assert_eq!(app.order(&id).await["version"], 1, "nothing written");
}

#[tokio::test]
async fn an_unknown_status_is_a_422_naming_it() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    let body = problem(
        app.set_status(&id, "lost").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointers(&body), ["/status"]);
}
