//! The store's threads: reads and the rest of the work each run on their own few threads however many there
//! are, work nobody waits for any more never starts, and work that panics fails alone.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use order_domain::ports::RepositoryError;

use crate::connection::DbConnection;
use crate::error::StorageError;
use crate::testing::TestDatabase;
use crate::{DieselStorage, StorageOptions};

fn open(options: impl FnOnce(StorageOptions) -> StorageOptions) -> (DieselStorage, TestDatabase) {
    let database = TestDatabase::sqlite();
    let storage = DieselStorage::open(&options(StorageOptions::new(database.database.clone())))
        .unwrap_or_else(|e| panic!("{e}"));
    (storage, database)
}

fn thread_name(_: &mut DbConnection) -> Result<String, StorageError> {
    std::thread::sleep(Duration::from_millis(2));
    Ok(std::thread::current().name().unwrap_or_default().to_owned())
}

/// The name of the thread a read ran on.
async fn thread_of_a_read(storage: &DieselStorage) -> String {
    storage
        .read(thread_name)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_and_other_work_many_at_once_run_on_their_own_few_threads_and_no_other() {
    let (storage, _database) = open(|options| StorageOptions {
        pool_size: 3,
        read_concurrency: 2,
        ..options
    });
    let reads = (0..64).map(|_| thread_of_a_read(&storage));
    let runs = (0..64).map(|_| async {
        storage
            .run(thread_name)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    });
    let (reads, runs) = futures::join!(
        futures::future::join_all(reads),
        futures::future::join_all(runs)
    );
    // Which of its threads took work depends on the scheduler; that no other thread did does not.
    let within = |ran: Vec<String>, threads: &[&str]| {
        let threads: BTreeSet<String> = threads.iter().map(|n| n.to_string()).collect();
        ran.iter().all(|name| threads.contains(name))
    };
    assert!(
        within(reads.clone(), &["db-reader-0", "db-reader-1"]),
        "{reads:?}"
    );
    assert!(
        within(runs.clone(), &["db-runner-0", "db-runner-1", "db-runner-2"]),
        "{runs:?}"
    );
}

#[tokio::test]
async fn a_read_still_queued_at_the_acquire_timeout_is_unavailable_and_never_runs() {
    let (storage, _database) = open(|options| StorageOptions {
        pool_size: 1,
        read_concurrency: 1,
        acquire_timeout: Duration::from_millis(200),
        ..options
    });
    // The one reader is kept busy past the queued read's deadline.
    let (started, has_started) = tokio::sync::oneshot::channel();
    let busy = storage.read(move |_| {
        let _ = started.send(());
        std::thread::sleep(Duration::from_millis(600));
        Ok(())
    });
    let ran = Arc::new(AtomicBool::new(false));
    let queued = async {
        let _ = has_started.await;
        let begun = Instant::now();
        let ran = Arc::clone(&ran);
        let result = storage
            .read(move |_| {
                ran.store(true, Ordering::SeqCst);
                Ok(())
            })
            .await;
        (result, begun.elapsed())
    };
    let (busy, (queued, waited)) = futures::join!(busy, queued);
    assert!(busy.is_ok(), "{busy:?}");
    assert!(
        matches!(queued, Err(RepositoryError::Unavailable(_))),
        "{queued:?}"
    );
    assert!(waited < Duration::from_millis(500), "{waited:?}");
    // The reader is free again: a read now runs, and the withdrawn one never did.
    storage
        .read(|_| Ok(()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!ran.load(Ordering::SeqCst), "the withdrawn read ran");
}

#[tokio::test]
async fn a_panicking_read_fails_alone_and_the_readers_carry_on() {
    let (storage, _database) = open(|options| StorageOptions {
        read_concurrency: 1,
        ..options
    });
    let panicked: Result<(), _> = storage.read(|_| panic!("a bug in a read")).await;
    assert!(
        matches!(panicked, Err(RepositoryError::Unexpected(_))),
        "{panicked:?}"
    );
    assert_eq!(thread_of_a_read(&storage).await, "db-reader-0");
}
