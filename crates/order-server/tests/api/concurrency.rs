use std::collections::HashSet;

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{header, json_of, order_for, spawn_app, valid_order};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_creates_with_one_key_make_exactly_one_order() {
    let app = spawn_app().await;
    let order = valid_order();
    let responses = join_all((0..50).map(|_| app.post_order_with_key(&order, "storm"))).await;

    let mut bodies = HashSet::new();
    let mut fresh = 0;
    for response in responses {
        match response.status() {
            StatusCode::CREATED => {
                if header(&response, "idempotent-replayed").is_none() {
                    fresh += 1;
                }
                bodies.insert(response.bytes().await.unwrap_or_default());
            }
            StatusCode::CONFLICT => {}
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(fresh, 1, "exactly one response created the order");
    assert_eq!(bodies.len(), 1, "every replay is the same body");
    assert_eq!(app.all_orders("").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_parallel_creates_with_distinct_keys_make_sixty_four_orders() {
    let app = spawn_app().await;
    let order = valid_order();
    let keys: Vec<String> = (0..64).map(|i| format!("key-{i}")).collect();
    let responses = join_all(keys.iter().map(|key| app.post_order_with_key(&order, key))).await;
    assert!(responses.iter().all(|r| r.status() == StatusCode::CREATED));
    let ids: HashSet<String> = join_all(responses.into_iter().map(json_of))
        .await
        .into_iter()
        .map(|o| o["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(ids.len(), 64);
    assert_eq!(app.all_orders("").await.len(), 64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn paging_while_orders_are_created_yields_every_earlier_order_once() {
    let app = spawn_app().await;
    let mut existing = HashSet::new();
    for _ in 0..30 {
        existing.insert(id_of(&app.create(&order_for("store-x", "c")).await));
    }

    let writer = async {
        for _ in 0..30 {
            app.create(&order_for("store-x", "c")).await;
        }
    };
    let reader = async {
        let mut seen = Vec::new();
        let mut path = "/orders?storeId=store-x&limit=3".to_owned();
        loop {
            let page = json_of(app.get(&path).await).await;
            seen.extend(
                page["items"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .map(id_of),
            );
            match page["nextCursor"].as_str() {
                Some(cursor) => path = format!("/orders?storeId=store-x&limit=3&cursor={cursor}"),
                None => return seen,
            }
        }
    };
    let ((), seen) = tokio::join!(writer, reader);

    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no order is repeated");
    assert!(existing.is_subset(&unique), "no earlier order is skipped");
}

fn id_of(order: &Value) -> String {
    order["id"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_parallel_tracking_updates_lose_no_update() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    assert_eq!(
        app.pay(&id, serde_json::json!(115)).await.status(),
        StatusCode::OK
    );
    let start = app.order(&id).await["version"].as_u64().unwrap_or_default();

    let numbers: Vec<String> = (0..40).map(|i| format!("TRK-{i}")).collect();
    let responses = join_all(numbers.iter().map(|n| app.track(&id, n))).await;
    let mut successes = 0;
    for response in responses {
        match response.status() {
            StatusCode::OK => successes += 1,
            StatusCode::CONFLICT => {}
            other => panic!("unexpected status {other}"),
        }
    }
    let order = app.order(&id).await;
    assert!(successes > 0);
    // The worker may have recorded the capture the first shipment asked for: one more version.
    let captured = u64::from(order["payment"]["capturedAt"].is_string());
    assert_eq!(
        order["version"].as_u64(),
        Some(start + successes + captured)
    );
    assert_eq!(order["status"], "shipped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_payments_and_cancels_pay_at_most_once_and_lose_nothing() {
    let app = spawn_app().await;
    for _ in 0..8 {
        let id = app.new_order_id().await;
        let pays = join_all((0..4).map(|_| app.pay(&id, serde_json::json!(115))));
        let cancels = join_all((0..4).map(|_| app.set_status(&id, "canceled")));
        let (pays, cancels) = tokio::join!(pays, cancels);
        let paid = pays.iter().filter(|r| r.status() == StatusCode::OK).count();
        let canceled = cancels
            .iter()
            .filter(|r| r.status() == StatusCode::OK)
            .count();
        assert!(
            paid <= 1 && canceled <= 1,
            "paid {paid} times, canceled {canceled} times"
        );
        assert!(paid + canceled >= 1);

        // A paid order that is then canceled has its authorization voided by the outbox worker: the void
        // changes nothing on the order, and no refund is owed (nothing was captured).
        let order = app.order(&id).await;
        assert_eq!(
            order["version"].as_u64(),
            Some(1 + (paid + canceled) as u64)
        );
        match (paid, canceled) {
            (1, 0) => assert_eq!(order["status"], "processing"),
            (0, 1) => {
                assert_eq!(order["status"], "canceled");
                assert_eq!(order["payment"], serde_json::Value::Null);
            }
            _ => {
                assert_eq!(order["status"], "canceled");
                assert_eq!(order["payment"]["refundDue"], false, "voided, not refunded");
                assert_eq!(order["payment"]["refundedAt"], serde_json::Value::Null);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_changes_with_the_same_if_match_let_one_through() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    let body = crate::helpers::address();
    let responses = join_all((0..20).map(|_| app.put(&id, "shipping", &body, Some("\"1\"")))).await;
    let ok = responses
        .iter()
        .filter(|r| r.status() == StatusCode::OK)
        .count();
    let stale = responses
        .iter()
        .filter(|r| r.status() == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!((ok, stale), (1, 19));
    assert_eq!(app.order(&id).await["version"], 2);
}
