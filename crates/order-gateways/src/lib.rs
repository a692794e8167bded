//! Adapters for the services an order depends on: resilient HTTP clients (`HttpCustomers`, `HttpInventory`,
//! `HttpPayments`, `HttpShipping`, `HttpNotifier`, all built on `resilience::HttpService`), their decorators,
//! the NATS JetStream event publisher (`NatsPublisher`) and the system clock. Only real clients live here; the
//! stand-ins are in `order-standins`.

mod clock;
mod decorators;
mod http;
mod nats;
pub mod resilience;

pub use clock::SystemClock;
pub use decorators::CachedCustomers;
pub use http::{HttpCustomers, HttpInventory, HttpNotifier, HttpPayments, HttpShipping};
pub use nats::{event_json, NatsPublisher, NatsSettings};
pub use resilience::{BaseUrl, BreakerSettings, ClientBuildError, HttpSettings};
