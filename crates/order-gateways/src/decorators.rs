//! Wrappers around any gateway: a short-lived cache of customer lookups, and notifications sent in the
//! background.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use moka::future::Cache;
use order_domain::ports::{CustomerDirectory, GatewayError};
use order_domain::CustomerId;

/// Remembers whether a customer exists for a short while, so a burst of orders from one customer asks the
/// customer service once: concurrent lookups of one customer wait for the same call. Failures are not
/// remembered. Only customers are cached; stock is always asked afresh.
pub struct CachedCustomers {
    inner: Arc<dyn CustomerDirectory>,
    known: Cache<CustomerId, bool>,
}

impl CachedCustomers {
    pub fn new(inner: Arc<dyn CustomerDirectory>, ttl: Duration, capacity: u64) -> Self {
        Self {
            inner,
            known: Cache::builder()
                .time_to_live(ttl)
                .max_capacity(capacity)
                .build(),
        }
    }
}

#[async_trait]
impl CustomerDirectory for CachedCustomers {
    async fn exists(&self, customer: &CustomerId) -> Result<bool, GatewayError> {
        let inner = self.inner.clone();
        let lookup = customer.clone();
        self.known
            .try_get_with(customer.clone(), async move { inner.exists(&lookup).await })
            .await
            .map_err(|shared| match shared.as_ref() {
                GatewayError::Unavailable {
                    service,
                    retry_after,
                    ..
                } => GatewayError::Unavailable {
                    service,
                    retry_after: *retry_after,
                    source: Some(shared.to_string().into()),
                },
                GatewayError::Unexpected { service, detail } => GatewayError::Unexpected {
                    service,
                    detail: detail.clone(),
                },
            })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[derive(Default)]
    struct Counting {
        calls: AtomicUsize,
        fail: bool,
    }

    #[async_trait]
    impl CustomerDirectory for Counting {
        async fn exists(&self, customer: &CustomerId) -> Result<bool, GatewayError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            if self.fail {
                return Err(GatewayError::Unavailable {
                    service: "customer",
                    retry_after: None,
                    source: None,
                });
            }
            Ok(customer.as_str() != "ghost")
        }
    }

    fn id(s: &str) -> CustomerId {
        CustomerId::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[tokio::test]
    async fn a_burst_of_lookups_of_one_customer_makes_one_call() {
        let inner = Arc::new(Counting::default());
        let cache = CachedCustomers::new(inner.clone(), Duration::from_secs(30), 100);
        let customer = id("c-1");
        let answers = futures::future::join_all((0..20).map(|_| cache.exists(&customer))).await;
        assert!(answers.iter().all(|a| matches!(a, Ok(true))));
        assert_eq!(inner.calls.load(Ordering::SeqCst), 1);
        assert!(matches!(cache.exists(&id("ghost")).await, Ok(false)));
        assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_answer_expires_and_a_failure_is_not_remembered() {
        let failing = Arc::new(Counting {
            fail: true,
            ..Counting::default()
        });
        let cache = CachedCustomers::new(failing.clone(), Duration::from_secs(30), 100);
        assert!(matches!(
            cache.exists(&id("c-1")).await,
            Err(GatewayError::Unavailable { .. })
        ));
        assert!(cache.exists(&id("c-1")).await.is_err());
        assert_eq!(failing.calls.load(Ordering::SeqCst), 2);

        let inner = Arc::new(Counting::default());
        let cache = CachedCustomers::new(inner.clone(), Duration::from_millis(50), 100);
        assert!(matches!(cache.exists(&id("c-1")).await, Ok(true)));
        tokio::time::sleep(Duration::from_millis(120)).await;
        assert!(matches!(cache.exists(&id("c-1")).await, Ok(true)));
        assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
    }
}
