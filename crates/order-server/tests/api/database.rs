use std::time::Duration;

use order_storage::testing::TestDatabase;
use reqwest::StatusCode;

use crate::helpers::{header, problem, spawn_app_on, valid_order};

/// Cut the database off under a running service, then bring it back: 503 problems with `Retry-After` while it
/// is gone, and service again afterwards without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_database_is_a_503_and_the_service_recovers_by_itself() {
    let Some(database) = TestDatabase::postgres() else {
        return;
    };
    let app = spawn_app_on(database, |config| {
        config.database_acquire_timeout = Duration::from_millis(500);
    })
    .await;
    let id = app.new_order_id().await;

    app.database
        .postgres_admin("ALTER DATABASE {db} WITH ALLOW_CONNECTIONS false");
    app.database.postgres_admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'",
    );

    let response = app.get_order(&id).await;
    assert!(header(&response, "retry-after").is_some());
    problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    let response = app.post_order(&valid_order()).await;
    assert!(header(&response, "retry-after").is_some());
    problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(
        app.readiness_becomes(StatusCode::SERVICE_UNAVAILABLE).await,
        "readiness stayed 200 with the database gone"
    );
    assert_eq!(app.get("/health/live").await.status(), StatusCode::OK);

    app.database
        .postgres_admin("ALTER DATABASE {db} WITH ALLOW_CONNECTIONS true");
    let mut recovered = false;
    for _ in 0..50 {
        if app.get_order(&id).await.status() == StatusCode::OK {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        recovered,
        "the service did not recover once the database was back"
    );
    assert_eq!(
        app.post_order(&valid_order()).await.status(),
        StatusCode::CREATED
    );
    assert!(app.readiness_becomes(StatusCode::OK).await);
}
