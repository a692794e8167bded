//! Rate limits on the order routes: a budget for reads and one for writes per client (the authenticated
//! principal's subject, else the client's address), counted in process (`InMemoryLimiter`, GCRA by governor) or
//! shared by every replica in Redis (`RedisLimiter`), enforced by the `RateLimiting` middleware.

mod in_memory;
mod middleware;
mod quota;
mod redis;

use std::time::Duration;

use async_trait::async_trait;

pub use in_memory::InMemoryLimiter;
pub use middleware::{RateLimiting, FAILED_OPEN_TOTAL, REJECTIONS_TOTAL};
pub use quota::{effective_limits, Budget, Quota, RateLimits, Window};
pub use redis::{RedisLimiter, RedisSettings};

/// What counting one more request against a client's budget gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Within budget: `remaining` more may follow at once, and the whole budget is back after `reset`.
    Allowed { remaining: u32, reset: Duration },
    /// Over budget: one more is allowed after `retry_after`, the whole budget after `reset`.
    Refused {
        retry_after: Duration,
        reset: Duration,
    },
    /// Nothing was counted (the budget has no quota, or its store cannot be reached): let the request through.
    Unmetered,
}

/// Where budgets are counted. Implementations never fail a request: a store they cannot reach answers
/// `Unmetered` (fail open), and says so in `failed_open`.
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// The budgets this limiter counts.
    fn limits(&self) -> RateLimits;

    /// Counts one request from `client` against its `budget`.
    async fn acquire(&self, budget: Budget, client: &str) -> Decision;

    /// How many requests went through uncounted because the store could not be reached.
    fn failed_open(&self) -> u64 {
        0
    }
}
