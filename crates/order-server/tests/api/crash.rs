//! The server killed right after it acknowledged a change: what the change owes still happens after restart.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use order_storage::testing::TestDatabase;
use order_storage::{Database, SqliteLocation};
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::valid_order;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The server binary on `database_url`, telling customers through `notifications`; ready when this returns.
async fn start_server(database_url: &str, notifications: &str, port: u16) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_order-server"))
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", database_url)
        .env("NOTIFICATION_SERVICE_URL", notifications)
        .env("GATEWAY_MAX_RETRIES", "0")
        .env("OUTBOX_RETRY_MAX_SECS", "1")
        // Killed while its worker held the notification (claimed, the call under way), the first server's
        // lease keeps it from the second until it runs out: short here, so that the test waits for it.
        .env("OUTBOX_LEASE_SECS", "2")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let client = reqwest::Client::new();
    for _ in 0..100 {
        let live = client
            .get(format!("http://127.0.0.1:{port}/health/live"))
            .send()
            .await;
        if live.is_ok_and(|r| r.status().is_success()) {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not come up");
}

async fn notification_service(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/notifications"))
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_change_acknowledged_just_before_a_sigkill_still_has_its_effects_after_restart() {
    let database = TestDatabase::sqlite();
    let Database::Sqlite(SqliteLocation::File(file)) = &database.database else {
        panic!("a SQLite file");
    };
    let url = format!("sqlite://{}", file.display());
    // The notification service is down while the first server runs: the notification cannot have gone out.
    let down = notification_service(503).await;
    let port = free_port();
    let mut first = start_server(&url, &down.uri(), port).await;
    let created = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/orders"))
        .json(&valid_order())
        .send()
        .await
        .expect("the create is answered");
    assert_eq!(created.status(), reqwest::StatusCode::CREATED);
    let id = created.json::<Value>().await.unwrap_or_default()["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    first.kill().expect("SIGKILL");
    let _ = first.wait();

    let up = notification_service(202).await;
    let port = free_port();
    let mut second = start_server(&url, &up.uri(), port).await;
    let mut told = Vec::new();
    // Up to 30 s: on a loaded 2-core machine the restarted server's first polls can take seconds.
    for _ in 0..300 {
        told = up
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap_or_default())
            .collect();
        if !told.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = second.kill();
    let _ = second.wait();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["orderId"], id.as_str());
    assert_eq!(told[0]["kind"], "OrderCreated");
}
