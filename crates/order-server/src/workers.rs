//! The background workers (the sweeper, the idempotency key purge, the metrics upkeep): each runs a batch
//! every so often until it is told to stop, and then stops after the batch it is in.

use std::future::Future;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

#[derive(Default)]
pub(crate) struct Workers {
    stop: CancellationToken,
    running: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Runs `batch` now and then every `period` until `stop`.
    pub(crate) fn every<F, Fut>(&mut self, period: Duration, mut batch: F)
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send,
    {
        let stop = self.stop.clone();
        self.running.push(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(period);
            loop {
                tokio::select! {
                    biased;
                    _ = stop.cancelled() => return,
                    _ = ticks.tick() => {}
                }
                // Stopping is looked at only between batches: a batch under way finishes.
                batch().await;
            }
        }));
    }

    /// Tells every worker to stop and waits until each has finished its batch.
    pub(crate) async fn stop(self) {
        self.stop.cancel();
        for worker in self.running {
            if let Err(error) = worker.await {
                tracing::error!(%error, "a background worker failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn stopping_lets_the_batch_under_way_finish_and_starts_no_other() {
        let started = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicUsize::new(0));
        let mut workers = Workers::default();
        let (begun, done) = (started.clone(), finished.clone());
        workers.every(Duration::from_millis(1), move || {
            let (begun, done) = (begun.clone(), done.clone());
            async move {
                begun.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                done.fetch_add(1, Ordering::SeqCst);
            }
        });
        while started.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        workers.stop().await;
        assert_eq!(finished.load(Ordering::SeqCst), 1);
        assert_eq!(started.load(Ordering::SeqCst), 1);
    }
}
