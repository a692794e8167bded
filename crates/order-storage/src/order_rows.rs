//! The `orders` and `order_items` rows and the queries that read and write them.

use std::collections::HashMap;
use std::sync::Arc;

pub(crate) use by_order::ByOrder;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use order_domain::{
    AuthorizationId, Country, Currency, CustomerId, Metadata, Money, Note, Order, OrderFilter,
    OrderLine, OrderSnapshot, OrderStatus, PageOfOrders, PageRequest, Payment, ProductId, Quantity,
    Refund, Return, Shipment, ShippingAddress, StoreId, Totals, Version,
};
use shipment_rows::ShipmentRows;

use crate::cached::insert_of;
use crate::connection::{load_native, read_snapshot, DbConnection};
use crate::error::{corrupt, StorageError};
use crate::literal_limit::LimitLiterally;
use crate::order_cache::OrderCache;
use crate::refund_rows::{load_refunds, RefundRows};
use crate::return_rows::{load_returns, ReturnRows};
use crate::schema::{order_items, orders};
use crate::stamp::{OptionalStamp, Stamp};

mod by_order;
mod columns;
mod lines_of;
mod live_order;
mod of_ids;
mod one_statement;
mod shipment_rows;

/// An order as one row. Also its own changeset: an update writes every column but the key. A missing value
/// is written as NULL by both, so each is one statement whatever is missing (`cached`).
#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = orders, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg), treat_none_as_null = true, treat_none_as_default_value = false)]
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
    #[diesel(deserialize_as = Stamp, serialize_as = Stamp)]
    created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp, serialize_as = Stamp)]
    updated_at: NaiveDateTime,
    #[diesel(deserialize_as = OptionalStamp)]
    deleted_at: Option<NaiveDateTime>,
    payment_method: Option<String>,
    payment_amount: Option<i64>,
    payment_reference: Option<String>,
    #[diesel(deserialize_as = OptionalStamp)]
    paid_at: Option<NaiveDateTime>,
    refund_due: bool,
    #[diesel(deserialize_as = OptionalStamp)]
    refunded_at: Option<NaiveDateTime>,
    ship_to_name: Option<String>,
    ship_to_line1: Option<String>,
    ship_to_line2: Option<String>,
    ship_to_city: Option<String>,
    ship_to_state: Option<String>,
    ship_to_postal_code: Option<String>,
    ship_to_country: Option<String>,
    payment_authorization_id: Option<String>,
    note: Option<String>,
    /// A JSON object of strings.
    metadata: String,
    /// How many rows of `shipments` the order has: none to load when 0.
    shipment_count: i64,
    #[diesel(deserialize_as = OptionalStamp)]
    captured_at: Option<NaiveDateTime>,
    /// How many rows of `refunds` the order has: none, and a read skips that table.
    refund_count: i32,
    /// How many rows of `returns` the order has: none, and a read skips that table.
    return_count: i32,
}

#[cfg(test)]
impl OrderRow {
    /// A row with every optional value there (`filled`) or none of them.
    pub(crate) fn sample(filled: bool) -> Self {
        let text = |value: &str| filled.then(|| value.to_owned());
        let at = filled.then(NaiveDateTime::default);
        Self {
            id: "o".into(),
            store_id: "s".into(),
            customer_id: "c".into(),
            status: "pending".into(),
            currency: "EUR".into(),
            items_total: 1,
            shipping_cost: 0,
            tax_amount: 0,
            total_amount: 1,
            version: 1,
            created_at: NaiveDateTime::default(),
            updated_at: NaiveDateTime::default(),
            deleted_at: at,
            payment_method: text("card"),
            payment_amount: filled.then_some(1),
            payment_reference: text("r"),
            paid_at: at,
            refund_due: false,
            refunded_at: at,
            ship_to_name: text("n"),
            ship_to_line1: text("l1"),
            ship_to_line2: text("l2"),
            ship_to_city: text("c"),
            ship_to_state: text("s"),
            ship_to_postal_code: text("p"),
            ship_to_country: text("DE"),
            payment_authorization_id: text("a"),
            note: text("n"),
            metadata: "{}".into(),
            shipment_count: 0,
            captured_at: at,
            refund_count: 0,
            return_count: 0,
        }
    }
}

/// Writes `NewOrderRows` on one backend's connection (a macro: the two connections share no trait that
/// diesel's `execute` accepts).
macro_rules! insert_order {
    ($conn:expr, $rows:expr) => {{
        insert_of::<OrderRow, _>(diesel::insert_into(orders::table).values($rows.order))
            .execute($conn)?;
        for line in $rows.items {
            insert_of::<ItemRow, _>(diesel::insert_into(order_items::table).values(line))
                .execute($conn)?;
        }
    }};
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

    /// On the backend's own connection, a single-row INSERT per row, found in diesel's statement cache by its
    /// row type (`cached`), where the multi-backend connection renders the SQL again and a multi-row INSERT is
    /// prepared again for every order.
    pub(crate) fn insert(self, conn: &mut DbConnection) -> Result<(), StorageError> {
        match conn {
            DbConnection::Sqlite(conn) => insert_order!(conn, self),
            DbConnection::Postgres(conn) => insert_order!(conn, self),
        }
        Ok(())
    }
}

/// A compare-and-swap of an order's row, and the shipments the change touched.
pub(crate) struct OrderUpdate {
    expected: i64,
    row: OrderRow,
    shipments: ShipmentRows,
    refunds: RefundRows,
    returns: ReturnRows,
}

impl OrderUpdate {
    pub(crate) fn of(order: &Order, expected: Version) -> Self {
        Self {
            expected: version_column(expected),
            row: OrderRow::from_order(order),
            shipments: ShipmentRows::changed_by(order),
            refunds: RefundRows::of(order),
            returns: ReturnRows::of(order),
        }
    }

    /// Writes only if the stored order is still at the expected version (a delete bumps it, so a read of the
    /// live order cannot overwrite a deleted one), and then the shipments it touched, in the same
    /// transaction. Returns whether it wrote.
    pub(crate) fn apply(self, conn: &mut DbConnection) -> Result<bool, StorageError> {
        let id = self.row.id.clone();
        let updated = diesel::update(
            orders::table
                .filter(orders::id.eq(&id))
                .filter(orders::version.eq(self.expected)),
        )
        .set(self.row)
        .execute(conn)?;
        if updated != 1 {
            return Ok(false);
        }
        self.shipments.write(conn)?;
        self.refunds.upsert(conn)?;
        self.returns.upsert(conn)?;
        Ok(true)
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_items, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
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
        let payment = order.payment();
        let address = order.shipping_address();
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
            payment_method: payment.map(|p| p.method.clone()),
            payment_amount: payment.map(|p| p.amount.minor_units()),
            payment_reference: payment.and_then(|p| p.reference.clone()),
            paid_at: payment.map(|p| p.paid_at.naive_utc()),
            refund_due: payment.is_some_and(|p| p.refund_due),
            refunded_at: payment.and_then(|p| p.refunded_at.map(|at| at.naive_utc())),
            ship_to_name: address.and_then(|a| a.name.clone()),
            ship_to_line1: address.map(|a| a.line1.clone()),
            ship_to_line2: address.and_then(|a| a.line2.clone()),
            ship_to_city: address.map(|a| a.city.clone()),
            ship_to_state: address.and_then(|a| a.state.clone()),
            ship_to_postal_code: address.map(|a| a.postal_code.clone()),
            ship_to_country: address.map(|a| a.country.code().to_owned()),
            payment_authorization_id: payment
                .and_then(|p| p.authorization_id.as_ref())
                .map(|id| id.as_str().to_owned()),
            note: order.note().map(|n| n.as_str().to_owned()),
            // A map of strings always serializes.
            metadata: serde_json::to_string(order.metadata().entries()).unwrap_or_default(),
            shipment_count: i64::try_from(order.shipments().len()).unwrap_or(i64::MAX),
            captured_at: payment.and_then(|p| p.captured_at.map(|at| at.naive_utc())),
            refund_count: i32::try_from(order.refunds().len()).unwrap_or(i32::MAX),
            return_count: i32::try_from(order.returns().len()).unwrap_or(i32::MAX),
        }
    }

    fn payment(&mut self, currency: Currency) -> Result<Option<Payment>, StorageError> {
        let (Some(method), Some(amount), Some(paid_at)) = (
            self.payment_method.take(),
            self.payment_amount,
            self.paid_at,
        ) else {
            return Ok(None);
        };
        Ok(Some(Payment {
            method,
            amount: Money::from_minor(amount, currency)
                .map_err(|_| corrupt("payment amount", amount))?,
            reference: self.payment_reference.take(),
            paid_at: paid_at.and_utc(),
            refund_due: self.refund_due,
            refunded_at: self.refunded_at.map(|at| at.and_utc()),
            captured_at: self.captured_at.map(|at| at.and_utc()),
            authorization_id: self
                .payment_authorization_id
                .take()
                .map(|id| {
                    AuthorizationId::parse(id.clone()).map_err(|_| corrupt("authorization id", id))
                })
                .transpose()?,
        }))
    }

    fn shipping_address(&mut self) -> Result<Option<ShippingAddress>, StorageError> {
        let (Some(line1), Some(city), Some(postal_code), Some(country)) = (
            self.ship_to_line1.take(),
            self.ship_to_city.take(),
            self.ship_to_postal_code.take(),
            self.ship_to_country.take(),
        ) else {
            return Ok(None);
        };
        Ok(Some(ShippingAddress {
            name: self.ship_to_name.take(),
            line1,
            line2: self.ship_to_line2.take(),
            city,
            state: self.ship_to_state.take(),
            postal_code,
            country: Country::parse(&country).ok_or_else(|| corrupt("country", &country))?,
        }))
    }

    /// Whether the order has rows besides its own and its lines: shipments, refunds or returns.
    fn has_parts(&self) -> bool {
        self.shipment_count > 0 || self.refund_count > 0 || self.return_count > 0
    }

    fn into_order(
        mut self,
        items: Vec<ItemRow>,
        (shipments, refunds, returns): OrderParts,
        currencies: &mut Currencies,
    ) -> Result<Order, StorageError> {
        let currency = currencies.parse(&self.currency)?;
        let payment = self.payment(currency)?;
        let shipping_address = self.shipping_address()?;
        let note = self
            .note
            .take()
            .map(|text| Note::parse(text).map_err(|e| corrupt("note", e)))
            .transpose()?;
        let metadata = serde_json::from_str(&self.metadata)
            .map(Metadata::restore)
            .map_err(|e| corrupt("metadata", e))?;
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
            payment,
            shipping_address,
            shipments,
            note,
            metadata,
            refunds,
            returns,
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

/// The currencies met so far, each code parsed once: the rows of a page share one currency or a few, and
/// ISO 4217's lookup compares a code with each of its codes in turn (about 900 instructions a row).
#[derive(Default)]
struct Currencies(Vec<Currency>);

impl Currencies {
    fn parse(&mut self, code: &str) -> Result<Currency, StorageError> {
        if let Some(known) = self.0.iter().find(|known| known.code() == code) {
            return Ok(*known);
        }
        let currency = Currency::parse(code).ok_or_else(|| corrupt("currency", code))?;
        self.0.push(currency);
        Ok(currency)
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

/// The live order's row and its lines by position, in one statement. On Postgres a join (one round trip);
/// on SQLite the row with its lines as one JSON column (`live_order`): a join repeats the order's 38 columns
/// on every line's row, and decoding them again cost more than a second statement (a 10-line order decoded
/// its row 10 times).
fn live_row_and_lines(
    conn: &mut DbConnection,
    id: &str,
) -> Result<Option<(OrderRow, Vec<ItemRow>)>, StorageError> {
    match conn {
        DbConnection::Sqlite(conn) => live_order::load(conn, id),
        DbConnection::Postgres(conn) => {
            let rows: Vec<(OrderRow, Option<ItemRow>)> = orders::table
                .left_join(order_items::table)
                .filter(orders::id.eq(id))
                .filter(orders::deleted_at.is_null())
                .order(order_items::position)
                .select((OrderRow::as_select(), Option::<ItemRow>::as_select()))
                .load(conn)?;
            let mut rows = rows.into_iter();
            let Some((row, first)) = rows.next() else {
                return Ok(None);
            };
            let lines = first
                .into_iter()
                .chain(rows.filter_map(|(_, item)| item))
                .collect();
            Ok(Some((row, lines)))
        }
    }
}

/// The live order `id`: its row and lines in one statement, then the parts of an order that has any, checked
/// to be of the row's version (`parts_as_read`), or else read again whole from one snapshot.
pub(crate) fn find_live_order(
    conn: &mut DbConnection,
    id: &str,
) -> Result<Option<Order>, StorageError> {
    let Some((row, items)) = live_row_and_lines(conn, id)? else {
        return Ok(None);
    };
    let rows = std::slice::from_ref(&row);
    if let Some(mut parts) = parts_as_read(conn, rows)? {
        let own = parts.take(&row.id);
        return row
            .into_order(items, own, &mut Currencies::default())
            .map(Some);
    }
    read_snapshot(conn, |conn| {
        let Some((row, items)) = live_row_and_lines(conn, id)? else {
            return Ok(None);
        };
        let own = parts_of(conn, std::slice::from_ref(&row))?.take(&row.id);
        row.into_order(items, own, &mut Currencies::default())
            .map(Some)
    })
}

/// A page of live orders, and whether more follow: one row past the page is read to know, and only its id is
/// looked at.
///
/// A page reads its orders' ids and versions, takes the orders `cache` keeps at those versions, and reads only
/// the others: their rows by id, their lines and the parts of those that have any, each a statement of its
/// own, and keeps them. A page of one scan does so outside a transaction: lines never change once their order
/// is visible, and the rows and parts are checked to be of the versions the scan read (`parts_as_read`). A
/// page of several status scans, or one whose orders changed under it, is read in one snapshot.
pub(crate) fn list_live_orders(
    conn: &mut DbConnection,
    cache: &OrderCache,
    filter: &OrderFilter,
    page: &PageRequest,
) -> Result<PageOfOrders, StorageError> {
    if filter
        .statuses
        .as_ref()
        .is_none_or(|statuses| statuses.len() == 1)
    {
        if let Some(page) = page_from(conn, cache, filter, page)? {
            return Ok(page);
        }
    }
    read_snapshot(conn, |conn| page_from(conn, cache, filter, page))?
        .ok_or_else(|| StorageError::Corrupt("an order changed inside a read's snapshot".into()))
}

/// The page from its ids and versions, the orders `cache` keeps at those versions and the others read by id;
/// `None` if one of those changed since the scan.
fn page_from(
    conn: &mut DbConnection,
    cache: &OrderCache,
    filter: &OrderFilter,
    page: &PageRequest,
) -> Result<Option<PageOfOrders>, StorageError> {
    let (keys, more) = keys_of_page(conn, filter, page)?;
    let mut orders: Vec<Option<Arc<Order>>> = keys
        .iter()
        .map(|(id, version)| cache.at(id, *version))
        .collect();
    let missing: HashMap<&str, (usize, i64)> = keys
        .iter()
        .zip(&orders)
        .enumerate()
        .filter(|(_, (_, kept))| kept.is_none())
        .map(|(place, ((id, version), _))| (id.as_str(), (place, *version)))
        .collect();
    if !missing.is_empty() {
        let ids: Vec<&str> = missing.keys().copied().collect();
        let rows = rows_of_ids(conn, &ids)?;
        let mut places = Vec::with_capacity(rows.len());
        for row in &rows {
            match missing.get(row.id.as_str()) {
                Some(&(place, version)) if version == row.version => places.push(place),
                _ => return Ok(None),
            }
        }
        let lines = lines_of_rows(conn, &rows)?;
        let Some(parts) = parts_as_read(conn, &rows)? else {
            return Ok(None);
        };
        let read: Vec<Arc<Order>> = orders_of(rows, lines, parts)?
            .into_iter()
            .map(Arc::new)
            .collect();
        cache.keep(&read);
        for (place, order) in places.into_iter().zip(read) {
            orders[place] = Some(order);
        }
    }
    // The place of an order deleted since the scan is left empty.
    Ok(orders
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .map(|orders| PageOfOrders { orders, more }))
}

/// The rows of the orders `ids`, deleted or not, in no promised order, in one statement kept prepared.
fn rows_of_ids(conn: &mut DbConnection, ids: &[&str]) -> Result<Vec<OrderRow>, StorageError> {
    Ok(match conn {
        DbConnection::Sqlite(conn) => of_ids::RowsOf::new(ids)?.load(conn)?,
        DbConnection::Postgres(conn) => orders::table
            .filter(orders::id.eq_any(ids))
            .select(OrderRow::as_select())
            .load(conn)?,
    })
}

/// The ids and versions of the page's orders newest first, of any of the filter's statuses, and whether more
/// follow.
fn keys_of_page(
    conn: &mut DbConnection,
    filter: &OrderFilter,
    page: &PageRequest,
) -> Result<(Vec<(String, i64)>, bool), StorageError> {
    let limit = page.limit.get() + 1;
    let mut keys = match filter.statuses.as_deref() {
        None => keys_of_scan(conn, filter, None, page, limit)?,
        Some([status]) => keys_of_scan(conn, filter, Some(*status), page, limit)?,
        // One keyset scan per status, each served by a (…, status, id) index in id order, merged here: a
        // single `status IN (…)` would have to read and sort every match to find the newest. The scans share
        // the caller's snapshot, so an order changing status between them is seen once.
        Some(statuses) => {
            // Each scan planned for its own values: a cached generic plan of a deep filtered page walks the
            // primary key over the whole time window (1.8 s for a store with no match at 1,000,000 orders,
            // against 0.04 ms planned; BENCHMARKS.md).
            conn.plan_each_run()?;
            let mut keys = Vec::with_capacity(limit * statuses.len());
            for status in statuses {
                keys.extend(keys_of_scan(conn, filter, Some(*status), page, limit)?);
            }
            keys.sort_by(|(a, _): &(String, i64), (b, _)| b.cmp(a));
            keys.dedup_by(|(a, _), (b, _)| a == b);
            keys.truncate(limit);
            keys
        }
    };
    let more = keys.len() > page.limit.get();
    keys.truncate(page.limit.get());
    Ok((keys, more))
}

/// The ids and versions of up to `limit` live orders newest first, of one status or any, past the page's
/// cursor. The creation-time bounds are id bounds (ids embed their creation instant, see
/// `OrderFilter::id_range`), which the index of the other filters serves; `created_at` is compared exactly as
/// well for the edge milliseconds.
fn keys_of_scan(
    conn: &mut DbConnection,
    filter: &OrderFilter,
    status: Option<OrderStatus>,
    page: &PageRequest,
    limit: usize,
) -> Result<Vec<(String, i64)>, StorageError> {
    let bounds = PageBounds::new(filter, status, page);
    Ok(match conn {
        DbConnection::Sqlite(conn) => page_query!(conn, bounds, limit),
        DbConnection::Postgres(conn) => page_query!(conn, bounds, limit),
    })
}

/// The values a page's query filters by; `None` filters nothing.
struct PageBounds<'a> {
    store: Option<&'a str>,
    customer: Option<&'a str>,
    status: Option<&'static str>,
    lowest: Option<String>,
    upper: Option<String>,
    created_after: Option<NaiveDateTime>,
    created_before: Option<NaiveDateTime>,
}

impl<'a> PageBounds<'a> {
    fn new(filter: &'a OrderFilter, status: Option<OrderStatus>, page: &PageRequest) -> Self {
        let (lowest, above) = filter.id_range();
        // One upper bound, the tighter of `createdBefore`'s and the cursor's: given both, SQLite walks the
        // index down from the first and only filters by the second, reading every order between them on a
        // deep page.
        let upper = match (above, page.after) {
            (Some(above), Some(after)) => Some(above.min(after)),
            (above, after) => above.or(after),
        };
        Self {
            store: filter.store_id.as_ref().map(|store| store.as_str()),
            customer: filter
                .customer_id
                .as_ref()
                .map(|customer| customer.as_str()),
            status: status.map(|status| status.as_str()),
            lowest: lowest.map(|id| id.to_string()),
            upper: upper.map(|id| id.to_string()),
            created_after: filter.created_after.map(|at| at.naive_utc()),
            created_before: filter.created_before.map(|at| at.naive_utc()),
        }
    }
}

/// The page's query on one backend's connection (a macro: a boxed query is typed by its backend): the ids and
/// versions of up to `limit` live orders newest first, loaded.
macro_rules! page_query {
    ($conn:expr, $bounds:expr, $limit:expr) => {{
        let bounds = $bounds;
        let mut query = orders::table
            .filter(orders::deleted_at.is_null())
            .select((orders::id, orders::version))
            .order(orders::id.desc())
            .into_boxed();
        if let Some(store) = bounds.store {
            query = query.filter(orders::store_id.eq(store));
        }
        if let Some(customer) = bounds.customer {
            query = query.filter(orders::customer_id.eq(customer));
        }
        if let Some(status) = bounds.status {
            query = query.filter(orders::status.eq(status));
        }
        if let Some(lowest) = bounds.lowest {
            query = query.filter(orders::id.ge(lowest));
        }
        if let Some(upper) = bounds.upper {
            query = query.filter(orders::id.lt(upper));
        }
        if let Some(after) = bounds.created_after {
            query = query.filter(orders::created_at.ge(after));
        }
        if let Some(before) = bounds.created_before {
            query = query.filter(orders::created_at.lt(before));
        }
        query.limit_literally($limit).load($conn)?
    }};
}
use page_query;

/// The order even if it is deleted (the history's, the relay's and the bookkeeping's read): its row, its lines
/// and its parts checked to be of the row's version (`parts_as_read`), or else read again whole from one
/// snapshot.
pub(crate) fn find_any_order(
    conn: &mut DbConnection,
    id: &str,
) -> Result<Option<Order>, StorageError> {
    let rows = any_row(conn, id)?;
    let lines = lines_of_rows(conn, &rows)?;
    if let Some(parts) = parts_as_read(conn, &rows)? {
        return Ok(orders_of(rows, lines, parts)?.pop());
    }
    read_snapshot(conn, |conn| {
        let rows = any_row(conn, id)?;
        Ok(with_items(conn, rows)?.pop())
    })
}

/// The row of the order `id`, deleted or not, on the backend's own connection (kept prepared).
fn any_row(conn: &mut DbConnection, id: &str) -> Result<Vec<OrderRow>, StorageError> {
    Ok(load_native!(
        conn,
        orders::table
            .filter(orders::id.eq(id))
            .select(OrderRow::as_select())
    )?)
}

/// The orders of `rows`, in their order, with their lines and parts, all read in the caller's snapshot.
fn with_items(conn: &mut DbConnection, rows: Vec<OrderRow>) -> Result<Vec<Order>, StorageError> {
    let lines = lines_of_rows(conn, &rows)?;
    let parts = parts_of(conn, &rows)?;
    orders_of(rows, lines, parts)
}

/// The lines of `rows`, in their order, in one statement.
fn lines_of_rows(
    conn: &mut DbConnection,
    rows: &[OrderRow],
) -> Result<Vec<Vec<ItemRow>>, StorageError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
    Ok(lines_of::placed(&ids, items_of(conn, &ids)?))
}

/// `rows` made orders, with `lines` in `rows`' order and their `parts`.
fn orders_of(
    rows: Vec<OrderRow>,
    lines: Vec<Vec<ItemRow>>,
    mut parts: PartsByOrder,
) -> Result<Vec<Order>, StorageError> {
    let mut currencies = Currencies::default();
    rows.into_iter()
        .zip(lines)
        .map(|(row, items)| {
            let own = parts.take(&row.id);
            row.into_order(items, own, &mut currencies)
        })
        .collect()
}

/// The parts of `rows`, read after them, if they are those of the rows' versions: `None` when an order that
/// has parts changed since its row was read (its parts may be of the newer version; read again in one
/// snapshot). Every change to an order's parts is a change of the order, which raises its version
/// (`OrderUpdate`'s compare-and-swap), and the statement that reads a kind of part reads its order's version
/// with it: equal to the row's, no change committed between the row and the parts. (Their items are written
/// with them and never change.) An order without parts needs no check: its row and lines are one state
/// whatever happens after. No statement more than the parts' own, where a snapshot would cost a transaction
/// and every read again.
fn parts_as_read(
    conn: &mut DbConnection,
    rows: &[OrderRow],
) -> Result<Option<PartsByOrder>, StorageError> {
    let parts = parts_of(conn, rows)?;
    let as_read = rows
        .iter()
        .all(|row| !row.has_parts() || parts.of_version(row));
    Ok(as_read.then_some(parts))
}

/// An order's shipments, refunds and returns.
type OrderParts = (Vec<Shipment>, Vec<Refund>, Vec<Return>);

/// The shipments, refunds and returns of some orders, by order.
struct PartsByOrder {
    shipments: ByOrder<Shipment>,
    refunds: ByOrder<Refund>,
    returns: ByOrder<Return>,
}

impl PartsByOrder {
    /// The parts of the order `id`, taken out.
    fn take(&mut self, id: &str) -> OrderParts {
        (
            self.shipments.take(id),
            self.refunds.take(id),
            self.returns.take(id),
        )
    }

    /// Whether every kind of part that `row` says its order has was read while the order was at the row's
    /// version.
    fn of_version(&self, row: &OrderRow) -> bool {
        let (id, version) = (row.id.as_str(), row.version);
        (row.shipment_count == 0 || self.shipments.read_at(id, version))
            && (row.refund_count == 0 || self.refunds.read_at(id, version))
            && (row.return_count == 0 || self.returns.read_at(id, version))
    }
}

/// The shipments, refunds and returns of those `rows` that have any: two statements for each kind some row
/// has (most orders have none, and cost no query).
fn parts_of(conn: &mut DbConnection, rows: &[OrderRow]) -> Result<PartsByOrder, StorageError> {
    let shipped: Vec<&str> = rows
        .iter()
        .filter(|row| row.shipment_count > 0)
        .map(|row| row.id.as_str())
        .collect();
    let shipments = match shipped.is_empty() {
        true => ByOrder::default(),
        false => shipment_rows::load(conn, &shipped)?,
    };
    Ok(PartsByOrder {
        shipments,
        refunds: refunds_of(conn, rows)?,
        returns: returns_of(conn, rows)?,
    })
}

/// The lines of the orders `ids`, in one statement diesel keeps prepared: SQLite gets the ids as one JSON
/// array (diesel's `IN (?, ?, …)` is prepared again on every call, a third of a page's query work) and
/// returns the lines in no promised order (`LinesOf`), Postgres as one array (`= ANY($1)`), by order and
/// position.
fn items_of(conn: &mut DbConnection, ids: &[&str]) -> Result<Vec<ItemRow>, StorageError> {
    Ok(match conn {
        DbConnection::Sqlite(conn) => of_ids::LinesOf::new(ids)?.load(conn)?,
        DbConnection::Postgres(conn) => order_items::table
            .filter(order_items::order_id.eq_any(ids))
            .order((order_items::order_id, order_items::position))
            .select(ItemRow::as_select())
            .load(conn)?,
    })
}

/// The refunds of those `rows` that have any (most orders have none, and cost no query).
fn refunds_of(conn: &mut DbConnection, rows: &[OrderRow]) -> Result<ByOrder<Refund>, StorageError> {
    let with_refunds: Vec<&str> = rows
        .iter()
        .filter(|row| row.refund_count > 0)
        .map(|row| row.id.as_str())
        .collect();
    if with_refunds.is_empty() {
        return Ok(ByOrder::default());
    }
    let currencies: HashMap<&str, &str> = rows
        .iter()
        .map(|row| (row.id.as_str(), row.currency.as_str()))
        .collect();
    load_refunds(conn, &with_refunds, |order| {
        currencies.get(order).and_then(|code| Currency::parse(code))
    })
}

/// The returns of those `rows` that have any (most orders have none, and cost no query).
fn returns_of(conn: &mut DbConnection, rows: &[OrderRow]) -> Result<ByOrder<Return>, StorageError> {
    let with_returns: Vec<&str> = rows
        .iter()
        .filter(|row| row.return_count > 0)
        .map(|row| row.id.as_str())
        .collect();
    load_returns(conn, &with_returns)
}
