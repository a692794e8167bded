//! The order domain: the `Order` aggregate and its value types (ids, `Money`, `OrderStatus`), the parsing of a
//! new order with every bad field named, and the port traits the use cases drive (`OrderRepository`,
//! `CustomerDirectory`, `Inventory`, `Clock`). Pure: no I/O, no framework types.

mod idempotency;
mod ids;
mod listing;
mod money;
mod new_order;
mod order;
pub mod ports;
mod status;
mod text;
mod violation;

pub use idempotency::{Fingerprint, IdempotencyKey, IdempotencyRecord, IdempotencyScope};
pub use ids::{CustomerId, OrderId, ProductId, StoreId};
pub use listing::{OrderFilter, PageLimit, PageRequest};
pub use money::{AmountError, Currency, Money};
pub use new_order::{ItemDraft, NewOrder, OrderDraft};
pub use order::{Order, OrderLine, OrderSnapshot, Quantity, Totals, Version, VersionCheck};
pub use status::OrderStatus;
pub use text::TextError;
pub use violation::{Field, ItemField, Violation};
