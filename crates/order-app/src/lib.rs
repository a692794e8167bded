//! The order service's use cases: create (idempotent, after asking the customer and inventory services), get,
//! list, pay, set the shipping address (once the carrier can deliver there), record tracking, deliver, cancel
//! (releasing stock and refunding once), delete, and replacing an order's metadata; and the sweeper that
//! finishes what a crash left half-done. Who may do what is one table, `policy` (`decide`, `confine`), asked by
//! every use case with its `Action`.
//! They depend on the domain's ports only; `OrderService` is the one entry point and `AppError` the one error
//! every adapter maps.

mod caller;
mod create_order;
mod error;
mod lifecycle;
mod maintenance;
mod metadata;
mod notify;
mod policy;
mod read_orders;
mod readiness;
mod service;
mod sweeper;
mod write_order;

pub use caller::Caller;
pub use create_order::{CreateOrder, CreatedOrder};
pub use error::AppError;
pub use policy::{confine, decide, Action, Decision, Owner};
pub use read_orders::OrderPage;
pub use readiness::Readiness;
pub use service::{OrderService, Ports, Settings};
pub use sweeper::SweepReport;

#[cfg(test)]
mod test_support;
