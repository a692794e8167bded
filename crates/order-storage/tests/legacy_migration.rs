//! Migration 2026-11-26-130000_shipments on the data of before it, on every backend: orders stored in the old
//! schema (one shipment per order, in `orders.carrier` and friends) are read back through the repository as
//! orders with shipments, and take new shipments afterwards.

use chrono::{DateTime, NaiveDate, Utc};
use order_domain::ports::OrderRepository;
use order_domain::{
    EventContext, Order, OrderId, OrderStatus, ProductId, Quantity, RecordedChange, Shipment,
    ShipmentItem, ShipmentRequest, ShipmentStatus, Tracking, Version,
};
use order_storage::testing::TestDatabase;
use order_storage::{DieselStorage, StorageOptions};

/// The migration under test: the database is brought to the schema just before it.
const SHIPMENTS: &str = "2026-11-26-130000";

/// A UTC instant of November 2026 with microseconds, as the database keeps it.
fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(2026, 11, day)
        .and_then(|date| date.and_hms_micro_opt(hour, minute, 0, 123_456))
        .expect("a valid instant")
        .and_utc()
}

fn sql_time(at: DateTime<Utc>) -> String {
    format!("'{}'", at.format("%Y-%m-%d %H:%M:%S%.6f"))
}

/// The one shipment an order had in the old schema.
struct OldShipment {
    carrier: &'static str,
    tracking_number: &'static str,
    shipped_at: DateTime<Utc>,
    /// When its tracking last changed (a correction moves it past `shipped_at`).
    updated_at: DateTime<Utc>,
}

/// An order as the old schema stored it: paid, with lines of (product, quantity) at 10.00 each.
struct OldOrder {
    id: OrderId,
    status: &'static str,
    lines: &'static [(&'static str, u32)],
    shipment: Option<OldShipment>,
    version: u64,
    updated_at: DateTime<Utc>,
}

impl OldOrder {
    /// Writes the order and its lines with plain SQL, as the service of then would have.
    fn store(&self, database: &TestDatabase) {
        let total: u32 = self.lines.iter().map(|(_, quantity)| quantity * 1000).sum();
        let (carrier, tracking_number, shipped_at, shipment_updated_at) = match &self.shipment {
            Some(s) => (
                format!("'{}'", s.carrier),
                format!("'{}'", s.tracking_number),
                sql_time(s.shipped_at),
                sql_time(s.updated_at),
            ),
            None => ("NULL".into(), "NULL".into(), "NULL".into(), "NULL".into()),
        };
        database.execute(&format!(
            "INSERT INTO orders (id, store_id, customer_id, status, currency, items_total, shipping_cost, \
             tax_amount, total_amount, version, created_at, updated_at, payment_method, payment_amount, paid_at, \
             payment_authorization_id, ship_to_name, ship_to_line1, ship_to_city, ship_to_postal_code, \
             ship_to_country, carrier, tracking_number, shipped_at, shipment_updated_at) \
             VALUES ('{id}', 's-1', 'c-1', '{status}', 'EUR', {total}, 0, 0, {total}, {version}, {created}, \
             {updated}, 'card', {total}, {paid}, 'auth-{id}', 'Ada', '1 Main St', 'Paris', '75001', 'FR', \
             {carrier}, {tracking_number}, {shipped_at}, {shipment_updated_at})",
            id = self.id,
            status = self.status,
            version = self.version,
            created = sql_time(at(20, 9, 0)),
            updated = sql_time(self.updated_at),
            paid = sql_time(at(20, 9, 5)),
        ));
        for (position, (product, quantity)) in self.lines.iter().enumerate() {
            database.execute(&format!(
                "INSERT INTO order_items (order_id, position, product_id, quantity, unit_price) \
                 VALUES ('{}', {position}, '{product}', {quantity}, 1000)",
                self.id
            ));
        }
    }

    /// Writes one event of the order's history (kept since 2026-11-26-110000_outbox).
    fn store_event(
        &self,
        database: &TestDatabase,
        version: u64,
        event_type: &str,
        at: DateTime<Utc>,
    ) {
        database.execute(&format!(
            "INSERT INTO order_events (event_id, order_id, order_version, event_type, occurred_at, data) \
             VALUES ('{}', '{}', {version}, '{event_type}', {}, '{{}}')",
            event_id(&self.id, version),
            self.id,
            sql_time(at),
        ));
    }
}

/// An event id of its own per order and version.
fn event_id(order: &OrderId, version: u64) -> String {
    format!("{order}-{version}")
}

/// The orders stored before the migration.
struct OldOrders {
    /// Shipped, its tracking corrected once; product p-1 on two lines.
    shipped: OldOrder,
    /// Delivered, and its metadata replaced a day later (which moved `updated_at` past the delivery).
    delivered: OldOrder,
    /// Delivered before the service kept a history of events.
    delivered_before_history: OldOrder,
    /// Paid, not shipped.
    processing: OldOrder,
}

const SHIPPED_LINES: &[(&str, u32)] = &[("p-1", 2), ("p-2", 1), ("p-1", 3)];
const DELIVERED_AT: (u32, u32, u32) = (22, 15, 30);

impl OldOrders {
    fn store(database: &TestDatabase) -> Self {
        let orders = Self {
            shipped: OldOrder {
                id: OrderId::generate(),
                status: "shipped",
                lines: SHIPPED_LINES,
                shipment: Some(OldShipment {
                    carrier: "UPS",
                    tracking_number: "1Z999",
                    shipped_at: at(21, 10, 0),
                    updated_at: at(21, 11, 0),
                }),
                version: 4,
                updated_at: at(21, 11, 0),
            },
            delivered: OldOrder {
                id: OrderId::generate(),
                status: "delivered",
                lines: &[("p-3", 2)],
                shipment: Some(OldShipment {
                    carrier: "DHL",
                    tracking_number: "JD0001",
                    shipped_at: at(21, 12, 0),
                    updated_at: at(21, 12, 0),
                }),
                version: 5,
                updated_at: at(23, 8, 0),
            },
            delivered_before_history: OldOrder {
                id: OrderId::generate(),
                status: "delivered",
                lines: &[("p-4", 1)],
                shipment: Some(OldShipment {
                    carrier: "GLS",
                    tracking_number: "G-42",
                    shipped_at: at(20, 16, 0),
                    updated_at: at(20, 16, 0),
                }),
                version: 4,
                updated_at: at(21, 9, 0),
            },
            processing: OldOrder {
                id: OrderId::generate(),
                status: "processing",
                lines: &[("p-1", 2), ("p-2", 1)],
                shipment: None,
                version: 2,
                updated_at: at(20, 9, 5),
            },
        };
        for order in [
            &orders.shipped,
            &orders.delivered,
            &orders.delivered_before_history,
            &orders.processing,
        ] {
            order.store(database);
        }
        let (day, hour, minute) = DELIVERED_AT;
        orders
            .delivered
            .store_event(database, 4, "order.delivered", at(day, hour, minute));
        orders
            .delivered
            .store_event(database, 5, "order.metadata_updated", at(23, 8, 0));
        orders
    }
}

/// A database of each backend with the old orders in it, migrated to the end by opening the storage on it.
struct Migrated {
    storage: DieselStorage,
    old: OldOrders,
    _database: TestDatabase,
}

fn migrated_backends() -> Vec<Migrated> {
    TestDatabase::every_backend()
        .into_iter()
        .map(|database| {
            database.migrate_before(SHIPMENTS);
            let old = OldOrders::store(&database);
            let storage = DieselStorage::open(&StorageOptions::new(database.database.clone()))
                .unwrap_or_else(|e| {
                    panic!(
                        "the remaining migrations run on {:?}: {e}",
                        database.database
                    )
                });
            Migrated {
                storage,
                old,
                _database: database,
            }
        })
        .collect()
}

impl Migrated {
    async fn find(&self, id: OrderId) -> Order {
        self.storage
            .find(id)
            .await
            .expect("the order reads")
            .expect("the order is there")
    }

    /// Writes `after`, changed from `before`, as the use cases do.
    async fn save(&self, before: &Order, after: &Order) {
        let change = RecordedChange::of(Some(before), after, EventContext::default())
            .expect("the change is an event");
        self.storage
            .update(after, before.version(), &change)
            .await
            .expect("the change is written");
    }

    fn backend(&self) -> &'static str {
        self.storage.backend()
    }
}

fn item(product: &str, quantity: u32) -> ShipmentItem {
    ShipmentItem {
        product_id: ProductId::parse(product).expect("a product id"),
        quantity: Quantity::try_from(i128::from(quantity)).expect("a quantity"),
    }
}

fn tracking(carrier: &str, number: &str) -> Tracking {
    Tracking {
        carrier: carrier.into(),
        tracking_number: number.into(),
    }
}

fn shipped_per_line(order: &Order) -> Vec<u32> {
    order
        .line_progress()
        .iter()
        .map(|line| line.shipped)
        .collect()
}

fn the_one_shipment(order: &Order, backend: &str) -> Shipment {
    match order.shipments() {
        [shipment] => shipment.clone(),
        other => panic!("{backend}: one shipment expected, found {other:?}"),
    }
}

#[tokio::test]
async fn a_shipped_order_becomes_one_shipment_of_every_line_with_its_tracking() {
    for db in migrated_backends() {
        let old = &db.old.shipped;
        let order = db.find(old.id).await;
        let shipment = the_one_shipment(&order, db.backend());
        let was = old.shipment.as_ref().expect("the old order had shipped");

        assert_eq!(order.status(), OrderStatus::Shipped, "{}", db.backend());
        assert_eq!(shipment.carrier, was.carrier);
        assert_eq!(shipment.tracking_number, was.tracking_number);
        assert_eq!(shipment.shipped_at, was.shipped_at);
        assert_eq!(shipment.updated_at, was.updated_at);
        assert_eq!(shipment.status, ShipmentStatus::Shipped);
        assert_eq!(shipment.delivered_at, None);
        // p-1's two lines ship together, as one item of their sum.
        assert_eq!(shipment.items, [item("p-1", 5), item("p-2", 1)]);
        assert_eq!(shipped_per_line(&order), [2, 1, 3], "{}", db.backend());
        assert_eq!(Some(order.version()), Version::new(old.version));
    }
}

#[tokio::test]
async fn a_delivered_order_has_a_shipment_delivered_when_the_order_was() {
    for db in migrated_backends() {
        let old = &db.old.delivered;
        let order = db.find(old.id).await;
        let shipment = the_one_shipment(&order, db.backend());
        let (day, hour, minute) = DELIVERED_AT;

        assert_eq!(order.status(), OrderStatus::Delivered);
        assert_eq!(shipment.status, ShipmentStatus::Delivered);
        assert_eq!(shipment.items, [item("p-3", 2)]);
        assert_eq!(shipped_per_line(&order), [2]);
        // The delivery's event tells when; the order's `updated_at` is the later metadata change.
        assert_eq!(
            shipment.delivered_at,
            Some(at(day, hour, minute)),
            "{}",
            db.backend()
        );
        assert_eq!(shipment.updated_at, at(day, hour, minute));
    }
}

#[tokio::test]
async fn an_order_delivered_before_the_history_counts_as_delivered_at_its_last_change() {
    for db in migrated_backends() {
        let old = &db.old.delivered_before_history;
        let order = db.find(old.id).await;
        let shipment = the_one_shipment(&order, db.backend());

        assert_eq!(shipment.status, ShipmentStatus::Delivered);
        assert_eq!(
            shipment.delivered_at,
            Some(old.updated_at),
            "{}",
            db.backend()
        );
        assert_eq!(shipment.updated_at, old.updated_at);
    }
}

#[tokio::test]
async fn a_processing_order_has_no_shipment_and_ships_in_parts_after_the_migration() {
    for db in migrated_backends() {
        let before = db.find(db.old.processing.id).await;
        assert_eq!(before.status(), OrderStatus::Processing);
        assert!(before.shipments().is_empty(), "{}", db.backend());
        assert_eq!(shipped_per_line(&before), [0, 0]);

        let mut first = before.clone();
        first
            .ship(
                ShipmentRequest {
                    tracking: tracking("UPS", "1Z-PART-1"),
                    items: Some(vec![item("p-1", 1)]),
                },
                at(26, 10, 0),
            )
            .expect("a paid order ships");
        db.save(&before, &first).await;
        let read = db.find(before.id()).await;
        assert_eq!(read, first, "{}", db.backend());
        assert_eq!(read.status(), OrderStatus::PartiallyShipped);
        assert_eq!(shipped_per_line(&read), [1, 0]);

        let mut rest = read.clone();
        rest.ship(
            ShipmentRequest {
                tracking: tracking("UPS", "1Z-PART-2"),
                items: None,
            },
            at(26, 11, 0),
        )
        .expect("the rest ships");
        db.save(&read, &rest).await;
        let read = db.find(before.id()).await;
        assert_eq!(read, rest, "{}", db.backend());
        assert_eq!(read.status(), OrderStatus::Shipped);
        assert_eq!(read.shipments().len(), 2);
        assert_eq!(shipped_per_line(&read), [2, 1]);
    }
}

#[tokio::test]
async fn the_migrated_shipment_takes_a_tracking_correction_and_its_delivery() {
    for db in migrated_backends() {
        let before = db.find(db.old.shipped.id).await;
        let shipment = the_one_shipment(&before, db.backend()).id;

        let mut corrected = before.clone();
        corrected
            .correct_tracking(shipment, tracking("UPS", "1Z-FIXED"), at(26, 10, 0))
            .expect("a shipped order's tracking is corrected");
        db.save(&before, &corrected).await;
        let read = db.find(before.id()).await;
        assert_eq!(read, corrected, "{}", db.backend());

        let mut delivered = read.clone();
        delivered
            .deliver_shipment(shipment, at(27, 10, 0))
            .expect("the shipment arrives");
        db.save(&read, &delivered).await;
        let read = db.find(before.id()).await;
        assert_eq!(read, delivered, "{}", db.backend());
        assert_eq!(read.status(), OrderStatus::Delivered);
        assert_eq!(
            the_one_shipment(&read, db.backend()).tracking_number,
            "1Z-FIXED"
        );
    }
}
