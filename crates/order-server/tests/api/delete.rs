use reqwest::StatusCode;

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
