use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use order_domain::ports::RepositoryError;
use tokio::sync::Semaphore;

use crate::error::StorageError;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqliteLocation {
    File(PathBuf),
    /// A throwaway database that lives as long as the process; served by a single connection.
    Memory,
}

#[derive(Debug, Clone)]
pub struct SqliteOptions {
    pub location: SqliteLocation,
    pub pool_size: u32,
    /// How long a writer waits for the write lock before the request fails as unavailable.
    pub busy_timeout: Duration,
    /// How long a request waits for a free connection.
    pub acquire_timeout: Duration,
}

impl SqliteOptions {
    pub fn new(location: SqliteLocation) -> Self {
        Self {
            location,
            pool_size: 4,
            busy_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(5),
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
    #[error("cannot open the database")]
    Connect(#[from] diesel::r2d2::PoolError),
    #[error("cannot migrate the database: {0}")]
    Migrate(String),
}

/// The order store on SQLite. Cheap to clone.
#[derive(Clone)]
pub struct SqliteStorage {
    pool: Pool<ConnectionManager<SqliteConnection>>,
    /// One permit per connection: requests queue here rather than as hundreds of blocked threads.
    permits: Arc<Semaphore>,
}

/// Settings every connection gets when the pool opens it. WAL lets readers run beside the one writer;
/// `synchronous = FULL` makes an acknowledged write survive a power loss.
#[derive(Debug)]
struct Pragmas {
    busy_timeout: Duration,
    wal: bool,
}

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        let journal = if self.wal {
            "PRAGMA journal_mode = WAL;"
        } else {
            ""
        };
        conn.batch_execute(&format!(
            "{journal} PRAGMA busy_timeout = {}; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
            self.busy_timeout.as_millis()
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

impl SqliteStorage {
    /// Opens (creating if needed) and migrates the database. Blocking: call it before serving.
    pub fn open(options: &SqliteOptions) -> Result<Self, OpenError> {
        let (url, pool_size) = match &options.location {
            SqliteLocation::File(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|source| {
                        OpenError::CreateDirectory {
                            path: parent.to_owned(),
                            source,
                        }
                    })?;
                }
                (
                    path.to_string_lossy().into_owned(),
                    options.pool_size.max(1),
                )
            }
            SqliteLocation::Memory => (":memory:".to_owned(), 1),
        };
        let pool = Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(pool_size))
            // A memory database dies with its connection, so connections are never recycled.
            .max_lifetime(None)
            .idle_timeout(None)
            .connection_timeout(options.acquire_timeout)
            .connection_customizer(Box::new(Pragmas {
                busy_timeout: options.busy_timeout,
                wal: options.location != SqliteLocation::Memory,
            }))
            .build(ConnectionManager::new(url))?;
        let mut conn = pool.get()?;
        conn.run_pending_migrations(MIGRATIONS)
            .map_err(|error| OpenError::Migrate(error.to_string()))?;
        drop(conn);
        Ok(Self {
            pool,
            permits: Arc::new(Semaphore::new(pool_size as usize)),
        })
    }

    /// Runs blocking database work on the blocking thread pool, never on the async executor.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T, RepositoryError>
    where
        F: FnOnce(&mut SqliteConnection) -> Result<T, StorageError> + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|error| RepositoryError::Unexpected(Box::new(error)))?;
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut conn = pool.get().map_err(StorageError::from)?;
            work(&mut conn)
        })
        .await
        .map_err(|error| RepositoryError::Unexpected(Box::new(error)))?
        .map_err(RepositoryError::from)
    }
}
