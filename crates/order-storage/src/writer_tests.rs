//! The writer's own rules, on a scratch table: jobs that wait together commit together, a failing job takes
//! only its own changes back with it, and each caller gets its own answer.

use std::collections::BTreeSet;
use std::sync::mpsc;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use order_domain::ports::RepositoryError;

use crate::connection::DbConnection;
use crate::error::StorageError;
use crate::testing::TestDatabase;
use crate::{DieselStorage, StorageOptions};

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn open() -> (DieselStorage, TestDatabase) {
    let database = TestDatabase::sqlite();
    let storage = DieselStorage::open(&StorageOptions::new(database.database.clone()))
        .unwrap_or_else(|e| panic!("{e}"));
    (storage, database)
}

fn insert(conn: &mut DbConnection, n: i64) -> Result<(), StorageError> {
    Ok(conn.batch_execute(&format!("INSERT INTO scratch (n) VALUES ({n})"))?)
}

async fn stored(storage: &DieselStorage) -> BTreeSet<i64> {
    storage
        .run(|conn| Ok(diesel::sql_query("SELECT n FROM scratch").load::<Number>(conn)?))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|row| row.n)
        .collect()
}

/// Holds the writer busy until every one of `jobs` is queued, so that they all go into its next batch.
async fn in_one_batch<F: std::future::Future>(
    storage: &DieselStorage,
    jobs: Vec<F>,
) -> Vec<F::Output> {
    let (started, has_started) = tokio::sync::oneshot::channel();
    let (open_gate, gate) = mpsc::channel::<()>();
    let blocker = storage.write(move |_| {
        let _ = started.send(());
        let _ = gate.recv();
        Ok(())
    });
    let rest = async move {
        let _ = has_started.await;
        // `join!` polls every job once, which queues it, before the gate opens.
        let (results, ()) = futures::join!(futures::future::join_all(jobs), async move {
            let _ = open_gate.send(());
        });
        results
    };
    let (blocked, results) = futures::join!(blocker, rest);
    blocked.unwrap_or_else(|e| panic!("{e}"));
    results
}

#[tokio::test]
async fn a_failing_job_takes_back_only_its_own_changes_and_each_caller_gets_its_own_answer() {
    let (storage, _database) = open();
    storage
        .write(|conn| Ok(conn.batch_execute("CREATE TABLE scratch (n INTEGER PRIMARY KEY)")?))
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let job = |n: i64| {
        storage.write(move |conn| match n {
            // Writes, then breaks the primary key: the database refuses the job.
            2 => insert(conn, 20).and_then(|()| insert(conn, 1)).map(|()| n),
            // Writes, then loses its compare-and-swap: the job refuses itself.
            4 => insert(conn, 40).and_then(|()| Err(RepositoryError::VersionConflict.into())),
            n => insert(conn, n).map(|()| n * 100),
        })
    };
    let results = in_one_batch(&storage, (1..=5).map(job).collect()).await;

    let results: Vec<_> = results
        .into_iter()
        .map(|r| r.map_err(|e| e.to_string()))
        .collect();
    assert_eq!(results[0], Ok(100));
    assert_eq!(results[2], Ok(300));
    assert_eq!(results[4], Ok(500));
    assert!(
        matches!(results[1], Err(ref e) if e == "unexpected storage failure"),
        "{results:?}"
    );
    assert_eq!(
        results[3],
        Err(RepositoryError::VersionConflict.to_string())
    );
    assert_eq!(stored(&storage).await, BTreeSet::from([1, 3, 5]));
}

#[tokio::test]
async fn a_version_conflict_reaches_its_caller_as_a_version_conflict() {
    let (storage, _database) = open();
    let result: Result<(), _> = storage
        .write(|_| Err(RepositoryError::VersionConflict.into()))
        .await;
    assert!(matches!(result, Err(RepositoryError::VersionConflict)));
}

#[tokio::test]
async fn a_panicking_write_fails_alone_and_the_writer_carries_on() {
    let (storage, _database) = open();
    let panicked: Result<(), _> = storage.write(|_| panic!("a bug in a write")).await;
    assert!(matches!(panicked, Err(RepositoryError::Unexpected(_))));
    storage
        .write(|conn| Ok(conn.batch_execute("CREATE TABLE scratch (n INTEGER PRIMARY KEY)")?))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    storage
        .write(|conn| insert(conn, 1))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stored(&storage).await, BTreeSet::from([1]));
}
