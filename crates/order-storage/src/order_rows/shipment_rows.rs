//! The `shipments` and `shipment_items` rows: read for the orders that have any, written for the shipments a
//! change touched (those whose `updated_at` is the change's instant), after the order's compare-and-swap and in
//! its transaction.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::upsert::excluded;
use order_domain::{Order, ProductId, Quantity, Shipment, ShipmentItem};

use super::ByOrder;
use crate::connection::{load_where_in, DbConnection};
use crate::error::{corrupt, StorageError};
use crate::schema::{orders, shipment_items, shipments};

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = shipments, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct ShipmentRow {
    id: String,
    order_id: String,
    carrier: String,
    tracking_number: String,
    status: String,
    shipped_at: NaiveDateTime,
    delivered_at: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = shipment_items, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct ShipmentItemRow {
    shipment_id: String,
    product_id: String,
    quantity: i64,
}

/// The rows of the shipments one change touched, made on the caller's thread.
pub(crate) struct ShipmentRows {
    shipments: Vec<ShipmentRow>,
    items: Vec<ShipmentItemRow>,
}

impl ShipmentRows {
    /// The shipments `order`'s last change touched: a change stamps exactly those with its instant.
    pub(crate) fn changed_by(order: &Order) -> Self {
        let order_id = order.id().to_string();
        let changed: Vec<&Shipment> = order
            .shipments()
            .iter()
            .filter(|s| s.updated_at == order.updated_at())
            .collect();
        let items = changed
            .iter()
            .flat_map(|s| {
                s.items.iter().map(|item| ShipmentItemRow {
                    shipment_id: s.id.to_string(),
                    product_id: item.product_id.to_string(),
                    quantity: i64::from(item.quantity.get()),
                })
            })
            .collect();
        let shipments = changed
            .into_iter()
            .map(|s| ShipmentRow {
                id: s.id.to_string(),
                order_id: order_id.clone(),
                carrier: s.carrier.clone(),
                tracking_number: s.tracking_number.clone(),
                status: s.status.as_str().to_owned(),
                shipped_at: s.shipped_at.naive_utc(),
                delivered_at: s.delivered_at.map(|at| at.naive_utc()),
                updated_at: s.updated_at.naive_utc(),
            })
            .collect();
        Self { shipments, items }
    }

    /// Inserts new shipments and rewrites the changed ones' tracking and delivery; a shipment's items never
    /// change once it exists.
    pub(crate) fn write(self, conn: &mut DbConnection) -> Result<(), StorageError> {
        if self.shipments.is_empty() {
            return Ok(());
        }
        // One statement per row (a change touches one shipment, or a few): diesel builds upserts per
        // backend, and SQLite's only one row at a time.
        for row in self.shipments {
            let upsert = diesel::insert_into(shipments::table)
                .values(row)
                .on_conflict(shipments::id)
                .do_update()
                .set((
                    shipments::carrier.eq(excluded(shipments::carrier)),
                    shipments::tracking_number.eq(excluded(shipments::tracking_number)),
                    shipments::status.eq(excluded(shipments::status)),
                    shipments::delivered_at.eq(excluded(shipments::delivered_at)),
                    shipments::updated_at.eq(excluded(shipments::updated_at)),
                ));
            match conn {
                DbConnection::Sqlite(conn) => upsert.execute(conn)?,
                DbConnection::Postgres(conn) => upsert.execute(conn)?,
            };
        }
        for row in self.items {
            let insert = diesel::insert_into(shipment_items::table)
                .values(row)
                .on_conflict((shipment_items::shipment_id, shipment_items::product_id))
                .do_nothing();
            match conn {
                DbConnection::Sqlite(conn) => insert.execute(conn)?,
                DbConnection::Postgres(conn) => insert.execute(conn)?,
            };
        }
        Ok(())
    }
}

/// The shipments of the orders `ids`, oldest first, by order; each order's with the version this read saw it at.
///
/// Both statements are kept prepared (`load_where_in`): SQLite prepared an `IN (?, …)` again at every call,
/// and through the multi-backend connection diesel rendered their text to look them up; the two cost a shipped
/// order's get more than the rest of its read (`bench/profile get` with `SEED_SHIPPED`).
pub(crate) fn load(
    conn: &mut DbConnection,
    ids: &[&str],
) -> Result<ByOrder<Shipment>, StorageError> {
    macro_rules! shipments {
        () => {
            shipments::table
                .inner_join(orders::table)
                .select((ShipmentRow::as_select(), orders::version))
                .order((shipments::order_id, shipments::id))
        };
    }
    let rows: Vec<(ShipmentRow, i64)> =
        load_where_in!(&mut *conn, shipments, shipments::order_id, ids)?;
    let shipment_ids: Vec<&str> = rows.iter().map(|(row, _)| row.id.as_str()).collect();
    macro_rules! items {
        () => {
            shipment_items::table
                .select(ShipmentItemRow::as_select())
                .order((shipment_items::shipment_id, shipment_items::product_id))
        };
    }
    let items: Vec<ShipmentItemRow> = load_where_in!(
        conn,
        items,
        shipment_items::shipment_id,
        shipment_ids.as_slice()
    )?;
    let mut items_by_shipment: HashMap<String, Vec<ShipmentItem>> = HashMap::new();
    for item in items {
        let parsed = ShipmentItem {
            product_id: ProductId::parse(item.product_id).map_err(|e| corrupt("product id", e))?,
            quantity: Quantity::try_from(i128::from(item.quantity))
                .map_err(|_| corrupt("shipped quantity", item.quantity))?,
        };
        items_by_shipment
            .entry(item.shipment_id)
            .or_default()
            .push(parsed);
    }
    let mut by_order = ByOrder::default();
    for (row, version) in rows {
        let shipment = Shipment {
            id: row
                .id
                .parse()
                .map_err(|_| corrupt("shipment id", &row.id))?,
            items: items_by_shipment.remove(&row.id).unwrap_or_default(),
            carrier: row.carrier,
            tracking_number: row.tracking_number,
            status: row
                .status
                .parse()
                .map_err(|_| corrupt("shipment status", &row.status))?,
            shipped_at: row.shipped_at.and_utc(),
            delivered_at: row.delivered_at.map(|at| at.and_utc()),
            updated_at: row.updated_at.and_utc(),
        };
        by_order.push(row.order_id, version, shipment);
    }
    Ok(by_order)
}
