//! `GET /orders` filtered by a set of statuses and a creation-time range, alone, with the store and customer
//! filters, and across keyset pages; bad values named as 400 problems.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{order_for, problem, spawn_app, TestApp};

/// Every order a query lists, followed page by page `limit` at a time, asserting none is listed twice. A
/// cursor that leads back, or a page that is empty and still has a next one, fails at once: a paging bug ends
/// the test instead of looping for ever.
async fn paged(app: &TestApp, query: &str, limit: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut seen = BTreeSet::new();
    let mut path = format!("/orders?limit={limit}&{query}");
    loop {
        let response = app.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let page: Value = response.json().await.unwrap_or_default();
        let items = page["items"].as_array().cloned().unwrap_or_default();
        assert!(items.len() <= limit);
        for id in items.iter().filter_map(|o| o["id"].as_str()) {
            assert!(seen.insert(id.to_owned()), "{id} listed twice for {query}");
            ids.push(id.to_owned());
        }
        match page["nextCursor"].as_str() {
            Some(cursor) => {
                assert!(!items.is_empty(), "an empty page with a next one: {path}");
                path = format!("/orders?limit={limit}&{query}&cursor={cursor}");
            }
            None => break,
        }
    }
    ids
}

/// Orders of two stores in every status but delivered, oldest first: (id, store, status, createdAt).
async fn orders_in_every_status(app: &TestApp) -> Vec<(String, String, String, String)> {
    let mut made = Vec::new();
    for (n, status) in ["pending", "processing", "shipped", "canceled"]
        .iter()
        .cycle()
        .take(12)
        .enumerate()
    {
        let store = if n % 3 == 0 { "s-a" } else { "s-b" };
        let created = app.create(&order_for(store, "c-1")).await;
        let id = created["id"].as_str().unwrap_or_default().to_owned();
        match *status {
            "processing" => assert_eq!(app.pay(&id, 115.into()).await.status(), StatusCode::OK),
            "shipped" => {
                assert_eq!(app.pay(&id, 115.into()).await.status(), StatusCode::OK);
                assert_eq!(app.track(&id, "1").await.status(), StatusCode::OK);
            }
            "canceled" => assert_eq!(
                app.set_status(&id, "canceled").await.status(),
                StatusCode::OK
            ),
            _ => {}
        }
        let created_at = created["createdAt"].as_str().unwrap_or_default().to_owned();
        made.push((id, store.to_owned(), (*status).to_owned(), created_at));
        // Creation instants a few milliseconds apart, so each can bound a range on its own.
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    made
}

fn newest_first(
    made: &[(String, String, String, String)],
    keep: impl Fn(usize, &str, &str) -> bool,
) -> Vec<String> {
    made.iter()
        .enumerate()
        .filter(|(n, (_, store, status, _))| keep(*n, store, status))
        .map(|(_, (id, ..))| id.clone())
        .rev()
        .collect()
}

#[tokio::test]
async fn a_status_set_lists_the_orders_in_any_of_them_each_once_across_pages() {
    let app = spawn_app().await;
    let made = orders_in_every_status(&app).await;
    let expected = newest_first(&made, |_, _, s| s == "processing" || s == "canceled");
    assert_eq!(expected.len(), 6);
    for limit in [1, 2, 5, 100] {
        assert_eq!(
            paged(&app, "status=processing,canceled", limit).await,
            expected,
            "limit {limit}"
        );
    }
    assert_eq!(
        paged(&app, "status=canceled,processing,canceled", 2).await,
        expected,
        "order and repeats in the set do not matter"
    );
    assert_eq!(
        paged(&app, "status=shipped", 2).await,
        newest_first(&made, |_, _, s| s == "shipped")
    );
    assert!(paged(&app, "status=delivered", 2).await.is_empty());
}

#[tokio::test]
async fn a_status_set_combines_with_the_store_filter() {
    let app = spawn_app().await;
    let made = orders_in_every_status(&app).await;
    let expected = newest_first(&made, |_, store, s| store == "s-b" && s != "pending");
    assert!(!expected.is_empty());
    for limit in [1, 3] {
        assert_eq!(
            paged(
                &app,
                "storeId=s-b&status=processing,shipped,canceled",
                limit
            )
            .await,
            expected
        );
    }
    let by_customer = newest_first(&made, |_, _, s| s == "pending" || s == "shipped");
    assert_eq!(
        paged(&app, "customerId=c-1&status=pending,shipped", 2).await,
        by_customer
    );
}

#[tokio::test]
async fn created_after_is_inclusive_and_created_before_exclusive() {
    let app = spawn_app().await;
    let made = orders_in_every_status(&app).await;
    let at = |n: usize| made[n].3.clone();

    let after = newest_first(&made, |n, _, _| n >= 4);
    assert_eq!(
        paged(&app, &format!("createdAfter={}", at(4)), 3).await,
        after
    );
    let before = newest_first(&made, |n, _, _| n < 4);
    assert_eq!(
        paged(&app, &format!("createdBefore={}", at(4)), 3).await,
        before
    );
    let between = newest_first(&made, |n, _, _| (2..9).contains(&n));
    for limit in [1, 4] {
        assert_eq!(
            paged(
                &app,
                &format!("createdAfter={}&createdBefore={}", at(2), at(9)),
                limit
            )
            .await,
            between
        );
    }
}

#[tokio::test]
async fn a_time_range_combines_with_store_and_status_across_pages() {
    let app = spawn_app().await;
    let made = orders_in_every_status(&app).await;
    let query = format!(
        "storeId=s-b&status=pending,canceled&createdAfter={}&createdBefore={}",
        made[1].3, made[11].3
    );
    let expected = newest_first(&made, |n, store, s| {
        (1..11).contains(&n) && store == "s-b" && (s == "pending" || s == "canceled")
    });
    assert!(expected.len() >= 3, "{expected:?}");
    for limit in [1, 2] {
        assert_eq!(paged(&app, &query, limit).await, expected);
    }
    // An offset other than Z names the same instant.
    let (date, time) = made[1].3.split_once('T').unwrap_or_default();
    let hour: u32 = time[..2].parse().unwrap_or_default();
    if hour < 23 {
        let shifted = format!("{date}T{:02}{}+01:00", hour + 1, &time[2..time.len() - 1]);
        let shifted = shifted.replace('+', "%2B");
        assert_eq!(
            paged(&app, &format!("createdAfter={shifted}"), 100).await,
            newest_first(&made, |n, _, _| n >= 1)
        );
    }
}

#[tokio::test]
async fn bad_filter_values_are_400_problems_naming_the_parameter() {
    let app = spawn_app().await;
    for (query, parameter) in [
        ("status=lost", "status"),
        ("status=pending,lost", "status"),
        ("status=pending,", "status"),
        ("status=", "status"),
        ("createdAfter=yesterday", "createdAfter"),
        ("createdAfter=2026-11-26", "createdAfter"),
        ("createdAfter=2026-11-26T09:00:00", "createdAfter"),
        ("createdBefore=2026-13-01T00:00:00Z", "createdBefore"),
        (
            "createdAfter=2026-11-26T09:00:00Z&createdBefore=2026-11-26T09:00:00Z",
            "createdBefore",
        ),
    ] {
        let body = problem(
            app.get(&format!("/orders?{query}")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(body["errors"][0]["parameter"], parameter, "{query}: {body}");
        assert_eq!(
            body["errors"].as_array().map(Vec::len),
            Some(1),
            "{query}: {body}"
        );
    }
    let body = problem(
        app.get("/orders?status=lost&createdAfter=soon&createdBefore=later")
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(3), "{body}");
}
