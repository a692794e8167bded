//! The reader threads' own rules: reads run on the same few threads however many there are, a read nobody
//! waits for any more never starts, and a panicking read fails alone.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use order_domain::ports::RepositoryError;

use crate::testing::TestDatabase;
use crate::{DieselStorage, StorageOptions};

fn open(options: impl FnOnce(StorageOptions) -> StorageOptions) -> (DieselStorage, TestDatabase) {
    let database = TestDatabase::sqlite();
    let storage = DieselStorage::open(&options(StorageOptions::new(database.database.clone())))
        .unwrap_or_else(|e| panic!("{e}"));
    (storage, database)
}

/// The name of the thread a read ran on.
async fn thread_of_a_read(storage: &DieselStorage) -> String {
    storage
        .read(|_| {
            std::thread::sleep(Duration::from_millis(2));
            Ok(std::thread::current().name().unwrap_or_default().to_owned())
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_many_at_once_run_on_the_reader_threads_and_no_other() {
    let (storage, _database) = open(|options| StorageOptions {
        pool_size: 4,
        read_concurrency: 2,
        ..options
    });
    let reads = (0..64).map(|_| thread_of_a_read(&storage));
    let threads: BTreeSet<String> = futures::future::join_all(reads).await.into_iter().collect();
    assert_eq!(
        threads,
        BTreeSet::from(["db-reader-0".to_owned(), "db-reader-1".to_owned()])
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
