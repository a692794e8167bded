use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::{CustomerId, Order, OrderId, OrderStatus, StoreId};

/// Which orders a list shows; every filter is optional and they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub store_id: Option<StoreId>,
    pub customer_id: Option<CustomerId>,
    /// Any of these statuses; `None` for every status. Kept sorted and without repeats.
    pub statuses: Option<Vec<OrderStatus>>,
    /// Created at or after this instant.
    pub created_after: Option<DateTime<Utc>>,
    /// Created strictly before this instant.
    pub created_before: Option<DateTime<Utc>>,
}

impl OrderFilter {
    /// The id range that holds every order created in `[created_after, created_before)`: an order's id embeds
    /// its creation instant to the millisecond (`OrderId::generate_at`), so storage serves the time filter
    /// from the id indexes and checks `created_at` exactly only at the range's edges.
    pub fn id_range(&self) -> (Option<OrderId>, Option<OrderId>) {
        let lowest = self.created_after.map(OrderId::floor_at);
        let above = self
            .created_before
            .map(|before| OrderId::floor_at(before + chrono::TimeDelta::milliseconds(1)));
        (lowest, above)
    }
}

/// How many orders one page holds: 1..=100, 20 unless asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(u8);

impl PageLimit {
    pub const MAX: u8 = 100;

    pub fn new(limit: u64) -> Option<Self> {
        u8::try_from(limit)
            .ok()
            .filter(|l| (1..=Self::MAX).contains(l))
            .map(Self)
    }

    pub fn get(self) -> usize {
        usize::from(self.0)
    }
}

impl Default for PageLimit {
    fn default() -> Self {
        Self(20)
    }
}

/// A keyset page, newest first: the orders strictly older than `after` (the last order of the page before).
/// Ids are time-ordered, so new orders only ever appear before the first page and never shift later pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: PageLimit,
    pub after: Option<OrderId>,
}

/// The orders of one page as storage reads them, newest first: at most the page's limit, and whether more
/// follow (storage reads one row past the limit to know, and builds no order of it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageOfOrders {
    /// Shared: an order the store keeps in memory is handed out as kept, not copied for each page.
    pub orders: Vec<Arc<Order>>,
    pub more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_limits_are_one_to_a_hundred() {
        assert_eq!(PageLimit::new(0), None);
        assert_eq!(PageLimit::new(1).map(PageLimit::get), Some(1));
        assert_eq!(PageLimit::new(100).map(PageLimit::get), Some(100));
        assert_eq!(PageLimit::new(101), None);
        assert_eq!(PageLimit::new(u64::MAX), None);
        assert_eq!(PageLimit::default().get(), 20);
    }
}
