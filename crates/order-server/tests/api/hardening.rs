//! Hostile input: data after the JSON document, a cursor used with another filter, a body that never arrives.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use order_storage::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{order_for, pointers, problem, spawn_app, spawn_app_on, valid_order};

/// Sends `request` on a fresh connection and reads until the server closes it or `patience` runs out.
/// Returns what came back, and whether the server closed the connection.
pub fn raw_exchange(address: &str, request: Vec<u8>, patience: Duration) -> (String, bool) {
    let host = address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).expect("connect to the app");
    stream
        .set_read_timeout(Some(patience))
        .expect("a read timeout");
    // The server may answer, and close, before it has read all of a request it refuses.
    let _ = stream.write_all(&request);
    let mut answer = Vec::new();
    let mut chunk = [0; 8192];
    let closed = loop {
        match stream.read(&mut chunk) {
            Ok(0) => break true,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
            // A reset after the answer is a close too.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
            Err(_) => break false,
        }
    };
    (String::from_utf8_lossy(&answer).into_owned(), closed)
}

async fn raw(address: &str, request: Vec<u8>, patience: Duration) -> (String, bool) {
    let address = address.to_owned();
    tokio::task::spawn_blocking(move || raw_exchange(&address, request, patience))
        .await
        .expect("the raw client")
}

#[tokio::test]
async fn a_create_with_data_after_the_document_is_a_400_naming_the_body_and_writes_nothing() {
    let app = spawn_app().await;
    let order = order_for("store-trailing", "customer-1").to_string();
    for body in [
        format!("{order}xyz"),
        format!("{order}{order}"),
        format!("{order} \n {{}}"),
    ] {
        let response = app
            .post_raw("/orders", body.clone(), Some("application/json"))
            .await;
        let problem = problem(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(pointers(&problem), [""], "{body}: {problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("exactly one JSON document"),
            "{problem}"
        );
    }
    assert!(app.all_orders("storeId=store-trailing").await.is_empty());
    // Whitespace after the document is fine.
    let response = app
        .post_raw(
            "/orders",
            format!("{order} \r\n\t"),
            Some("application/json"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_status_change_with_data_after_the_document_is_a_400_and_changes_nothing() {
    let app = spawn_app().await;
    let id = app.new_order_id().await;
    let response = app
        .send(
            app.client
                .put(app.url(&format!("/orders/{id}/status")))
                .header("Content-Type", "application/json")
                .body(r#"{"status":"canceled"}{"status":"delivered"} trailing"#),
        )
        .await;
    problem(response, StatusCode::BAD_REQUEST).await;
    let order = app.order(&id).await;
    assert_eq!(order["status"], "pending", "{order}");
    assert_eq!(order["version"], json!(1), "{order}");
}

#[tokio::test]
async fn a_cursor_used_with_another_filter_is_a_400_naming_the_cursor() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.create(&order_for("store-a", "alice")).await;
        app.create(&order_for("store-b", "alice")).await;
    }
    let page = crate::helpers::json_of(app.get("/orders?storeId=store-a&limit=2").await).await;
    let cursor = page["nextCursor"].as_str().expect("a next page").to_owned();

    for other in [
        "storeId=store-b",
        "",
        "storeId=store-a&customerId=alice",
        "storeId=store-a&status=pending",
    ] {
        let response = app
            .get(&format!("/orders?{other}&limit=2&cursor={cursor}"))
            .await;
        let body = problem(response, StatusCode::BAD_REQUEST).await;
        let named: Vec<_> = body["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["parameter"].as_str())
            .collect();
        assert_eq!(named, ["cursor"], "{other}: {body}");
    }
    // With its own filter it still pages on.
    let same = app
        .get(&format!("/orders?storeId=store-a&limit=2&cursor={cursor}"))
        .await;
    assert_eq!(same.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_is_cut_with_a_408_problem_and_the_connection_closed() {
    let database = TestDatabase::from_env().expect("a test database");
    let app = spawn_app_on(database, |config| {
        config.client_body_timeout = Duration::from_secs(1);
    })
    .await;
    let request = b"POST /orders HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
                    Content-Length: 100000\r\n\r\n{"
        .to_vec();
    let started = Instant::now();
    let (answer, closed) = raw(&app.address, request, Duration::from_secs(5)).await;
    let took = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("content-type: application/problem+json"),
        "{answer}"
    );
    assert!(answer.contains("\"type\""), "{answer}");
    assert!(closed, "the connection stayed open: {answer}");
    assert!(took < Duration::from_secs(3), "took {took:?}");
    // Nothing was created, and the service still serves.
    assert!(app.all_orders("").await.is_empty());
    assert_eq!(
        app.post_order(&valid_order()).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_the_app_answers_is_a_problem_with_a_type() {
    let app = spawn_app().await;
    let big = format!("{{\"storeId\": \"{}\"}}", "x".repeat(300 * 1024));
    let cases = [
        (
            "GET /nowhere",
            app.get("/nowhere").await,
            StatusCode::NOT_FOUND,
        ),
        (
            "PATCH /orders",
            app.send(app.client.patch(app.url("/orders"))).await,
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            "a 300 KiB body",
            app.post_raw("/orders", big, Some("application/json")).await,
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "text/plain",
            app.post_raw("/orders", "{}", Some("text/plain")).await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "a bad query",
            app.get("/orders?limit=many").await,
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (what, response, status) in cases {
        let body = problem(response, status).await;
        assert!(
            body["type"].as_str().is_some_and(|t| !t.is_empty()),
            "{what}: {body}"
        );
    }
}

/// The status and problem body of a raw answer, after checking that it is `application/problem+json` with a
/// `type` and that the connection was closed after it.
fn raw_problem(what: &str, (answer, closed): (String, bool)) -> (u16, serde_json::Value) {
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("{what}: no answer: {answer:?}"));
    let status = head
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{what}: no status: {head}"));
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/problem+json"),
        "{what}: {head}"
    );
    let body: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {body:?}"));
    assert_eq!(body["status"], json!(status), "{what}: {body}");
    assert!(
        body["type"].is_string() && body["title"].is_string(),
        "{what}: {body}"
    );
    assert!(closed, "{what}: the connection stayed open");
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_http_layers_own_errors_are_problems_too() {
    let app = spawn_app().await;
    let patience = Duration::from_secs(3);
    let long_path = format!(
        "GET /orders/{} HTTP/1.1\r\nHost: t\r\n\r\n",
        "a".repeat(70_000)
    );
    let big_header = format!(
        "GET /health/live HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\n\r\n",
        "b".repeat(140_000)
    );
    let cases: [(&str, Vec<u8>, u16); 4] = [
        (
            "Content-Length with Transfer-Encoding",
            b"POST /orders HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
              Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                .to_vec(),
            400,
        ),
        (
            "a garbled request line",
            b"HELLO THERE\r\n\r\n".to_vec(),
            400,
        ),
        // actix reads a path this long as a malformed head, not an oversized one.
        ("a 70 KB path", long_path.into_bytes(), 400),
        ("a 140 KB header", big_header.into_bytes(), 431),
    ];
    for (what, request, status) in cases {
        let answer = raw(&app.address, request, patience).await;
        assert_eq!(raw_problem(what, answer).0, status, "{what}");
    }
    // The service is none the worse for them.
    assert_eq!(app.get("/health/live").await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_that_never_ends_is_a_408_problem() {
    let app = spawn_app().await;
    let started = Instant::now();
    let answer = raw(
        &app.address,
        b"GET /health/live HTTP/1.1\r\nHost: t\r\n".to_vec(),
        Duration::from_secs(10),
    )
    .await;
    let (status, body) = raw_problem("a stalled head", answer);
    assert_eq!(status, 408, "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

/// A database that answers reads but takes no writes (here another process holds SQLite's write lock; a full
/// disk looks the same to the service) is not ready; once it takes writes again, it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_is_503_while_the_database_refuses_writes_and_200_once_it_takes_them() {
    let app = spawn_app_on(TestDatabase::sqlite(), |config| {
        config.database_acquire_timeout = Duration::from_millis(500);
    })
    .await;
    assert!(app.readiness_becomes(StatusCode::OK).await);
    let lock = app.database.hold_write_lock();
    assert!(
        app.readiness_becomes(StatusCode::SERVICE_UNAVAILABLE).await,
        "readiness stayed 200 while no write could be made"
    );
    drop(lock);
    assert!(
        app.readiness_becomes(StatusCode::OK).await,
        "readiness did not come back"
    );
}

/// Clients that open connections and stall their bodies hold at most `MAX_CONNECTIONS` of them (the rest wait in
/// the listen backlog, costing the service no file descriptor), each only until the body timeout and the second
/// the server gives a client to close: a liveness check queued behind them is answered once they are cut.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalling_clients_beyond_the_connection_cap_do_not_silence_the_liveness_check() {
    let database = TestDatabase::from_env().expect("a test database");
    let app = spawn_app_on(database, |config| {
        config.client_body_timeout = Duration::from_secs(1);
        config.max_connections = 2;
    })
    .await;
    let host = app.address.trim_start_matches("http://").to_owned();
    let stalled: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut stream = TcpStream::connect(&host).expect("connect");
            let _ = stream.write_all(
                b"POST /orders HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
                  Content-Length: 100000\r\n\r\n{",
            );
            stream
        })
        .collect();
    let started = Instant::now();
    let live = app
        .client
        .get(app.url("/health/live"))
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .expect("an answer to the liveness check");
    assert_eq!(live.status(), StatusCode::OK);
    // Two rounds of two stalled connections, each held for the body timeout and the close: about 4 s.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    drop(stalled);
}
