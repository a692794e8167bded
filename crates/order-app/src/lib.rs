//! The order service's use cases: create (idempotent, after asking the customer and inventory services), get,
//! list, pay, set the shipping address, record tracking, deliver, cancel and delete. They depend on the domain's ports only; `OrderService` is the one entry point and
//! `AppError` the one error every adapter maps.

mod create_order;
mod error;
mod lifecycle;
mod maintenance;
mod read_orders;
mod service;
mod write_order;

pub use create_order::{CreateOrder, CreatedOrder, IdempotentRequest};
pub use error::AppError;
pub use read_orders::OrderPage;
pub use service::{OrderService, Ports, Settings};

#[cfg(test)]
mod test_support;
