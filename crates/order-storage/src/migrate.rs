//! The embedded migrations, one set per backend (`migrations/sqlite`, `migrations/postgres`, same names).

use diesel::RunQueryDsl;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::connection::DbConnection;
use crate::OpenError;

const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// The advisory lock key that lets one replica migrate while the others wait.
const MIGRATION_LOCK: i64 = 0x6f72_6465_7273; // "orders"

/// Brings the schema up to date on a connection from the pool (for `sqlite::memory:` the only one there is).
/// On Postgres several replicas may start at once: the first to take the lock migrates, the others then find
/// nothing left to do.
pub(crate) fn run_pending(conn: &mut DbConnection) -> Result<(), OpenError> {
    let failed =
        |error: Box<dyn std::error::Error + Send + Sync>| OpenError::Migrate(error.to_string());
    match conn {
        DbConnection::Sqlite(conn) => conn
            .run_pending_migrations(SQLITE)
            .map(drop)
            .map_err(failed),
        DbConnection::Postgres(conn) => {
            advisory(conn, "pg_advisory_lock")?;
            let result = conn.run_pending_migrations(POSTGRES).map(drop);
            advisory(conn, "pg_advisory_unlock")?;
            result.map_err(failed)
        }
    }
}

/// Runs, in order, the embedded migrations not yet run whose folder names sort before `before` (a version such as
/// `2026-11-26-130000`), and stops there: a test puts a database in the schema of then, stores the rows of then
/// and lets `DieselStorage::open` run the rest.
#[cfg(feature = "test-support")]
pub(crate) fn run_before(conn: &mut DbConnection, before: &str) -> Result<(), OpenError> {
    let failed =
        |error: Box<dyn std::error::Error + Send + Sync>| OpenError::Migrate(error.to_string());
    match conn {
        DbConnection::Sqlite(conn) => run_each_before(conn, SQLITE, before).map_err(failed),
        DbConnection::Postgres(conn) => run_each_before(conn, POSTGRES, before).map_err(failed),
    }
}

#[cfg(feature = "test-support")]
fn run_each_before<C, DB>(
    conn: &mut C,
    source: EmbeddedMigrations,
    before: &str,
) -> diesel::migration::Result<()>
where
    DB: diesel::backend::Backend,
    C: MigrationHarness<DB>,
{
    for migration in conn.pending_migrations(source)? {
        if migration.name().to_string().as_str() >= before {
            break;
        }
        conn.run_migration(&*migration)?;
    }
    Ok(())
}

fn advisory(conn: &mut diesel::PgConnection, function: &str) -> Result<(), OpenError> {
    diesel::sql_query(format!("SELECT {function}({MIGRATION_LOCK})"))
        .execute(conn)
        .map(drop)
        .map_err(|e| OpenError::Migrate(e.to_string()))
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::{BigInt, Text};
    use diesel::{Connection, QueryableByName, SqliteConnection};

    use super::*;

    #[derive(QueryableByName, Debug, PartialEq)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }

    #[derive(QueryableByName, Debug, PartialEq)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    /// A new SQLite file in a directory of its own (kept while the directory is), foreign keys on as the
    /// service has them.
    fn a_sqlite_file() -> (tempfile::TempDir, SqliteConnection) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("orders.db");
        let mut conn =
            SqliteConnection::establish(&path.to_string_lossy()).expect("a SQLite file opens");
        diesel::sql_query("PRAGMA foreign_keys = ON")
            .execute(&mut conn)
            .expect("foreign keys on");
        (dir, conn)
    }

    fn names(conn: &mut SqliteConnection, sql: &str) -> Vec<String> {
        diesel::sql_query(sql)
            .load::<Name>(conn)
            .expect("the query runs")
            .into_iter()
            .map(|row| row.name)
            .collect()
    }

    fn count(conn: &mut SqliteConnection, sql: &str) -> i64 {
        diesel::sql_query(sql)
            .get_result::<Count>(conn)
            .expect("the query runs")
            .n
    }

    #[derive(QueryableByName)]
    struct Opcode {
        #[diesel(sql_type = Text)]
        opcode: String,
    }

    /// SQLite checks `x IN (...)` of three values or more against a B-tree it builds for each statement run,
    /// and a row written is one statement: no table's CHECKs may build one (each cost a tenth of a create).
    #[test]
    fn no_sqlite_row_written_builds_a_table_to_check_it() {
        let (_dir, mut conn) = a_sqlite_file();
        conn.run_pending_migrations(SQLITE)
            .expect("the migrations run");
        let tables = names(
            &mut conn,
            "SELECT name FROM sqlite_schema WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__diesel%' ORDER BY name",
        );
        assert!(tables.len() > 10, "{tables:?}");
        let mut building: Vec<String> = tables
            .into_iter()
            .filter(|table| {
                diesel::sql_query(format!("EXPLAIN INSERT INTO \"{table}\" DEFAULT VALUES"))
                    .load::<Opcode>(&mut conn)
                    .expect("the insert compiles")
                    .iter()
                    .any(|op| op.opcode == "OpenEphemeral")
            })
            .collect();
        building.sort();
        assert_eq!(
            building,
            Vec::<String>::new(),
            "tables whose rows build a B-tree to be checked"
        );
    }

    /// Every row of `table`, each written out as SQL literals in column order.
    fn rows(conn: &mut SqliteConnection, table: &str) -> Vec<String> {
        let columns = names(
            conn,
            &format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
        );
        let row = columns
            .iter()
            .map(|column| format!("quote(\"{column}\")"))
            .collect::<Vec<_>>()
            .join(" || ',' || ");
        names(
            conn,
            &format!("SELECT {row} AS name FROM \"{table}\" ORDER BY 1"),
        )
    }

    /// A row in each table the CHECK migrations rewrite (and a line), the same SQL on both backends.
    const A_ROW_IN_EVERY_TABLE: &str = "INSERT INTO orders (id, store_id, customer_id, status, currency, items_total, shipping_cost, \
             tax_amount, total_amount, version, created_at, updated_at, payment_method, payment_amount, \
             paid_at, note, metadata, shipment_count, refund_count, return_count) \
             VALUES ('o-1', 's-1', 'c-1', 'shipped', 'USD', 100, 5, 7, 112, 4, '2026-01-01 00:00:00', \
             '2026-01-02 00:00:00', 'visa', 112, '2026-01-01 00:00:01', 'a note', '{\"a\":1}', 1, 1, 1); \
             INSERT INTO order_items (order_id, position, product_id, quantity, unit_price) \
             VALUES ('o-1', 0, 'p-1', 2, 50); \
             INSERT INTO order_events (event_id, order_id, order_version, event_type, occurred_at, data) \
             VALUES ('e-1', 'o-1', 1, 'order.created', '2026-01-01 00:00:00', '{}'); \
             INSERT INTO outbox (event_id, effect, order_id, order_version, customer_id, state, attempts, \
             next_attempt_at, last_error, created_at, done_at) VALUES ('e-1', 'publish', 'o-1', 1, 'c-1', \
             'done', 2, '2026-01-01 00:00:00', 'down', '2026-01-01 00:00:00', '2026-01-01 00:00:09'); \
             INSERT INTO payment_attempts (id, order_id, provider_key, method, amount, currency, \
             authorization_id, state, failures, settle_at, created_at) VALUES ('a-1', 'o-1', 'k-1', 'visa', \
             112, 'USD', 'auth-1', 'attached', 0, '2026-01-01 00:05:00', '2026-01-01 00:00:00'); \
             INSERT INTO refunds (id, order_id, position, amount, reason, status, created_at, settled_at) \
             VALUES ('r-1', 'o-1', 0, 50, 'damaged', 'succeeded', '2026-01-03 00:00:00', '2026-01-03 00:01:00'); \
             INSERT INTO returns (id, order_id, position, reason, status, requested_at, received_at, refund_id) \
             VALUES ('t-1', 'o-1', 0, 'damaged', 'received', '2026-01-03 00:00:00', '2026-01-03 00:00:30', 'r-1');";

    /// The rebuild that writes the lists as comparisons keeps every row as it was, column for column, and so
    /// does its reversal.
    #[test]
    fn the_checks_rebuild_and_its_reversal_keep_every_row() {
        let (_dir, mut conn) = a_sqlite_file();
        conn.run_pending_migrations(SQLITE)
            .expect("the migrations run");
        conn.batch_execute(A_ROW_IN_EVERY_TABLE)
            .expect("rows of every rebuilt table");
        let tables = ["orders", "outbox", "payment_attempts", "refunds", "returns"];
        let before: Vec<Vec<String>> = tables.iter().map(|t| rows(&mut conn, t)).collect();
        assert!(before.iter().all(|rows| rows.len() == 1), "{before:?}");

        conn.revert_last_migration(SQLITE)
            .expect("the rebuild reverts");
        let reverted: Vec<Vec<String>> = tables.iter().map(|t| rows(&mut conn, t)).collect();
        assert_eq!(reverted, before);
        conn.run_pending_migrations(SQLITE)
            .expect("the rebuild runs again");
        let rebuilt: Vec<Vec<String>> = tables.iter().map(|t| rows(&mut conn, t)).collect();
        assert_eq!(rebuilt, before);
        assert_eq!(
            count(
                &mut conn,
                "SELECT count(*) AS n FROM pragma_foreign_key_check"
            ),
            0
        );
        let bad = conn.batch_execute("UPDATE orders SET status = 'lost'");
        assert!(bad.is_err(), "the status is still checked");
    }

    /// SQLite gains its CHECKs by a table rebuild: what was stored before it is all still there, with its
    /// indexes and the references to it, and foreign keys are enforced again afterwards.
    #[test]
    fn the_sqlite_rebuild_keeps_rows_indexes_and_references() {
        let (_dir, mut conn) = a_sqlite_file();
        for _ in 0..3 {
            conn.run_next_migration(SQLITE)
                .expect("the first three migrations run");
        }
        conn.batch_execute(
            "INSERT INTO orders (id, store_id, customer_id, status, currency, items_total, shipping_cost, \
             tax_amount, total_amount, version, created_at, updated_at, payment_method, payment_amount, paid_at, \
             refund_due) VALUES ('o-1', 's-1', 'c-1', 'canceled', 'USD', 100, 0, 0, 100, 3, \
             '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'visa', 100, '2026-01-01 00:00:00', TRUE), \
             ('o-2', 's-1', 'c-2', 'pending', 'USD', 100, 0, 0, 100, 1, '2026-01-01 00:00:00', \
             '2026-01-01 00:00:00', NULL, NULL, NULL, FALSE); \
             INSERT INTO order_items (order_id, position, product_id, quantity, unit_price) \
             VALUES ('o-1', 0, 'p-1', 1, 100), ('o-2', 0, 'p-2', 1, 100);",
        )
        .expect("rows of the old schema");

        // 2026-11-25-000004_one_schema_and_authorizations: the rebuild.
        conn.run_next_migration(SQLITE).expect("the rebuild runs");

        assert_eq!(
            names(&mut conn, "SELECT id AS name FROM orders ORDER BY id"),
            ["o-1", "o-2"]
        );
        assert_eq!(
            count(
                &mut conn,
                "SELECT count(*) AS n FROM orders WHERE refund_due AND paid_at IS NOT NULL"
            ),
            1
        );
        assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM order_items"), 2);
        let mut indexes = names(
            &mut conn,
            "SELECT name FROM pragma_index_list('orders') WHERE origin = 'c' ORDER BY name",
        );
        indexes.sort();
        assert_eq!(
            indexes,
            [
                "orders_by_customer",
                "orders_by_status",
                "orders_by_store",
                "orders_refunds_due"
            ]
        );
        assert_eq!(
            count(
                &mut conn,
                "SELECT count(*) AS n FROM pragma_foreign_key_check"
            ),
            0
        );
        assert_eq!(
            count(
                &mut conn,
                "SELECT foreign_keys AS n FROM pragma_foreign_keys"
            ),
            1
        );
        let orphan = conn.batch_execute(
            "INSERT INTO order_items (order_id, position, product_id, quantity, unit_price) \
             VALUES ('nope', 0, 'p-1', 1, 100)",
        );
        assert!(orphan.is_err(), "order_items still references orders");

        conn.revert_last_migration(SQLITE)
            .expect("the rebuild reverts");
        assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM orders"), 2);
        assert_eq!(
            count(
                &mut conn,
                "SELECT count(*) AS n FROM pragma_table_info('orders') WHERE name = 'payment_authorization_id'"
            ),
            0
        );
        assert_eq!(
            count(
                &mut conn,
                "SELECT foreign_keys AS n FROM pragma_foreign_keys"
            ),
            1
        );
    }

    /// Every row of a table as Postgres writes it out, whatever its columns' types.
    fn pg_rows(conn: &mut diesel::PgConnection, table: &str) -> Vec<String> {
        diesel::sql_query(format!("SELECT t::text AS name FROM {table} t ORDER BY 1"))
            .load::<Name>(conn)
            .expect("the rows read")
            .into_iter()
            .map(|row| row.name)
            .collect()
    }

    /// Postgres's one-column rules become domains by rewriting each table: what was stored is all still there
    /// afterwards, and after the reversal, and the rules hold throughout, under the names they had.
    #[test]
    fn the_domains_migration_and_its_reversal_keep_every_row_and_every_rule() {
        let Some(database) = crate::testing::TestDatabase::postgres() else {
            return;
        };
        let crate::Database::Postgres(url) = &database.database else {
            panic!("a Postgres database");
        };
        let mut conn = diesel::PgConnection::establish(url).expect("Postgres connects");
        conn.run_pending_migrations(POSTGRES)
            .expect("the migrations run");
        conn.batch_execute(A_ROW_IN_EVERY_TABLE)
            .expect("rows of the rewritten tables");
        let tables = [
            "orders",
            "order_items",
            "order_events",
            "outbox",
            "payment_attempts",
            "refunds",
            "returns",
        ];
        let stored: Vec<Vec<String>> = tables.iter().map(|t| pg_rows(&mut conn, t)).collect();
        assert!(stored.iter().all(|rows| rows.len() == 1), "{stored:?}");
        let status_is = |conn: &mut diesel::PgConnection| {
            diesel::sql_query(
                "SELECT format_type(atttypid, NULL) AS name FROM pg_attribute \
                 WHERE attrelid = 'orders'::regclass AND attname = 'status'",
            )
            .get_result::<Name>(conn)
            .expect("the column is there")
            .name
        };
        let refused = |conn: &mut diesel::PgConnection| {
            conn.batch_execute("UPDATE orders SET status = 'lost'")
                .expect_err("the status is checked")
                .to_string()
        };
        assert_eq!(status_is(&mut conn), "orders_status");
        assert!(refused(&mut conn).contains("violates check constraint \"orders_status_check\""));

        conn.revert_last_migration(POSTGRES)
            .expect("the domains revert");
        let reverted: Vec<Vec<String>> = tables.iter().map(|t| pg_rows(&mut conn, t)).collect();
        assert_eq!(reverted, stored);
        assert_eq!(status_is(&mut conn), "text");
        assert!(refused(&mut conn).contains("violates check constraint \"orders_status_check\""));

        conn.run_pending_migrations(POSTGRES)
            .expect("the domains come back");
        let again: Vec<Vec<String>> = tables.iter().map(|t| pg_rows(&mut conn, t)).collect();
        assert_eq!(again, stored);
        assert_eq!(status_is(&mut conn), "orders_status");
    }
}
