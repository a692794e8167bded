//! Orders as last read, each kept with the version it was read at, so that a list page need not decode again
//! an order it has seen.
//!
//! An order's version names its whole state: every change (its row, its shipments, refunds and returns, a
//! soft delete) goes through `OrderUpdate`'s compare-and-swap, which raises it, and lines never change. So an
//! order kept at version `v` is exactly what a read at `v` would decode, on any instance and any replica, and
//! nothing needs invalidating: a page reads its orders' ids and versions, takes the orders kept at those
//! versions, and reads only the others. A kept order of an older version is never served; it is replaced when
//! the newer one is read, or evicted.
//!
//! Only what was read from the database is kept, never an order as a write meant it to be.

use std::mem::size_of;
use std::sync::Arc;

use order_domain::{Order, OrderLine, ProductQuantity, Refund, Return, Shipment};
use quick_cache::sync::Cache;
use quick_cache::Weighter;

/// Orders by id, within a budget of bytes (each order weighed by `bytes_of`, so that a few orders of a hundred
/// lines cannot hold what a thousand small ones would); the least useful go first (quick_cache's CLOCK-Pro: a
/// scan of many orders read once does not push out the ones read again and again).
#[derive(Clone)]
pub(crate) struct OrderCache(Option<Arc<Cache<String, Kept, ByBytes>>>);

/// An order kept, and what it weighs.
#[derive(Clone)]
struct Kept {
    order: Arc<Order>,
    bytes: u64,
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<String, Kept> for ByBytes {
    fn weight(&self, id: &String, kept: &Kept) -> u64 {
        kept.bytes + id.len() as u64
    }
}

impl OrderCache {
    /// A cache of about `bytes` of orders; none kept when 0.
    pub(crate) fn new(bytes: u64) -> Self {
        let orders = usize::try_from(bytes / 1024).unwrap_or(usize::MAX);
        Self((bytes > 0).then(|| Arc::new(Cache::with_weighter(orders.max(1), bytes, ByBytes))))
    }

    /// The order `id` as kept at `version`, if it is: the one kept, shared, not a copy.
    pub(crate) fn at(&self, id: &str, version: i64) -> Option<Arc<Order>> {
        let kept = self.0.as_ref()?.get(id)?;
        (i64::try_from(kept.order.version().get()) == Ok(version)).then_some(kept.order)
    }

    /// Keeps `orders` as read, each replacing its id's older version.
    pub(crate) fn keep<'a>(&self, orders: impl IntoIterator<Item = &'a Arc<Order>>) {
        if let Some(cache) = &self.0 {
            for order in orders {
                let kept = Kept {
                    order: Arc::clone(order),
                    bytes: bytes_of(order),
                };
                cache.insert(order.id().to_string(), kept);
            }
        }
    }
}

/// About the bytes `order` holds: its own struct, its lines, its parts and their items, and its texts.
fn bytes_of(order: &Order) -> u64 {
    let item =
        |item: &ProductQuantity| size_of::<ProductQuantity>() + item.product_id.as_str().len();
    let items = |items: &[ProductQuantity]| items.iter().map(item).sum::<usize>();
    let lines: usize = order
        .lines()
        .iter()
        .map(|line| size_of::<OrderLine>() + line.product_id.as_str().len())
        .sum();
    let shipments: usize = order
        .shipments()
        .iter()
        .map(|s| {
            size_of::<Shipment>() + s.carrier.len() + s.tracking_number.len() + items(&s.items)
        })
        .sum();
    let refunds: usize = order
        .refunds()
        .iter()
        .map(|refund| size_of::<Refund>() + items(&refund.items))
        .sum();
    let returns: usize = order
        .returns()
        .iter()
        .map(|r| size_of::<Return>() + r.reason.as_str().len() + items(&r.items))
        .sum();
    let metadata: usize = order
        .metadata()
        .entries()
        .iter()
        .map(|(key, value)| 2 * size_of::<String>() + key.len() + value.len())
        .sum();
    let texts = order.store_id().as_str().len()
        + order.customer_id().as_str().len()
        + order.note().map_or(0, |note| note.as_str().len());
    (size_of::<Order>() + lines + shipments + refunds + returns + metadata + texts) as u64
}

#[cfg(test)]
mod tests {
    use super::OrderCache;
    use crate::testing::an_order;

    #[test]
    fn an_order_is_served_as_kept_and_only_at_the_version_it_was_kept_at() {
        let cache = OrderCache::new(64 * 1024);
        let order = an_order(chrono::Utc::now());
        let id = order.id().to_string();
        let version = i64::try_from(order.version().get()).expect("a small version");
        assert_eq!(cache.at(&id, version), None);
        let order = std::sync::Arc::new(order);
        cache.keep([&order]);
        let kept = cache.at(&id, version);
        assert!(
            kept.as_ref()
                .is_some_and(|kept| std::sync::Arc::ptr_eq(kept, &order)),
            "the order kept, shared rather than copied: {kept:?}"
        );
        assert_eq!(cache.at(&id, version + 1), None);
        assert_eq!(cache.at(&id, version - 1), None);
    }

    #[test]
    fn an_order_heavier_than_the_whole_budget_is_not_kept() {
        let order = an_order(chrono::Utc::now());
        let version = i64::try_from(order.version().get()).expect("a small version");
        let cache = OrderCache::new(super::bytes_of(&order) / 2);
        let order = std::sync::Arc::new(order);
        cache.keep([&order]);
        assert_eq!(cache.at(&order.id().to_string(), version), None);
    }

    #[test]
    fn a_cache_of_no_orders_keeps_none() {
        let cache = OrderCache::new(0);
        let order = std::sync::Arc::new(an_order(chrono::Utc::now()));
        cache.keep([&order]);
        let version = i64::try_from(order.version().get()).expect("a small version");
        assert_eq!(cache.at(&order.id().to_string(), version), None);
    }
}
