use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::r2d2::{ManageConnection, Pool};
use order_domain::ports::RepositoryError;

use crate::connection::{transaction, DbConnection, Manager};
use crate::db_threads::DbThreads;
use crate::effect_leases::EffectLeases;
use crate::error::StorageError;
use crate::key_holds::KeyHolds;
use crate::order_cache::OrderCache;
use crate::writer::Writer;
use crate::{migrate, Database, SqliteLocation};

#[derive(Debug, Clone)]
pub struct StorageOptions {
    pub database: Database,
    pub pool_size: u32,
    /// How many reads run at once (at most the pool size): a read is CPU work on the database, and reads past
    /// its cores only wait on each other (Postgres backs off from a contended spinlock for up to a second),
    /// while a write spends most of its time waiting for its commit's flush.
    pub read_concurrency: u32,
    /// How long a request waits for a free (or new) connection before it fails as unavailable.
    pub acquire_timeout: Duration,
    /// How long a writer waits for a lock (SQLite's write lock, a Postgres row lock).
    pub busy_timeout: Duration,
    /// The longest a Postgres statement may run.
    pub statement_timeout: Duration,
    /// SQLite files only: how many bytes of the file reads may map (`PRAGMA mmap_size`); 0 reads every page
    /// through SQLite's own cache and `pread`. Mapped pages count in the process's RSS.
    pub sqlite_mmap_size: u64,
    /// SQLite files only: how many KiB of pages each connection keeps in its own cache (`PRAGMA cache_size`);
    /// `None` leaves SQLite's default, 2,000 KiB. The cache is heap, counted in the process's RSS once filled.
    pub sqlite_cache_kib: Option<u32>,
    /// About how many bytes of orders, as last read, list pages take from memory instead of decoding them
    /// again when they are still at the version kept (`order_cache`); 0 keeps none.
    pub order_cache_bytes: u64,
    /// Postgres only: the outbox worker's own connections (`outbox_lane`), one per batch it runs at once.
    pub outbox_connections: u32,
}

impl StorageOptions {
    pub fn new(database: Database) -> Self {
        Self {
            database,
            pool_size: 4,
            read_concurrency: 4,
            acquire_timeout: Duration::from_secs(5),
            busy_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(5),
            sqlite_mmap_size: 0,
            sqlite_cache_kib: None,
            order_cache_bytes: 2 << 20,
            outbox_connections: 4,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot create the database directory {path}")]
    CreateDirectory {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot connect to the database")]
    Connect(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("cannot migrate the database: {0}")]
    Migrate(String),
    #[error("cannot start the SQLite writer thread")]
    StartWriter(#[source] std::io::Error),
    #[error("cannot start the database threads")]
    StartThreads(#[source] std::io::Error),
}

/// The order store, on SQLite or Postgres. Cheap to clone.
#[derive(Clone)]
pub struct DieselStorage {
    pub(crate) pool: Pool<Manager>,
    /// The threads that run reads, as many as may run at once.
    pub(crate) readers: Arc<DbThreads>,
    /// The threads that run the rest of the work outside the SQLite writer, one per connection.
    pub(crate) runners: Arc<DbThreads>,
    /// Postgres only: the outbox worker's threads, on connections of their own, one per batch it runs at once
    /// (`outbox_connections`). Its claims, reads and marks never queue behind the requests' work: in the
    /// runners' queue each waited as long as a create did, and under a steady load of creates the worker fell
    /// further behind the longer the load lasted (BENCHMARKS.md, eighteenth session). On SQLite they run with
    /// the other reads and writes, whose writer commits all it has queued at once.
    outbox_lane: Option<Arc<DbThreads>>,
    /// SQLite only: the thread that commits the writes waiting at a time in one transaction.
    writer: Option<Arc<Writer>>,
    /// The longest a request waits for the database, all waits together (permit, connection, writer queue).
    acquire_timeout: Duration,
    backend: &'static str,
    /// Orders as last read, by the version they were read at.
    pub(crate) orders: OrderCache,
    /// Where idempotency keys are held while their requests run.
    pub(crate) holds: KeyHolds,
    /// Where the outbox worker's leases on effects are kept.
    pub(crate) leases: EffectLeases,
}

impl DieselStorage {
    /// Connects to (creating if needed) and migrates the database. Blocking: call it before serving.
    pub fn open(options: &StorageOptions) -> Result<Self, OpenError> {
        let mut pool_size = options.pool_size.max(1);
        match &options.database {
            Database::Sqlite(SqliteLocation::File(path)) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|source| {
                        OpenError::CreateDirectory {
                            path: parent.to_owned(),
                            source,
                        }
                    })?;
                }
            }
            Database::Sqlite(SqliteLocation::Memory) => pool_size = 1,
            Database::Postgres(_) => {}
        }
        let is_postgres = matches!(options.database, Database::Postgres(_));
        let manager = Manager {
            database: options.database.clone(),
            busy_timeout: options.busy_timeout,
            statement_timeout: options.statement_timeout,
            sqlite_mmap_size: options.sqlite_mmap_size,
            sqlite_cache_kib: options.sqlite_cache_kib,
        };
        // Migrate on a connection of its own before the pool opens any: the pool's connections, opened in the
        // background, would otherwise wait on the migration's write lock and log it as an error. A memory
        // database lives only in its one connection, so there the migration runs on the pool's.
        let memory = matches!(options.database, Database::Sqlite(SqliteLocation::Memory));
        if !memory {
            let mut conn = manager
                .connect()
                .map_err(|error| OpenError::Connect(Box::new(error)))?;
            migrate::run_pending(&mut conn.db)?;
        }
        // A SQLite file gets one more connection, for the writer; a memory database has only the one.
        let connections = match options.database {
            Database::Sqlite(SqliteLocation::File(_)) => pool_size + 1,
            _ => pool_size,
        };
        let pool = pool_of(
            manager.clone(),
            connections,
            is_postgres,
            options.acquire_timeout,
        )?;
        if memory {
            let mut conn = pool
                .get()
                .map_err(|error| OpenError::Connect(Box::new(error)))?;
            migrate::run_pending(&mut conn.db)?;
        }
        let writer = match is_postgres {
            true => None,
            false => Some(Arc::new(
                Writer::start(pool.clone()).map_err(OpenError::StartWriter)?,
            )),
        };
        let threads = |count, name| DbThreads::start(&pool, count, name).map(Arc::new);
        let readers = threads(options.read_concurrency.clamp(1, pool_size), "db-reader")
            .map_err(OpenError::StartThreads)?;
        let runners = threads(pool_size, "db-runner").map_err(OpenError::StartThreads)?;
        let outbox_lane = match is_postgres {
            false => None,
            true => {
                let connections = options.outbox_connections.max(1);
                let own = pool_of(manager, connections, true, options.acquire_timeout)?;
                Some(Arc::new(
                    DbThreads::start(&own, connections, "db-outbox")
                        .map_err(OpenError::StartThreads)?,
                ))
            }
        };
        Ok(Self {
            pool,
            readers,
            runners,
            outbox_lane,
            acquire_timeout: options.acquire_timeout,
            writer,
            backend: options.database.backend(),
            orders: OrderCache::new(options.order_cache_bytes),
            holds: match is_postgres {
                true => KeyHolds::Table,
                false => KeyHolds::Process(Arc::default()),
            },
            leases: match is_postgres {
                true => EffectLeases::Table,
                false => EffectLeases::Process(Arc::default()),
            },
        })
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// When a request that starts now must have given up waiting for the database.
    fn deadline(&self) -> Instant {
        Instant::now() + self.acquire_timeout
    }

    /// Runs blocking database work on one of the store's threads (as many as the pool has connections), never
    /// on the async executor. The waits for a thread and a connection together last at most the acquire
    /// timeout; past it the work is not started and the caller gets `Unavailable`.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T, RepositoryError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, StorageError> + Send + 'static,
        T: Send + 'static,
    {
        self.runners.run(work, self.deadline()).await
    }

    /// `run` for a read, on one of the reader threads: at most `read_concurrency` at a time, all waits within
    /// the acquire timeout.
    pub(crate) async fn read<T, F>(&self, work: F) -> Result<T, RepositoryError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, StorageError> + Send + 'static,
        T: Send + 'static,
    {
        self.readers.run(work, self.deadline()).await
    }

    /// A change of the outbox worker's: on Postgres in a transaction of its own on one of the worker's
    /// connections (`outbox_lane`), on SQLite as every write.
    pub(crate) async fn outbox_write<T, F>(&self, work: F) -> Result<T, RepositoryError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, StorageError> + Send + 'static,
        T: Send + 'static,
    {
        match &self.outbox_lane {
            Some(lane) => {
                lane.run(move |conn| transaction(conn, work), self.deadline())
                    .await
            }
            None => self.write(work).await,
        }
    }

    /// A read of the outbox worker's: on Postgres on one of the worker's connections, on SQLite as every read.
    pub(crate) async fn outbox_read<T, F>(&self, work: F) -> Result<T, RepositoryError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, StorageError> + Send + 'static,
        T: Send + 'static,
    {
        match &self.outbox_lane {
            Some(lane) => lane.run(work, self.deadline()).await,
            None => self.read(work).await,
        }
    }

    /// Runs a change in a transaction of its own on Postgres; on SQLite the writer commits it together with
    /// the other changes waiting at the time, each in its own savepoint.
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T, RepositoryError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, StorageError> + Send + 'static,
        T: Send + 'static,
    {
        match &self.writer {
            Some(writer) => writer.write(work, self.deadline()).await,
            None => self.run(move |conn| transaction(conn, work)).await,
        }
    }
}

/// A pool of `connections`. SQLite's are opened at once and kept (a memory database dies with its connection);
/// Postgres's are opened as needed and closed after ten idle minutes.
fn pool_of(
    manager: Manager,
    connections: u32,
    is_postgres: bool,
    acquire_timeout: Duration,
) -> Result<Pool<Manager>, OpenError> {
    Pool::builder()
        .max_size(connections)
        .min_idle((!is_postgres).then_some(connections))
        .max_lifetime(None)
        .idle_timeout(is_postgres.then_some(Duration::from_secs(600)))
        // A server connection can die under us: a query that finds it lost marks it, and the pool drops
        // it then (`Manager::has_broken`) instead of pinging every connection it hands out.
        .test_on_check_out(false)
        .connection_timeout(acquire_timeout)
        .build(manager)
        .map_err(|error| OpenError::Connect(Box::new(error)))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::testing::TestDatabase;

    /// How many pieces of work run at once, and the most that ever did.
    #[derive(Default)]
    struct Gauge {
        now: AtomicUsize,
        peak: AtomicUsize,
    }

    impl Gauge {
        fn enter(&self) {
            let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
        }

        fn leave(&self) {
            self.now.fetch_sub(1, Ordering::SeqCst);
        }

        fn peak(&self) -> usize {
            self.peak.load(Ordering::SeqCst)
        }
    }

    /// Postgres: while the requests' work queues for every connection of the pool, the outbox worker's claims,
    /// reads and marks run at once, on its own thread and connection.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_outbox_workers_work_never_waits_behind_the_requests_on_postgres() {
        let Some(database) = TestDatabase::postgres() else {
            return;
        };
        let storage = DieselStorage::open(&StorageOptions {
            pool_size: 2,
            ..StorageOptions::new(database.database.clone())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        // Six writes for two connections: the last of them starts after two rounds of `busy`.
        let busy = Duration::from_millis(400);
        let requests: Vec<_> = (0..6)
            .map(|_| {
                let storage = storage.clone();
                tokio::spawn(async move {
                    storage
                        .write(move |_| {
                            std::thread::sleep(busy);
                            Ok(())
                        })
                        .await
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = Instant::now();
        let claimed = storage.outbox_write(|_| Ok("claimed")).await;
        let read = storage.outbox_read(|_| Ok("read")).await;
        let waited = started.elapsed();
        assert_eq!((claimed.ok(), read.ok()), (Some("claimed"), Some("read")));
        assert!(
            waited < busy,
            "the outbox worker waited {waited:?} behind the requests"
        );
        for request in requests {
            request
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn reads_run_a_few_at_a_time_and_leave_the_rest_of_the_pool_to_writes() {
        let database = TestDatabase::sqlite();
        let storage = DieselStorage::open(&StorageOptions {
            pool_size: 4,
            read_concurrency: 2,
            ..StorageOptions::new(database.database.clone())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let (reads, all) = (Arc::new(Gauge::default()), Arc::new(Gauge::default()));
        let busy = Duration::from_millis(150);
        let mut tasks = Vec::new();
        // Six reads, then two writes once the reads are waiting.
        for n in 0..8 {
            let (storage, reads, all) = (storage.clone(), reads.clone(), all.clone());
            if n == 6 {
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
            tasks.push(tokio::spawn(async move {
                if n >= 6 {
                    // A Postgres write's way in: a connection of the pool, no read permit.
                    storage
                        .run(move |_| {
                            all.enter();
                            std::thread::sleep(busy);
                            all.leave();
                            Ok(())
                        })
                        .await
                } else {
                    storage
                        .read(move |_| {
                            reads.enter();
                            all.enter();
                            std::thread::sleep(busy);
                            all.leave();
                            reads.leave();
                            Ok(())
                        })
                        .await
                }
            }));
        }
        for task in tasks {
            task.await
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(reads.peak(), 2, "reads at once");
        assert_eq!(
            all.peak(),
            4,
            "the writes ran beside the reads, on the rest of the pool"
        );
    }
}
