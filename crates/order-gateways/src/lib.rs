//! Adapters for the services an order depends on. For now the in-process stand-ins, which answer by
//! documented test values (like a payment API's test card numbers), and the system clock:
//! - `StandInCustomers`: every customer exists except ids starting with `no-such-customer`.
//! - `StandInInventory`: every product has ample stock except ids starting with `p-out-of-stock`.
//! - `StandInPayments`: every payment is authorized except one whose method is `declined`.

mod clock;
mod stand_ins;

pub use clock::SystemClock;
pub use stand_ins::{
    StandInCustomers, StandInInventory, StandInPayments, DECLINED_METHOD, MISSING_CUSTOMER_PREFIX,
    OUT_OF_STOCK_PREFIX,
};
