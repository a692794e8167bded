//! Budgets counted in this process: one keyed GCRA limiter (governor) per budget.

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;

use super::{Budget, Decision, Quota, RateLimiter, RateLimits, Window};

type Keyed = governor::RateLimiter<
    String,
    DefaultKeyedStateStore<String>,
    DefaultClock,
    StateInformationMiddleware,
>;

/// How many requests between two sweeps of clients whose budgets are full again (and so need no state).
const SWEEP_EVERY: u64 = 4_096;

/// Counts each replica's budgets on its own; use `RedisLimiter` to share them between replicas.
pub struct InMemoryLimiter {
    limits: RateLimits,
    reads: Option<Keyed>,
    writes: Option<Keyed>,
    calls: AtomicU64,
}

impl InMemoryLimiter {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            reads: limits.reads.map(keyed),
            writes: limits.writes.map(keyed),
            calls: AtomicU64::new(0),
        }
    }

    /// Forgets clients whose budgets have refilled, now and then, so that one-off addresses do not pile up.
    fn sweep_now_and_then(&self) {
        if self.calls.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            for limiter in [&self.reads, &self.writes].into_iter().flatten() {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        }
    }
}

fn keyed(quota: Quota) -> Keyed {
    let governor_quota = match quota.window() {
        Window::Second => governor::Quota::per_second(quota.count()),
        Window::Minute => governor::Quota::per_minute(quota.count()),
        Window::Hour => governor::Quota::per_hour(quota.count()),
    };
    governor::RateLimiter::keyed(governor_quota).with_middleware::<StateInformationMiddleware>()
}

#[async_trait]
impl RateLimiter for InMemoryLimiter {
    fn limits(&self) -> RateLimits {
        self.limits
    }

    async fn acquire(&self, budget: Budget, client: &str) -> Decision {
        let (limiter, quota) = match budget {
            Budget::Reads => (&self.reads, self.limits.reads),
            Budget::Writes => (&self.writes, self.limits.writes),
        };
        let (Some(limiter), Some(quota)) = (limiter, quota) else {
            return Decision::Unmetered;
        };
        self.sweep_now_and_then();
        let interval = quota.emission_interval();
        let count = quota.count().get();
        match limiter.check_key(&client.to_owned()) {
            Ok(state) => {
                let remaining = state.remaining_burst_capacity();
                Decision::Allowed {
                    remaining,
                    reset: interval * count.saturating_sub(remaining),
                }
            }
            Err(not_until) => {
                let retry_after = not_until.wait_time_from(limiter.clock().now());
                Decision::Refused {
                    retry_after,
                    reset: retry_after + interval * count.saturating_sub(1),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn limiter(writes: &str) -> InMemoryLimiter {
        InMemoryLimiter::new(RateLimits {
            reads: None,
            writes: Some(Quota::parse(writes).expect("a valid quota")),
        })
    }

    #[tokio::test]
    async fn the_budget_allows_its_count_then_refuses() {
        let limiter = limiter("3/min");
        let mut remaining = Vec::new();
        for _ in 0..3 {
            match limiter.acquire(Budget::Writes, "a").await {
                Decision::Allowed { remaining: r, .. } => remaining.push(r),
                other => panic!("refused too early: {other:?}"),
            }
        }
        assert_eq!(remaining, vec![2, 1, 0]);
        match limiter.acquire(Budget::Writes, "a").await {
            Decision::Refused { retry_after, reset } => {
                assert!(
                    retry_after > Duration::from_secs(19) && retry_after <= Duration::from_secs(20)
                );
                assert!(reset > Duration::from_secs(59) && reset <= Duration::from_secs(60));
            }
            other => panic!("not refused: {other:?}"),
        }
    }

    #[tokio::test]
    async fn each_client_has_a_budget_of_its_own() {
        let limiter = limiter("1/min");
        assert!(matches!(
            limiter.acquire(Budget::Writes, "a").await,
            Decision::Allowed { .. }
        ));
        assert!(matches!(
            limiter.acquire(Budget::Writes, "a").await,
            Decision::Refused { .. }
        ));
        assert!(matches!(
            limiter.acquire(Budget::Writes, "b").await,
            Decision::Allowed { .. }
        ));
    }

    #[tokio::test]
    async fn a_budget_without_a_quota_is_not_counted() {
        let limiter = limiter("1/min");
        for _ in 0..10 {
            assert_eq!(
                limiter.acquire(Budget::Reads, "a").await,
                Decision::Unmetered
            );
        }
    }

    #[tokio::test]
    async fn the_budget_comes_back_after_its_window() {
        let limiter = limiter("2/s");
        limiter.acquire(Budget::Writes, "a").await;
        limiter.acquire(Budget::Writes, "a").await;
        assert!(matches!(
            limiter.acquire(Budget::Writes, "a").await,
            Decision::Refused { .. }
        ));
        tokio::time::sleep(Duration::from_millis(1_050)).await;
        assert!(matches!(
            limiter.acquire(Budget::Writes, "a").await,
            Decision::Allowed { remaining: 1, .. }
        ));
    }
}
