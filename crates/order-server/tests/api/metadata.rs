//! Notes and metadata: set on create, metadata replaced by `PUT /orders/{id}/metadata`, bounded as Stripe
//! bounds them, refused changes writing nothing.

use reqwest::StatusCode;
use serde_json::{json, Map, Value};

use crate::helpers::{header, json_of, pointers, problem, spawn_app, valid_order};

fn with(note: Value, metadata: Value) -> Value {
    let mut order = valid_order();
    order["note"] = note;
    order["metadata"] = metadata;
    order
}

fn many_keys(count: usize) -> Value {
    let entries: Map<String, Value> = (0..count).map(|i| (format!("k{i}"), json!("v"))).collect();
    Value::Object(entries)
}

#[tokio::test]
async fn a_note_and_metadata_given_on_create_are_shown_and_kept() {
    let app = spawn_app().await;
    let created = app
        .create(&with(
            json!("ring twice"),
            json!({"channel": "web", "ref": ""}),
        ))
        .await;
    assert_eq!(created["note"], "ring twice");
    assert_eq!(created["metadata"], json!({"channel": "web", "ref": ""}));
    let id = created["id"].as_str().unwrap_or_default();
    assert_eq!(app.order(id).await, created);

    let plain = app.create(&valid_order()).await;
    assert_eq!(plain["note"], Value::Null);
    assert_eq!(plain["metadata"], json!({}));
}

#[tokio::test]
async fn notes_and_metadata_at_their_bounds_are_accepted() {
    let app = spawn_app().await;
    let mut metadata = many_keys(49);
    metadata["k".repeat(40)] = json!("é".repeat(500));
    let created = app.create(&with(json!("é".repeat(1000)), metadata)).await;
    assert_eq!(created["metadata"].as_object().map(Map::len), Some(50));
}

#[tokio::test]
async fn a_note_or_metadata_past_its_bounds_is_a_422_naming_it_and_creates_nothing() {
    let app = spawn_app().await;
    for (note, metadata, expected) in [
        (json!("n".repeat(1001)), json!({}), vec!["/note"]),
        (json!(null), many_keys(51), vec!["/metadata"]),
        (json!(null), json!({"k".repeat(41): "v"}), vec!["/metadata"]),
        (
            json!(null),
            json!({"k": "v".repeat(501)}),
            vec!["/metadata"],
        ),
        (json!(null), json!({"": "v"}), vec!["/metadata"]),
        (
            json!("n".repeat(1001)),
            json!({"a": "v".repeat(501), "b": "v".repeat(501)}),
            vec!["/metadata", "/metadata", "/note"],
        ),
    ] {
        let body = problem(
            app.post_order(&with(note, metadata)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        let mut named = pointers(&body);
        named.sort();
        assert_eq!(named, expected, "{body}");
    }
    let bad_key = problem(
        app.post_order(&with(json!(null), json!({"k".repeat(41): "v"})))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        bad_key["errors"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains(&"k".repeat(41)[..40]) && d.contains("40 characters")),
        "the message names the key: {bad_key}"
    );
    assert!(app.all_orders("").await.is_empty(), "nothing was created");
}

#[tokio::test]
async fn metadata_is_replaced_whole_and_bumps_the_version() {
    let app = spawn_app().await;
    let created = app
        .create(&with(json!("keep me"), json!({"a": "1", "b": "2"})))
        .await;
    let id = created["id"].as_str().unwrap_or_default();

    let response = app
        .put(id, "metadata", &json!({"metadata": {"c": "3"}}), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "etag").as_deref(), Some("\"2\""));
    let updated = json_of(response).await;
    assert_eq!(
        updated["metadata"],
        json!({"c": "3"}),
        "replaced, not merged"
    );
    assert_eq!(updated["note"], "keep me");
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["status"], "pending");
    assert_eq!(app.order(id).await, updated);

    let emptied = json_of(
        app.put(id, "metadata", &json!({"metadata": {}}), None)
            .await,
    )
    .await;
    assert_eq!(emptied["metadata"], json!({}));
    assert_eq!(emptied["version"], 3);
}

#[tokio::test]
async fn metadata_changes_in_every_status_while_the_order_is_live() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    assert_eq!(
        app.set_status(&id, "canceled").await.status(),
        StatusCode::OK
    );
    let response = app
        .put(
            &id,
            "metadata",
            &json!({"metadata": {"why": "fraud"}}),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_of(response).await["metadata"]["why"], "fraud");

    assert_eq!(app.delete_order(&id).await.status(), StatusCode::NO_CONTENT);
    let gone = app
        .put(&id, "metadata", &json!({"metadata": {}}), None)
        .await;
    problem(gone, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn metadata_honours_if_match() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    let stale = app
        .put(
            &id,
            "metadata",
            &json!({"metadata": {"a": "1"}}),
            Some("\"2\""),
        )
        .await;
    let body = problem(stale, StatusCode::PRECONDITION_FAILED).await;
    assert_eq!(body["currentVersion"], 1);
    assert_eq!(
        app.order(&id).await["metadata"],
        json!({}),
        "nothing written"
    );

    let fresh = app
        .put(
            &id,
            "metadata",
            &json!({"metadata": {"a": "1"}}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(fresh.status(), StatusCode::OK);
    assert_eq!(header(&fresh, "etag").as_deref(), Some("\"2\""));
}

#[tokio::test]
async fn bad_metadata_is_a_422_naming_it_and_writes_nothing() {
    let app = spawn_app().await;
    let id = app.create(&with(json!(null), json!({"keep": "me"}))).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for body in [
        json!({}),
        json!({"metadata": many_keys(51)}),
        json!({"metadata": {"k".repeat(41): "v"}}),
        json!({"metadata": {"k": "v".repeat(501)}}),
    ] {
        let refused = problem(
            app.put(&id, "metadata", &body, None).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(pointers(&refused), ["/metadata"], "{refused}");
    }
    let not_strings = app
        .put(&id, "metadata", &json!({"metadata": {"n": 1}}), None)
        .await;
    problem(not_strings, StatusCode::BAD_REQUEST).await;
    let order = app.order(&id).await;
    assert_eq!(order["metadata"], json!({"keep": "me"}));
    assert_eq!(order["version"], 1, "nothing written");
}

#[tokio::test]
async fn the_same_key_with_other_metadata_or_note_is_another_request() {
    let app = spawn_app().await;
    let first = with(json!("a"), json!({"k": "v"}));
    assert_eq!(
        app.post_order_with_key(&first, "meta-key").await.status(),
        StatusCode::CREATED
    );
    let replay = app.post_order_with_key(&first, "meta-key").await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(
        header(&replay, "idempotent-replayed").as_deref(),
        Some("true")
    );
    for other in [
        with(json!("a"), json!({"k": "w"})),
        with(json!("b"), json!({"k": "v"})),
    ] {
        problem(
            app.post_order_with_key(&other, "meta-key").await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
}

#[tokio::test]
async fn putting_the_same_metadata_again_changes_nothing_and_records_no_event() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    let body = json!({"metadata": {"channel": "web"}});
    let first = app.put(&id, "metadata", &body, None).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(json_of(first).await["version"], 2);

    let again = app.put(&id, "metadata", &body, None).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(header(&again, "etag").as_deref(), Some("\"2\""));
    let events = json_of(app.get(&format!("/orders/{id}/events")).await).await;
    let types: Vec<&str> = events["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|event| event["type"].as_str())
        .collect();
    assert_eq!(types, ["order.created", "order.metadata_updated"]);
}
