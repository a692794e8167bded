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

use std::sync::Arc;

use order_domain::Order;
use quick_cache::sync::Cache;

/// At most `capacity` orders, by id; the least useful go first (quick_cache's CLOCK-Pro: a scan of many orders
/// read once does not push out the ones read again and again).
#[derive(Clone)]
pub(crate) struct OrderCache(Option<Arc<Cache<String, Arc<Order>>>>);

impl OrderCache {
    /// A cache of `capacity` orders; none kept when 0.
    pub(crate) fn new(capacity: usize) -> Self {
        Self((capacity > 0).then(|| Arc::new(Cache::new(capacity))))
    }

    /// The order `id` as kept at `version`, if it is.
    pub(crate) fn at(&self, id: &str, version: i64) -> Option<Order> {
        let kept = self.0.as_ref()?.get(id)?;
        (i64::try_from(kept.version().get()) == Ok(version)).then(|| Order::clone(&kept))
    }

    /// Keeps `orders` as read, each replacing its id's older version.
    pub(crate) fn keep<'a>(&self, orders: impl IntoIterator<Item = &'a Order>) {
        if let Some(cache) = &self.0 {
            for order in orders {
                cache.insert(order.id().to_string(), Arc::new(order.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OrderCache;
    use crate::testing::an_order;

    #[test]
    fn an_order_is_served_only_at_the_version_it_was_kept_at() {
        let cache = OrderCache::new(16);
        let order = an_order(chrono::Utc::now());
        let id = order.id().to_string();
        let version = i64::try_from(order.version().get()).expect("a small version");
        assert_eq!(cache.at(&id, version), None);
        cache.keep([&order]);
        assert_eq!(cache.at(&id, version), Some(order.clone()));
        assert_eq!(cache.at(&id, version + 1), None);
        assert_eq!(cache.at(&id, version - 1), None);
    }

    #[test]
    fn a_cache_of_no_orders_keeps_none() {
        let cache = OrderCache::new(0);
        let order = an_order(chrono::Utc::now());
        cache.keep([&order]);
        let version = i64::try_from(order.version().get()).expect("a small version");
        assert_eq!(cache.at(&order.id().to_string(), version), None);
    }
}
