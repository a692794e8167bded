//! The `refunds` and `refund_items` rows: written with the order's compare-and-swap, read only for orders
//! whose `refund_count` says they have any.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::upsert::excluded;
use order_domain::{
    Currency, Money, Order, ProductId, Quantity, Refund, RefundItem, RefundReason, RefundStatus,
};

use crate::connection::{load_where_in, DbConnection};
use crate::error::{corrupt, StorageError};
use crate::order_rows::ByOrder;
use crate::schema::{orders, refund_items, refunds};

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = refunds, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub(crate) struct RefundRow {
    id: String,
    order_id: String,
    position: i32,
    amount: i64,
    reason: String,
    status: String,
    created_at: NaiveDateTime,
    settled_at: Option<NaiveDateTime>,
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = refund_items, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub(crate) struct RefundItemRow {
    refund_id: String,
    position: i32,
    product_id: String,
    quantity: i64,
}

/// An order's refunds as rows, made on the caller's thread.
pub(crate) struct RefundRows(Vec<(RefundRow, Vec<RefundItemRow>)>);

impl RefundRows {
    pub(crate) fn of(order: &Order) -> Self {
        let order_id = order.id().to_string();
        Self(
            order
                .refunds()
                .iter()
                .zip(0..)
                .map(|(refund, position)| {
                    let id = refund.id.to_string();
                    let items = refund
                        .items
                        .iter()
                        .zip(0..)
                        .map(|(item, position)| RefundItemRow {
                            refund_id: id.clone(),
                            position,
                            product_id: item.product_id.to_string(),
                            quantity: i64::from(item.quantity.get()),
                        })
                        .collect();
                    let row = RefundRow {
                        id,
                        order_id: order_id.clone(),
                        position,
                        amount: refund.amount.minor_units(),
                        reason: refund.reason.as_str().to_owned(),
                        status: refund.status.as_str().to_owned(),
                        created_at: refund.created_at.naive_utc(),
                        settled_at: refund.settled_at.map(|at| at.naive_utc()),
                    };
                    (row, items)
                })
                .collect(),
        )
    }

    /// Writes the new refunds and the status of the others (the only part of a refund that changes).
    pub(crate) fn upsert(self, conn: &mut DbConnection) -> Result<(), StorageError> {
        for (row, items) in self.0 {
            let refund = diesel::insert_into(refunds::table)
                .values(row)
                .on_conflict(refunds::id)
                .do_update()
                .set((
                    refunds::status.eq(excluded(refunds::status)),
                    refunds::settled_at.eq(excluded(refunds::settled_at)),
                ));
            // Diesel builds upserts per backend, not for the multi-backend.
            match conn {
                DbConnection::Sqlite(conn) => refund.execute(conn)?,
                DbConnection::Postgres(conn) => refund.execute(conn)?,
            };
            for item in items {
                let item = diesel::insert_into(refund_items::table)
                    .values(item)
                    .on_conflict((refund_items::refund_id, refund_items::position))
                    .do_nothing();
                match conn {
                    DbConnection::Sqlite(conn) => item.execute(conn)?,
                    DbConnection::Postgres(conn) => item.execute(conn)?,
                };
            }
        }
        Ok(())
    }
}

/// The refunds of the orders `of` (by id), oldest first, in two queries; each order's with the version the
/// first one saw it at.
pub(crate) fn load_refunds(
    conn: &mut DbConnection,
    of: &[&str],
    currency: impl Fn(&str) -> Option<Currency>,
) -> Result<ByOrder<Refund>, StorageError> {
    let mut by_order = ByOrder::default();
    if of.is_empty() {
        return Ok(by_order);
    }
    // Both statements kept prepared (`load_where_in`; see `shipment_rows::load`).
    macro_rules! rows {
        () => {
            refunds::table
                .inner_join(orders::table)
                .select((RefundRow::as_select(), orders::version))
                .order((refunds::order_id, refunds::position))
        };
    }
    let rows: Vec<(RefundRow, i64)> = load_where_in!(&mut *conn, rows, refunds::order_id, of)?;
    let ids: Vec<&str> = rows.iter().map(|(row, _)| row.id.as_str()).collect();
    macro_rules! items {
        () => {
            refund_items::table
                .select(RefundItemRow::as_select())
                .order((refund_items::refund_id, refund_items::position))
        };
    }
    let loaded: Vec<RefundItemRow> =
        load_where_in!(conn, items, refund_items::refund_id, ids.as_slice())?;
    let mut items: HashMap<String, Vec<RefundItemRow>> = HashMap::new();
    for item in loaded {
        items.entry(item.refund_id.clone()).or_default().push(item);
    }
    for (row, version) in rows {
        let currency =
            currency(&row.order_id).ok_or_else(|| corrupt("refund of", &row.order_id))?;
        let items = items.remove(&row.id).unwrap_or_default();
        let order_id = row.order_id.clone();
        by_order.push(order_id, version, row.into_refund(items, currency)?);
    }
    Ok(by_order)
}

impl RefundRow {
    fn into_refund(
        self,
        items: Vec<RefundItemRow>,
        currency: Currency,
    ) -> Result<Refund, StorageError> {
        let items = items
            .into_iter()
            .map(|item| {
                Ok(RefundItem {
                    product_id: ProductId::parse(item.product_id)
                        .map_err(|e| corrupt("refund product id", e))?,
                    quantity: Quantity::try_from(i128::from(item.quantity))
                        .map_err(|_| corrupt("refund quantity", item.quantity))?,
                })
            })
            .collect::<Result<_, StorageError>>()?;
        Ok(Refund {
            id: self
                .id
                .parse()
                .map_err(|_| corrupt("refund id", &self.id))?,
            amount: Money::from_minor(self.amount, currency)
                .map_err(|_| corrupt("refund amount", self.amount))?,
            reason: RefundReason::parse(self.reason).map_err(|e| corrupt("refund reason", e))?,
            items,
            status: RefundStatus::parse(&self.status)
                .ok_or_else(|| corrupt("refund status", &self.status))?,
            created_at: self.created_at.and_utc(),
            settled_at: self.settled_at.map(|at| at.and_utc()),
        })
    }
}
