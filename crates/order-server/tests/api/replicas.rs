//! Two server processes on one Postgres database, as replicas behind a load balancer would run.

use std::collections::HashSet;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures::future::join_all;
use order_storage::testing::TestDatabase;
use order_storage::Database;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::valid_order;

struct Replica {
    process: Child,
    address: String,
}

impl Replica {
    /// Starts the real binary; does not wait for it.
    fn start(database_url: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("no free port: {e}"));
        let process = Command::new(env!("CARGO_BIN_EXE_order-server"))
            .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the server: {e}"));
        Self {
            process,
            address: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn wait_until_ready(&mut self, client: &reqwest::Client) {
        for _ in 0..100 {
            if let Ok(Some(status)) = self.process.try_wait() {
                panic!("replica exited early: {status}");
            }
            let ready = client
                .get(format!("{}/health/ready", self.address))
                .send()
                .await;
            if ready.is_ok_and(|r| r.status() == StatusCode::OK) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("replica at {} never became ready", self.address);
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_on_one_database_behave_as_one_service() {
    let Some(database) = TestDatabase::postgres() else {
        return;
    };
    let Database::Postgres(url) = &database.database else {
        panic!("a Postgres test database has a Postgres URL");
    };
    let client = reqwest::Client::new();
    // Both start at once, so both try to migrate the empty database at once.
    let mut replicas = [Replica::start(url), Replica::start(url)];
    for replica in &mut replicas {
        replica.wait_until_ready(&client).await;
    }
    let at = |i: usize, path: &str| format!("{}{path}", replicas[i % 2].address);

    // One idempotency key, parallel retries split across the replicas: one order.
    let order = valid_order();
    let responses = join_all((0..40).map(|i| {
        client
            .post(at(i, "/orders"))
            .header("Idempotency-Key", "replicated-key")
            .json(&order)
            .send()
    }))
    .await;
    let mut fresh = 0;
    let mut ids = HashSet::new();
    for response in responses {
        let response = response.unwrap_or_else(|e| panic!("{e}"));
        match response.status() {
            StatusCode::CREATED => {
                if response.headers().get("idempotent-replayed").is_none() {
                    fresh += 1;
                }
                let body: Value = response.json().await.unwrap_or_default();
                ids.insert(body["id"].as_str().unwrap_or_default().to_owned());
            }
            StatusCode::CONFLICT => {}
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!((fresh, ids.len()), (1, 1));
    let listed: Value = client
        .get(at(1, "/orders"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_default();
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));

    // A write on one is read on the other.
    let created: Value = client
        .post(at(0, "/orders"))
        .json(&order)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_default();
    let id = created["id"].as_str().unwrap_or_default().to_owned();
    let read = client
        .get(at(1, &format!("/orders/{id}")))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(read.json::<Value>().await.unwrap_or_default(), created);

    // Concurrent updates through both replicas lose nothing.
    let paid = client
        .put(at(1, &format!("/orders/{id}/payment")))
        .json(&json!({"method": "visa", "amount": 115}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(paid.status(), StatusCode::OK);
    let responses = join_all((0..40).map(|i| {
        client
            .put(at(i, &format!("/orders/{id}/shipment/tracking")))
            .json(&json!({"carrier": "UPS", "trackingNumber": format!("1Z{i}")}))
            .send()
    }))
    .await;
    let successes = responses
        .iter()
        .filter(|r| r.as_ref().is_ok_and(|r| r.status() == StatusCode::OK))
        .count() as u64;
    assert!(responses.iter().all(|r| r
        .as_ref()
        .is_ok_and(|r| matches!(r.status(), StatusCode::OK | StatusCode::CONFLICT))));
    let final_order: Value = client
        .get(at(0, &format!("/orders/{id}")))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_default();
    // The worker may have recorded the capture the first shipment asked for: one more version.
    let captured = u64::from(final_order["payment"]["capturedAt"].is_string());
    assert_eq!(
        final_order["version"].as_u64(),
        Some(2 + successes + captured)
    );

    // Delivered on one, then deleted there: a 404 on the other.
    let delivered = client
        .put(at(1, &format!("/orders/{id}/status")))
        .json(&json!({"status": "delivered"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(delivered.status(), StatusCode::OK);
    let deleted = client
        .delete(at(1, &format!("/orders/{id}")))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = client
        .get(at(0, &format!("/orders/{id}")))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}
