//! The `orders` and `order_items` rows and the queries that read and write them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use order_domain::{
    Currency, CustomerId, Money, Order, OrderFilter, OrderLine, OrderSnapshot, PageRequest,
    ProductId, Quantity, StoreId, Totals, Version,
};

use crate::error::{corrupt, StorageError};
use crate::schema::{order_items, orders};

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = orders, check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct OrderRow {
    id: String,
    store_id: String,
    customer_id: String,
    status: String,
    currency: String,
    items_total: i64,
    shipping_cost: i64,
    tax_amount: i64,
    total_amount: i64,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    deleted_at: Option<NaiveDateTime>,
}

/// The columns a change to an order may touch.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = orders, treat_none_as_null = true)]
struct OrderChanges {
    status: &'static str,
    version: i64,
    updated_at: NaiveDateTime,
    deleted_at: Option<NaiveDateTime>,
}

/// A new order as rows, made on the caller's thread so that only plain data moves to the database thread.
pub(crate) struct NewOrderRows {
    order: OrderRow,
    items: Vec<ItemRow>,
}

impl NewOrderRows {
    pub(crate) fn of(order: &Order) -> Self {
        Self {
            order: OrderRow::from_order(order),
            items: item_rows(order),
        }
    }

    pub(crate) fn insert(self, conn: &mut SqliteConnection) -> Result<(), StorageError> {
        diesel::insert_into(orders::table)
            .values(self.order)
            .execute(conn)?;
        diesel::insert_into(order_items::table)
            .values(self.items)
            .execute(conn)?;
        Ok(())
    }
}

/// A compare-and-swap of an order's changed columns.
pub(crate) struct OrderUpdate {
    id: String,
    expected: i64,
    changes: OrderChanges,
}

impl OrderUpdate {
    pub(crate) fn of(order: &Order, expected: Version) -> Self {
        Self {
            id: order.id().to_string(),
            expected: version_column(expected),
            changes: OrderChanges {
                status: order.status().as_str(),
                version: version_column(order.version()),
                updated_at: order.updated_at().naive_utc(),
                deleted_at: order.deleted_at().map(|at| at.naive_utc()),
            },
        }
    }

    /// Writes only if the stored order is live and still at the expected version. Returns whether it did.
    pub(crate) fn apply(self, conn: &mut SqliteConnection) -> Result<bool, StorageError> {
        let updated = diesel::update(
            orders::table
                .filter(orders::id.eq(&self.id))
                .filter(orders::version.eq(self.expected))
                .filter(orders::deleted_at.is_null()),
        )
        .set(self.changes)
        .execute(conn)?;
        Ok(updated == 1)
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_items, check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct ItemRow {
    order_id: String,
    position: i32,
    product_id: String,
    quantity: i64,
    unit_price: i64,
}

impl OrderRow {
    fn from_order(order: &Order) -> Self {
        let totals = order.totals();
        Self {
            id: order.id().to_string(),
            store_id: order.store_id().to_string(),
            customer_id: order.customer_id().to_string(),
            status: order.status().as_str().to_owned(),
            currency: order.currency().code().to_owned(),
            items_total: totals.items_total.minor_units(),
            shipping_cost: totals.shipping_cost.minor_units(),
            tax_amount: totals.tax_amount.minor_units(),
            total_amount: totals.total_amount.minor_units(),
            version: version_column(order.version()),
            created_at: order.created_at().naive_utc(),
            updated_at: order.updated_at().naive_utc(),
            deleted_at: order.deleted_at().map(|at| at.naive_utc()),
        }
    }

    fn into_order(self, items: Vec<ItemRow>) -> Result<Order, StorageError> {
        let currency =
            Currency::parse(&self.currency).ok_or_else(|| corrupt("currency", &self.currency))?;
        let money =
            |minor: i64| Money::from_minor(minor, currency).map_err(|_| corrupt("amount", minor));
        let lines = items
            .into_iter()
            .map(|item| {
                Ok(OrderLine {
                    product_id: ProductId::parse(item.product_id)
                        .map_err(|e| corrupt("product id", e))?,
                    quantity: Quantity::try_from(i128::from(item.quantity))
                        .map_err(|_| corrupt("quantity", item.quantity))?,
                    unit_price: money(item.unit_price)?,
                })
            })
            .collect::<Result<_, StorageError>>()?;
        Ok(Order::restore(OrderSnapshot {
            id: self.id.parse().map_err(|_| corrupt("order id", &self.id))?,
            store_id: StoreId::parse(self.store_id).map_err(|e| corrupt("store id", e))?,
            customer_id: CustomerId::parse(self.customer_id)
                .map_err(|e| corrupt("customer id", e))?,
            status: self
                .status
                .parse()
                .map_err(|_| corrupt("status", &self.status))?,
            lines,
            totals: Totals {
                items_total: money(self.items_total)?,
                shipping_cost: money(self.shipping_cost)?,
                tax_amount: money(self.tax_amount)?,
                total_amount: money(self.total_amount)?,
            },
            version: u64::try_from(self.version)
                .ok()
                .and_then(Version::new)
                .ok_or_else(|| corrupt("version", self.version))?,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
            deleted_at: self.deleted_at.map(|at| at.and_utc()),
        }))
    }
}

fn version_column(version: Version) -> i64 {
    i64::try_from(version.get()).unwrap_or(i64::MAX)
}

fn item_rows(order: &Order) -> Vec<ItemRow> {
    let order_id = order.id().to_string();
    order
        .lines()
        .iter()
        .zip(0..)
        .map(|(line, position)| ItemRow {
            order_id: order_id.clone(),
            position,
            product_id: line.product_id.to_string(),
            quantity: i64::from(line.quantity.get()),
            unit_price: line.unit_price.minor_units(),
        })
        .collect()
}

pub(crate) fn find_live_order(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<Order>, StorageError> {
    let Some(row) = orders::table
        .filter(orders::id.eq(id))
        .filter(orders::deleted_at.is_null())
        .select(OrderRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let items = order_items::table
        .filter(order_items::order_id.eq(id))
        .order(order_items::position)
        .select(ItemRow::as_select())
        .load(conn)?;
    row.into_order(items).map(Some)
}

pub(crate) fn list_live_orders(
    conn: &mut SqliteConnection,
    filter: &OrderFilter,
    page: &PageRequest,
) -> Result<Vec<Order>, StorageError> {
    let mut query = orders::table
        .filter(orders::deleted_at.is_null())
        .select(OrderRow::as_select())
        .order(orders::id.desc())
        .limit(i64::try_from(page.limit.get() + 1).unwrap_or(i64::MAX))
        .into_boxed();
    if let Some(store) = &filter.store_id {
        query = query.filter(orders::store_id.eq(store.as_str().to_owned()));
    }
    if let Some(customer) = &filter.customer_id {
        query = query.filter(orders::customer_id.eq(customer.as_str().to_owned()));
    }
    if let Some(status) = filter.status {
        query = query.filter(orders::status.eq(status.as_str()));
    }
    if let Some(after) = page.after {
        query = query.filter(orders::id.lt(after.to_string()));
    }
    let rows = query.load(conn)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }

    let ids: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
    let items = order_items::table
        .filter(order_items::order_id.eq_any(&ids))
        .order((order_items::order_id.desc(), order_items::position))
        .select(ItemRow::as_select())
        .load(conn)?;
    // Both lists are in descending order id, so each order's items are the next run of the items list.
    let mut items = items.into_iter().peekable();
    rows.into_iter()
        .map(|row| {
            let mut own = Vec::new();
            while let Some(item) = items.next_if(|item| item.order_id == row.id) {
                own.push(item);
            }
            row.into_order(own)
        })
        .collect()
}
