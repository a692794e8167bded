use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use diesel::r2d2::Pool;
use order_domain::ports::RepositoryError;
use tokio::sync::Semaphore;

use crate::connection::{DbConnection, Manager};
use crate::error::StorageError;
use crate::{migrate, Database, SqliteLocation};

#[derive(Debug, Clone)]
pub struct StorageOptions {
    pub database: Database,
    pub pool_size: u32,
    /// How long a request waits for a free (or new) connection before it fails as unavailable.
    pub acquire_timeout: Duration,
    /// How long a writer waits for a lock (SQLite's write lock, a Postgres row lock).
    pub busy_timeout: Duration,
    /// The longest a Postgres statement may run.
    pub statement_timeout: Duration,
}

impl StorageOptions {
    pub fn new(database: Database) -> Self {
        Self {
            database,
            pool_size: 4,
            acquire_timeout: Duration::from_secs(5),
            busy_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(5),
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
    Connect(#[from] diesel::r2d2::PoolError),
    #[error("cannot migrate the database: {0}")]
    Migrate(String),
}

/// The order store, on SQLite or Postgres. Cheap to clone.
#[derive(Clone)]
pub struct DieselStorage {
    pub(crate) pool: Pool<Manager>,
    /// One permit per connection: requests queue here rather than as hundreds of blocked threads.
    permits: Arc<Semaphore>,
    backend: &'static str,
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
        let pool = Pool::builder()
            .max_size(pool_size)
            // A memory database dies with its connection, so SQLite connections are never recycled.
            .min_idle((!is_postgres).then_some(pool_size))
            .max_lifetime(None)
            .idle_timeout(is_postgres.then_some(Duration::from_secs(600)))
            // A server connection can die under us; a local file cannot.
            .test_on_check_out(is_postgres)
            .connection_timeout(options.acquire_timeout)
            .build(Manager {
                database: options.database.clone(),
                busy_timeout: options.busy_timeout,
                statement_timeout: options.statement_timeout,
            })?;
        let mut conn = pool.get()?;
        migrate::run_pending(&mut conn)?;
        drop(conn);
        Ok(Self {
            pool,
            permits: Arc::new(Semaphore::new(pool_size as usize)),
            backend: options.database.backend(),
        })
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// Runs blocking database work on the blocking thread pool, never on the async executor.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T, RepositoryError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, StorageError> + Send + 'static,
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
