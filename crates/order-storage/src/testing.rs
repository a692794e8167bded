//! Throwaway databases for tests: a SQLite file in its own temporary directory, or a uniquely named database
//! on the machine's Postgres server (`TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432`), dropped
//! when the `TestDatabase` is. Without a reachable Postgres the Postgres variant is skipped with a message,
//! except under `CI=true`, where a missing service is a failure.

use std::time::Duration;

use diesel::pg::PgConnection;
use diesel::r2d2::ManageConnection;
use diesel::{Connection, RunQueryDsl};

use crate::connection::Manager;
use crate::{migrate, Database, SqliteLocation};

pub struct TestDatabase {
    pub database: Database,
    _cleanup: Cleanup,
}

enum Cleanup {
    Nothing,
    Directory { _directory: tempfile::TempDir },
    PostgresDatabase { server: String, name: String },
}

fn server_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
        .trim_end_matches('/')
        .to_owned()
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

impl TestDatabase {
    pub fn sqlite() -> Self {
        let directory =
            tempfile::tempdir().unwrap_or_else(|e| panic!("cannot make a temp dir: {e}"));
        Self {
            database: Database::Sqlite(SqliteLocation::File(directory.path().join("orders.db"))),
            _cleanup: Cleanup::Directory {
                _directory: directory,
            },
        }
    }

    /// A fresh, empty Postgres database; `None` (after saying so) when no server is reachable outside CI.
    pub fn postgres() -> Option<Self> {
        let server = server_url();
        let mut admin = match PgConnection::establish(&format!("{server}/postgres")) {
            Ok(conn) => conn,
            Err(error) if !in_ci() => {
                eprintln!("SKIPPED: PostgreSQL at {server} is not reachable ({error}); set TEST_POSTGRES_URL");
                return None;
            }
            Err(error) => panic!("CI=true and PostgreSQL at {server} is not reachable: {error}"),
        };
        let name = format!("orders_test_{}", uuid::Uuid::now_v7().simple());
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        Some(Self {
            database: Database::Postgres(format!("{server}/{name}")),
            _cleanup: Cleanup::PostgresDatabase { server, name },
        })
    }

    /// A database the test runs and removes itself (a server of its own, say); nothing to clean up here.
    pub fn managed_elsewhere(database: Database) -> Self {
        Self {
            database,
            _cleanup: Cleanup::Nothing,
        }
    }

    /// The backend `TEST_DATABASE` asks for (`sqlite`, the default, or `postgres`).
    pub fn from_env() -> Option<Self> {
        match std::env::var("TEST_DATABASE").as_deref() {
            Ok("postgres") => Self::postgres(),
            Ok("sqlite") | Err(_) => Some(Self::sqlite()),
            Ok(other) => panic!("TEST_DATABASE={other:?}: expected sqlite or postgres"),
        }
    }

    /// Every backend this machine can run: SQLite always, Postgres when reachable.
    pub fn every_backend() -> Vec<Self> {
        std::iter::once(Self::sqlite())
            .chain(Self::postgres())
            .collect()
    }

    /// Runs `sql` on the test database itself, from outside the service (to break it on purpose, say).
    pub fn execute(&self, sql: &str) {
        let result = match &self.database {
            Database::Sqlite(SqliteLocation::File(path)) => {
                diesel::SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(|e| e.to_string())
                    .and_then(|mut conn| {
                        diesel::sql_query(sql)
                            .execute(&mut conn)
                            .map_err(|e| e.to_string())
                    })
            }
            Database::Postgres(url) => PgConnection::establish(url)
                .map_err(|e| e.to_string())
                .and_then(|mut conn| {
                    diesel::sql_query(sql)
                        .execute(&mut conn)
                        .map_err(|e| e.to_string())
                }),
            Database::Sqlite(SqliteLocation::Memory) => {
                Err("a memory database cannot be reached from outside".into())
            }
        };
        if let Err(error) = result {
            panic!("{sql}: {error}");
        }
    }

    /// Brings the test database to the schema as it was before the migration `before` (a version such as
    /// `2026-11-26-130000`), with the service's own embedded migrations and session settings; opening a
    /// `DieselStorage` on it afterwards runs the rest, as a deployment would.
    pub fn migrate_before(&self, before: &str) {
        let manager = Manager {
            database: self.database.clone(),
            busy_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
            sqlite_mmap_size: 0,
            sqlite_cache_kib: None,
        };
        let mut conn = manager
            .connect()
            .unwrap_or_else(|e| panic!("cannot connect to {:?}: {e}", self.database));
        migrate::run_before(&mut conn.db, before)
            .unwrap_or_else(|e| panic!("the migrations before {before} do not run: {e}"));
    }

    /// SQLite only: takes the database's write lock from outside the service and holds it until the guard is
    /// dropped, so that the service can read but not write (as with a full disk).
    pub fn hold_write_lock(&self) -> WriteLock {
        let Database::Sqlite(SqliteLocation::File(path)) = &self.database else {
            panic!("hold_write_lock needs a SQLite file");
        };
        let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy())
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
        diesel::connection::SimpleConnection::batch_execute(
            &mut conn,
            "PRAGMA busy_timeout = 5000; BEGIN IMMEDIATE",
        )
        .unwrap_or_else(|e| panic!("cannot take the write lock: {e}"));
        WriteLock(conn)
    }

    /// Runs `sql` on the Postgres server's maintenance database, with `{db}` standing for this test's database:
    /// for tests that act on the database from outside, such as cutting it off.
    pub fn postgres_admin(&self, sql: &str) {
        let Cleanup::PostgresDatabase { server, name } = &self._cleanup else {
            panic!("postgres_admin needs a Postgres test database");
        };
        let mut admin = PgConnection::establish(&format!("{server}/postgres"))
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {server}: {e}"));
        diesel::sql_query(sql.replace("{db}", name))
            .execute(&mut admin)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

/// The write lock of a SQLite database, held from outside the service; released on drop.
pub struct WriteLock(diesel::SqliteConnection);

impl Drop for WriteLock {
    fn drop(&mut self) {
        let _ = diesel::connection::SimpleConnection::batch_execute(&mut self.0, "ROLLBACK");
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Cleanup::PostgresDatabase { server, name } = self {
            if let Ok(mut admin) = PgConnection::establish(&format!("{server}/postgres")) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}

/// A new order of one line (store `s-1`, customer `c-1`, 10 EUR) placed at `at`, for tests that need an order
/// and not any particular one.
pub fn an_order(at: chrono::DateTime<chrono::Utc>) -> order_domain::Order {
    use order_domain::{ItemDraft, NewOrder, Order, OrderDraft, OrderId};
    let draft = OrderDraft {
        store_id: Some("s-1".into()),
        customer_id: Some("c-1".into()),
        currency: Some("EUR".into()),
        items: Some(vec![ItemDraft {
            product_id: Some("p-1".into()),
            quantity: Some("1".into()),
            price: Some("10".into()),
        }]),
        items_total: Some("10".into()),
        shipping_cost: Some("0".into()),
        tax_amount: Some("0".into()),
        total_amount: Some("10".into()),
        note: None,
        metadata: None,
    };
    let new = NewOrder::parse(draft).unwrap_or_else(|v| panic!("a valid draft: {v:?}"));
    Order::place(new, OrderId::generate_at(at), at)
}

/// A change to write with `order`: an event at the order's version (typed `order.created`), to be published.
pub fn a_change(order: &order_domain::Order) -> order_domain::RecordedChange {
    use order_domain::{
        Datum, EffectKind, EventContext, EventId, EventType, OrderEvent, RecordedChange,
    };
    RecordedChange {
        event: OrderEvent {
            id: EventId::generate(),
            order_id: order.id(),
            event_type: EventType::Created,
            order_version: order.version(),
            occurred_at: order.updated_at(),
            context: EventContext::default(),
            data: Datum::object([("status", Datum::text(order.status().as_str()))]).into(),
        },
        effects: vec![EffectKind::Publish],
    }
}

/// A storage of one connection on a Postgres database of its own, for the crate's tests of what Postgres does
/// on that connection (its prepared statements, its plans, its counters); `None` where Postgres is not there
/// (outside CI). The database is dropped with the `TestDatabase`, after the storage.
#[cfg(test)]
pub(crate) fn postgres_on_one_connection() -> Option<(TestDatabase, crate::DieselStorage)> {
    let database = TestDatabase::postgres()?;
    let mut options = crate::StorageOptions::new(database.database.clone());
    options.pool_size = 1;
    let storage = crate::DieselStorage::open(&options).unwrap_or_else(|e| panic!("{e}"));
    Some((database, storage))
}
