//! Adapters for the services an order depends on: resilient HTTP clients (`HttpCustomers`, `HttpInventory`,
//! `HttpPayments`, `HttpShipping`, `HttpNotifier`, all built on `resilience::HttpService`), the NATS JetStream
//! event publisher (`NatsPublisher`), the in-process
//! stand-ins that are the zero-setup default, and the system clock. The stand-ins answer by documented test
//! values (like a payment API's test card numbers):
//! - `StandInCustomers`: every customer exists except ids starting with `no-such-customer`.
//! - `StandInInventory`: every product has ample stock except ids starting with `p-out-of-stock`.
//! - `StandInPayments`: every payment is authorized except one whose method is `declined`; refunds succeed.
//! - `StandInShipping`: every address is deliverable except postal codes starting with `00000`.
//! - `StandInNotifier`: accepts every notification.

mod clock;
mod decorators;
mod http;
mod nats;
pub mod resilience;
mod stand_ins;

pub use clock::SystemClock;
pub use decorators::CachedCustomers;
pub use http::{HttpCustomers, HttpInventory, HttpNotifier, HttpPayments, HttpShipping};
pub use nats::{event_json, NatsPublisher, NatsSettings};
pub use resilience::{BaseUrl, BreakerSettings, ClientBuildError, HttpSettings};
pub use stand_ins::{
    StandInCustomers, StandInInventory, StandInNotifier, StandInPayments, StandInShipping,
    DECLINED_METHOD, MISSING_CUSTOMER_PREFIX, OUT_OF_STOCK_PREFIX, UNDELIVERABLE_POSTAL_PREFIX,
};
