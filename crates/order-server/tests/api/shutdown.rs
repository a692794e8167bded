use std::time::Duration;

use futures::future::join_all;
use order_storage::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::order_for;
use crate::process::{database_url, ServerProcess};

/// SIGTERM while creates are in flight (each held up 2.5 s by a slow customer service): every request the
/// server accepted is answered 201, new connections are refused, the process exits 0, and after a restart every acknowledged order is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_accepted_requests_finish_and_keeps_every_acknowledged_write() {
    let customers = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(2500)))
        .mount(&customers)
        .await;
    let database = TestDatabase::from_env().expect("a test database");
    let url = database_url(&database.database);
    let vars = [
        ("CUSTOMER_SERVICE_URL", customers.uri()),
        ("CUSTOMER_SERVICE_TIMEOUT_MS", "5000".to_owned()),
        ("CUSTOMER_CACHE_TTL_SECS", "0".to_owned()),
        ("SHUTDOWN_GRACE_SECS", "10".to_owned()),
    ];
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut server = ServerProcess::start(&url, &vars);

    let client = reqwest::Client::new();
    let creates = (0..12).map(|n| {
        let request = client
            .post(server.url("/orders"))
            .json(&order_for("store-shutdown", &format!("customer-{n}")));
        async move { request.send().await }
    });
    let in_flight = tokio::spawn(join_all(creates));
    tokio::time::sleep(Duration::from_millis(400)).await;
    server.terminate();
    // While the accepted requests finish, the listener is closed: a new connection is refused.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let refused = reqwest::Client::new()
        .get(server.url("/health/live"))
        .send()
        .await;
    assert!(
        refused.is_err(),
        "a new connection was served after SIGTERM"
    );
    let answers = in_flight.await.expect("the requests ran");
    let status = server.wait_for_exit(Duration::from_secs(20));
    assert!(status.success(), "exit status {status}");

    let mut ids = Vec::new();
    for answer in answers {
        let response = answer.expect("an accepted request was answered");
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "{:?}",
            response.text().await
        );
        let order: Value = response.json().await.expect("an order");
        ids.push(order["id"].as_str().expect("an id").to_owned());
    }
    assert_eq!(ids.len(), 12);

    let restarted = ServerProcess::start(&url, &[]);
    for id in ids {
        let response = client
            .get(restarted.url(&format!("/orders/{id}")))
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), StatusCode::OK, "order {id} is lost");
    }
}
