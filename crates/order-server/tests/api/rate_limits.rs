//! Rate limits over HTTP: the 429 at the configured count and the recovery after the window, separate budgets
//! for reads and writes, one budget shared by two servers on one Redis, and a Redis outage that fails open.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use order_http::rate_limit::{Quota, RateLimits, RedisSettings};
use order_server::Config;
use order_storage::testing::TestDatabase;
use reqwest::StatusCode;

use crate::helpers::{header, problem, spawn_app_on, valid_order, TestApp};

const MACHINE_REDIS: &str = "redis://127.0.0.1:6379";

fn quota(text: &str) -> Option<Quota> {
    Some(Quota::parse(text).expect("a valid quota"))
}

fn database() -> TestDatabase {
    TestDatabase::from_env().expect("TEST_DATABASE=postgres needs a Postgres server")
}

async fn spawn_limited(
    reads: Option<&str>,
    writes: Option<&str>,
    redis: Option<RedisSettings>,
) -> TestApp {
    spawn_app_on(database(), |config: &mut Config| {
        config.rate_limits = RateLimits {
            reads: reads.and_then(quota),
            writes: writes.and_then(quota),
        };
        config.redis = redis;
    })
    .await
}

async fn order_count(app: &TestApp) -> usize {
    app.all_orders("").await.len()
}

#[tokio::test]
async fn the_write_past_the_budget_is_refused_and_the_budget_comes_back_after_the_window() {
    let app = spawn_limited(None, Some("3/s"), None).await;
    for remaining in [2, 1, 0] {
        let response = app.post_order(&valid_order()).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(
            header(&response, "ratelimit-policy").as_deref(),
            Some("\"writes\";q=3;w=1")
        );
        assert_eq!(
            header(&response, "ratelimit"),
            Some(format!("\"writes\";r={remaining};t=1"))
        );
    }

    let refused = app.post_order(&valid_order()).await;
    assert_eq!(header(&refused, "retry-after").as_deref(), Some("1"));
    assert_eq!(
        header(&refused, "ratelimit").as_deref(),
        Some("\"writes\";r=0;t=1")
    );
    assert_eq!(
        header(&refused, "ratelimit-policy").as_deref(),
        Some("\"writes\";q=3;w=1")
    );
    let body = problem(refused, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(body["type"], "/problems/rate-limited");
    assert_eq!(
        order_count(&app).await,
        3,
        "the refused write wrote nothing"
    );

    tokio::time::sleep(Duration::from_millis(1_100)).await;
    for _ in 0..3 {
        let response = app.post_order(&valid_order()).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
}

#[tokio::test]
async fn reads_and_writes_draw_on_separate_budgets() {
    let app = spawn_limited(Some("2/min"), Some("1/min"), None).await;
    assert_eq!(
        app.post_order(&valid_order()).await.status(),
        StatusCode::CREATED
    );
    let refused = app.post_order(&valid_order()).await;
    problem(refused, StatusCode::TOO_MANY_REQUESTS).await;

    let read = app.get("/orders").await;
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(
        header(&read, "ratelimit-policy").as_deref(),
        Some("\"reads\";q=2;w=60")
    );
    assert_eq!(
        header(&read, "ratelimit").as_deref(),
        Some("\"reads\";r=1;t=30")
    );
    assert_eq!(app.get("/v1/orders").await.status(), StatusCode::OK);
    let refused = app.get("/orders").await;
    assert_eq!(header(&refused, "retry-after").as_deref(), Some("30"));
    problem(refused, StatusCode::TOO_MANY_REQUESTS).await;

    let health = app.get("/health/live").await;
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(header(&health, "ratelimit"), None);
}

#[tokio::test]
async fn without_configured_limits_the_open_mode_is_not_throttled() {
    let app = spawn_limited(None, None, None).await;
    for _ in 0..20 {
        let response = app.get("/orders").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, "ratelimit-policy"), None);
    }
}

/// The machine's Redis, or `None` (with a note) when it is not running; with `CI=true` its absence fails the test.
async fn machine_redis() -> Option<redis::aio::MultiplexedConnection> {
    let connection = async {
        let client = redis::Client::open(MACHINE_REDIS)?;
        let mut connection = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await?;
        redis::RedisResult::Ok(connection)
    };
    match tokio::time::timeout(Duration::from_secs(2), connection).await {
        Ok(Ok(connection)) => Some(connection),
        outcome => {
            let why = match outcome {
                Ok(Err(error)) => error.to_string(),
                _ => "no answer within 2 s".to_owned(),
            };
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI needs Redis at {MACHINE_REDIS}: {why}"
            );
            eprintln!("skipped: no Redis at {MACHINE_REDIS} ({why})");
            None
        }
    }
}

async fn delete_keys(connection: &mut redis::aio::MultiplexedConnection, prefix: &str) {
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(connection)
        .await
        .expect("KEYS");
    if !keys.is_empty() {
        redis::cmd("DEL")
            .arg(&keys)
            .query_async::<i64>(connection)
            .await
            .expect("DEL");
    }
}

fn redis_settings(url: String, prefix: &str, timeout: Duration) -> RedisSettings {
    RedisSettings {
        url,
        key_prefix: prefix.to_owned(),
        timeout,
    }
}

#[tokio::test]
async fn two_servers_on_one_redis_share_one_budget() {
    let Some(mut connection) = machine_redis().await else {
        return;
    };
    let prefix = format!("orders:rl:test:{}:", uuid::Uuid::now_v7());
    // A generous timeout: on a loaded test machine a slow answer must not pass for an outage.
    let settings = redis_settings(MACHINE_REDIS.to_owned(), &prefix, Duration::from_secs(2));
    let first = spawn_limited(None, Some("4/min"), Some(settings.clone())).await;
    let second = spawn_limited(None, Some("4/min"), Some(settings)).await;

    for app in [&first, &second, &first, &second] {
        assert_eq!(
            app.post_order(&valid_order()).await.status(),
            StatusCode::CREATED
        );
    }
    for app in [&first, &second] {
        let refused = app.post_order(&valid_order()).await;
        assert_eq!(
            header(&refused, "ratelimit").as_deref(),
            Some("\"writes\";r=0;t=60")
        );
        problem(refused, StatusCode::TOO_MANY_REQUESTS).await;
    }
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut connection)
        .await
        .expect("KEYS");
    assert_eq!(keys, vec![format!("{prefix}writes:ip:127.0.0.1")]);
    assert_eq!(
        first.rate_limiter.failed_open() + second.rate_limiter.failed_open(),
        0
    );
    delete_keys(&mut connection, &prefix).await;
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

#[tokio::test]
async fn an_unreachable_redis_lets_requests_through() {
    let url = format!("redis://127.0.0.1:{}", free_port());
    let app = spawn_limited(
        None,
        Some("1/h"),
        Some(redis_settings(
            url,
            "orders:rl:",
            RedisSettings::DEFAULT_TIMEOUT,
        )),
    )
    .await;
    for _ in 0..5 {
        let response = app.post_order(&valid_order()).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(header(&response, "ratelimit"), None, "nothing was counted");
    }
    assert_eq!(app.rate_limiter.failed_open(), 5);
}

/// A Redis server of the test's own, on a free port, stopped when dropped.
struct ThrowawayRedis {
    process: Child,
    url: String,
}

impl ThrowawayRedis {
    async fn start() -> Option<Self> {
        let port = free_port();
        let process = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let process = match process {
            Ok(process) => process,
            Err(error) => {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "CI needs redis-server: {error}"
                );
                eprintln!("skipped: cannot start redis-server ({error})");
                return None;
            }
        };
        let redis = Self {
            process,
            url: format!("redis://127.0.0.1:{port}"),
        };
        let client = redis::Client::open(redis.url.as_str()).expect("a Redis URL");
        for _ in 0..100 {
            if client.get_multiplexed_async_connection().await.is_ok() {
                return Some(redis);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server at {} never answered", redis.url);
    }

    fn stop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl Drop for ThrowawayRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
async fn when_redis_goes_down_requests_go_through_uncounted() {
    let Some(mut redis) = ThrowawayRedis::start().await else {
        return;
    };
    let settings = redis_settings(redis.url.clone(), "orders:rl:", Duration::from_secs(1));
    let app = spawn_limited(None, Some("2/h"), Some(settings)).await;
    for _ in 0..2 {
        assert_eq!(
            app.post_order(&valid_order()).await.status(),
            StatusCode::CREATED
        );
    }
    problem(
        app.post_order(&valid_order()).await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;

    redis.stop();
    for _ in 0..5 {
        let response = app.post_order(&valid_order()).await;
        assert_eq!(response.status(), StatusCode::CREATED, "never a 500");
    }
    assert_eq!(app.rate_limiter.failed_open(), 5);
    assert_eq!(order_count(&app).await, 7);
}
