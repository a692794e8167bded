//! Both migration sets must enforce the same constraints: every CHECK that Postgres has is exercised on each
//! backend, and each backend has exactly as many CHECKs per table as Postgres lists.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::connection::DbConnection;
use crate::testing::TestDatabase;
use crate::{DieselStorage, StorageOptions};

/// A note one character over its bound (1,000), as SQL both backends read.
const NOTE_TOO_LONG: &str = concat!("UPDATE orders SET note = '", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "x", "'");

/// A Postgres CHECK constraint (by its name) and a statement that breaks it on the rows `seed` writes.
const VIOLATIONS: &[(&str, &str)] = &[
    ("orders_store_id_check", "UPDATE orders SET store_id = ''"),
    (
        "orders_customer_id_check",
        "UPDATE orders SET customer_id = ''",
    ),
    ("orders_status_check", "UPDATE orders SET status = 'lost'"),
    (
        "orders_currency_check",
        "UPDATE orders SET currency = 'USDX'",
    ),
    (
        "orders_items_total_check",
        "UPDATE orders SET items_total = -1",
    ),
    (
        "orders_shipping_cost_check",
        "UPDATE orders SET shipping_cost = -1",
    ),
    (
        "orders_tax_amount_check",
        "UPDATE orders SET tax_amount = -1",
    ),
    (
        "orders_total_amount_check",
        "UPDATE orders SET total_amount = -1",
    ),
    ("orders_version_check", "UPDATE orders SET version = 0"),
    ("orders_note_check", NOTE_TOO_LONG),
    ("orders_metadata_check", "UPDATE orders SET metadata = '[]'"),
    (
        "orders_payment_method_check",
        "UPDATE orders SET payment_method = ''",
    ),
    (
        "orders_payment_amount_check",
        "UPDATE orders SET payment_amount = -1",
    ),
    (
        "orders_ship_to_country_check",
        "UPDATE orders SET ship_to_country = 'USA'",
    ),
    (
        "orders_payment_authorization_id_check",
        "UPDATE orders SET payment_authorization_id = ''",
    ),
    (
        "orders_payment_whole",
        "UPDATE orders SET payment_amount = NULL",
    ),
    (
        "orders_shipment_count_check",
        "UPDATE orders SET shipment_count = -1",
    ),
    (
        "orders_authorization_of_payment",
        "UPDATE orders SET payment_method = NULL, payment_amount = NULL, paid_at = NULL",
    ),
    (
        "orders_refund_of_payment",
        "UPDATE orders SET payment_method = NULL, payment_amount = NULL, paid_at = NULL, \
         payment_authorization_id = NULL, refund_due = TRUE",
    ),
    (
        "order_items_position_check",
        "UPDATE order_items SET position = -1",
    ),
    (
        "order_items_product_id_check",
        "UPDATE order_items SET product_id = ''",
    ),
    (
        "order_items_quantity_check",
        "UPDATE order_items SET quantity = 0",
    ),
    (
        "order_items_unit_price_check",
        "UPDATE order_items SET unit_price = -1",
    ),
    (
        "idempotency_keys_key_check",
        "UPDATE idempotency_keys SET key = ''",
    ),
    (
        "idempotency_claims_key_check",
        "UPDATE idempotency_claims SET key = ''",
    ),
    (
        "idempotency_claims_check",
        "UPDATE idempotency_claims SET held_until = claimed_at",
    ),
    (
        "order_events_actor_whole",
        "UPDATE order_events SET actor_subject = 'ops-1'",
    ),
    (
        "order_events_event_type_check",
        "UPDATE order_events SET event_type = 'created'",
    ),
    (
        "order_events_order_version_check",
        "UPDATE order_events SET order_version = 0",
    ),
    (
        "shipments_carrier_check",
        "UPDATE shipments SET carrier = ''",
    ),
    (
        "shipments_tracking_number_check",
        "UPDATE shipments SET tracking_number = ''",
    ),
    (
        "shipments_status_check",
        "UPDATE shipments SET status = 'lost'",
    ),
    (
        "shipments_delivered_whole",
        "UPDATE shipments SET status = 'delivered'",
    ),
    (
        "shipment_items_product_id_check",
        "UPDATE shipment_items SET product_id = ''",
    ),
    (
        "shipment_items_quantity_check",
        "UPDATE shipment_items SET quantity = 0",
    ),
    ("outbox_effect_check", "UPDATE outbox SET effect = ''"),
    (
        "outbox_order_version_check",
        "UPDATE outbox SET order_version = 0",
    ),
    ("outbox_amount_check", "UPDATE outbox SET amount = -1"),
    (
        "outbox_currency_check",
        "UPDATE outbox SET currency = 'USDX'",
    ),
    ("outbox_state_check", "UPDATE outbox SET state = 'lost'"),
    ("outbox_attempts_check", "UPDATE outbox SET attempts = -1"),
    (
        "payment_attempts_provider_key_check",
        "UPDATE payment_attempts SET provider_key = ''",
    ),
    (
        "payment_attempts_method_check",
        "UPDATE payment_attempts SET method = ''",
    ),
    (
        "payment_attempts_amount_check",
        "UPDATE payment_attempts SET amount = -1",
    ),
    (
        "payment_attempts_currency_check",
        "UPDATE payment_attempts SET currency = 'USDX'",
    ),
    (
        "payment_attempts_authorization_id_check",
        "UPDATE payment_attempts SET authorization_id = ''",
    ),
    (
        "payment_attempts_state_check",
        "UPDATE payment_attempts SET state = 'held'",
    ),
    (
        "payment_attempts_failures_check",
        "UPDATE payment_attempts SET failures = -1",
    ),
    (
        "payment_attempts_held_has_authorization",
        "UPDATE payment_attempts SET authorization_id = NULL",
    ),
    (
        "orders_refund_count_check",
        "UPDATE orders SET refund_count = -1",
    ),
    ("refunds_position_check", "UPDATE refunds SET position = -1"),
    ("refunds_amount_check", "UPDATE refunds SET amount = 0"),
    ("refunds_reason_check", "UPDATE refunds SET reason = ''"),
    (
        "refunds_status_check",
        "UPDATE refunds SET status = 'lost', settled_at = created_at",
    ),
    (
        "refunds_settled_once_not_pending",
        "UPDATE refunds SET status = 'succeeded'",
    ),
    (
        "refund_items_position_check",
        "UPDATE refund_items SET position = -1",
    ),
    (
        "refund_items_product_id_check",
        "UPDATE refund_items SET product_id = ''",
    ),
    (
        "refund_items_quantity_check",
        "UPDATE refund_items SET quantity = 0",
    ),
    (
        "orders_return_count_check",
        "UPDATE orders SET return_count = -1",
    ),
    ("returns_position_check", "UPDATE returns SET position = -1"),
    ("returns_reason_check", "UPDATE returns SET reason = ''"),
    ("returns_status_check", "UPDATE returns SET status = 'lost'"),
    (
        "returns_received_when_received",
        "UPDATE returns SET received_at = requested_at",
    ),
    (
        "returns_rejected_when_rejected",
        "UPDATE returns SET status = 'rejected'",
    ),
    (
        "returns_refund_once_received",
        "UPDATE returns SET refund_id = 'r-1'",
    ),
    (
        "return_items_position_check",
        "UPDATE return_items SET position = -1",
    ),
    (
        "return_items_product_id_check",
        "UPDATE return_items SET product_id = ''",
    ),
    (
        "return_items_quantity_check",
        "UPDATE return_items SET quantity = 0",
    ),
];

/// One paid order, with a line and an idempotency key, that keeps every constraint.
fn seed(conn: &mut DbConnection) {
    let bytes = match conn {
        DbConnection::Sqlite(_) => "X'00'",
        DbConnection::Postgres(_) => "'\\x00'::bytea",
    };
    let statements = [
        "INSERT INTO orders (id, store_id, customer_id, status, currency, items_total, shipping_cost, \
         tax_amount, total_amount, version, created_at, updated_at, payment_method, payment_amount, paid_at, \
         refund_due, payment_authorization_id) VALUES ('o-1', 's-1', 'c-1', 'processing', 'USD', 100, 0, 0, \
         100, 2, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'visa', 100, '2026-01-01 00:00:00', FALSE, \
         'auth-1')"
            .to_owned(),
        "INSERT INTO order_items (order_id, position, product_id, quantity, unit_price) \
         VALUES ('o-1', 0, 'p-1', 1, 100)"
            .to_owned(),
        "INSERT INTO shipments (id, order_id, carrier, tracking_number, status, shipped_at, updated_at) \
         VALUES ('sh-1', 'o-1', 'UPS', '1Z', 'shipped', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            .to_owned(),
        "INSERT INTO shipment_items (shipment_id, product_id, quantity) VALUES ('sh-1', 'p-1', 1)"
            .to_owned(),
        format!(
            "INSERT INTO idempotency_keys (scope, key, fingerprint, order_id, response_body, created_at, \
             expires_at) VALUES ('create', 'k-1', {bytes}, 'o-1', {bytes}, '2026-01-01 00:00:00', \
             '2026-01-02 00:00:00')"
        ),
        format!(
            "INSERT INTO idempotency_claims (scope, key, fingerprint, claimed_at, held_until) \
             VALUES ('create', 'k-2', {bytes}, '2026-01-01 00:00:00', '2026-01-01 00:00:30')"
        ),
        "INSERT INTO order_events (event_id, order_id, order_version, event_type, occurred_at, data) \
         VALUES ('e-1', 'o-1', 1, 'order.created', '2026-01-01 00:00:00', '{}')"
            .to_owned(),
        "INSERT INTO outbox (event_id, effect, order_id, order_version, next_attempt_at, created_at) \
         VALUES ('e-1', 'publish', 'o-1', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            .to_owned(),
        "INSERT INTO payment_attempts (id, order_id, provider_key, method, amount, currency, authorization_id, \
         state, settle_at, created_at) VALUES ('a-1', 'o-1', 'authorize:o-1:a-1', 'visa', 100, 'USD', 'auth-1', \
         'attached', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            .to_owned(),
        "INSERT INTO refunds (id, order_id, position, amount, reason, status, created_at) \
         VALUES ('r-1', 'o-1', 0, 10, 'damaged', 'pending', '2026-01-01 00:00:00')"
            .to_owned(),
        "INSERT INTO refund_items (refund_id, position, product_id, quantity) \
         VALUES ('r-1', 0, 'p-1', 1)"
            .to_owned(),
        "INSERT INTO returns (id, order_id, position, reason, status, requested_at) \
         VALUES ('rt-1', 'o-1', 0, 'too small', 'requested', '2026-01-01 00:00:00')"
            .to_owned(),
        "INSERT INTO return_items (return_id, position, product_id, quantity) \
         VALUES ('rt-1', 0, 'p-1', 1)"
            .to_owned(),
    ];
    for statement in statements {
        diesel::sql_query(&statement)
            .execute(conn)
            .unwrap_or_else(|e| panic!("the seed keeps every constraint: {e}\n{statement}"));
    }
}

#[derive(QueryableByName)]
struct Checks {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = BigInt)]
    checks: i64,
}

/// How many CHECK constraints each table has, as the backend itself records them.
fn checks_per_table(conn: &mut DbConnection) -> BTreeMap<String, i64> {
    let sql = match conn {
        // SQLite keeps a table's CREATE statement; every CHECK (column or table) is one `CHECK (` in it.
        DbConnection::Sqlite(_) => {
            "SELECT name AS table_name, \
             (length(sql) - length(replace(upper(sql), 'CHECK (', ''))) / length('CHECK (') AS checks \
             FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '\\_\\_%' ESCAPE '\\' \
             AND name NOT LIKE 'sqlite%'"
        }
        // Postgres keeps a rule on several columns as a CHECK of the table, and a rule on one column as the
        // CHECK of that column's domain.
        DbConnection::Postgres(_) => {
            "SELECT c.relname::text AS table_name, count(k.oid) AS checks \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_constraint k ON k.contype = 'c' AND (k.conrelid = c.oid OR k.contypid IN \
                 (SELECT a.atttypid FROM pg_attribute a \
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)) \
             WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname NOT LIKE '\\_\\_%' \
             GROUP BY c.relname"
        }
    };
    diesel::sql_query(sql)
        .load::<Checks>(conn)
        .unwrap_or_else(|e| panic!("cannot count the checks: {e}"))
        .into_iter()
        .map(|row| (row.table_name, row.checks))
        .collect()
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[test]
fn every_backend_enforces_every_check_constraint() {
    let mut counts = Vec::new();
    for database in TestDatabase::every_backend() {
        let backend = database.database.backend();
        let storage = DieselStorage::open(&StorageOptions::new(database.database.clone()))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut conn = storage.pool.get().unwrap_or_else(|e| panic!("{e}"));
        let conn = &mut conn.db;
        seed(conn);
        for (constraint, statement) in VIOLATIONS {
            let error = diesel::sql_query(*statement)
                .execute(conn)
                .err()
                .unwrap_or_else(|| panic!("{backend}: `{statement}` must break {constraint}"))
                .to_string();
            let named = !constraint.ends_with("_check");
            let expected = match conn {
                DbConnection::Sqlite(_) if named => {
                    format!("CHECK constraint failed: {constraint}")
                }
                DbConnection::Sqlite(_) => "CHECK constraint failed".to_owned(),
                DbConnection::Postgres(_) => format!("violates check constraint \"{constraint}\""),
            };
            assert!(error.contains(&expected), "{backend} {constraint}: {error}");
        }
        if let DbConnection::Postgres(_) = conn {
            let mut listed: Vec<String> = diesel::sql_query(
                "SELECT conname::text AS name FROM pg_constraint k JOIN pg_namespace n \
                 ON n.oid = k.connamespace WHERE n.nspname = current_schema() AND k.contype = 'c'",
            )
            .load::<Name>(conn)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|row| row.name)
            .collect();
            listed.sort();
            let mut exercised: Vec<String> =
                VIOLATIONS.iter().map(|(c, _)| c.to_string()).collect();
            exercised.sort();
            assert_eq!(listed, exercised, "every Postgres CHECK is exercised here");
        }
        counts.push((backend, checks_per_table(conn)));
    }
    let sqlite = &counts[0].1;
    assert_eq!(
        sqlite.values().sum::<i64>(),
        VIOLATIONS.len() as i64,
        "SQLite has every CHECK: {sqlite:?}"
    );
    for (backend, per_table) in &counts[1..] {
        assert_eq!(
            per_table, sqlite,
            "{backend} and SQLite have as many CHECKs per table"
        );
    }
}

/// Postgres parses and plans a table's CHECKs again for every statement that writes the table, and an UPDATE
/// checks them all; a domain's rule is kept parsed per connection and checked only where its column is
/// written. So every rule on one column is its column's domain's (migration 2026-11-27-130000).
#[test]
fn on_postgres_every_rule_on_one_column_is_its_domains() {
    let Some(database) = TestDatabase::postgres() else {
        return;
    };
    let storage = DieselStorage::open(&StorageOptions::new(database.database.clone()))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut conn = storage.pool.get().unwrap_or_else(|e| panic!("{e}"));
    let on_one_column: Vec<String> = diesel::sql_query(
        "SELECT k.conname::text AS name FROM pg_constraint k JOIN pg_namespace n \
         ON n.oid = k.connamespace WHERE n.nspname = current_schema() AND k.contype = 'c' \
         AND k.conrelid <> 0 AND cardinality(k.conkey) = 1",
    )
    .load::<Name>(&mut conn.db)
    .unwrap_or_else(|e| panic!("{e}"))
    .into_iter()
    .map(|row| row.name)
    .collect();
    assert_eq!(on_one_column, Vec::<String>::new());
    // Each domain's rule was validated against the rows it found (migration 2026-11-27-130000 adds it
    // `NOT VALID`, then validates it).
    let unvalidated: Vec<String> = diesel::sql_query(
        "SELECT k.conname::text AS name FROM pg_constraint k JOIN pg_namespace n \
         ON n.oid = k.connamespace WHERE n.nspname = current_schema() AND k.contype = 'c' \
         AND k.contypid <> 0 AND NOT k.convalidated",
    )
    .load::<Name>(&mut conn.db)
    .unwrap_or_else(|e| panic!("{e}"))
    .into_iter()
    .map(|row| row.name)
    .collect();
    assert_eq!(unvalidated, Vec::<String>::new());
}
