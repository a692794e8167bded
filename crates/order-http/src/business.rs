//! Business counters: how many orders were created, paid, shipped, delivered and canceled, and how many returns
//! were asked for and received, counted where a
//! request has changed an order (a replayed create or a tracking correction counts nothing).

use order_domain::{Order, OrderStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderEvent {
    Created,
    Paid,
    Shipped,
    Delivered,
    Canceled,
    ReturnRequested,
    ReturnReceived,
}

/// The counters' names, for the metrics exporter's descriptions.
pub const ORDER_COUNTERS: [(&str, &str); 7] = [
    (
        "orders_created_total",
        "Orders created (replays of an idempotent create excluded)",
    ),
    ("orders_paid_total", "Orders paid"),
    (
        "orders_shipped_total",
        "Orders shipped (their first tracking recorded)",
    ),
    ("orders_delivered_total", "Orders delivered"),
    ("orders_canceled_total", "Orders canceled"),
    (
        "order_returns_requested_total",
        "Returns asked for (replays of an idempotent request excluded)",
    ),
    (
        "order_returns_received_total",
        "Returns received (goods back, restocked and refunded)",
    ),
];

impl OrderEvent {
    fn counter(self) -> &'static str {
        let index = match self {
            OrderEvent::Created => 0,
            OrderEvent::Paid => 1,
            OrderEvent::Shipped => 2,
            OrderEvent::Delivered => 3,
            OrderEvent::Canceled => 4,
            OrderEvent::ReturnRequested => 5,
            OrderEvent::ReturnReceived => 6,
        };
        ORDER_COUNTERS[index].0
    }

    /// What a successful status change did to `order`, judged by the status it now has.
    pub(crate) fn of_status(order: &Order) -> Option<Self> {
        match order.status() {
            OrderStatus::Delivered => Some(OrderEvent::Delivered),
            OrderStatus::Canceled => Some(OrderEvent::Canceled),
            _ => None,
        }
    }

    /// A recorded tracking ships the order the first time; later ones only correct it.
    pub(crate) fn of_tracking(order: &Order) -> Option<Self> {
        order
            .shipment()
            .filter(|s| order.status() == OrderStatus::Shipped && s.shipped_at == s.updated_at)
            .map(|_| OrderEvent::Shipped)
    }
}

pub(crate) fn count(event: impl Into<Option<OrderEvent>>) {
    if let Some(event) = event.into() {
        metrics::counter!(event.counter()).increment(1);
    }
}
