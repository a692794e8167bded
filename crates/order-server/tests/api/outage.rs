//! A database outage under load: a Postgres server of the test's own is killed (`pg_ctl stop -m immediate`)
//! while clients create and read orders, and started again. Every request is answered within the acquire
//! timeout and a second, as a success or a `503` problem with `Retry-After`; readiness turns `503` and answers
//! fast throughout; every acknowledged create is there afterwards; the service recovers without a restart.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use order_storage::testing::TestDatabase;
use order_storage::Database;
use reqwest::StatusCode;
use tokio::sync::Mutex;

use crate::helpers::{header, spawn_app_on, valid_order, TestApp};
use crate::throwaway_postgres::ThrowawayPostgres;

const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(1000);
/// What "answered within the bound" means: the acquire timeout, plus a second.
const BOUND: Duration = Duration::from_millis(2000);

#[derive(Debug)]
struct Answer {
    what: &'static str,
    status: StatusCode,
    took: Duration,
    retry_after: bool,
    problem: bool,
}

/// One client: creates orders (and reads the first back) until `stop`; returns its answers and the ids of the
/// orders whose creation was acknowledged.
async fn client(app: Arc<TestApp>, stop: Arc<AtomicBool>) -> (Vec<Answer>, Vec<String>) {
    let (mut answers, mut created) = (Vec::new(), Vec::<String>::new());
    while !stop.load(Ordering::Relaxed) {
        let (what, request) = match created.first() {
            Some(id) if answers.len() % 3 == 2 => {
                ("get", app.client.get(app.url(&format!("/orders/{id}"))))
            }
            _ => (
                "create",
                app.client.post(app.url("/orders")).json(&valid_order()),
            ),
        };
        let started = Instant::now();
        let response = request
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .expect("an answer");
        let took = started.elapsed();
        let status = response.status();
        let retry_after = header(&response, "retry-after").is_some();
        let problem =
            header(&response, "content-type").as_deref() == Some("application/problem+json");
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        if what == "create" && status == StatusCode::CREATED {
            created.push(body["id"].as_str().unwrap_or_default().to_owned());
        }
        answers.push(Answer {
            what,
            status,
            took,
            retry_after,
            problem,
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (answers, created)
}

/// Asks `/health/ready` every 100 ms until `stop`; returns each status and how long it took.
async fn prober(
    app: Arc<TestApp>,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<(Instant, StatusCode, Duration)>>>,
) {
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let status = app
            .client
            .get(app.url("/health/ready"))
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .expect("an answer")
            .status();
        seen.lock().await.push((started, status, started.elapsed()));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_database_is_503s_within_the_bound_and_no_acknowledged_write_is_lost() {
    let Some(server) = ThrowawayPostgres::start() else {
        return;
    };
    let database =
        TestDatabase::managed_elsewhere(Database::from_url(&server.url()).expect("a Postgres URL"));
    let app = Arc::new(
        spawn_app_on(database, |config| {
            config.database_acquire_timeout = ACQUIRE_TIMEOUT;
        })
        .await,
    );
    let stop = Arc::new(AtomicBool::new(false));
    let readiness = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..6)
        .map(|_| tokio::spawn(client(Arc::clone(&app), Arc::clone(&stop))))
        .collect();
    let probing = tokio::spawn(prober(
        Arc::clone(&app),
        Arc::clone(&stop),
        Arc::clone(&readiness),
    ));

    tokio::time::sleep(Duration::from_millis(1500)).await;
    let server = tokio::task::spawn_blocking(move || {
        server.stop_immediately();
        server
    })
    .await
    .expect("stop the server");
    let down = Instant::now();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let server = tokio::task::spawn_blocking(move || {
        server.start_again();
        server
    })
    .await
    .expect("start the server again");
    let up = Instant::now();

    // Recovery without a restart: a create goes through, and readiness says so.
    let mut recovered = None;
    while up.elapsed() < Duration::from_secs(20) {
        if app.post_order(&valid_order()).await.status() == StatusCode::CREATED {
            recovered = Some(up.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        recovered.is_some(),
        "no create succeeded within 20 s of the database's return"
    );
    assert!(
        app.readiness_becomes(StatusCode::OK).await,
        "readiness did not come back"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);

    let mut answers = Vec::new();
    let mut created = Vec::new();
    for client in clients {
        let (a, c) = client.await.expect("a client");
        answers.extend(a);
        created.extend(c);
    }
    probing.await.expect("the prober");

    let slowest = answers.iter().map(|a| a.took).max().unwrap_or_default();
    eprintln!(
        "{} answers ({} gets), {} acknowledged creates, slowest {slowest:?}, recovered {recovered:?} after restart",
        answers.len(),
        answers.iter().filter(|a| a.what == "get").count(),
        created.len()
    );
    let refused = answers
        .iter()
        .filter(|a| a.status == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    assert!(
        refused > 0,
        "no request was refused while the database was down: {answers:?}"
    );
    for answer in &answers {
        assert!(
            answer.took < BOUND,
            "answered after {:?}: {answer:?}",
            answer.took
        );
        match answer.status {
            StatusCode::CREATED | StatusCode::OK => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(answer.retry_after && answer.problem, "{answer:?}")
            }
            _ => panic!("neither a success nor a 503: {answer:?}"),
        }
    }
    let readiness = readiness.lock().await;
    for (_, status, took) in readiness.iter() {
        assert!(
            *took < Duration::from_secs(1),
            "/health/ready took {took:?} ({status})"
        );
    }
    assert!(
        readiness.iter().any(|(at, status, _)| *at > down
            && *at < up
            && *status == StatusCode::SERVICE_UNAVAILABLE),
        "readiness never said 503 while the database was down"
    );

    // Every acknowledged create survived the crash.
    assert!(
        created.len() > 5,
        "too few creates to prove anything: {}",
        created.len()
    );
    for id in &created {
        assert_eq!(
            app.get_order(id).await.status(),
            StatusCode::OK,
            "order {id} was lost"
        );
    }
    drop(server);
}
