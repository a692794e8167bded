//! The documented test values the stand-ins answer by (like a payment API's test card numbers).

/// Customer ids with this prefix do not exist.
pub const MISSING_CUSTOMER_PREFIX: &str = "no-such-customer";
/// Product ids with this prefix are out of stock.
pub const OUT_OF_STOCK_PREFIX: &str = "p-out-of-stock";
/// Payments with this method are declined.
pub const DECLINED_METHOD: &str = "declined";
/// What a declined payment is told.
pub const DECLINE_REASON: &str = "the card was declined (test method `declined`)";
/// Addresses whose postal code starts with this are undeliverable.
pub const UNDELIVERABLE_POSTAL_PREFIX: &str = "00000";
/// Refunds whose reason starts with this are refused for good by the payment stand-ins (declined).
pub const REFUSED_REFUND_PREFIX: &str = "refuse-refund";
/// A restock naming a product with this prefix is recorded, but its first answer is lost (`503`): the caller
/// retries under the same key, and the stand-in replays it without restocking twice.
pub const LOST_RESTOCK_ANSWER_PREFIX: &str = "p-lost-restock";
