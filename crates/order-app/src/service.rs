use std::sync::Arc;

use chrono::TimeDelta;
use std::time::Duration;

use order_domain::ports::{
    Clock, CustomerDirectory, EventHistory, EventPublisher, Inventory, Notifier, OrderRepository,
    Outbox, PaymentAttempts, PaymentGateway, ShippingService,
};
use order_domain::RetryPolicy;

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
    pub history: Arc<dyn EventHistory>,
    pub outbox: Arc<dyn Outbox>,
    /// The payment attempts, settled by the worker unless an order took them.
    pub attempts: Arc<dyn PaymentAttempts>,
    /// Where events are published; `None`: publication is off (events are still recorded).
    pub publisher: Option<Arc<dyn EventPublisher>>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a completed keyed write (a create, a payment, a refund, a return) is replayed for its key.
    pub idempotency_ttl: TimeDelta,
    /// How long a create in flight holds its key against duplicates; a holder that crashed frees it then.
    /// Longer than any create takes (its outside calls are bounded by their timeouts and retries).
    pub idempotency_claim_hold: TimeDelta,
    /// How many times a change is re-read and re-applied after losing a race, before giving up with 409.
    pub max_write_attempts: u32,
    /// How old a reservation must be before the sweeper may release it: older than any create in flight.
    pub reservation_grace: TimeDelta,
    /// How failed after-commit effects are retried, and when one is given up.
    pub retry: RetryPolicy,
    /// How long a worker holds the effects it claimed before another may take them.
    pub outbox_lease: Duration,
    /// How many effects a worker claims, runs at once and marks done in one write.
    pub outbox_batch: usize,
    /// How many batches a worker runs at once while they come back full (a backlog).
    pub outbox_concurrency: usize,
    /// How long done effects stay in the outbox (the history keeps the events for ever).
    pub event_retention: TimeDelta,
    /// How long a payment attempt may take before the worker voids whatever it obtained, unless the order
    /// took it: longer than an authorization and the save that follows take.
    pub payment_attempt_grace: TimeDelta,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            idempotency_ttl: TimeDelta::hours(24),
            idempotency_claim_hold: TimeDelta::seconds(60),
            max_write_attempts: 5,
            reservation_grace: TimeDelta::minutes(5),
            retry: RetryPolicy {
                base: Duration::from_millis(200),
                cap: Duration::from_secs(10),
                park_after: RetryPolicy::DEFAULT_PARK_AFTER,
            },
            outbox_lease: Duration::from_secs(60),
            outbox_batch: 128,
            outbox_concurrency: 4,
            event_retention: TimeDelta::days(30),
            payment_attempt_grace: TimeDelta::seconds(60),
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
