use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{address, header, json_of, pointers, problem, spawn_app};

fn actions(order: &Value) -> Vec<&str> {
    order["allowedActions"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn an_order_goes_from_pending_to_delivered_through_its_business_events() {
    let app = spawn_app().await;
    let created = app.create(&crate::helpers::valid_order()).await;
    let id = created["id"].as_str().unwrap_or_default();
    assert_eq!(
        actions(&created),
        [
            "pay",
            "setShippingAddress",
            "cancel",
            "delete",
            "updateMetadata"
        ]
    );
    assert_eq!(created["payment"], Value::Null);
    assert_eq!(created["shipment"], Value::Null);

    let response = app.put(id, "shipping", &address(), Some("\"1\"")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "etag").as_deref(), Some("\"2\""));
    let addressed = json_of(response).await;
    assert_eq!(addressed["status"], "pending");
    assert_eq!(addressed["shippingAddress"]["country"], "US");
    assert_eq!(addressed["shippingAddress"]["line2"], Value::Null);

    let response = app
        .put(
            id,
            "payment",
            &json!({"method": "visa", "amount": 115.00, "reference": "ch_1"}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let paid = json_of(response).await;
    assert_eq!(paid["status"], "processing");
    assert_eq!(paid["version"], 3);
    assert_eq!(paid["payment"]["method"], "visa");
    assert_eq!(paid["payment"]["reference"], "ch_1");
    assert_eq!(paid["payment"]["refundDue"], false);
    assert!(paid["payment"]["paidAt"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert_eq!(
        actions(&paid),
        [
            "setShippingAddress",
            "recordTracking",
            "cancel",
            "updateMetadata",
            "ship"
        ]
    );

    let shipped = json_of(app.track(id, "123456789").await).await;
    assert_eq!(shipped["status"], "shipped");
    assert_eq!(shipped["shipment"]["carrier"], "FedEx");
    assert_eq!(shipped["shipment"]["trackingNumber"], "123456789");
    assert_eq!(
        actions(&shipped),
        [
            "recordTracking",
            "deliver",
            "updateMetadata",
            "correctShipmentTracking",
            "deliverShipment",
            "requestReturn",
        ]
    );

    // The shipment asked for the payment's capture; the worker records it as a version of its own.
    let captured = app
        .order_when(id, |o| o["payment"]["capturedAt"].is_string())
        .await;
    assert_eq!(captured["version"], 5);

    let corrected = json_of(app.track(id, "987654321").await).await;
    assert_eq!(corrected["status"], "shipped");
    assert_eq!(corrected["shipment"]["trackingNumber"], "987654321");
    assert_eq!(
        corrected["shipment"]["shippedAt"],
        shipped["shipment"]["shippedAt"]
    );
    assert_eq!(corrected["version"], 6);

    let delivered = json_of(app.set_status(id, "delivered").await).await;
    assert_eq!(delivered["status"], "delivered");
    assert_eq!(delivered["version"], 7);
    assert_eq!(
        actions(&delivered),
        ["delete", "updateMetadata", "requestReturn"]
    );
    assert_eq!(app.order(id).await, delivered);
}

#[tokio::test]
async fn payment_must_match_the_total_exactly() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    let body = problem(
        app.pay(&id, json!(114.99)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointers(&body), ["/amount"]);
    let body = problem(
        app.pay(&id, json!(115.001)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointers(&body), ["/amount"]);
    let body = problem(
        app.put(&id, "payment", &json!({}), None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointers(&body), ["/method", "/amount"]);
    problem(
        app.put(
            &id,
            "payment",
            &json!({"method": "visa", "amount": "115"}),
            None,
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(app.order(&id).await["version"], 1);
}

#[tokio::test]
async fn a_declined_payment_is_a_402_and_leaves_the_order_pending() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    let response = app
        .put(
            &id,
            "payment",
            &json!({"method": "declined", "amount": 115}),
            None,
        )
        .await;
    problem(response, StatusCode::PAYMENT_REQUIRED).await;
    let order = app.order(&id).await;
    assert_eq!(
        (order["status"].clone(), order["version"].clone()),
        (json!("pending"), json!(1))
    );
}

#[tokio::test]
async fn paying_twice_or_paying_a_canceled_order_is_a_409_saying_what_is_allowed() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    assert_eq!(app.pay(&id, json!(115)).await.status(), StatusCode::OK);
    let body = problem(app.pay(&id, json!(115)).await, StatusCode::CONFLICT).await;
    assert_eq!(body["currentStatus"], "processing");
    assert_eq!(body["attemptedAction"], "pay");
    assert_eq!(
        body["attemptedTransition"],
        json!({"from": "processing", "to": "processing"})
    );
    assert_eq!(
        body["allowedTransitions"],
        json!(["partially_shipped", "shipped", "canceled"])
    );
    assert_eq!(
        body["allowedActions"],
        json!([
            "setShippingAddress",
            "recordTracking",
            "cancel",
            "updateMetadata",
            "ship"
        ])
    );

    let canceled = app.new_order_id().await;
    assert_eq!(
        app.set_status(&canceled, "canceled").await.status(),
        StatusCode::OK
    );
    let body = problem(app.pay(&canceled, json!(115)).await, StatusCode::CONFLICT).await;
    assert_eq!(body["currentStatus"], "canceled");
    assert_eq!(body["allowedTransitions"], json!([]));
    assert_eq!(app.order(&canceled).await["payment"], Value::Null);
}

#[tokio::test]
async fn the_shipping_address_names_every_bad_field_and_is_closed_once_shipped() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    let bad = json!({"address": {"line1": "", "city": "X", "country": "XX"}});
    let body = problem(
        app.put(&id, "shipping", &bad, None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        pointers(&body),
        ["/address/line1", "/address/postalCode", "/address/country"]
    );
    let body = problem(
        app.put(&id, "shipping", &json!({}), None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointers(&body), ["/address"]);

    assert_eq!(app.pay(&id, json!(115)).await.status(), StatusCode::OK);
    assert_eq!(
        app.put(&id, "shipping", &address(), None).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.track(&id, "1").await.status(), StatusCode::OK);
    let body = problem(
        app.put(&id, "shipping", &address(), None).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(body["currentStatus"], "shipped");
}

#[tokio::test]
async fn tracking_needs_a_paid_order_that_is_not_delivered_or_canceled() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    problem(app.track(&id, "1").await, StatusCode::CONFLICT).await;
    let body = problem(
        app.put(&id, "shipment/tracking", &json!({"carrier": ""}), None)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointers(&body), ["/carrier", "/trackingNumber"]);

    assert_eq!(
        app.set_status(&id, "canceled").await.status(),
        StatusCode::OK
    );
    problem(app.track(&id, "1").await, StatusCode::CONFLICT).await;

    let delivered = app.new_order_id().await;
    app.pay(&delivered, json!(115)).await;
    app.track(&delivered, "1").await;
    assert_eq!(
        app.set_status(&delivered, "delivered").await.status(),
        StatusCode::OK
    );
    problem(app.track(&delivered, "2").await, StatusCode::CONFLICT).await;
    assert_eq!(
        app.order(&delivered).await["shipment"]["trackingNumber"],
        "1"
    );
}

#[tokio::test]
async fn the_status_endpoint_only_cancels_and_delivers() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    for (status, hint) in [
        ("processing", "/payment"),
        ("shipped", "/shipment/tracking"),
        ("pending", "created"),
    ] {
        let body = problem(app.set_status(&id, status).await, StatusCode::CONFLICT).await;
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(hint), "{status}: {detail}");
    }
    let body = problem(
        app.set_status(&id, "lost").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointers(&body), ["/status"]);
    let body = problem(
        app.put(&id, "status", &json!({}), None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointers(&body), ["/status"]);

    let body = problem(app.set_status(&id, "delivered").await, StatusCode::CONFLICT).await;
    assert_eq!(body["currentStatus"], "pending");
    assert_eq!(app.order(&id).await["version"], 1);

    let canceled = json_of(app.set_status(&id, "canceled").await).await;
    assert_eq!(canceled["status"], "canceled");
    assert_eq!(canceled["payment"], Value::Null);
    problem(app.set_status(&id, "canceled").await, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn canceling_a_paid_order_voids_its_authorization_and_owes_no_refund() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    app.pay(&id, json!(115)).await;
    let canceled = json_of(app.set_status(&id, "canceled").await).await;
    assert_eq!(canceled["status"], "canceled");
    assert_eq!(canceled["payment"]["amount"], json!(115.0));
    assert_eq!(
        canceled["payment"]["refundDue"], false,
        "authorized, never captured: voided, not refunded"
    );
    assert_eq!(canceled["version"], 3);
}

#[tokio::test]
async fn a_stale_if_match_on_any_change_is_a_412_and_writes_nothing() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    let stale = Some("\"9\"");
    for (what, body) in [
        ("payment", json!({"method": "visa", "amount": 115})),
        ("shipping", address()),
        ("status", json!({"status": "canceled"})),
    ] {
        let body = problem(
            app.put(&id, what, &body, stale).await,
            StatusCode::PRECONDITION_FAILED,
        )
        .await;
        assert_eq!(body["currentVersion"], 1, "{what}");
    }
    let order = app.order(&id).await;
    assert_eq!(
        (order["version"].clone(), order["status"].clone()),
        (json!(1), json!("pending"))
    );
}

#[tokio::test]
async fn changes_to_a_deleted_or_unknown_order_are_404() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    assert_eq!(app.delete_order(&id).await.status(), StatusCode::NO_CONTENT);
    problem(app.pay(&id, json!(115)).await, StatusCode::NOT_FOUND).await;
    problem(
        app.put(&id, "shipping", &address(), None).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(app.track(&id, "1").await, StatusCode::NOT_FOUND).await;
    problem(app.set_status(&id, "canceled").await, StatusCode::NOT_FOUND).await;
    problem(
        app.pay("not-an-id", json!(115)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}
