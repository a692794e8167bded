//! Migration 2026-11-27-090000_clustered_orders on the data of before it (SQLite; on Postgres it changes
//! nothing): orders, their lines and the idempotency holds are rebuilt as WITHOUT ROWID tables, and what was
//! stored reads back the same.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use order_domain::ports::OrderRepository;
use order_domain::{Money, OrderId, OrderStatus};
use order_storage::testing::TestDatabase;
use order_storage::{Database, DieselStorage, SqliteLocation, StorageOptions};

/// The migration under test: the database is brought to the schema just before it.
const CLUSTERED: &str = "2026-11-27-090000";

#[derive(QueryableByName)]
struct Text1 {
    #[diesel(sql_type = Text)]
    text: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn connect(database: &TestDatabase) -> SqliteConnection {
    let Database::Sqlite(SqliteLocation::File(path)) = &database.database else {
        panic!("a SQLite file")
    };
    SqliteConnection::establish(&path.to_string_lossy()).unwrap_or_else(|e| panic!("{e}"))
}

fn texts(conn: &mut SqliteConnection, sql: &str) -> Vec<String> {
    diesel::sql_query(sql)
        .load::<Text1>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|row| row.text)
        .collect()
}

#[tokio::test]
async fn orders_lines_and_holds_stored_before_the_rebuild_read_back_the_same_after_it() {
    let database = TestDatabase::sqlite();
    database.migrate_before(CLUSTERED);
    let id = OrderId::generate();
    database.execute(&format!(
        "INSERT INTO orders (id, store_id, customer_id, status, currency, items_total, shipping_cost, \
         tax_amount, total_amount, version, created_at, updated_at, note, metadata) \
         VALUES ('{id}', 's-1', 'c-1', 'pending', 'EUR', 2500, 500, 0, 3000, 1, \
         '2026-11-26 09:00:00.123456', '2026-11-26 09:00:00.123456', 'leave at the door', '{{\"channel\":\"web\"}}')"
    ));
    for (position, product, quantity, price) in [(0, "p-1", 2, 1000), (1, "p-2", 1, 500)] {
        database.execute(&format!(
            "INSERT INTO order_items (order_id, position, product_id, quantity, unit_price) \
             VALUES ('{id}', {position}, '{product}', {quantity}, {price})"
        ));
    }
    database.execute(
        "INSERT INTO idempotency_claims (scope, key, fingerprint, claimed_at, held_until) \
         VALUES ('principal:tests', 'k-1', x'07', '2026-11-26 09:00:00', '2026-11-26 09:01:00')",
    );

    let storage = DieselStorage::open(&StorageOptions::new(database.database.clone()))
        .unwrap_or_else(|e| panic!("the migration runs: {e}"));

    let order = storage
        .find(id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("the order is there"));
    assert_eq!(order.status(), OrderStatus::Pending);
    assert_eq!(order.version().get(), 1);
    assert_eq!(order.store_id().as_str(), "s-1");
    assert_eq!(order.totals().total_amount.to_string(), "30.00 EUR");
    let lines: Vec<_> = order
        .lines()
        .iter()
        .map(|line| {
            (
                line.product_id.as_str().to_owned(),
                line.quantity.get(),
                line.unit_price,
            )
        })
        .collect();
    let eur = |minor| Money::from_minor(minor, order.currency()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        lines,
        [
            ("p-1".to_owned(), 2, eur(1000)),
            ("p-2".to_owned(), 1, eur(500))
        ]
    );
    assert_eq!(
        order.note().map(|note| note.as_str()),
        Some("leave at the door")
    );

    let mut conn = connect(&database);
    for table in ["orders", "order_items", "idempotency_claims"] {
        let sql = texts(
            &mut conn,
            &format!(
                "SELECT sql AS text FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
            ),
        );
        assert!(
            sql.first()
                .is_some_and(|sql| sql.ends_with("WITHOUT ROWID")),
            "{table}: {sql:?}"
        );
    }
    let indexes = texts(
        &mut conn,
        "SELECT name AS text FROM sqlite_master WHERE type = 'index' AND tbl_name = 'orders' \
         AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name",
    );
    assert_eq!(
        indexes,
        [
            "orders_by_customer",
            "orders_by_customer_status",
            "orders_by_status",
            "orders_by_store",
            "orders_by_store_status",
            "orders_refunds_due"
        ]
    );
    let held = diesel::sql_query("SELECT count(*) AS n FROM idempotency_claims WHERE key = 'k-1'")
        .get_result::<Count>(&mut conn)
        .unwrap_or_else(|e| panic!("{e}"))
        .n;
    assert_eq!(held, 1, "the hold survives");
    assert!(texts(
        &mut conn,
        "SELECT 'x' AS text FROM pragma_foreign_key_check"
    )
    .is_empty());
    assert_eq!(
        texts(
            &mut conn,
            "SELECT integrity_check AS text FROM pragma_integrity_check"
        ),
        ["ok"]
    );
}
