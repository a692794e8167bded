use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::money::parse_exact_number;
use crate::{Currency, CustomerId, Money, NewOrder, OrderId, OrderStatus, ProductId, StoreId};

/// How many units of a product; a whole, positive number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum QuantityError {
    #[error("must be a whole number")]
    NotWhole,
    #[error("must be at least 1")]
    NotPositive,
    #[error("must be at most {}", Quantity::MAX)]
    TooLarge,
}

impl Quantity {
    pub const MAX: u32 = 1_000_000;

    /// Reads a JSON number's text: `2` and `2.0` are two; `1.5` is refused, never truncated.
    pub fn parse(text: &str) -> Result<Self, QuantityError> {
        let value = parse_exact_number(text)
            .map_err(|_| QuantityError::TooLarge)?
            .normalize();
        if value.scale() != 0 {
            return Err(QuantityError::NotWhole);
        }
        Self::try_from(value.mantissa())
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<i128> for Quantity {
    type Error = QuantityError;

    fn try_from(value: i128) -> Result<Self, Self::Error> {
        if value < 1 {
            return Err(QuantityError::NotPositive);
        }
        match u32::try_from(value) {
            Ok(value) if value <= Self::MAX => Ok(Self(value)),
            _ => Err(QuantityError::TooLarge),
        }
    }
}

/// One line of an order: a product, how many, at what unit price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    pub product_id: ProductId,
    pub quantity: Quantity,
    pub unit_price: Money,
}

/// The four amounts of an order, all in its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub items_total: Money,
    pub shipping_cost: Money,
    pub tax_amount: Money,
    pub total_amount: Money,
}

/// The optimistic-concurrency version of an order: 1 when placed, +1 on every change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(u64);

impl Version {
    pub const FIRST: Version = Version(1);

    pub fn new(value: u64) -> Option<Self> {
        (value >= 1).then_some(Self(value))
    }

    pub fn get(self) -> u64 {
        self.0
    }

    pub fn next(self) -> Self {
        Self(self.0.saturating_add(1))
    }
}

/// A caller's condition on the version it last saw (HTTP `If-Match`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum VersionCheck {
    #[default]
    Any,
    OneOf(Vec<Version>),
}

impl VersionCheck {
    pub fn admits(&self, current: Version) -> bool {
        match self {
            VersionCheck::Any => true,
            VersionCheck::OneOf(versions) => versions.contains(&current),
        }
    }
}

/// Everything an order is made of, as a storage adapter reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSnapshot {
    pub id: OrderId,
    pub store_id: StoreId,
    pub customer_id: CustomerId,
    pub status: OrderStatus,
    pub lines: Vec<OrderLine>,
    pub totals: Totals,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// The order aggregate. Every change goes through a method here and bumps the version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order(OrderSnapshot);

impl Order {
    /// A new order, `pending` at version 1.
    pub fn place(new: NewOrder, id: OrderId, at: DateTime<Utc>) -> Self {
        let (store_id, customer_id, lines, totals) = new.into_parts();
        Self(OrderSnapshot {
            id,
            store_id,
            customer_id,
            status: OrderStatus::Pending,
            lines,
            totals,
            version: Version::FIRST,
            created_at: at,
            updated_at: at,
            deleted_at: None,
        })
    }

    pub fn restore(snapshot: OrderSnapshot) -> Self {
        Self(snapshot)
    }

    pub fn id(&self) -> OrderId {
        self.0.id
    }
    pub fn store_id(&self) -> &StoreId {
        &self.0.store_id
    }
    pub fn customer_id(&self) -> &CustomerId {
        &self.0.customer_id
    }
    pub fn status(&self) -> OrderStatus {
        self.0.status
    }
    pub fn currency(&self) -> Currency {
        self.0.totals.total_amount.currency()
    }
    pub fn lines(&self) -> &[OrderLine] {
        &self.0.lines
    }
    pub fn totals(&self) -> &Totals {
        &self.0.totals
    }
    pub fn version(&self) -> Version {
        self.0.version
    }
    pub fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    pub fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    pub fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }
    pub fn is_deleted(&self) -> bool {
        self.0.deleted_at.is_some()
    }

    /// Soft delete: the order stays on record for audit but is gone for every client.
    pub fn delete(&mut self, at: DateTime<Utc>) {
        self.0.deleted_at = Some(at);
        self.touch(at);
    }

    fn touch(&mut self, at: DateTime<Utc>) {
        self.0.updated_at = at;
        self.0.version = self.0.version.next();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_whole_positive_and_bounded() {
        assert_eq!(Quantity::parse("2").map(Quantity::get), Ok(2));
        assert_eq!(Quantity::parse("2.0").map(Quantity::get), Ok(2));
        assert_eq!(Quantity::parse("1e2").map(Quantity::get), Ok(100));
        assert_eq!(Quantity::parse("1.5"), Err(QuantityError::NotWhole));
        assert_eq!(Quantity::parse("0"), Err(QuantityError::NotPositive));
        assert_eq!(Quantity::parse("-3"), Err(QuantityError::NotPositive));
        assert_eq!(Quantity::parse("1000001"), Err(QuantityError::TooLarge));
        assert_eq!(Quantity::parse("1e30"), Err(QuantityError::TooLarge));
    }

    #[test]
    fn versions_start_at_one_and_count_up() {
        assert_eq!(Version::new(0), None);
        assert_eq!(Version::FIRST.next().get(), 2);
    }

    #[test]
    fn a_version_check_admits_only_the_versions_it_names() {
        let two = Version::FIRST.next();
        assert!(VersionCheck::Any.admits(two));
        assert!(VersionCheck::OneOf(vec![Version::FIRST, two]).admits(two));
        assert!(!VersionCheck::OneOf(vec![Version::FIRST]).admits(two));
        assert!(!VersionCheck::OneOf(vec![]).admits(two));
    }
}
