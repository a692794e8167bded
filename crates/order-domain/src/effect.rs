//! What must follow a change once it is committed: rows written with the change, run later by a worker until
//! they succeed.

use std::fmt;
use std::time::Duration;

use uuid::Uuid;

use crate::{
    CustomerId, EventId, Money, NotificationKind, OrderId, OrderRefundId, ReturnId, Version,
};

/// One after-commit side effect of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EffectKind {
    /// Publish the event to downstream services.
    Publish,
    /// Tell the order's customer.
    Notify {
        kind: NotificationKind,
        customer: CustomerId,
    },
    /// Give the stock held for the order back.
    ReleaseStock,
    /// Give this much of the order's payment back: the refund of a canceled order's whole payment
    /// (`refund: None`), or one partial refund of the order, named by its id.
    Refund {
        amount: Money,
        refund: Option<OrderRefundId>,
    },
    /// Let the order's authorization go (a canceled order that was authorized, not captured).
    Void,
    /// Take this much of the order's authorized money (its first shipment).
    Capture(Money),
    /// Put the goods of this received return back in stock.
    Restock(ReturnId),
}

impl EffectKind {
    /// A partial refund's effect is named `refund.<refund id>`: one per refund, run independently.
    pub const PARTIAL_REFUND_PREFIX: &'static str = "refund.";
    /// A return's restock is named `restock.<return id>`: one per return.
    pub const RESTOCK_PREFIX: &'static str = "restock.";

    /// The effect's name within its event (`publish`, `notify.OrderPaid`, `release_stock`, `refund`): one
    /// effect of each name per event.
    pub fn name(&self) -> String {
        match self {
            Self::Publish => "publish".to_owned(),
            Self::Notify { kind, .. } => format!("notify.{}", kind.name()),
            Self::ReleaseStock => "release_stock".to_owned(),
            Self::Refund { refund: None, .. } => "refund".to_owned(),
            Self::Refund {
                refund: Some(id), ..
            } => format!("{}{id}", Self::PARTIAL_REFUND_PREFIX),
            Self::Void => "void".to_owned(),
            Self::Capture(_) => "capture".to_owned(),
            Self::Restock(id) => format!("{}{id}", Self::RESTOCK_PREFIX),
        }
    }
}

/// An effect waiting in the outbox, as the worker gets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueEffect {
    pub event_id: EventId,
    pub order_id: OrderId,
    pub order_version: Version,
    pub kind: EffectKind,
    /// How many times it was tried before.
    pub attempts: u32,
}

impl DueEffect {
    /// The key the effect carries to the service that does it, the same on every attempt: a retry, or a
    /// repeat after a crash between the call and its bookkeeping, is done once downstream.
    pub fn idempotency_key(&self) -> String {
        format!("{}.{}", self.event_id, self.kind.name())
    }
}

impl fmt::Display for DueEffect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of order {} v{}",
            self.kind.name(),
            self.order_id,
            self.order_version.get()
        )
    }
}

/// How a failed effect is retried: exponential backoff from `base`, capped at `cap`, with jitter; a
/// failure that is not the service being unavailable parks the effect after `park_after` attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub cap: Duration,
    pub park_after: u32,
}

impl RetryPolicy {
    pub const DEFAULT_PARK_AFTER: u32 = 20;

    /// The wait before attempt `attempts + 1`: `base * 2^(attempts-1)` capped at `cap`, of which a random
    /// part (up to half) is left out, so that effects failing together do not retry together.
    pub fn delay(&self, attempts: u32) -> Duration {
        let exponent = attempts.saturating_sub(1).min(20);
        let full = self.base.saturating_mul(1 << exponent).min(self.cap);
        // The random bits of a UUIDv7 (its last 62 bits), as a fraction of one.
        let random = (Uuid::now_v7().as_u128() & 0xffff) as f64 / 65_536.0;
        full.mul_f64(1.0 - random / 2.0)
    }

    /// Whether an effect that failed `attempts` times for a reason other than unavailability is given up.
    pub fn parks(&self, attempts: u32) -> bool {
        attempts >= self.park_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_the_cap_with_jitter() {
        let policy = RetryPolicy {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(10),
            park_after: 20,
        };
        for (attempts, full) in [(1, 100), (2, 200), (4, 800), (8, 10_000), (30, 10_000)] {
            let delay = policy.delay(attempts);
            let full = Duration::from_millis(full);
            assert!(delay <= full && delay >= full / 2, "{attempts}: {delay:?}");
        }
        assert!(!policy.parks(19));
        assert!(policy.parks(20));
    }

    #[test]
    fn an_effect_key_names_its_event_and_kind() {
        let effect = DueEffect {
            event_id: "0190a0e0-0000-7000-8000-000000000001"
                .parse()
                .unwrap_or_else(|_| EventId::generate()),
            order_id: OrderId::generate(),
            order_version: Version::FIRST,
            kind: EffectKind::Notify {
                kind: NotificationKind::OrderPaid,
                customer: CustomerId::parse("c-1").unwrap_or_else(|e| panic!("{e}")),
            },
            attempts: 0,
        };
        assert_eq!(
            effect.idempotency_key(),
            "0190a0e0-0000-7000-8000-000000000001.notify.OrderPaid"
        );
    }
}
