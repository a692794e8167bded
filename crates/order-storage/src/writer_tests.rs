//! The writer's own rules, on a scratch table: a failing job takes only its own changes back with it, the rest
//! of its batch commits, and each caller gets its own answer.

use std::collections::BTreeSet;
use std::sync::mpsc;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use order_domain::ports::RepositoryError;

use crate::connection::DbConnection;
use crate::error::StorageError;
use crate::testing::TestDatabase;
use crate::writer::{commit, job};
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

async fn with_scratch_table() -> (DieselStorage, TestDatabase) {
    let (storage, database) = open();
    storage
        .write(|conn| Ok(conn.batch_execute("CREATE TABLE scratch (n INTEGER PRIMARY KEY)")?))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (storage, database)
}

/// Job `n` stores `n` and answers `n * 100`; jobs 2 and 4 store something, then fail.
fn work(n: i64) -> impl FnOnce(&mut DbConnection) -> Result<i64, StorageError> + Send + 'static {
    move |conn| match n {
        // The database refuses the job: a second row with the primary key 1.
        2 => insert(conn, 20).and_then(|()| insert(conn, 1)).map(|()| n),
        // The job refuses itself, as a lost compare-and-swap does.
        4 => insert(conn, 40).and_then(|()| Err(RepositoryError::VersionConflict.into())),
        n => insert(conn, n).map(|()| n * 100),
    }
}

fn assert_answers(results: &[Result<i64, RepositoryError>]) {
    assert!(
        matches!(
            results,
            [
                Ok(100),
                Err(RepositoryError::Unexpected(_)),
                Ok(300),
                Err(RepositoryError::VersionConflict),
                Ok(500),
            ]
        ),
        "{results:?}"
    );
}

#[tokio::test]
async fn a_failing_job_takes_back_only_its_own_changes_and_the_rest_of_its_batch_commits() {
    let (storage, _database) = with_scratch_table().await;
    let (mut batch, answers): (Vec<_>, Vec<_>) = (1..=5)
        .map(|n| {
            let work = work(n);
            let (job, answer, _claim) = job(work);
            (job, answer)
        })
        .unzip();

    let committed = commit(&storage.pool, &mut batch);
    assert!(committed.is_ok(), "{committed:?}");
    batch.into_iter().for_each(|job| job.answer(&committed));

    let mut results = Vec::new();
    for answer in answers {
        results.push(answer.await.unwrap_or_else(|e| panic!("{e}")));
    }
    assert_answers(&results);
    assert_eq!(stored(&storage).await, BTreeSet::from([1, 3, 5]));
}

/// A job that cannot be rolled back to its savepoint (here, it let go of that savepoint itself) would leave its
/// half-done changes in the batch: the whole batch fails instead, and nothing of it is written.
#[tokio::test]
async fn a_job_that_cannot_be_rolled_back_fails_its_whole_batch() {
    let (storage, _database) = with_scratch_table().await;
    let first = work(1);
    let (first, first_answer, _claim) = job(first);
    let (broken, broken_answer, _claim) = job(|conn: &mut DbConnection| {
        insert(conn, 2)?;
        conn.batch_execute("RELEASE job")?;
        Err::<i64, _>(RepositoryError::VersionConflict.into())
    });
    let third = work(3);
    let (third, third_answer, _claim) = job(third);
    let mut batch = vec![first, broken, third];

    let committed = commit(&storage.pool, &mut batch);
    assert!(committed.is_err(), "{committed:?}");
    batch.into_iter().for_each(|job| job.answer(&committed));
    for answer in [first_answer, broken_answer, third_answer] {
        let answer = answer.await.unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(answer, Err(RepositoryError::Unexpected(_))),
            "{answer:?}"
        );
    }
    assert_eq!(stored(&storage).await, BTreeSet::new());
}

#[tokio::test]
async fn writers_waiting_together_each_get_their_own_answer() {
    let (storage, _database) = with_scratch_table().await;
    let jobs = (1..=5).map(|n| storage.write(work(n))).collect();
    let results = in_one_batch(&storage, jobs).await;
    assert_answers(&results);
    assert_eq!(stored(&storage).await, BTreeSet::from([1, 3, 5]));
}

#[tokio::test]
async fn a_panicking_write_fails_alone_and_the_writer_carries_on() {
    let (storage, _database) = with_scratch_table().await;
    let panicked: Result<(), _> = storage.write(|_| panic!("a bug in a write")).await;
    assert!(matches!(panicked, Err(RepositoryError::Unexpected(_))));
    storage
        .write(|conn| insert(conn, 1))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stored(&storage).await, BTreeSet::from([1]));
}

#[tokio::test]
async fn a_write_still_queued_at_the_acquire_timeout_is_unavailable_and_never_written() {
    let database = TestDatabase::sqlite();
    let storage = DieselStorage::open(&StorageOptions {
        acquire_timeout: std::time::Duration::from_millis(200),
        ..StorageOptions::new(database.database.clone())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    storage
        .write(|conn| Ok(conn.batch_execute("CREATE TABLE scratch (n INTEGER PRIMARY KEY)")?))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // The writer is kept busy past the queued job's deadline.
    let (started, has_started) = tokio::sync::oneshot::channel();
    let busy = storage.write(move |_| {
        let _ = started.send(());
        std::thread::sleep(std::time::Duration::from_millis(600));
        Ok(())
    });
    let queued = async {
        let _ = has_started.await;
        let begun = std::time::Instant::now();
        let result = storage.write(|conn| insert(conn, 7)).await;
        (result, begun.elapsed())
    };
    let (busy, (queued, waited)) = futures::join!(busy, queued);
    assert!(busy.is_ok(), "{busy:?}");
    assert!(
        matches!(queued, Err(RepositoryError::Unavailable(_))),
        "{queued:?}"
    );
    assert!(waited < std::time::Duration::from_millis(500), "{waited:?}");
    assert_eq!(stored(&storage).await, BTreeSet::new());
}

/// Readiness asks for a write, not a read: a database that still answers reads but takes no writes (here
/// another process holds the write lock; a full disk is the same to the probe) is not ready.
#[tokio::test]
async fn the_readiness_probe_fails_while_writes_are_refused_and_passes_once_they_are_taken() {
    use order_domain::ports::OrderRepository;

    let database = TestDatabase::sqlite();
    let storage = DieselStorage::open(&StorageOptions {
        busy_timeout: std::time::Duration::from_millis(100),
        ..StorageOptions::new(database.database.clone())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    storage.ping().await.unwrap_or_else(|e| panic!("{e}"));

    let crate::Database::Sqlite(crate::SqliteLocation::File(path)) = &database.database else {
        panic!("a SQLite file");
    };
    let mut other = diesel::SqliteConnection::establish(&path.to_string_lossy())
        .unwrap_or_else(|e| panic!("{e}"));
    other
        .batch_execute("BEGIN IMMEDIATE")
        .unwrap_or_else(|e| panic!("{e}"));
    let refused = storage.ping().await;
    assert!(
        matches!(refused, Err(RepositoryError::Unavailable(_))),
        "{refused:?}"
    );
    // Reads still work: a `SELECT 1` probe would have said ready.
    assert!(storage
        .run(|conn| Ok(conn.batch_execute("SELECT 1")?))
        .await
        .is_ok());

    other
        .batch_execute("ROLLBACK")
        .unwrap_or_else(|e| panic!("{e}"));
    storage.ping().await.unwrap_or_else(|e| panic!("{e}"));
}
