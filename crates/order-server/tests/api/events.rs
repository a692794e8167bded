//! The order's history, its publication to NATS JetStream, and the effects the outbox runs after commit.

use std::time::Duration;

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use order_storage::testing::TestDatabase;

use crate::helpers::{address, json_of, problem, spawn_app_on, TestApp};
use crate::nats::{OwnNats, TestStream, NATS_URL};

async fn app_publishing_to(stream: &TestStream) -> TestApp {
    let database = TestDatabase::from_env().expect("a test database");
    let (name, prefix) = (stream.name.clone(), stream.prefix.clone());
    spawn_app_on(database, move |config| {
        config.nats_url = Some(NATS_URL.to_owned());
        config.nats_stream = name;
        config.nats_subject_prefix = prefix;
    })
    .await
}

impl TestApp {
    /// Every event of the order, all pages followed.
    pub async fn history(&self, id: &str) -> Vec<Value> {
        let mut events = Vec::new();
        let mut after = "0".to_owned();
        loop {
            let response = self
                .get(&format!("/orders/{id}/events?limit=3&after={after}"))
                .await;
            assert_eq!(response.status(), StatusCode::OK);
            let page = json_of(response).await;
            events.extend(page["items"].as_array().cloned().unwrap_or_default());
            match page["nextCursor"].as_str() {
                Some(next) => after = next.to_owned(),
                None => return events,
            }
        }
    }
}

fn types_and_versions(events: &[Value]) -> Vec<(String, u64)> {
    events
        .iter()
        .map(|e| {
            let kind = e["type"].as_str().unwrap_or_default().to_owned();
            (kind, e["orderVersion"].as_u64().unwrap_or_default())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_change_publishes_exactly_one_message_with_its_subject_id_and_version() {
    let Some(stream) = TestStream::local().await else {
        return;
    };
    let app = app_publishing_to(&stream).await;
    let shipped = app.new_order_id().await;
    assert_eq!(
        app.put(&shipped, "shipping", &address(), None)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(app.pay(&shipped, json!(115)).await.status(), StatusCode::OK);
    assert_eq!(app.track(&shipped, "T-1").await.status(), StatusCode::OK);
    // The first shipment's capture is recorded by the worker: an event of its own.
    app.order_when(&shipped, |o| o["payment"]["capturedAt"].is_string())
        .await;
    assert_eq!(app.track(&shipped, "T-2").await.status(), StatusCode::OK);
    assert_eq!(
        app.set_status(&shipped, "delivered").await.status(),
        StatusCode::OK
    );
    let canceled = app.new_order_id().await;
    assert_eq!(
        app.set_status(&canceled, "canceled").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.delete_order(&canceled).await.status(),
        StatusCode::NO_CONTENT
    );

    let mut history = app.history(&shipped).await;
    history.extend(app.history(&canceled).await);
    assert_eq!(
        types_and_versions(&history),
        [
            ("order.created".to_owned(), 1),
            ("order.shipping_address_set".to_owned(), 2),
            ("order.paid".to_owned(), 3),
            ("order.shipped".to_owned(), 4),
            ("order.payment_captured".to_owned(), 5),
            ("order.tracking_corrected".to_owned(), 6),
            ("order.delivered".to_owned(), 7),
            ("order.created".to_owned(), 1),
            ("order.canceled".to_owned(), 2),
            ("order.deleted".to_owned(), 3),
        ]
    );
    let correction = &history[5]["data"];
    assert_eq!(correction["before"]["trackingNumber"], "T-1");
    assert_eq!(correction["after"]["trackingNumber"], "T-2");

    let messages = stream.wait_for(history.len()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let messages_now = stream.messages().await;
    assert_eq!(
        messages_now.len(),
        history.len(),
        "exactly one message per event"
    );
    for event in &history {
        let id = event["eventId"].as_str();
        let found: Vec<_> = messages
            .iter()
            .filter(|m| m.message_id.as_deref() == id)
            .collect();
        assert_eq!(found.len(), 1, "{event}");
        let kind = event["type"].as_str().unwrap_or_default();
        let expected_subject = format!("{}.{}", stream.prefix, kind.trim_start_matches("order."));
        assert_eq!(found[0].subject, expected_subject);
        assert_eq!(&found[0].body, event, "the message is the history's event");
    }
    stream.delete().await;
}

#[tokio::test]
async fn a_refused_change_or_a_stale_one_records_nothing() {
    let app = crate::helpers::spawn_app().await;
    let id = app.new_order_id().await;
    problem(
        app.pay(&id, json!(1)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    problem(app.set_status(&id, "delivered").await, StatusCode::CONFLICT).await;
    let stale = app
        .put(&id, "status", &json!({"status": "canceled"}), Some("\"7\""))
        .await;
    problem(stale, StatusCode::PRECONDITION_FAILED).await;
    let history = app.history(&id).await;
    assert_eq!(
        types_and_versions(&history),
        [("order.created".to_owned(), 1)]
    );
    assert!(history[0]["occurredAt"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert_eq!(history[0]["actor"], Value::Null);
    assert_eq!(history[0]["data"]["totalAmount"], "115.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_changes_to_one_order_keep_its_history_gap_free() {
    let app = crate::helpers::spawn_app().await;
    let id = app.new_order_id().await;
    let body = address();
    let responses = join_all((0..12).map(|_| app.put(&id, "shipping", &body, None))).await;
    let ok = responses
        .iter()
        .filter(|r| r.status() == StatusCode::OK)
        .count() as u64;
    let version = app.order(&id).await["version"].as_u64().unwrap_or_default();
    assert_eq!(version, 1 + ok);
    let versions: Vec<u64> = types_and_versions(&app.history(&id).await)
        .into_iter()
        .map(|(_, version)| version)
        .collect();
    assert_eq!(versions, (1..=version).collect::<Vec<_>>());
}

#[tokio::test]
async fn the_history_of_an_unknown_order_is_404_and_a_deleted_order_keeps_it() {
    let app = crate::helpers::spawn_app().await;
    let unknown = uuid::Uuid::now_v7();
    problem(
        app.get(&format!("/orders/{unknown}/events")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let id = app.new_order_id().await;
    problem(
        app.get(&format!("/orders/{id}/events?limit=101")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(app.delete_order(&id).await.status(), StatusCode::NO_CONTENT);
    let history = app.history(&id).await;
    assert_eq!(
        types_and_versions(&history),
        [
            ("order.created".to_owned(), 1),
            ("order.deleted".to_owned(), 2)
        ]
    );
}

#[tokio::test]
async fn a_notification_whose_service_fails_is_retried_until_it_is_sent_once() {
    let notifications = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/notifications"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(4)
        .mount(&notifications)
        .await;
    Mock::given(method("POST"))
        .and(path("/notifications"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&notifications)
        .await;
    let database = TestDatabase::from_env().expect("a test database");
    let uri = notifications.uri();
    let app = spawn_app_on(database, move |config| {
        let base = order_gateways::BaseUrl::parse(&uri).expect("the mock's URL");
        let mut settings = order_gateways::HttpSettings::new(base);
        settings.max_retries = 0;
        config.services.notification = Some(settings);
        config.outbox_retry_max = Duration::from_secs(1);
    })
    .await;
    let id = app.new_order_id().await;

    let mut ready = Value::Null;
    for _ in 0..100 {
        ready = json_of(app.get("/health/ready").await).await;
        if ready["outbox"]["backlog"] == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        ready["outbox"],
        json!({"backlog": 0, "oldestAgeSeconds": 0, "parked": 0})
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let requests = notifications.received_requests().await.unwrap_or_default();
    let sent: Vec<Value> = requests
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap_or_default())
        .collect();
    assert_eq!(
        sent.len(),
        5,
        "four failures, then one success, then nothing"
    );
    assert!(sent
        .iter()
        .all(|n| n["orderId"] == id.as_str() && n["kind"] == "OrderCreated"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_made_while_nats_is_down_arrive_once_and_in_order_when_it_is_back() {
    let Some(mut nats) = OwnNats::start().await else {
        return;
    };
    let Some(stream) = TestStream::on(&nats.url).await else {
        return;
    };
    let database = TestDatabase::from_env().expect("a test database");
    let (url, name, prefix) = (nats.url.clone(), stream.name.clone(), stream.prefix.clone());
    let app = spawn_app_on(database, move |config| {
        config.nats_url = Some(url);
        config.nats_stream = name;
        config.nats_subject_prefix = prefix;
        config.outbox_retry_max = Duration::from_secs(1);
    })
    .await;
    let id = app.new_order_id().await;
    assert_eq!(stream.wait_for(1).await.len(), 1);

    nats.stop();
    assert_eq!(
        app.put(&id, "shipping", &address(), None).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.pay(&id, json!(115)).await.status(), StatusCode::OK);
    assert_eq!(app.track(&id, "T-1").await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let ready = app.get("/health/ready").await;
    assert_eq!(
        ready.status(),
        StatusCode::OK,
        "a NATS outage is not the service's"
    );
    let backlog = json_of(ready).await["outbox"]["backlog"].as_u64();
    assert!(backlog.is_some_and(|b| b >= 1), "{backlog:?}");

    nats.resume().await;
    // Created, address, paid, shipped, and the capture the shipment asked for.
    let messages = stream.wait_for(5).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let messages_now = stream.messages().await;
    let versions: Vec<u64> = messages_now
        .iter()
        .map(|m| m.body["orderVersion"].as_u64().unwrap_or_default())
        .collect();
    assert_eq!(
        versions,
        [1, 2, 3, 4, 5],
        "once each, in order: {messages:?}"
    );
    let history = app.history(&id).await;
    let ids: Vec<_> = history.iter().map(|e| e["eventId"].as_str()).collect();
    let published: Vec<_> = messages_now
        .iter()
        .map(|m| m.message_id.as_deref())
        .collect();
    assert_eq!(published, ids);
    stream.delete().await;
}

#[tokio::test]
async fn a_history_position_past_any_version_is_a_400_naming_after() {
    let app = crate::helpers::spawn_app().await;
    let id = app.new_order_id().await;
    let response = app
        .get(&format!("/orders/{id}/events?after=9223372036854775808"))
        .await;
    let problem = crate::helpers::problem(response, reqwest::StatusCode::BAD_REQUEST).await;
    assert!(problem.to_string().contains("after"), "{problem}");
}
