//! Adapters for the services an order depends on: resilient HTTP clients (`HttpCustomers`, `HttpInventory`,
//! `HttpPayments`, `HttpShipping`, `HttpNotifier`, all built on `resilience::HttpService`), their decorators,
//! and the system clock. Only real clients live here; the stand-ins are in `order-standins`.

mod clock;
mod decorators;
mod http;
pub mod resilience;

pub use clock::SystemClock;
pub use decorators::{BackgroundNotifier, CachedCustomers};
pub use http::{HttpCustomers, HttpInventory, HttpNotifier, HttpPayments, HttpShipping};
pub use resilience::{BaseUrl, BreakerSettings, ClientBuildError, HttpSettings};
