//! How busy the store is, for the metrics: connections in use and idle, and requests waiting for one.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::DieselStorage;

/// A snapshot of the connection pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections handed out (on SQLite, the writer's included while it commits).
    pub in_use: u32,
    pub idle: u32,
    /// Requests queued for a connection.
    pub waiting: usize,
}

impl DieselStorage {
    pub fn pool_stats(&self) -> PoolStats {
        let state = self.pool.state();
        PoolStats {
            in_use: state.connections.saturating_sub(state.idle_connections),
            idle: state.idle_connections,
            waiting: self.waiting.count() + self.readers.queued(),
        }
    }
}

/// Counts the requests queued for a connection.
#[derive(Debug, Default)]
pub(crate) struct Waiting(AtomicUsize);

impl Waiting {
    /// Counts one more waiter until the guard is dropped.
    pub(crate) fn enter(&self) -> WaitGuard<'_> {
        self.0.fetch_add(1, Ordering::Relaxed);
        WaitGuard(self)
    }

    fn count(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

pub(crate) struct WaitGuard<'a>(&'a Waiting);

impl Drop for WaitGuard<'_> {
    fn drop(&mut self) {
        (self.0).0.fetch_sub(1, Ordering::Relaxed);
    }
}
