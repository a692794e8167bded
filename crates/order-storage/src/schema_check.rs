//! Both migration sets must produce exactly the tables and columns that `schema.rs` declares.

use std::collections::BTreeSet;

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::QueryFragment;
use diesel::sql_types::Text;

use crate::connection::DbConnection;
use crate::schema::{
    idempotency_claims, idempotency_keys, order_items, orders, refund_items, refunds, return_items,
    returns,
};
use crate::testing::TestDatabase;
use crate::{DieselStorage, StorageOptions};

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
}

/// The column names diesel writes for `query`, a `SELECT "table"."a", "table"."b" ...` of a table's columns.
fn declared<Q: QueryFragment<Pg>>(query: Q, table: &str) -> BTreeSet<String> {
    let sql = diesel::debug_query::<Pg, _>(&query).to_string();
    let prefix = format!("\"{table}\".\"");
    sql.split(&prefix)
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

fn actual(conn: &mut DbConnection, table: &str) -> BTreeSet<String> {
    let sql = match conn {
        DbConnection::Sqlite(_) => format!("SELECT name FROM pragma_table_info('{table}')"),
        DbConnection::Postgres(_) => format!(
            "SELECT column_name::text AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = '{table}'"
        ),
    };
    diesel::sql_query(sql)
        .load::<Column>(conn)
        .unwrap_or_else(|e| panic!("cannot list the columns of {table}: {e}"))
        .into_iter()
        .map(|c| c.name)
        .collect()
}

#[test]
fn every_backend_migrates_to_the_declared_schema() {
    let declared_tables = [
        (
            "orders",
            declared(orders::table.select(orders::all_columns), "orders"),
        ),
        (
            "order_items",
            declared(
                order_items::table.select(order_items::all_columns),
                "order_items",
            ),
        ),
        (
            "idempotency_keys",
            declared(
                idempotency_keys::table.select(idempotency_keys::all_columns),
                "idempotency_keys",
            ),
        ),
        (
            "idempotency_claims",
            declared(
                idempotency_claims::table.select(idempotency_claims::all_columns),
                "idempotency_claims",
            ),
        ),
        (
            "refunds",
            declared(refunds::table.select(refunds::all_columns), "refunds"),
        ),
        (
            "refund_items",
            declared(
                refund_items::table.select(refund_items::all_columns),
                "refund_items",
            ),
        ),
        (
            "returns",
            declared(returns::table.select(returns::all_columns), "returns"),
        ),
        (
            "return_items",
            declared(
                return_items::table.select(return_items::all_columns),
                "return_items",
            ),
        ),
    ];
    // The parser found the columns (an empty set would compare equal to nothing and prove nothing).
    assert!(declared_tables
        .iter()
        .all(|(_, columns)| columns.len() >= 4));

    for database in TestDatabase::every_backend() {
        let storage = DieselStorage::open(&StorageOptions::new(database.database.clone()))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut conn = storage.pool.get().unwrap_or_else(|e| panic!("{e}"));
        for (table, columns) in &declared_tables {
            assert_eq!(
                &actual(&mut conn.db, table),
                columns,
                "{} {table}",
                database.database.backend()
            );
        }
    }
}
