//! The order domain: the `Order` aggregate and its life (`pay`, `set_shipping_address`, `record_tracking`,
//! `deliver`, `cancel`, shipments by line, partial refunds, returns), with `OrderStatus` and `OrderAction` as
//! the one rule of what may happen when; its value types (ids, `Money`, addresses); the parsing of requests
//! with every bad field named; and the port traits the use cases drive (`OrderRepository`,
//! `CustomerDirectory`, `Inventory`, `PaymentGateway`, `ShippingService`, `Notifier`, `Clock`).
//! Every change is a `RecordedChange`: the `OrderEvent` it is and the `EffectKind`s that must follow it.
//! Pure: no I/O, no framework types.

mod action;
mod address;
mod annotations;
mod change;
mod datum_serde;
mod effect;
mod event;
mod event_data;
mod exact_number;
mod idempotency;
mod ids;
mod instant_text;
mod listing;
mod money;
mod new_order;
mod notification;
mod order;
mod payment;
mod payment_attempt;
pub mod ports;
mod principal;
mod product_quantity;
mod provider_key;
mod quantity;
mod refund;
mod return_request;
mod shipment;
mod status;
mod text;
mod version;
mod violation;

pub use action::{Endpoint, OrderAction};
pub use address::{AddressDraft, Country, ShippingAddress};
pub use annotations::{Metadata, Note};
pub use change::RecordedChange;
pub use effect::{DueEffect, EffectKind, RetryPolicy};
pub use event::{Actor, Datum, EventContext, EventId, EventType, OrderEvent};
pub use event_data::{EventData, NotAnObject};
pub use idempotency::{
    Fingerprint, IdempotencyClaim, IdempotencyKey, IdempotencyRecord, IdempotencyScope, KeyClaim,
};
pub use ids::{AuthorizationId, CustomerId, OrderId, ProductId, RefundId, StoreId};
pub use instant_text::{rfc3339_micros, RFC3339_MICROS};
pub use listing::{OrderFilter, PageLimit, PageOfOrders, PageRequest};
pub use money::{AmountError, Currency, Money};
pub use new_order::{ItemDraft, NewOrder, OrderDraft};
pub use notification::{Notification, NotificationKind};
pub use order::{LineProgress, Order, OrderError, OrderLine, OrderSnapshot, Totals};
pub use payment::{Payment, PaymentDraft, PaymentRequest};
pub use payment_attempt::{AttemptId, AttemptState, PaymentAttempt};
pub use principal::{Principal, Role};
pub use product_quantity::{ProductQuantity, ProductQuantityDraft};
pub use provider_key::ProviderKey;
pub use quantity::{Quantity, QuantityError};
pub use refund::{
    OrderRefundId, Refund, RefundDraft, RefundItem, RefundItemDraft, RefundReason, RefundRequest,
    RefundStatus,
};
pub use return_request::{
    Return, ReturnDraft, ReturnId, ReturnItem, ReturnItemDraft, ReturnRequest, ReturnStatus,
};
pub use shipment::{
    Shipment, ShipmentId, ShipmentItem, ShipmentItemDraft, ShipmentRequest, ShipmentStatus,
    Tracking, TrackingDraft,
};
pub use status::OrderStatus;
pub use text::TextError;
pub use version::{StaleVersion, Version, VersionCheck};
pub use violation::{AddressField, Field, ItemField, Violation};
