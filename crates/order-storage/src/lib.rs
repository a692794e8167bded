//! Diesel storage for orders: `SqliteStorage` implements the domain's `OrderRepository` on an embedded SQLite
//! database (WAL, busy timeout, a pool, writes in `BEGIN IMMEDIATE`), runs the embedded migrations on open,
//! and keeps blocking database work off the async executor.

mod error;
mod idempotency;
mod order_rows;
mod pool;
mod repository;
mod schema;

pub use pool::{OpenError, SqliteLocation, SqliteOptions, SqliteStorage};
