//! The `OrderRepository` contract, run against every backend: a real SQLite file, and a fresh database on the
//! machine's Postgres server (skipped with a message when there is none, except under CI).

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use order_domain::ports::{OrderRepository, RepositoryError};
use order_domain::{
    AuthorizationId, EffectKind, EventId, IdempotencyClaim, IdempotencyKey, IdempotencyRecord,
    IdempotencyScope, ItemDraft, KeyClaim, NewOrder, Order, OrderDraft, OrderFilter, OrderId,
    OrderStatus, PageLimit, PageRequest, StoreId, Version,
};
use order_storage::testing::{a_change, TestDatabase};
use order_storage::{Database, DieselStorage, SqliteLocation, StorageOptions};

struct TestDb {
    storage: DieselStorage,
    database: TestDatabase,
}

fn open(database: TestDatabase) -> TestDb {
    let storage = DieselStorage::open(&StorageOptions::new(database.database.clone()))
        .unwrap_or_else(|e| panic!("open {:?}: {e}", database.database));
    TestDb { storage, database }
}

/// One open store per backend this machine runs.
fn backends() -> Vec<TestDb> {
    TestDatabase::every_backend()
        .into_iter()
        .map(open)
        .collect()
}

fn order_for(store: &str, customer: &str, at: DateTime<Utc>) -> Order {
    let draft = OrderDraft {
        store_id: Some(store.into()),
        customer_id: Some(customer.into()),
        currency: Some("EUR".into()),
        items: Some(vec![
            ItemDraft {
                product_id: Some("p-1".into()),
                quantity: Some("2".into()),
                price: Some("25.50".into()),
            },
            ItemDraft {
                product_id: Some("p-2".into()),
                quantity: Some("1".into()),
                price: Some("0.99".into()),
            },
        ]),
        items_total: Some("51.99".into()),
        shipping_cost: Some("4.01".into()),
        tax_amount: Some("0".into()),
        total_amount: Some("56".into()),
        note: None,
        metadata: None,
    };
    let new = NewOrder::parse(draft).unwrap_or_else(|v| panic!("{v:?}"));
    Order::place(new, OrderId::generate(), at)
}

fn record(order: &Order, key: &str, now: DateTime<Utc>, ttl: TimeDelta) -> IdempotencyRecord {
    IdempotencyRecord {
        scope: IdempotencyScope::anonymous(),
        key: IdempotencyKey::parse(key).unwrap_or_else(|e| panic!("{e}")),
        fingerprint: order_domain::Fingerprint::from_bytes([7; 32]),
        order_id: order.id(),
        response_body: format!("body of {}", order.id()).into_bytes(),
        created_at: now,
        expires_at: now + ttl,
    }
}

fn now() -> DateTime<Utc> {
    // Microsecond precision, as stored.
    DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).unwrap_or_default()
}

#[tokio::test]
async fn an_inserted_order_reads_back_whole() {
    for db in backends() {
        let db = &db;
        let order = order_for("s-1", "c-1", now());
        db.storage
            .insert(&order, &a_change(&order), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let found = db
            .storage
            .find(order.id())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found, Some(order));
    }
}

#[tokio::test]
async fn an_unknown_id_is_none() {
    for db in backends() {
        let db = &db;
        let found = db
            .storage
            .find(OrderId::generate())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found, None);
    }
}

#[tokio::test]
async fn a_second_live_record_for_a_key_is_refused_and_its_order_is_not_written() {
    for db in backends() {
        let db = &db;
        let at = now();
        let first = order_for("s-1", "c-1", at);
        let second = order_for("s-1", "c-1", at);
        let day = TimeDelta::hours(24);
        db.storage
            .insert(
                &first,
                &a_change(&first),
                Some(record(&first, "k", at, day)),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let result = db
            .storage
            .insert(
                &second,
                &a_change(&second),
                Some(record(&second, "k", at, day)),
            )
            .await;
        assert!(
            matches!(result, Err(RepositoryError::DuplicateIdempotencyKey)),
            "{result:?}"
        );
        assert_eq!(db.storage.find(second.id()).await.ok(), Some(None));

        let stored = db
            .storage
            .find_idempotency(
                &IdempotencyScope::anonymous(),
                &IdempotencyKey::parse("k").unwrap_or_else(|e| panic!("{e}")),
                at,
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(stored, Some(record(&first, "k", at, day)));
    }
}

#[tokio::test]
async fn keys_are_separate_per_scope() {
    for db in backends() {
        let db = &db;
        let at = now();
        let first = order_for("s-1", "c-1", at);
        let second = order_for("s-1", "c-1", at);
        let mut other_scope = record(&second, "k", at, TimeDelta::hours(1));
        other_scope.scope = IdempotencyScope::principal("store-2");
        db.storage
            .insert(
                &first,
                &a_change(&first),
                Some(record(&first, "k", at, TimeDelta::hours(1))),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        db.storage
            .insert(&second, &a_change(&second), Some(other_scope))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

#[tokio::test]
async fn an_expired_key_is_not_found_is_free_again_and_is_purged() {
    for db in backends() {
        let db = &db;
        let at = now();
        let key = IdempotencyKey::parse("k").unwrap_or_else(|e| panic!("{e}"));
        let scope = IdempotencyScope::anonymous();
        let old = order_for("s-1", "c-1", at);
        db.storage
            .insert(
                &old,
                &a_change(&old),
                Some(record(
                    &old,
                    "k",
                    at - TimeDelta::hours(25),
                    TimeDelta::hours(24),
                )),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            db.storage.find_idempotency(&scope, &key, at).await.ok(),
            Some(None)
        );

        let new = order_for("s-1", "c-1", at);
        db.storage
            .insert(
                &new,
                &a_change(&new),
                Some(record(&new, "k", at, TimeDelta::hours(24))),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let live = db
            .storage
            .find_idempotency(&scope, &key, at)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(live.map(|r| r.order_id), Some(new.id()));

        let other = order_for("s-1", "c-1", at);
        db.storage
            .insert(
                &other,
                &a_change(&other),
                Some(record(
                    &other,
                    "old",
                    at - TimeDelta::hours(2),
                    TimeDelta::hours(1),
                )),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(db.storage.purge_expired_idempotency(at).await.ok(), Some(1));
        assert_eq!(db.storage.purge_expired_idempotency(at).await.ok(), Some(0));
    }
}

#[tokio::test]
async fn an_update_is_a_compare_and_swap_on_the_version() {
    for db in backends() {
        let db = &db;
        let order = order_for("s-1", "c-1", now());
        db.storage
            .insert(&order, &a_change(&order), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));

        let mut deleted = order.clone();
        deleted
            .delete(now())
            .expect("a pending order can be deleted");
        let stale = db
            .storage
            .update(&deleted, Version::FIRST.next(), &a_change(&deleted))
            .await;
        assert!(matches!(stale, Err(RepositoryError::VersionConflict)));
        assert_eq!(
            db.storage.find(order.id()).await.ok(),
            Some(Some(order.clone()))
        );

        db.storage
            .update(&deleted, Version::FIRST, &a_change(&deleted))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            db.storage.find(order.id()).await.ok(),
            Some(None),
            "deleted orders are not found"
        );
        let stale = db
            .storage
            .update(&order, Version::FIRST, &a_change(&order))
            .await;
        assert!(
            matches!(stale, Err(RepositoryError::VersionConflict)),
            "a read of the live order never overwrites its deletion"
        );
    }
}

#[tokio::test]
async fn parallel_updates_at_one_version_let_exactly_one_win() {
    for db in backends() {
        let db = &db;
        let order = order_for("s-1", "c-1", now());
        db.storage
            .insert(&order, &a_change(&order), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let attempts = (0..16).map(|_| {
            let storage = db.storage.clone();
            let mut changed = order.clone();
            changed
                .delete(now())
                .expect("a pending order can be deleted");
            tokio::spawn(async move {
                storage
                    .update(&changed, Version::FIRST, &a_change(&changed))
                    .await
            })
        });
        let results = futures::future::join_all(attempts).await;
        let wins = results.iter().filter(|r| matches!(r, Ok(Ok(())))).count();
        let conflicts = results
            .iter()
            .filter(|r| matches!(r, Ok(Err(RepositoryError::VersionConflict))))
            .count();
        assert_eq!((wins, conflicts), (1, 15));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_are_newest_first_filtered_and_paged_without_gaps() {
    for db in backends() {
        let db = &db;
        let mut created = Vec::new();
        for i in 0..7 {
            let store = if i % 2 == 0 { "even" } else { "odd" };
            let order = order_for(store, "c-1", now());
            db.storage
                .insert(&order, &a_change(&order), None)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            created.push(order.id());
        }
        let mut gone = order_for("even", "c-1", now());
        db.storage
            .insert(&gone, &a_change(&gone), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let expected = gone.version();
        gone.delete(now()).expect("a pending order can be deleted");
        db.storage
            .update(&gone, expected, &a_change(&gone))
            .await
            .unwrap_or_else(|e| panic!("{e}"));

        let filter = OrderFilter {
            store_id: Some(StoreId::parse("even").unwrap_or_else(|e| panic!("{e}"))),
            ..OrderFilter::default()
        };
        let mut seen = Vec::new();
        let mut followed = Vec::new();
        let mut page = PageRequest {
            limit: PageLimit::new(2).unwrap_or_default(),
            after: None,
        };
        loop {
            let listed = db
                .storage
                .list(&filter, &page)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(listed.orders.len() <= 2, "at most the limit");
            assert!(listed
                .orders
                .iter()
                .all(|o| o.store_id().as_str() == "even" && o.lines().len() == 2));
            seen.extend(listed.orders.iter().map(|o| o.id()));
            followed.push(listed.more);
            if !listed.more {
                break;
            }
            page.after = listed.orders.last().map(|o| o.id());
        }
        let mut evens: Vec<_> = created.iter().step_by(2).copied().collect();
        evens.reverse();
        assert_eq!(seen, evens);
        assert_eq!(
            followed,
            [true, false],
            "four orders in pages of two: a last page as long as the limit is followed by none"
        );

        let pending = OrderFilter {
            statuses: Some(vec![OrderStatus::Pending]),
            ..OrderFilter::default()
        };
        let all = PageRequest {
            limit: PageLimit::new(100).unwrap_or_default(),
            after: None,
        };
        assert_eq!(
            db.storage
                .list(&pending, &all)
                .await
                .map(|listed| (listed.orders.len(), listed.more))
                .ok(),
            Some((7, false))
        );
        let pending_or_shipped = OrderFilter {
            statuses: Some(vec![OrderStatus::Pending, OrderStatus::Shipped]),
            ..OrderFilter::default()
        };
        let six = PageRequest {
            limit: PageLimit::new(6).unwrap_or_default(),
            after: None,
        };
        let listed = db
            .storage
            .list(&pending_or_shipped, &six)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut newest: Vec<_> = created.iter().rev().take(6).copied().collect();
        newest.sort_by(|a, b| b.cmp(a));
        assert_eq!(
            listed
                .orders
                .iter()
                .map(|order| order.id())
                .collect::<Vec<_>>(),
            newest
        );
        assert!(listed.more, "a seventh pending order follows");
        let shipped = OrderFilter {
            statuses: Some(vec![OrderStatus::Shipped]),
            ..OrderFilter::default()
        };
        assert_eq!(
            db.storage
                .list(&shipped, &all)
                .await
                .map(|listed| (listed.orders.len(), listed.more))
                .ok(),
            Some((0, false))
        );
    }
}

/// An order with `lines` lines of its own products (`p-<tag>-<line>`).
fn order_with_lines(tag: usize, lines: usize) -> Order {
    let items = (0..lines)
        .map(|line| ItemDraft {
            product_id: Some(format!("p-{tag}-{line}")),
            quantity: Some((line + 1).to_string()),
            price: Some("1.00".into()),
        })
        .collect();
    let total = (1..=lines).sum::<usize>().to_string();
    let draft = OrderDraft {
        store_id: Some("lines".into()),
        customer_id: Some("c-1".into()),
        currency: Some("EUR".into()),
        items: Some(items),
        items_total: Some(total.clone()),
        shipping_cost: Some("0".into()),
        tax_amount: Some("0".into()),
        total_amount: Some(total),
        note: None,
        metadata: None,
    };
    let new = NewOrder::parse(draft).unwrap_or_else(|v| panic!("{v:?}"));
    Order::place(new, OrderId::generate(), now())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_listed_order_has_its_own_lines() {
    for db in backends() {
        let mut stored = Vec::new();
        for tag in 0..6 {
            let order = order_with_lines(tag, [1, 3, 2, 5, 1, 4][tag]);
            db.storage
                .insert(&order, &a_change(&order), None)
                .await
                .expect("stored");
            stored.push(order);
        }
        stored.reverse();
        let listed = db
            .storage
            .list(&OrderFilter::default(), &PageRequest::default())
            .await
            .expect("listed");
        assert_eq!(owned(&listed.orders), stored);
        assert!(!listed.more);
    }
}

/// An order found by id or listed has every line in place, the product ids as written: a SQLite order found
/// by id has its lines as JSON text, so ids that need escaping there and more than ten lines (positions past
/// one digit) are read.
#[tokio::test]
async fn a_found_or_listed_order_has_every_line_in_place_whatever_its_product_ids() {
    for db in backends() {
        let products = ["p \"quoted\"", "p\\back", "p-é-ü-✓", "p/€"];
        let draft = OrderDraft {
            store_id: Some("lines".into()),
            customer_id: Some("c-1".into()),
            currency: Some("EUR".into()),
            items: Some(
                (0..12)
                    .map(|line| ItemDraft {
                        product_id: Some(format!("{}-{line}", products[line % products.len()])),
                        quantity: Some((line + 1).to_string()),
                        price: Some("1.00".into()),
                    })
                    .collect(),
            ),
            items_total: Some("78".into()),
            shipping_cost: Some("0".into()),
            tax_amount: Some("0".into()),
            total_amount: Some("78".into()),
            note: None,
            metadata: None,
        };
        let new = NewOrder::parse(draft).unwrap_or_else(|v| panic!("{v:?}"));
        let order = Order::place(new, OrderId::generate(), now());
        db.storage
            .insert(&order, &a_change(&order), None)
            .await
            .expect("stored");
        let found = db.storage.find(order.id()).await.expect("read");
        assert_eq!(found.as_ref(), Some(&order));
        let listed = db
            .storage
            .list(&OrderFilter::default(), &PageRequest::default())
            .await
            .expect("listed");
        assert_eq!(owned(&listed.orders), [order]);
    }
}

/// An order of one line at `price` in `currency`.
fn order_in(currency: &str, price: &str) -> Order {
    let draft = OrderDraft {
        store_id: Some("currencies".into()),
        customer_id: Some("c-1".into()),
        currency: Some(currency.into()),
        items: Some(vec![ItemDraft {
            product_id: Some("p-1".into()),
            quantity: Some("1".into()),
            price: Some(price.into()),
        }]),
        items_total: Some(price.into()),
        shipping_cost: Some("0".into()),
        tax_amount: Some("0".into()),
        total_amount: Some(price.into()),
        note: None,
        metadata: None,
    };
    let new = NewOrder::parse(draft).unwrap_or_else(|v| panic!("{v:?}"));
    Order::place(new, OrderId::generate(), now())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_listed_order_keeps_its_own_currency() {
    for db in backends() {
        let mut stored = Vec::new();
        for (currency, price) in [
            ("EUR", "1.50"),
            ("JPY", "150"),
            ("EUR", "2.50"),
            ("KWD", "1.005"),
            ("JPY", "7"),
        ] {
            let order = order_in(currency, price);
            db.storage
                .insert(&order, &a_change(&order), None)
                .await
                .expect("stored");
            stored.push(order);
        }
        stored.reverse();
        let listed = db
            .storage
            .list(&OrderFilter::default(), &PageRequest::default())
            .await
            .expect("listed");
        assert_eq!(owned(&listed.orders), stored);
    }
}

/// The orders of a store's first page.
async fn first_page_of(db: &TestDb, store: &str) -> Vec<Order> {
    let filter = OrderFilter {
        store_id: Some(StoreId::parse(store).expect("a store")),
        ..OrderFilter::default()
    };
    let listed = db
        .storage
        .list(&filter, &PageRequest::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    owned(&listed.orders)
}

/// A page's orders as values, to compare with orders written.
fn owned(orders: &[Arc<Order>]) -> Vec<Order> {
    orders.iter().map(|order| Order::clone(order)).collect()
}

/// A listed order is kept in memory at the version it was read at, and a page serves it from there only while
/// the stored order is at that version.
#[tokio::test]
async fn a_listed_order_is_served_from_memory_only_while_it_is_at_the_version_read() {
    for db in backends() {
        let db = &db;
        let mut order = order_for("kept", "c-1", now());
        let other = order_for("kept", "c-2", now());
        for order in [&order, &other] {
            db.storage
                .insert(order, &a_change(order), None)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(
            first_page_of(db, "kept").await,
            [other.clone(), order.clone()]
        );
        // A write that leaves the version as it was (no code of the service does that) is not seen: the page
        // takes both orders from memory.
        db.database
            .execute("UPDATE orders SET note = 'behind its back' WHERE store_id = 'kept'");
        assert_eq!(
            first_page_of(db, "kept").await,
            [other.clone(), order.clone()]
        );
        // A change raises the version: that order is read again, the other still comes from memory.
        let before = order.version();
        order
            .cancel(now())
            .expect("a pending order can be canceled");
        db.storage
            .update(&order, before, &a_change(&order))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            first_page_of(db, "kept").await,
            [other.clone(), order.clone()]
        );
        // A deleted order leaves the page.
        let before = order.version();
        order
            .delete(now())
            .expect("a canceled order can be deleted");
        db.storage
            .update(&order, before, &a_change(&order))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first_page_of(db, "kept").await, [other]);
    }
}

#[tokio::test]
async fn a_memory_database_works_and_answers_pings() {
    let options = StorageOptions::new(Database::Sqlite(SqliteLocation::Memory));
    let storage = DieselStorage::open(&options).unwrap_or_else(|e| panic!("{e}"));
    storage.ping().await.unwrap_or_else(|e| panic!("{e}"));
    let order = order_for("s-1", "c-1", now());
    storage
        .insert(&order, &a_change(&order), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(storage.find(order.id()).await.ok(), Some(Some(order)));
}

#[derive(diesel::QueryableByName)]
struct DeletedAt {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    deleted_at: Option<chrono::NaiveDateTime>,
}

#[tokio::test]
async fn a_deleted_order_stays_stored_with_its_deletion_time() {
    use diesel::{Connection, RunQueryDsl};

    for db in backends() {
        let db = &db;
        let order = order_for("s-1", "c-1", now());
        db.storage
            .insert(&order, &a_change(&order), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut deleted = order.clone();
        let at = now();
        deleted.delete(at).expect("a pending order can be deleted");
        db.storage
            .update(&deleted, Version::FIRST, &a_change(&deleted))
            .await
            .unwrap_or_else(|e| panic!("{e}"));

        let query = |placeholder: &str| {
            diesel::sql_query(format!(
                "SELECT deleted_at FROM orders WHERE id = {placeholder}"
            ))
            .bind::<diesel::sql_types::Text, _>(order.id().to_string())
        };
        let rows: Vec<DeletedAt> = match &db.database.database {
            Database::Sqlite(SqliteLocation::File(path)) => {
                let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy())
                    .unwrap_or_else(|e| panic!("{e}"));
                query("?").load(&mut conn)
            }
            Database::Postgres(url) => {
                let mut conn =
                    diesel::PgConnection::establish(url).unwrap_or_else(|e| panic!("{e}"));
                query("$1").load(&mut conn)
            }
            Database::Sqlite(SqliteLocation::Memory) => unreachable!("tests use files"),
        }
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rows.len(), 1, "the row is kept for audit");
        assert_eq!(rows[0].deleted_at, Some(at.naive_utc()));
    }
}

#[tokio::test]
async fn payment_address_and_shipment_round_trip_through_an_update() {
    use order_domain::{
        AddressDraft, Currency, PaymentDraft, PaymentRequest, ShippingAddress, Tracking,
        TrackingDraft,
    };

    for db in backends() {
        let db = &db;
        let order = order_for("s-1", "c-1", now());
        db.storage
            .insert(&order, &a_change(&order), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));

        let mut changed = order.clone();
        let address = ShippingAddress::parse(AddressDraft {
            name: Some("Ada".into()),
            line1: Some("1 Main St".into()),
            line2: Some("Flat 2".into()),
            city: Some("Berlin".into()),
            state: None,
            postal_code: Some("10115".into()),
            country: Some("DE".into()),
        })
        .unwrap_or_else(|v| panic!("{v:?}"));
        let payment = PaymentRequest::parse(
            PaymentDraft {
                method: Some("visa".into()),
                amount: Some("56".into()),
                reference: Some("r-9".into()),
            },
            Currency::parse("EUR").unwrap_or(Currency::USD),
        )
        .unwrap_or_else(|v| panic!("{v:?}"));
        let tracking = Tracking::parse(TrackingDraft {
            carrier: Some("DHL".into()),
            tracking_number: Some("JD0001".into()),
        })
        .unwrap_or_else(|v| panic!("{v:?}"));
        changed
            .set_shipping_address(address, now())
            .unwrap_or_else(|e| panic!("{e}"));
        changed
            .pay(
                &payment,
                AuthorizationId::parse("auth-1").expect("an id"),
                now(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        changed
            .record_tracking(tracking, now())
            .unwrap_or_else(|e| panic!("{e}"));
        db.storage
            .update(&changed, Version::FIRST, &a_change(&changed))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            db.storage.find(order.id()).await.ok(),
            Some(Some(changed.clone()))
        );

        let mut canceled_paid = order_for("s-1", "c-1", now());
        db.storage
            .insert(&canceled_paid, &a_change(&canceled_paid), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        canceled_paid
            .pay(
                &payment,
                AuthorizationId::parse("auth-1").expect("an id"),
                now(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        canceled_paid
            .cancel(now())
            .unwrap_or_else(|e| panic!("{e}"));
        db.storage
            .update(&canceled_paid, Version::FIRST, &a_change(&canceled_paid))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let stored = db.storage.find(canceled_paid.id()).await.ok().flatten();
        assert_eq!(
            stored
                .as_ref()
                .and_then(|o| o.payment())
                .map(|p| p.refund_due),
            Some(false),
            "an authorization never captured is voided, not refunded"
        );
        assert_eq!(stored, Some(canceled_paid));
    }
}

#[tokio::test]
async fn bookkeeping_reads_see_deleted_orders() {
    for db in backends() {
        let mut deleted = order_for("s-1", "c-1", now());
        db.storage
            .insert(&deleted, &a_change(&deleted), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        deleted
            .delete(now())
            .expect("a pending order can be deleted");
        db.storage
            .update(&deleted, Version::FIRST, &a_change(&deleted))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(db.storage.find(deleted.id()).await.ok(), Some(None));
        assert_eq!(
            db.storage.find_including_deleted(deleted.id()).await.ok(),
            Some(Some(deleted.clone()))
        );
        assert_eq!(
            db.storage
                .find_including_deleted(OrderId::generate())
                .await
                .ok(),
            Some(None)
        );
    }
}

#[tokio::test]
async fn a_change_and_its_event_are_written_together_or_not_at_all() {
    use order_domain::ports::EventHistory;
    for db in backends() {
        let order = order_for("s-1", "c-1", now());
        let created = a_change(&order);
        db.storage
            .insert(&order, &created, None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut deleted = order.clone();
        deleted.delete(now()).unwrap_or_else(|e| panic!("{e}"));
        db.storage
            .update(&deleted, Version::FIRST, &a_change(&deleted))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let lost = db
            .storage
            .update(&deleted, Version::FIRST, &a_change(&deleted))
            .await;
        assert!(matches!(lost, Err(RepositoryError::VersionConflict)));

        let history = db
            .storage
            .events_after(order.id(), 0, 10)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let versions: Vec<u64> = history.iter().map(|e| e.order_version.get()).collect();
        assert_eq!(
            versions,
            [1, 2],
            "the lost compare-and-swap recorded nothing"
        );
        assert_eq!(history[0], created.event);
        assert_eq!(
            db.storage
                .events(&[created.event.id])
                .await
                .ok()
                .and_then(|events| events.into_iter().next()),
            Some(created.event.clone())
        );
        let later = db.storage.events_after(order.id(), 1, 10).await.ok();
        assert_eq!(later.map(|events| events.len()), Some(1));
    }
}

#[tokio::test]
async fn the_outbox_hands_out_each_orders_effects_in_version_order_and_keeps_its_books() {
    use order_domain::ports::Outbox;
    use std::time::Duration;
    for db in backends() {
        let order = order_for("s-1", "c-1", now());
        db.storage
            .insert(&order, &a_change(&order), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut deleted = order.clone();
        deleted.delete(now()).unwrap_or_else(|e| panic!("{e}"));
        db.storage
            .update(&deleted, Version::FIRST, &a_change(&deleted))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let at = now() + TimeDelta::seconds(1);
        let lease = Duration::from_secs(30);
        let claim = |at| db.storage.claim_due(at, lease, 10);

        let first = claim(at).await.unwrap_or_else(|e| panic!("{e}"));
        let versions: Vec<u64> = first.iter().map(|e| e.order_version.get()).collect();
        assert_eq!(versions, [1], "version 2 waits behind version 1");
        assert_eq!(claim(at).await.ok().map(|c| c.len()), Some(0), "leased");
        let stats = db.storage.stats(at).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((stats.backlog, stats.parked), (2, 0));
        assert!(stats.oldest.is_some());

        db.storage
            .retry(&first[0], at + TimeDelta::seconds(5), "down")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            claim(at).await.ok().map(|c| c.len()),
            Some(0),
            "not due yet"
        );
        let again = claim(at + TimeDelta::seconds(5))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.iter().map(|e| e.attempts).collect::<Vec<_>>(), [1]);
        db.storage
            .complete(std::slice::from_ref(&again[0]), at)
            .await
            .unwrap_or_else(|e| panic!("{e}"));

        let second = claim(at + TimeDelta::seconds(5))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let versions: Vec<u64> = second.iter().map(|e| e.order_version.get()).collect();
        assert_eq!(versions, [2]);
        db.storage
            .park(&second[0], "refused")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let stats = db.storage.stats(at).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((stats.backlog, stats.parked, stats.oldest), (0, 1, None));

        assert_eq!(
            db.storage.prune_done(at).await.ok(),
            Some(0),
            "done just now"
        );
        let pruned = db.storage.prune_done(at + TimeDelta::seconds(1)).await.ok();
        assert_eq!(pruned, Some(1));
    }
}

/// One write marks a whole batch done, and only the effects it names: two effects of one event (publish and
/// release) and one of another order done together, the rest still pending. The batch's events are read in
/// one go.
#[tokio::test]
async fn a_batch_marked_done_at_once_marks_exactly_its_own_effects() {
    use order_domain::ports::{EventHistory, Outbox};
    use std::time::Duration;
    for db in backends() {
        for _ in 0..3 {
            let order = order_for("s-1", "c-1", now());
            let mut change = a_change(&order);
            change.effects.push(EffectKind::ReleaseStock);
            db.storage
                .insert(&order, &change, None)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let at = now() + TimeDelta::seconds(1);
        let lease = Duration::from_secs(30);
        let claimed = db
            .storage
            .claim_due(at, lease, 10)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(claimed.len(), 6);
        let first = claimed[0].order_id;
        let (done, rest): (Vec<_>, Vec<_>) = claimed
            .into_iter()
            .partition(|effect| effect.order_id == first);
        let done: Vec<_> = done.into_iter().chain(rest.first().cloned()).collect();
        assert_eq!(done.len(), 3);
        // The relay reads the batch's events in one go: each named event once, no other.
        let named: Vec<EventId> = done.iter().map(|effect| effect.event_id).collect();
        let mut read: Vec<EventId> = db
            .storage
            .events(&named)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|event| event.id)
            .collect();
        read.sort();
        let mut expected = named.clone();
        expected.sort();
        expected.dedup();
        assert_eq!((read.len(), read), (2, expected));
        db.storage
            .complete(&done, at)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let stats = db.storage.stats(at).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(stats.backlog, 3, "the three not named are still pending");
        let after_lease = at + TimeDelta::seconds(31);
        let again = db
            .storage
            .claim_due(after_lease, lease, 10)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let left = |effects: &[order_domain::DueEffect]| {
            let mut keys: Vec<_> = effects
                .iter()
                .map(|e| (e.event_id, e.kind.name()))
                .collect();
            keys.sort();
            keys
        };
        assert_eq!(left(&again), left(&rest[1..]));
        let pruned = db.storage.prune_done(at + TimeDelta::seconds(1)).await.ok();
        assert_eq!(pruned, Some(3));
    }
}

#[tokio::test]
async fn an_orders_money_effects_run_in_version_order_whatever_their_kind() {
    use order_domain::ports::Outbox;
    use order_domain::{Currency, Money, OrderRefundId};
    use std::time::Duration;
    for db in backends() {
        let order = order_for("s-1", "c-1", now());
        let money = Money::from_minor(1000, Currency::parse("EUR").expect("EUR"))
            .unwrap_or_else(|e| panic!("{e:?}"));
        let mut captured = a_change(&order);
        captured.effects = vec![EffectKind::Publish, EffectKind::Capture(money)];
        db.storage
            .insert(&order, &captured, None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut later = order.clone();
        later.delete(now()).unwrap_or_else(|e| panic!("{e}"));
        let mut refunded = a_change(&later);
        let refund = EffectKind::Refund {
            amount: money,
            refund: Some(OrderRefundId::generate()),
        };
        refunded.effects = vec![refund.clone()];
        db.storage
            .update(&later, Version::FIRST, &refunded)
            .await
            .unwrap_or_else(|e| panic!("{e}"));

        let at = now() + TimeDelta::seconds(1);
        let lease = Duration::from_secs(30);
        let first = db
            .storage
            .claim_due(at, lease, 10)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut kinds: Vec<_> = first.iter().map(|e| e.kind.name()).collect();
        kinds.sort();
        assert_eq!(
            kinds,
            ["capture", "publish"],
            "the refund of version 2 waits behind the capture of version 1"
        );
        let capture = first
            .iter()
            .find(|e| matches!(e.kind, EffectKind::Capture(_)))
            .unwrap_or_else(|| panic!("a capture"));
        db.storage
            .complete(std::slice::from_ref(capture), at)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let next = db
            .storage
            .claim_due(at, lease, 10)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            next.iter().map(|e| e.kind.clone()).collect::<Vec<_>>(),
            [refund]
        );
    }
}

fn claim(key: &str, at: DateTime<Utc>) -> IdempotencyClaim {
    IdempotencyClaim {
        scope: IdempotencyScope::anonymous(),
        key: IdempotencyKey::parse(key).unwrap_or_else(|e| panic!("{e}")),
        fingerprint: order_domain::Fingerprint::from_bytes([7; 32]),
        claimed_at: at,
        held_until: at + TimeDelta::seconds(60),
    }
}

#[tokio::test]
async fn a_held_key_is_held_once_until_released_stored_or_lapsed() {
    for db in backends() {
        let db = &db;
        let at = now();
        let claim_at = |at| async move {
            db.storage
                .claim_idempotency(&claim("held", at))
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let release = |at| async move {
            db.storage
                .release_idempotency(&claim("held", at))
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        };

        assert_eq!(claim_at(at).await, KeyClaim::Held, "a free key is held");
        assert_eq!(
            claim_at(at).await,
            KeyClaim::Busy,
            "a held key is not held twice"
        );
        release(at).await;
        assert_eq!(
            claim_at(at).await,
            KeyClaim::Held,
            "a released key is free again"
        );
        let later = at + TimeDelta::seconds(61);
        assert_eq!(
            claim_at(later).await,
            KeyClaim::Held,
            "a lapsed hold is taken over"
        );
        release(at).await;
        assert_eq!(
            claim_at(later + TimeDelta::seconds(1)).await,
            KeyClaim::Busy,
            "the lapsed claim's release leaves the later hold alone"
        );

        let order = order_for("s-1", "c-1", later);
        let stored = record(&order, "held", later, TimeDelta::hours(24));
        db.storage
            .insert(&order, &a_change(&order), Some(stored.clone()))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            claim_at(later + TimeDelta::seconds(120)).await,
            KeyClaim::Answered(stored),
            "a key with a live record is answered with it"
        );
    }
}

/// A create that stores its key's record ends its hold as it commits: a retry at once, well within the hold, is
/// answered with the record, not told the key is busy.
#[tokio::test]
async fn a_key_whose_record_is_stored_is_answered_at_once_not_held() {
    for db in backends() {
        let at = now();
        assert_eq!(
            db.storage
                .claim_idempotency(&claim("retried", at))
                .await
                .unwrap_or_else(|e| panic!("{e}")),
            KeyClaim::Held
        );
        let order = order_for("s-1", "c-1", at);
        let stored = record(&order, "retried", at, TimeDelta::hours(24));
        db.storage
            .insert(&order, &a_change(&order), Some(stored.clone()))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            db.storage
                .claim_idempotency(&claim("retried", at + TimeDelta::seconds(1)))
                .await
                .unwrap_or_else(|e| panic!("{e}")),
            KeyClaim::Answered(stored),
            "{}",
            db.database.database.backend()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_claims_of_one_key_hold_it_once() {
    for db in backends() {
        let storage = std::sync::Arc::new(db.storage.clone());
        let at = now();
        let claims = (0..16).map(|_| {
            let storage = storage.clone();
            tokio::spawn(async move { storage.claim_idempotency(&claim("race", at)).await })
        });
        let mut held = 0;
        for claim in claims {
            let claimed = claim
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|e| panic!("{e}"));
            match claimed {
                KeyClaim::Held => held += 1,
                KeyClaim::Busy => {}
                KeyClaim::Answered(record) => panic!("no record was stored: {record:?}"),
            }
        }
        assert_eq!(held, 1, "{}", db.database.database.backend());
    }
}

#[tokio::test]
async fn notes_and_metadata_round_trip_on_create_and_update() {
    for db in backends() {
        let mut draft_order = order_for("s-1", "c-1", now());
        let new = {
            let draft = OrderDraft {
                store_id: Some("s-1".into()),
                customer_id: Some("c-1".into()),
                currency: Some("EUR".into()),
                items: Some(vec![ItemDraft {
                    product_id: Some("p-1".into()),
                    quantity: Some("1".into()),
                    price: Some("1".into()),
                }]),
                items_total: Some("1".into()),
                shipping_cost: Some("0".into()),
                tax_amount: Some("0".into()),
                total_amount: Some("1".into()),
                note: Some("leave at the door — \"back\" \u{1F6AA}".into()),
                metadata: Some(
                    [
                        ("channel".to_owned(), "web".to_owned()),
                        ("é".to_owned(), "".to_owned()),
                    ]
                    .into(),
                ),
            };
            NewOrder::parse(draft).unwrap_or_else(|v| panic!("{v:?}"))
        };
        let order = Order::place(new, OrderId::generate_at(now()), now());
        db.storage
            .insert(&order, &a_change(&order), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let found = db.storage.find(order.id()).await.ok().flatten();
        assert_eq!(
            found.as_ref(),
            Some(&order),
            "{}",
            db.database.database.backend()
        );

        db.storage
            .insert(&draft_order, &a_change(&draft_order), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let expected = draft_order.version();
        let metadata = order_domain::Metadata::parse([("k".to_owned(), "v".to_owned())].into())
            .unwrap_or_else(|v| panic!("{v:?}"));
        draft_order
            .update_metadata(metadata, now())
            .unwrap_or_else(|e| panic!("{e}"));
        db.storage
            .update(&draft_order, expected, &a_change(&draft_order))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let found = db.storage.find(draft_order.id()).await.ok().flatten();
        assert_eq!(
            found.as_ref(),
            Some(&draft_order),
            "{}",
            db.database.database.backend()
        );
    }
}

#[tokio::test]
async fn returns_and_the_refund_their_receipt_makes_round_trip_through_updates() {
    use order_domain::{
        OrderRefundId, ReturnDraft, ReturnId, ReturnItemDraft, ReturnRequest, ReturnStatus,
    };

    for db in backends() {
        let mut order = shipped_order(&db).await;
        let shipped = order.version();
        let (first, second) = (ReturnId::generate(), ReturnId::generate());
        for id in [first, second] {
            let request = ReturnRequest::parse(ReturnDraft {
                reason: Some("too small".into()),
                items: Some(vec![ReturnItemDraft {
                    product_id: Some("p-1".into()),
                    quantity: Some("1".into()),
                }]),
            })
            .expect("a return");
            order.request_return(request, id, now()).expect("requested");
        }
        db.storage
            .update(&order, shipped, &a_change(&order))
            .await
            .expect("written");
        let stored = db.storage.find(order.id()).await.expect("read");
        assert_eq!(stored.as_ref(), Some(&order));

        let before = order.version();
        let refund = OrderRefundId::generate();
        order
            .receive_return(first, refund, now())
            .expect("received");
        order.reject_return(second, now()).expect("rejected");
        db.storage
            .update(&order, before, &a_change(&order))
            .await
            .expect("written");
        let stored = db
            .storage
            .find(order.id())
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(stored, order);
        let statuses: Vec<_> = stored.returns().iter().map(|r| r.status).collect();
        assert_eq!(statuses, [ReturnStatus::Received, ReturnStatus::Rejected]);
        assert_eq!(stored.returns()[0].refund, Some(refund));
        assert_eq!(stored.line_progress()[0].returned, 1);
        let listed = db
            .storage
            .list(
                &OrderFilter::default(),
                &PageRequest {
                    limit: PageLimit::new(10).unwrap_or_default(),
                    after: None,
                },
            )
            .await
            .expect("listed");
        assert!(
            listed.orders.iter().any(|listed| **listed == order),
            "a list reads the returns too"
        );
    }
}

/// An order paid and shipped whole, written (store `shipped`): ready for returns.
async fn shipped_order(db: &TestDb) -> Order {
    use order_domain::{Currency, PaymentDraft, PaymentRequest, Tracking, TrackingDraft};

    let mut order = order_for("shipped", "c-1", now());
    db.storage
        .insert(&order, &a_change(&order), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let payment = PaymentRequest::parse(
        PaymentDraft {
            method: Some("visa".into()),
            amount: Some("56".into()),
            reference: None,
        },
        Currency::parse("EUR").unwrap_or(Currency::USD),
    )
    .expect("a payment");
    order
        .pay(
            &payment,
            AuthorizationId::parse("auth-1").expect("an id"),
            now(),
        )
        .expect("paid");
    let tracking = Tracking::parse(TrackingDraft {
        carrier: Some("DHL".into()),
        tracking_number: Some("JD0001".into()),
    })
    .expect("a tracking");
    order.record_tracking(tracking, now()).expect("shipped");
    db.storage
        .update(&order, Version::FIRST, &a_change(&order))
        .await
        .expect("written");
    order
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_read_sees_an_order_exactly_as_one_change_left_it_while_others_commit() {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use order_domain::{ReturnDraft, ReturnId, ReturnItemDraft, ReturnRequest};

    for db in backends() {
        let mut order = shipped_order(&db).await;
        // Every version the writer leaves, as it left it: a read must equal one of them, never a row of one
        // version with the returns of the next.
        let written = Arc::new(Mutex::new(HashMap::from([(
            order.version(),
            order.clone(),
        )])));
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let readers: Vec<_> = (0..3)
            .map(|reader| {
                let (storage, written, done) = (db.storage.clone(), written.clone(), done.clone());
                let id = order.id();
                tokio::spawn(async move {
                    let mut reads = 0;
                    while !done.load(std::sync::atomic::Ordering::Acquire) {
                        let found = match reader {
                            0 => storage.find(id).await.expect("read"),
                            1 => storage.find_including_deleted(id).await.expect("read"),
                            _ => {
                                let filter = OrderFilter {
                                    store_id: Some(StoreId::parse("shipped").expect("a store")),
                                    ..OrderFilter::default()
                                };
                                let page = PageRequest {
                                    limit: PageLimit::new(10).unwrap_or_default(),
                                    after: None,
                                };
                                let mut listed =
                                    storage.list(&filter, &page).await.expect("listed");
                                listed.orders.pop().map(|order| Order::clone(&order))
                            }
                        };
                        let found = found.expect("stored");
                        let expected = written
                            .lock()
                            .expect("a lock")
                            .get(&found.version())
                            .cloned();
                        assert_eq!(
                            Some(&found),
                            expected.as_ref(),
                            "read {reads} of reader {reader}"
                        );
                        reads += 1;
                    }
                    reads
                })
            })
            .collect();
        for _ in 0..60 {
            let id = ReturnId::generate();
            let request = ReturnRequest::parse(ReturnDraft {
                reason: Some("too small".into()),
                items: Some(vec![ReturnItemDraft {
                    product_id: Some("p-1".into()),
                    quantity: Some("1".into()),
                }]),
            })
            .expect("a return");
            let before = order.version();
            order.request_return(request, id, now()).expect("requested");
            written
                .lock()
                .expect("a lock")
                .insert(order.version(), order.clone());
            db.storage
                .update(&order, before, &a_change(&order))
                .await
                .expect("written");
            let before = order.version();
            order.reject_return(id, now()).expect("rejected");
            written
                .lock()
                .expect("a lock")
                .insert(order.version(), order.clone());
            db.storage
                .update(&order, before, &a_change(&order))
                .await
                .expect("written");
        }
        done.store(true, std::sync::atomic::Ordering::Release);
        for reader in readers {
            assert!(reader.await.expect("a reader") > 0);
        }
    }
}

/// A page of several orders with parts reads each one's own (one statement for all of them per kind).
#[tokio::test]
async fn each_listed_order_has_its_own_shipments_and_returns() {
    use order_domain::{ReturnDraft, ReturnId, ReturnItemDraft, ReturnRequest};

    for db in backends() {
        let mut stored = Vec::new();
        for returned in [1, 2, 0] {
            let mut order = shipped_order(&db).await;
            let before = order.version();
            for product in ["p-1", "p-2"].into_iter().take(returned) {
                let request = ReturnRequest::parse(ReturnDraft {
                    reason: Some("too small".into()),
                    items: Some(vec![ReturnItemDraft {
                        product_id: Some(product.into()),
                        quantity: Some("1".into()),
                    }]),
                })
                .expect("a return");
                order
                    .request_return(request, ReturnId::generate(), now())
                    .expect("requested");
            }
            if returned > 0 {
                db.storage
                    .update(&order, before, &a_change(&order))
                    .await
                    .expect("written");
            }
            stored.push(order);
        }
        stored.reverse();
        let filter = OrderFilter {
            store_id: Some(StoreId::parse("shipped").expect("a store")),
            ..OrderFilter::default()
        };
        let listed = db
            .storage
            .list(&filter, &PageRequest::default())
            .await
            .expect("listed");
        assert_eq!(owned(&listed.orders), stored);
        let returns: Vec<usize> = listed.orders.iter().map(|o| o.returns().len()).collect();
        assert_eq!(returns, [0, 2, 1]);
    }
}
