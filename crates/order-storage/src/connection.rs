//! One connection type for every backend, the pool's manager for it, and write transactions.

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;

use crate::error::StorageError;
use crate::{Database, SqliteLocation};

/// A connection to whichever database the service runs on. Queries are written once against it; a `match`
/// on the variant appears only where the SQL must differ.
#[derive(diesel::MultiConnection)]
pub(crate) enum DbConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// A connection in the pool, and whether a query found it lost: the pool then drops it rather than handing it
/// out again, so no round trip is spent testing each connection as it leaves the pool.
pub(crate) struct PooledConnection {
    pub(crate) db: DbConnection,
    lost: bool,
}

impl PooledConnection {
    /// Runs `work` on the connection, noting whether it was found lost.
    pub(crate) fn run<T>(
        &mut self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let result = work(&mut self.db);
        if let Err(error) = &result {
            self.lost |= error.is_lost_connection();
        }
        result
    }
}

/// Opens connections of the configured backend only (diesel's own manager would try each backend in turn),
/// and gives each the session settings it needs.
#[derive(Debug, Clone)]
pub(crate) struct Manager {
    pub database: Database,
    pub busy_timeout: Duration,
    pub statement_timeout: Duration,
    pub sqlite_mmap_size: u64,
    pub sqlite_cache_kib: Option<u32>,
}

impl Manager {
    pub(crate) fn sqlite_path(location: &SqliteLocation) -> String {
        match location {
            SqliteLocation::File(path) => path.to_string_lossy().into_owned(),
            SqliteLocation::Memory => ":memory:".to_owned(),
        }
    }

    fn session_settings(&self) -> String {
        match &self.database {
            // WAL lets readers run beside the one writer; `synchronous = FULL` makes an acknowledged write
            // survive a power loss. The busy timeout comes first, so that switching to WAL waits for a lock
            // another connection holds instead of failing at once.
            Database::Sqlite(location) => {
                format!(
                "PRAGMA busy_timeout = {}; {}{} PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                self.busy_timeout.as_millis(),
                // A negative cache size is in KiB (a positive one would count pages).
                self.sqlite_cache_kib
                    .map(|kib| format!("PRAGMA cache_size = -{kib};"))
                    .unwrap_or_default(),
                // Reads may go through a mapping of the file (`sqlite_mmap_size`, off unless configured): with
                // SQLite's own ~2 MB cache per connection, a large database is otherwise read by a `pread` per
                // page missed. Writes still go through the WAL, synced as before.
                if *location == SqliteLocation::Memory {
                    String::new()
                } else {
                    format!(
                        "PRAGMA journal_mode = WAL; PRAGMA mmap_size = {};",
                        self.sqlite_mmap_size
                    )
                },
            )
            }
            Database::Postgres(_) => format!(
                "SET statement_timeout = {}; SET lock_timeout = {}; SET TIME ZONE 'UTC';",
                self.statement_timeout.as_millis(),
                self.busy_timeout.as_millis()
            ),
        }
    }
}

impl ManageConnection for Manager {
    type Connection = PooledConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<PooledConnection, r2d2::Error> {
        let mut conn = match &self.database {
            Database::Sqlite(location) => {
                SqliteConnection::establish(&Self::sqlite_path(location)).map(DbConnection::Sqlite)
            }
            Database::Postgres(url) => PgConnection::establish(url).map(DbConnection::Postgres),
        }
        .map_err(r2d2::Error::ConnectionError)?;
        conn.batch_execute(&self.session_settings())
            .map_err(r2d2::Error::QueryError)?;
        Ok(PooledConnection {
            db: conn,
            lost: false,
        })
    }

    fn is_valid(&self, conn: &mut PooledConnection) -> Result<(), r2d2::Error> {
        conn.db.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut PooledConnection) -> bool {
        conn.lost || conn.db.is_broken()
    }
}

/// What makes Postgres plan a transaction's statements for the tables as they are at each run.
///
/// Postgres keeps a prepared statement's plan once five runs found it no dearer than planning afresh. For a
/// queue that plan is made on an empty table (a new service's outbox, its payment attempts): a sequential scan
/// that costs nothing then and reads the whole table at every run once it has grown, until an `ANALYZE`
/// invalidates it. Four servers creating at once on two cores waited 2–3 s for each claim of the outbox that
/// way, and every mark of a batch done read all the outbox's pages (BENCHMARKS.md). Planning at each run costs
/// a fraction of a millisecond per batch.
pub(crate) const PLAN_EACH_RUN: &str = "SET LOCAL plan_cache_mode = force_custom_plan";

impl DbConnection {
    /// Plans this transaction's statements at each run (`PLAN_EACH_RUN`) on Postgres; SQLite plans a statement
    /// when it is prepared, from its own rules, and needs nothing.
    pub(crate) fn plan_each_run(&mut self) -> Result<(), StorageError> {
        if let DbConnection::Postgres(conn) = self {
            conn.batch_execute(PLAN_EACH_RUN)?;
        }
        Ok(())
    }
}

/// A write transaction. SQLite takes the write lock up front (`BEGIN IMMEDIATE`) so parallel writers queue on
/// the busy timeout instead of failing half-way on a lock upgrade; Postgres locks rows as it goes.
pub(crate) fn transaction<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, StorageError>,
) -> Result<T, StorageError> {
    within(conn, ("BEGIN IMMEDIATE", "BEGIN"), work)
}

/// A read of more than one statement, all from one snapshot: a change committed between them is seen whole or
/// not at all (an order's row of one version with the returns of the next was read before). SQLite's deferred
/// `BEGIN` takes its snapshot at the first read; Postgres needs `REPEATABLE READ` for one, as each statement of
/// a `READ COMMITTED` transaction takes its own.
pub(crate) fn read_snapshot<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, StorageError>,
) -> Result<T, StorageError> {
    within(
        conn,
        ("BEGIN", "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"),
        work,
    )
}

/// `work` in a transaction begun by `(sqlite, postgres)`'s statement for the connection's backend, committed
/// when it succeeds and rolled back when it fails.
fn within<T>(
    conn: &mut DbConnection,
    (sqlite, postgres): (&str, &str),
    work: impl FnOnce(&mut DbConnection) -> Result<T, StorageError>,
) -> Result<T, StorageError> {
    match conn {
        DbConnection::Sqlite(conn) => AnsiTransactionManager::begin_transaction_sql(conn, sqlite)?,
        DbConnection::Postgres(conn) => {
            AnsiTransactionManager::begin_transaction_sql(conn, postgres)?
        }
    }
    let done = work(conn);
    match done {
        Ok(_) => DbConnection::commit_transaction(conn)?,
        Err(_) => DbConnection::rollback_transaction(conn)?,
    }
    done
}

/// `RunQueryDsl::load` of `$query` on the backend's own connection rather than through `DbConnection`: the
/// same rows, much less work per call. Through the multi-backend connection diesel renders the whole SQL text
/// on every execution (to ask whether the statement may be cached, then to look it up), which for a wide
/// select costs more than running it (`bench/profile get`: 30 % of a `GET /orders/{id}`'s instructions); on
/// the backend's own connection a statement with a static query id is found in the cache by its type. The
/// query is written out once per backend because a `SelectBy` is typed by its backend.
macro_rules! load_native {
    ($conn:expr, $query:expr) => {
        match $conn {
            $crate::connection::DbConnection::Sqlite(conn) => {
                diesel::RunQueryDsl::load($query, conn)
            }
            $crate::connection::DbConnection::Postgres(conn) => {
                diesel::RunQueryDsl::load($query, conn)
            }
        }
    };
}
pub(crate) use load_native;

/// `load_native!` of `$query` filtered to the rows whose `$column` is one of `$values` (a slice of `&str`), as
/// a statement kept prepared whatever their number: `=` for one value (a get's order, most orders' one
/// shipment), on SQLite `IN` the values bound as one JSON array (`in_json`; diesel's `IN (?, ?, …)` is prepared
/// again at every call), on Postgres `= ANY` one array. `$query` is a macro's name, written out for each
/// backend (a `SelectBy` is typed by its backend). A `Result` with a `StorageError`.
macro_rules! load_where_in {
    ($conn:expr, $query:ident, $column:expr, $values:expr) => {
        match ($conn, $values) {
            ($crate::connection::DbConnection::Sqlite(conn), [one]) => {
                diesel::RunQueryDsl::load($query!().filter($column.eq(*one)), conn)
                    .map_err($crate::error::StorageError::from)
            }
            ($crate::connection::DbConnection::Postgres(conn), [one]) => {
                diesel::RunQueryDsl::load($query!().filter($column.eq(*one)), conn)
                    .map_err($crate::error::StorageError::from)
            }
            ($crate::connection::DbConnection::Sqlite(conn), values) => {
                match $crate::json_in::in_json($column, values) {
                    Ok(within) => diesel::RunQueryDsl::load($query!().filter(within), conn)
                        .map_err($crate::error::StorageError::from),
                    Err(error) => Err(error),
                }
            }
            ($crate::connection::DbConnection::Postgres(conn), values) => {
                diesel::RunQueryDsl::load($query!().filter($column.eq_any(values)), conn)
                    .map_err($crate::error::StorageError::from)
            }
        }
    };
}
pub(crate) use load_where_in;

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::BigInt;

    use crate::testing::TestDatabase;
    use crate::{DieselStorage, StorageOptions};

    #[derive(QueryableByName)]
    struct MmapSize {
        #[diesel(sql_type = BigInt)]
        mmap_size: i64,
    }

    fn mmap_size(sqlite_mmap_size: u64) -> i64 {
        let database = TestDatabase::sqlite();
        let storage = DieselStorage::open(&StorageOptions {
            sqlite_mmap_size,
            ..StorageOptions::new(database.database.clone())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let mut conn = storage.pool.get().unwrap_or_else(|e| panic!("{e}"));
        diesel::sql_query("PRAGMA mmap_size")
            .get_result::<MmapSize>(&mut conn.db)
            .unwrap_or_else(|e| panic!("{e}"))
            .mmap_size
    }

    #[derive(QueryableByName)]
    struct CacheSize {
        #[diesel(sql_type = BigInt)]
        cache_size: i64,
    }

    /// `PRAGMA cache_size` as a pool connection has it.
    fn cache_size(sqlite_cache_kib: Option<u32>) -> i64 {
        let database = TestDatabase::sqlite();
        let storage = DieselStorage::open(&StorageOptions {
            sqlite_cache_kib,
            ..StorageOptions::new(database.database.clone())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let mut conn = storage.pool.get().unwrap_or_else(|e| panic!("{e}"));
        diesel::sql_query("PRAGMA cache_size")
            .get_result::<CacheSize>(&mut conn.db)
            .unwrap_or_else(|e| panic!("{e}"))
            .cache_size
    }

    #[derive(QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = diesel::sql_types::Text)]
        compile_options: String,
    }

    /// The bundled SQLite is built in multi-thread mode (`.cargo/config.toml`): no mutex taken on every call of
    /// a connection, which only ever serves one thread at a time.
    #[test]
    fn sqlite_is_built_multi_threaded() {
        let options = compile_options();
        assert!(options.iter().any(|o| o == "THREADSAFE=2"), "{options:?}");
    }

    /// The options the bundled SQLite was built with.
    fn compile_options() -> Vec<String> {
        let database = TestDatabase::sqlite();
        let storage = DieselStorage::open(&StorageOptions::new(database.database.clone()))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut conn = storage.pool.get().unwrap_or_else(|e| panic!("{e}"));
        diesel::sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut conn.db)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|o| o.compile_options)
            .collect()
    }

    /// Each write of a group commit runs in a savepoint, which copies every page it changes into the statement
    /// journal: the bundled SQLite keeps up to 1 MiB of it in memory (`.cargo/config.toml`), where its
    /// default of 64 KiB sent most creates' journals to a temporary file, a `pwrite` per page.
    #[test]
    fn sqlite_keeps_a_savepoints_journal_in_memory_up_to_a_mebibyte() {
        let options = compile_options();
        assert!(
            options.iter().any(|o| o == "STMTJRNL_SPILL=1048576"),
            "{options:?}"
        );
    }

    /// Reads map as much of a SQLite file as configured, and none unless asked.
    #[test]
    fn sqlite_connections_map_as_much_of_the_file_as_configured() {
        assert_eq!(mmap_size(0), 0);
        assert_eq!(mmap_size(4 << 20), 4 << 20);
    }

    /// Each connection caches as many KiB of pages as configured (SQLite's negative `cache_size`), and SQLite's
    /// own default, 2,000 KiB, unless asked.
    #[test]
    fn sqlite_connections_cache_as_many_pages_as_configured() {
        assert_eq!(cache_size(None), -2000);
        assert_eq!(cache_size(Some(8192)), -8192);
    }
}
