use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{header, json_of, order_for, problem, spawn_app, valid_order};

#[tokio::test]
async fn an_order_is_read_with_its_etag_and_a_matching_if_none_match_is_304() {
    let app = spawn_app().await;
    let order = app.create(&valid_order()).await;
    let path = format!("/orders/{}", order["id"].as_str().unwrap_or_default());

    let response = app.get(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "etag").as_deref(), Some("\"1\""));

    let cached = app
        .send(
            app.client
                .get(app.url(&path))
                .header("If-None-Match", "\"1\""),
        )
        .await;
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&cached, "etag").as_deref(), Some("\"1\""));
    assert!(cached.bytes().await.map(|b| b.is_empty()).unwrap_or(false));

    let stale = app
        .send(
            app.client
                .get(app.url(&path))
                .header("If-None-Match", "\"7\""),
        )
        .await;
    assert_eq!(stale.status(), StatusCode::OK);
}

#[tokio::test]
async fn lists_are_newest_first_and_filtered_by_store_customer_and_status() {
    let app = spawn_app().await;
    let a1 = app.create(&order_for("store-a", "alice")).await;
    let b1 = app.create(&order_for("store-b", "alice")).await;
    let a2 = app.create(&order_for("store-a", "bob")).await;

    let ids = |orders: Vec<serde_json::Value>| -> Vec<serde_json::Value> {
        orders.into_iter().map(|o| o["id"].clone()).collect()
    };
    assert_eq!(
        ids(app.all_orders("").await),
        [a2["id"].clone(), b1["id"].clone(), a1["id"].clone()]
    );
    assert_eq!(
        ids(app.all_orders("storeId=store-a").await),
        [a2["id"].clone(), a1["id"].clone()]
    );
    assert_eq!(
        ids(app.all_orders("customerId=alice").await),
        [b1["id"].clone(), a1["id"].clone()]
    );
    assert_eq!(
        ids(app.all_orders("storeId=store-a&customerId=alice").await),
        [a1["id"].clone()]
    );
    assert_eq!(app.all_orders("status=pending").await.len(), 3);
    assert!(app.all_orders("status=shipped").await.is_empty());
}

#[tokio::test]
async fn pages_link_to_the_next_one_until_the_last() {
    let app = spawn_app().await;
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(app.create(&order_for("store-p", "carol")).await["id"].clone());
    }
    created.reverse();

    let first = app.get("/orders?storeId=store-p&limit=2").await;
    let link = header(&first, "link").unwrap_or_default();
    let page = json_of(first).await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
    let cursor = page["nextCursor"].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        link,
        format!("</orders?storeId=store-p&limit=2&cursor={cursor}>; rel=\"next\"")
    );

    let mut seen = Vec::new();
    let mut path = "/orders?storeId=store-p&limit=2".to_owned();
    loop {
        let response = app.get(&path).await;
        let next = header(&response, "link");
        let page = json_of(response).await;
        seen.extend(
            page["items"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|o| o["id"].clone()),
        );
        match next {
            Some(link) => {
                path = link
                    .trim_start_matches('<')
                    .split('>')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
            }
            None => {
                assert_eq!(page["nextCursor"], json!(null));
                break;
            }
        }
    }
    assert_eq!(seen, created);
}

#[tokio::test]
async fn bad_list_parameters_are_400_problems_naming_each() {
    let app = spawn_app().await;
    for (query, parameter) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("status=lost", "status"),
        ("cursor=%21%21", "cursor"),
        ("cursor=AAAA", "cursor"),
    ] {
        let body = problem(
            app.get(&format!("/orders?{query}")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(body["errors"][0]["parameter"], parameter, "{query}: {body}");
    }
    let body = problem(
        app.get("/orders?limit=0&status=lost").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(2));
    assert_eq!(app.get("/orders?limit=100").await.status(), StatusCode::OK);
}
