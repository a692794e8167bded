use std::sync::Arc;

use chrono::TimeDelta;
use order_domain::ports::{Clock, CustomerDirectory, Inventory, OrderRepository, PaymentGateway};

/// The adapters a service runs on.
#[derive(Clone)]
pub struct Ports {
    pub orders: Arc<dyn OrderRepository>,
    pub customers: Arc<dyn CustomerDirectory>,
    pub inventory: Arc<dyn Inventory>,
    pub payments: Arc<dyn PaymentGateway>,
    pub clock: Arc<dyn Clock>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a completed create is replayed for its idempotency key.
    pub idempotency_ttl: TimeDelta,
    /// How many times a change is re-read and re-applied after losing a race, before giving up with 409.
    pub max_write_attempts: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            idempotency_ttl: TimeDelta::hours(24),
            max_write_attempts: 5,
        }
    }
}

/// The use cases of the order service. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct OrderService {
    pub(crate) ports: Ports,
    pub(crate) settings: Settings,
}

impl OrderService {
    pub fn new(ports: Ports, settings: Settings) -> Self {
        Self { ports, settings }
    }
}
