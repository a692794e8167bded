use std::fmt;

use crate::{CustomerId, OrderId};

/// What happened to an order that its customer is told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    OrderCreated,
    OrderPaid,
    OrderShipped,
    OrderDelivered,
    OrderCanceled,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 5] = [
        Self::OrderCreated,
        Self::OrderPaid,
        Self::OrderShipped,
        Self::OrderDelivered,
        Self::OrderCanceled,
    ];

    /// The kind's name, as the notification service knows it (`OrderCreated`).
    pub fn name(self) -> &'static str {
        match self {
            Self::OrderCreated => "OrderCreated",
            Self::OrderPaid => "OrderPaid",
            Self::OrderShipped => "OrderShipped",
            Self::OrderDelivered => "OrderDelivered",
            Self::OrderCanceled => "OrderCanceled",
        }
    }

    /// The kind with this name, if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

impl fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A message to an order's customer about the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub order_id: OrderId,
    pub kind: NotificationKind,
    pub customer_id: CustomerId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_found_again_by_its_name() {
        for kind in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(kind.name()), Some(kind));
        }
        assert_eq!(NotificationKind::parse("orderCreated"), None);
    }
}
