//! The binary as an operator meets it: its command line, its logs and its metrics.

use std::time::Duration;

use order_server::settings::SETTINGS;
use order_storage::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::valid_order;
use crate::process::{database_url, run, ServerProcess};

#[test]
fn help_lists_the_subcommands_and_every_setting() {
    let output = run(&["--help"], &[]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for subcommand in ["serve", "config", "migrate"] {
        assert!(help.contains(subcommand), "{subcommand} missing:\n{help}");
    }
    for setting in SETTINGS {
        assert!(
            help.contains(setting.name),
            "{} missing:\n{help}",
            setting.name
        );
    }
}

#[test]
fn config_prints_the_effective_settings_with_the_password_masked() {
    let output = run(
        &["config"],
        &[
            (
                "DATABASE_URL",
                "postgres://orders:hunter2@db.internal:5432/orders",
            ),
            ("DATABASE_POOL_SIZE", "9"),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(!stdout.contains("hunter2"), "{stdout}");
    assert!(
        stdout.contains("DATABASE_URL=postgres://orders:********@db.internal:5432/orders"),
        "{stdout}"
    );
    assert!(stdout.contains("DATABASE_POOL_SIZE=9\n"), "{stdout}");
    assert!(
        stdout.contains("LISTEN_ADDR=127.0.0.1:3000  # default"),
        "{stdout}"
    );
}

#[test]
fn config_refuses_a_bad_setting_like_serve_does() {
    let output = run(&["config"], &[("DATABASE_POOL_SIZE", "lots")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("DATABASE_POOL_SIZE"));
}

#[test]
fn migrate_migrates_a_fresh_database_and_exits() {
    let database = TestDatabase::from_env().expect("a test database");
    let url = database_url(&database.database);
    let output = run(&["migrate"], &[("DATABASE_URL", &url)]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Panics if the table is not there.
    database.execute("SELECT id FROM orders");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_per_line_with_the_request_id_and_no_secrets() {
    let database = TestDatabase::sqlite();
    let mut server = ServerProcess::start(&database_url(&database.database), &[]);
    let client = reqwest::Client::new();
    let created: Value = client
        .post(server.url("/orders"))
        .header("X-Request-Id", "json-log-test")
        .header("Authorization", "Bearer secret-token")
        .json(&valid_order())
        .send()
        .await
        .expect("the create is answered")
        .json()
        .await
        .expect("an order");
    let id = created["id"].as_str().expect("an id");
    let mut address = crate::helpers::address();
    address["address"]["line1"] = json!("742 Evergreen Terrace");
    let shipping = client
        .put(server.url(&format!("/orders/{id}/shipping")))
        .json(&address)
        .send()
        .await
        .expect("answered");
    assert_eq!(shipping.status(), StatusCode::OK);
    let paid = client
        .put(server.url(&format!("/orders/{id}/payment")))
        .json(&json!({"method": "visa", "amount": 115.00, "reference": "ref-never-logged"}))
        .send()
        .await
        .expect("answered");
    assert_eq!(paid.status(), StatusCode::OK);
    server.terminate();
    assert!(server.wait_for_exit(Duration::from_secs(20)).success());

    // Every line, start-up and shutdown included, is one JSON object.
    let lines = server.json_lines();
    let finished: Vec<&Value> = lines
        .iter()
        .filter(|line| line["span"]["request_id"] == "json-log-test")
        .collect();
    assert_eq!(finished.len(), 1, "{lines:?}");
    assert_eq!(finished[0]["message"], "request finished");
    assert_eq!(finished[0]["span"]["method"], "POST");
    assert_eq!(finished[0]["route"], "/orders");
    assert_eq!(finished[0]["status"], 201);
    assert!(finished[0]["latency_ms"].is_number());
    let routes: Vec<&str> = lines.iter().filter_map(|l| l["route"].as_str()).collect();
    assert!(routes.contains(&"/orders/{id}/payment"), "{routes:?}");
    assert!(lines
        .iter()
        .any(|l| l["message"] == "auth: open (no auth configured; loopback only)"));
    assert!(lines
        .iter()
        .any(|l| l["message"] == "customer service: stand-in"));
    let all = server.lines().join("\n");
    for secret in [
        "secret-token",
        "Bearer",
        "Evergreen",
        "ref-never-logged",
        "visa",
        id,
    ] {
        assert!(!all.contains(secret), "{secret} was logged:\n{all}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_route_template_and_business_events() {
    let database = TestDatabase::sqlite();
    let server = ServerProcess::start(&database_url(&database.database), &[]);
    let client = reqwest::Client::new();
    let created: Value = client
        .post(server.url("/orders"))
        .json(&valid_order())
        .send()
        .await
        .expect("created")
        .json()
        .await
        .expect("an order");
    let id = created["id"].as_str().expect("an id").to_owned();
    for _ in 0..2 {
        let response = client
            .get(server.url(&format!("/v1/orders/{id}")))
            .send()
            .await;
        assert_eq!(response.expect("read").status(), StatusCode::OK);
    }
    let paid = client
        .put(server.url(&format!("/orders/{id}/payment")))
        .json(&json!({"method": "visa", "amount": 115.00}))
        .send()
        .await
        .expect("paid");
    assert_eq!(paid.status(), StatusCode::OK);
    let canceled = client
        .put(server.url(&format!("/orders/{id}/status")))
        .json(&json!({"status": "canceled"}))
        .send()
        .await
        .expect("canceled");
    assert_eq!(canceled.status(), StatusCode::OK);

    let metrics = client
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        !metrics.contains(&id),
        "a raw id became a label:\n{metrics}"
    );
    for expected in [
        r#"http_requests_total{method="POST",route="/orders",status="201"} 1"#,
        r#"http_requests_total{method="GET",route="/v1/orders/{id}",status="200"} 2"#,
        r#"http_requests_total{method="PUT",route="/orders/{id}/payment",status="200"} 1"#,
        r#"http_request_duration_seconds_count{route="/v1/orders/{id}"} 2"#,
        "orders_created_total 1",
        "orders_paid_total 1",
        "orders_canceled_total 1",
        "db_pool_connections_idle",
    ] {
        assert!(metrics.contains(expected), "{expected} missing:\n{metrics}");
    }
    assert!(!metrics.contains("orders_delivered_total 1"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_can_have_a_listener_of_their_own() {
    let database = TestDatabase::sqlite();
    let server = ServerProcess::start(
        &database_url(&database.database),
        &[("METRICS_LISTEN_ADDR", "127.0.0.1:0")],
    );
    let line = server.line_where(|line| {
        line["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("metrics on "))
    });
    let metrics_line = line["message"]
        .as_str()
        .and_then(|m| m.strip_prefix("metrics on "))
        .unwrap_or_default()
        .to_owned();
    assert!(!metrics_line.contains(&server.address), "{metrics_line}");
    let client = reqwest::Client::new();
    let own = client.get(&metrics_line).send().await.expect("scraped");
    assert_eq!(own.status(), StatusCode::OK);
    let main = client
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("answered");
    assert_eq!(main.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_calls_and_retries_are_counted_and_logged_in_the_request_span() {
    let customers = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&customers)
        .await;
    let database = TestDatabase::sqlite();
    let uri = customers.uri();
    let server = ServerProcess::start(
        &database_url(&database.database),
        &[("CUSTOMER_SERVICE_URL", &uri), ("GATEWAY_MAX_RETRIES", "1")],
    );
    let client = reqwest::Client::new();
    let response = client
        .post(server.url("/orders"))
        .header("X-Request-Id", "gateway-test")
        .json(&valid_order())
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);

    let metrics = client
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    for expected in [
        r#"gateway_calls_total{service="customer",outcome="unavailable"} 1"#,
        r#"gateway_retries_total{service="customer"} 1"#,
        r#"gateway_circuit_state{service="customer"} 0"#,
    ] {
        assert!(metrics.contains(expected), "{expected} missing:\n{metrics}");
    }
    let failed = server.line_where(|line| line["message"] == "gateway call failed");
    assert_eq!(failed["span"]["request_id"], "gateway-test");
    assert_eq!(failed["service"], "customer");
    let retried = server.line_where(|line| line["message"] == "retrying");
    assert_eq!(retried["span"]["request_id"], "gateway-test");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_up_summary_masks_the_database_password() {
    let Some(database) = TestDatabase::postgres() else {
        return;
    };
    let url = database_url(&database.database);
    let Some((scheme, rest)) = url.split_once("://") else {
        panic!("not a URL: {url}");
    };
    let with_password = match rest.split_once('@') {
        Some((user, host)) => format!("{scheme}://{user}:pw-never-logged@{host}"),
        None => panic!("no user in {url}"),
    };
    let server = ServerProcess::start(&with_password, &[]);
    let line = server.line_where(|line| {
        line["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("database: postgres at "))
    });
    assert!(line["location"]
        .as_str()
        .is_some_and(|l| l.contains(":********@")));
    assert!(!server.lines().join("\n").contains("pw-never-logged"));
}
