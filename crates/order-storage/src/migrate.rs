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

    /// SQLite gains its CHECKs by a table rebuild: what was stored before it is all still there, with its
    /// indexes and the references to it, and foreign keys are enforced again afterwards.
    #[test]
    fn the_sqlite_rebuild_keeps_rows_indexes_and_references() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("orders.db");
        let mut conn =
            SqliteConnection::establish(&path.to_string_lossy()).expect("a SQLite file opens");
        diesel::sql_query("PRAGMA foreign_keys = ON")
            .execute(&mut conn)
            .expect("foreign keys on");
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
}
