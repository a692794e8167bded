//! The order service's use cases: create (idempotent, after asking the customer and inventory services), get,
//! list, pay, set the shipping address (once the carrier can deliver there), record tracking, deliver, cancel
//! (releasing stock and refunding once), delete, replacing an order's metadata, partial refunds
//! and returns (asked for, received with a restock and a refund, or rejected), each recording its event and
//! after-commit effects in the change's transaction; the order's history; the outbox worker's step
//! (`run_due_effects`, a batch) that publishes events, notifies customers, releases stock and refunds, with
//! retries, and its run until nothing is due (`run_effects_until_none_due`, batches side by side in a backlog); and
//! the sweeper for reservations whose order was never stored. Who may do what is one table, `policy` (`decide`,
//! `confine`), asked by every use case with its `Action`.
//! They depend on the domain's ports only; `OrderService` is the one entry point and `AppError` the one error
//! every adapter maps.

mod caller;
mod create_order;
mod effects;
mod error;
mod history;
mod idempotent;
mod keyed_change;
mod lifecycle;
mod maintenance;
mod metadata;
mod pay_order;
mod policy;
mod read_orders;
mod readiness;
mod refunds;
mod returns;
mod service;
mod settle_attempts;
mod shipments;
mod sweeper;
mod write_order;

pub use caller::Caller;
pub use create_order::{CreateOrder, CreatedOrder};
pub use error::AppError;
pub use history::EventPage;
pub use keyed_change::KeyedAnswer;
pub use pay_order::{PaidOrder, PayOrder};
pub use policy::{confine, decide, Action, Decision, Owner};
pub use read_orders::OrderPage;
pub use readiness::Readiness;
pub use refunds::RequestedRefund;
pub use returns::RequestedReturn;
pub use service::{OrderService, Ports, Settings};
pub use sweeper::SweepReport;

#[cfg(test)]
mod test_support;
