//! One resilient HTTP client per outside service, each the adapter of one port.

mod customer;
mod inventory;
mod notification;
mod payment;
mod shipping;

pub use customer::HttpCustomers;
pub use inventory::HttpInventory;
pub use notification::HttpNotifier;
pub use payment::HttpPayments;
pub use shipping::HttpShipping;
