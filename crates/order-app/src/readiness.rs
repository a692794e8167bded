//! The service's own view of whether it can do its work, kept up to date by a probe in the background (the
//! binary runs it) so that a readiness check answers at once from memory and never waits behind requests for
//! the database.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The outcome of the last database probe, and when it came. Cheap to clone; clones share it.
#[derive(Clone)]
pub struct Readiness {
    last: Arc<Mutex<Probe>>,
    /// A probe older than this no longer says anything: the prober is stuck, and so is the database.
    stale_after: Duration,
}

struct Probe {
    outcome: Result<(), String>,
    at: Instant,
}

impl Readiness {
    /// Ready as of now: call it once the database has been opened. Without a probe newer than `stale_after`
    /// the service counts as not ready.
    pub fn new(stale_after: Duration) -> Self {
        Self {
            last: Arc::new(Mutex::new(Probe {
                outcome: Ok(()),
                at: Instant::now(),
            })),
            stale_after,
        }
    }

    /// Ready, or why not.
    pub fn check(&self) -> Result<(), String> {
        let last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if last.at.elapsed() > self.stale_after {
            return Err(format!(
                "the database has not answered a probe for {} s",
                last.at.elapsed().as_secs()
            ));
        }
        last.outcome.clone()
    }

    /// Keeps the outcome of a probe (`OrderService::check_ready`), or why it failed.
    pub fn record(&self, outcome: Result<(), String>) {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        *last = Probe {
            outcome,
            at: Instant::now(),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_probe_decides_until_it_goes_stale() {
        let readiness = Readiness::new(Duration::from_millis(100));
        assert_eq!(readiness.check(), Ok(()));
        readiness.record(Err("disk full".to_owned()));
        assert_eq!(readiness.check(), Err("disk full".to_owned()));
        readiness.record(Ok(()));
        assert_eq!(readiness.check(), Ok(()));
        std::thread::sleep(Duration::from_millis(150));
        assert!(readiness.check().is_err());
    }
}
