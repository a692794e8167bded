//! What happened to an order: one event per change, numbered by the order's version after it.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{EventData, OrderId, Principal, Version};

/// An event's id: a UUIDv7, so ids sort by the time they were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId(Uuid);

impl EventId {
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl FromStr for EventId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::try_parse(s).map(Self)
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.as_hyphenated().fmt(f)
    }
}

/// The kinds of change an order goes through, by the name downstream services know them by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    Created,
    Paid,
    ShippingAddressSet,
    Shipped,
    TrackingCorrected,
    Delivered,
    Canceled,
    Deleted,
    RefundSucceeded,
    MetadataUpdated,
    ShipmentCreated,
    ShipmentDelivered,
    PaymentCaptured,
    RefundRequested,
    RefundFailed,
    ReturnRequested,
    ReturnReceived,
    ReturnRejected,
}

impl EventType {
    pub const ALL: [EventType; 18] = [
        Self::Created,
        Self::Paid,
        Self::ShippingAddressSet,
        Self::Shipped,
        Self::TrackingCorrected,
        Self::Delivered,
        Self::Canceled,
        Self::Deleted,
        Self::RefundSucceeded,
        Self::MetadataUpdated,
        Self::ShipmentCreated,
        Self::ShipmentDelivered,
        Self::PaymentCaptured,
        Self::RefundRequested,
        Self::RefundFailed,
        Self::ReturnRequested,
        Self::ReturnReceived,
        Self::ReturnRejected,
    ];

    /// `order.created`, `order.paid`, ...
    pub fn name(self) -> &'static str {
        match self {
            Self::Created => "order.created",
            Self::Paid => "order.paid",
            Self::ShippingAddressSet => "order.shipping_address_set",
            Self::Shipped => "order.shipped",
            Self::TrackingCorrected => "order.tracking_corrected",
            Self::Delivered => "order.delivered",
            Self::Canceled => "order.canceled",
            Self::Deleted => "order.deleted",
            Self::RefundSucceeded => "order.refund_succeeded",
            Self::MetadataUpdated => "order.metadata_updated",
            Self::ShipmentCreated => "order.shipment_created",
            Self::ShipmentDelivered => "order.shipment_delivered",
            Self::PaymentCaptured => "order.payment_captured",
            Self::RefundRequested => "order.refund_requested",
            Self::RefundFailed => "order.refund_failed",
            Self::ReturnRequested => "order.return_requested",
            Self::ReturnReceived => "order.return_received",
            Self::ReturnRejected => "order.return_rejected",
        }
    }

    /// The name without its `order.` prefix: the last part of the subject the event is published on.
    pub fn short_name(self) -> &'static str {
        let name = self.name();
        name.strip_prefix("order.").unwrap_or(name)
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Who made a change, as recorded: the principal's subject and the name of its role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub subject: String,
    pub role: String,
}

impl Actor {
    pub fn of(principal: &Principal) -> Self {
        Self {
            subject: principal.subject().to_owned(),
            role: principal.role().name().to_owned(),
        }
    }
}

/// A value in an event's payload: plain data any adapter can write out (money as exact decimal text, times
/// as RFC 3339 text), and read back without knowing the event type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Datum {
    Null,
    Integer(i64),
    Text(String),
    List(Vec<Datum>),
    Object(Vec<(String, Datum)>),
}

impl Datum {
    pub fn text(value: impl Into<String>) -> Self {
        Self::Text(value.into())
    }

    pub fn optional_text(value: Option<&str>) -> Self {
        value.map_or(Self::Null, Self::text)
    }

    pub fn object<const N: usize>(fields: [(&str, Datum); N]) -> Self {
        Self::Object(
            fields
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
        )
    }
}

/// Why a change happened and on whose behalf: what every event records besides the change itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventContext {
    pub actor: Option<Actor>,
    pub request_id: Option<String>,
    pub idempotency_key: Option<String>,
}

/// One change to one order, as it is kept for ever and published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEvent {
    pub id: EventId,
    pub order_id: OrderId,
    pub event_type: EventType,
    /// The order's version after the change: per order, events are numbered 1, 2, 3, ... without gaps.
    pub order_version: Version,
    pub occurred_at: DateTime<Utc>,
    pub context: EventContext,
    /// What changed; for corrections, the values before and after. Always an object.
    pub data: EventData,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_is_found_again_by_its_name_and_has_the_order_prefix() {
        for kind in EventType::ALL {
            assert_eq!(EventType::parse(kind.name()), Some(kind));
            assert_eq!(format!("order.{}", kind.short_name()), kind.name());
        }
        assert_eq!(EventType::parse("created"), None);
    }
}
