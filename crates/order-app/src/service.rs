use std::sync::Arc;

use chrono::TimeDelta;
use order_domain::ports::{
    Clock, CustomerDirectory, Inventory, Notifier, OrderRepository, PaymentGateway, ShippingService,
};

/// The adapters a service runs on.
#[derive(Clone)]
pub struct Ports {
    pub orders: Arc<dyn OrderRepository>,
    pub customers: Arc<dyn CustomerDirectory>,
    pub inventory: Arc<dyn Inventory>,
    pub payments: Arc<dyn PaymentGateway>,
    pub shipping: Arc<dyn ShippingService>,
    pub notifier: Arc<dyn Notifier>,
    pub clock: Arc<dyn Clock>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a completed create is replayed for its idempotency key.
    pub idempotency_ttl: TimeDelta,
    /// How long a create in flight holds its key against duplicates; a holder that crashed frees it then.
    /// Longer than any create takes (its outside calls are bounded by their timeouts and retries).
    pub idempotency_claim_hold: TimeDelta,
    /// How many times a change is re-read and re-applied after losing a race, before giving up with 409.
    pub max_write_attempts: u32,
    /// How old a reservation must be before the sweeper may release it: older than any create in flight.
    pub reservation_grace: TimeDelta,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            idempotency_ttl: TimeDelta::hours(24),
            idempotency_claim_hold: TimeDelta::seconds(60),
            max_write_attempts: 5,
            reservation_grace: TimeDelta::minutes(5),
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
