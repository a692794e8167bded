//! Diesel storage for orders: `DieselStorage` implements the domain's `OrderRepository`, `EventHistory` and
//! `Outbox` (the order's events and the after-commit effects, written in the change's transaction) with one set of queries
//! on SQLite (embedded; WAL, writes group-committed by one writer thread) or Postgres, chosen by the
//! `DATABASE_URL` (`Database::from_url`). It runs the embedded migrations on open and keeps blocking database
//! work off the async executor.

mod cached;
mod connection;
#[cfg(test)]
mod constraint_check;
mod database;
mod db_threads;
mod effect_leases;
mod error;
mod event_rows;
mod idempotency;
mod job_claim;
mod json_in;
mod key_holds;
mod literal_limit;
mod migrate;
mod numbered_sql;
mod order_cache;
mod order_rows;
mod outbox;
mod payment_attempts;
mod pool;
mod pool_stats;
mod refund_rows;
mod repository;
mod return_rows;
mod schema;
#[cfg(test)]
mod schema_check;
mod stamp;
#[cfg(feature = "test-support")]
pub mod testing;
mod writer;

pub use database::{Database, SqliteLocation};
pub use pool::{DieselStorage, OpenError, StorageOptions};
pub use pool_stats::PoolStats;
