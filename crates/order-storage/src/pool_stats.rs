//! How busy the store is, for the metrics: connections in use and idle, and requests waiting for one.

use crate::DieselStorage;

/// A snapshot of the connection pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections handed out (on SQLite, the writer's included while it commits).
    pub in_use: u32,
    pub idle: u32,
    /// Work queued for a database thread (the SQLite writer's queue is not counted).
    pub waiting: usize,
}

impl DieselStorage {
    pub fn pool_stats(&self) -> PoolStats {
        let state = self.pool.state();
        PoolStats {
            in_use: state.connections.saturating_sub(state.idle_connections),
            idle: state.idle_connections,
            waiting: self.readers.queued() + self.runners.queued(),
        }
    }
}
