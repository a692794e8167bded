//! The `returns` and `return_items` rows: written with the order's compare-and-swap, read only for orders
//! whose `return_count` says they have any.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::upsert::excluded;
use order_domain::{Order, ProductId, Quantity, RefundReason, Return, ReturnItem, ReturnStatus};

use crate::connection::{load_where_in, DbConnection};
use crate::error::{corrupt, StorageError};
use crate::order_rows::ByOrder;
use crate::schema::{orders, return_items, returns};

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = returns, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub(crate) struct ReturnRow {
    id: String,
    order_id: String,
    position: i32,
    reason: String,
    status: String,
    requested_at: NaiveDateTime,
    received_at: Option<NaiveDateTime>,
    rejected_at: Option<NaiveDateTime>,
    refund_id: Option<String>,
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = return_items, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub(crate) struct ReturnItemRow {
    return_id: String,
    position: i32,
    product_id: String,
    quantity: i64,
}

/// An order's returns as rows, made on the caller's thread.
pub(crate) struct ReturnRows(Vec<(ReturnRow, Vec<ReturnItemRow>)>);

impl ReturnRows {
    pub(crate) fn of(order: &Order) -> Self {
        let order_id = order.id().to_string();
        Self(
            order
                .returns()
                .iter()
                .zip(0..)
                .map(|(found, position)| {
                    let id = found.id.to_string();
                    let items = found
                        .items
                        .iter()
                        .zip(0..)
                        .map(|(item, position)| ReturnItemRow {
                            return_id: id.clone(),
                            position,
                            product_id: item.product_id.to_string(),
                            quantity: i64::from(item.quantity.get()),
                        })
                        .collect();
                    let row = ReturnRow {
                        id,
                        order_id: order_id.clone(),
                        position,
                        reason: found.reason.as_str().to_owned(),
                        status: found.status.as_str().to_owned(),
                        requested_at: found.requested_at.naive_utc(),
                        received_at: found.received_at.map(|at| at.naive_utc()),
                        rejected_at: found.rejected_at.map(|at| at.naive_utc()),
                        refund_id: found.refund.map(|id| id.to_string()),
                    };
                    (row, items)
                })
                .collect(),
        )
    }

    /// Writes the new returns and how the others settled (the only part of a return that changes). Written
    /// after the refunds, which a received return names.
    pub(crate) fn upsert(self, conn: &mut DbConnection) -> Result<(), StorageError> {
        for (row, items) in self.0 {
            let upsert = diesel::insert_into(returns::table)
                .values(row)
                .on_conflict(returns::id)
                .do_update()
                .set((
                    returns::status.eq(excluded(returns::status)),
                    returns::received_at.eq(excluded(returns::received_at)),
                    returns::rejected_at.eq(excluded(returns::rejected_at)),
                    returns::refund_id.eq(excluded(returns::refund_id)),
                ));
            // Diesel builds upserts per backend, not for the multi-backend.
            match conn {
                DbConnection::Sqlite(conn) => upsert.execute(conn)?,
                DbConnection::Postgres(conn) => upsert.execute(conn)?,
            };
            for item in items {
                let item = diesel::insert_into(return_items::table)
                    .values(item)
                    .on_conflict((return_items::return_id, return_items::position))
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

/// The returns of the orders `of` (by id), oldest first, in two queries; each order's with the version the
/// first one saw it at.
pub(crate) fn load_returns(
    conn: &mut DbConnection,
    of: &[&str],
) -> Result<ByOrder<Return>, StorageError> {
    let mut by_order = ByOrder::default();
    if of.is_empty() {
        return Ok(by_order);
    }
    // Both statements kept prepared (`load_where_in`; see `shipment_rows::load`).
    macro_rules! rows {
        () => {
            returns::table
                .inner_join(orders::table)
                .select((ReturnRow::as_select(), orders::version))
                .order((returns::order_id, returns::position))
        };
    }
    let rows: Vec<(ReturnRow, i64)> = load_where_in!(&mut *conn, rows, returns::order_id, of)?;
    let ids: Vec<&str> = rows.iter().map(|(row, _)| row.id.as_str()).collect();
    macro_rules! items {
        () => {
            return_items::table
                .select(ReturnItemRow::as_select())
                .order((return_items::return_id, return_items::position))
        };
    }
    let loaded: Vec<ReturnItemRow> =
        load_where_in!(conn, items, return_items::return_id, ids.as_slice())?;
    let mut items: HashMap<String, Vec<ReturnItemRow>> = HashMap::new();
    for item in loaded {
        items.entry(item.return_id.clone()).or_default().push(item);
    }
    for (row, version) in rows {
        let items = items.remove(&row.id).unwrap_or_default();
        let order_id = row.order_id.clone();
        by_order.push(order_id, version, row.into_return(items)?);
    }
    Ok(by_order)
}

impl ReturnRow {
    fn into_return(self, items: Vec<ReturnItemRow>) -> Result<Return, StorageError> {
        let items = items
            .into_iter()
            .map(|item| {
                Ok(ReturnItem {
                    product_id: ProductId::parse(item.product_id)
                        .map_err(|e| corrupt("return product id", e))?,
                    quantity: Quantity::try_from(i128::from(item.quantity))
                        .map_err(|_| corrupt("return quantity", item.quantity))?,
                })
            })
            .collect::<Result<_, StorageError>>()?;
        Ok(Return {
            id: self
                .id
                .parse()
                .map_err(|_| corrupt("return id", &self.id))?,
            items,
            reason: RefundReason::parse(self.reason).map_err(|e| corrupt("return reason", e))?,
            status: ReturnStatus::parse(&self.status)
                .ok_or_else(|| corrupt("return status", &self.status))?,
            requested_at: self.requested_at.and_utc(),
            received_at: self.received_at.map(|at| at.and_utc()),
            rejected_at: self.rejected_at.map(|at| at.and_utc()),
            refund: self
                .refund_id
                .map(|id| id.parse().map_err(|_| corrupt("return refund id", &id)))
                .transpose()?,
        })
    }
}
