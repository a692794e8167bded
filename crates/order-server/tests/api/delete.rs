use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{problem, spawn_app, valid_order};

#[tokio::test]
async fn a_deleted_order_is_gone_for_every_endpoint() {
    let app = spawn_app().await;
    let order = app.create(&valid_order()).await;
    let keep = app.create(&valid_order()).await;
    let id = order["id"].as_str().unwrap_or_default();

    let response = app.delete_order(id).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response
        .bytes()
        .await
        .map(|b| b.is_empty())
        .unwrap_or(false));

    problem(app.get_order(id).await, StatusCode::NOT_FOUND).await;
    problem(app.delete_order(id).await, StatusCode::NOT_FOUND).await;
    let listed: Vec<_> = app
        .all_orders("")
        .await
        .into_iter()
        .map(|o| o["id"].clone())
        .collect();
    assert_eq!(listed, [keep["id"].clone()]);
}

#[tokio::test]
async fn a_stale_if_match_is_412_and_deletes_nothing() {
    let app = spawn_app().await;
    let order = app.create(&valid_order()).await;
    let id = order["id"].as_str().unwrap_or_default();

    let body = problem(
        app.delete_order_if_match(id, "\"2\"").await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    assert_eq!(body["currentVersion"], 1);
    assert_eq!(app.get_order(id).await.status(), StatusCode::OK);
    problem(
        app.delete_order_if_match(id, "W/\"1\"").await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;

    assert_eq!(
        app.delete_order_if_match(id, "\"1\"").await.status(),
        StatusCode::NO_CONTENT
    );
    problem(app.get_order(id).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_paid_or_shipped_order_cannot_be_deleted_and_nothing_is_written() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    assert_eq!(app.pay(&id, json!(115)).await.status(), StatusCode::OK);
    let body = problem(app.delete_order(&id).await, StatusCode::CONFLICT).await;
    assert_eq!(body["currentStatus"], "processing");
    assert_eq!(body["attemptedAction"], "delete");
    assert!(
        body["allowedActions"]
            .as_array()
            .is_some_and(|a| a.contains(&json!("cancel"))),
        "{body}"
    );
    assert_eq!(app.order(&id).await["version"], 2, "nothing written");

    assert_eq!(app.track(&id, "1Z1").await.status(), StatusCode::OK);
    // The worker records the shipment's capture as version 4: wait for it, so that a version read after the
    // refused delete tells only what the delete wrote.
    let shipped = app
        .order_when(&id, |o| o["payment"]["capturedAt"].is_string())
        .await;
    let body = problem(app.delete_order(&id).await, StatusCode::CONFLICT).await;
    assert_eq!(body["currentStatus"], "shipped");
    assert_eq!(
        app.order(&id).await["version"],
        shipped["version"],
        "nothing written"
    );
}

#[tokio::test]
async fn a_pending_order_is_canceled_as_it_is_deleted() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    assert_eq!(app.delete_order(&id).await.status(), StatusCode::NO_CONTENT);
    problem(app.get_order(&id).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn canceled_and_delivered_orders_can_be_deleted() {
    let app = spawn_app().await;
    let canceled = app.new_order_id().await;
    assert_eq!(
        app.pay(&canceled, json!(115)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.set_status(&canceled, "canceled").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.delete_order(&canceled).await.status(),
        StatusCode::NO_CONTENT
    );

    let delivered = app.new_order_id().await;
    assert_eq!(
        app.pay(&delivered, json!(115)).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.track(&delivered, "1Z2").await.status(), StatusCode::OK);
    assert_eq!(
        app.set_status(&delivered, "delivered").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.delete_order(&delivered).await.status(),
        StatusCode::NO_CONTENT
    );
}
