use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::money::parse_exact_number;
use crate::{
    Currency, CustomerId, Field, Money, NewOrder, OrderAction, OrderId, OrderStatus, Payment,
    PaymentRequest, ProductId, Shipment, ShippingAddress, StoreId, Tracking, Violation,
};

/// Why an order refuses a change.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrderError {
    #[error("cannot {action} an order that is {status}")]
    NotAllowed {
        action: OrderAction,
        status: OrderStatus,
    },
    #[error("the change breaks {} rule(s)", .0.len())]
    Invalid(Vec<Violation>),
    #[error("the order has no refund due")]
    NoRefundDue,
}

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
    pub payment: Option<Payment>,
    pub shipping_address: Option<ShippingAddress>,
    pub shipment: Option<Shipment>,
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
            payment: None,
            shipping_address: None,
            shipment: None,
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
    pub fn payment(&self) -> Option<&Payment> {
        self.0.payment.as_ref()
    }
    pub fn shipping_address(&self) -> Option<&ShippingAddress> {
        self.0.shipping_address.as_ref()
    }
    pub fn shipment(&self) -> Option<&Shipment> {
        self.0.shipment.as_ref()
    }

    /// What may happen to this order now.
    pub fn allowed_actions(&self) -> impl Iterator<Item = OrderAction> {
        OrderAction::allowed_in(self.0.status)
    }

    fn ensure_allowed(&self, action: OrderAction) -> Result<(), OrderError> {
        if action.is_allowed_in(self.0.status) {
            Ok(())
        } else {
            Err(OrderError::NotAllowed {
                action,
                status: self.0.status,
            })
        }
    }

    /// Moves the order along its status table by `action` (if the action moves it) and bumps the version.
    fn apply(&mut self, action: OrderAction, at: DateTime<Utc>) {
        if let Some(next) = action.target(self.0.status) {
            self.0.status = next;
        }
        self.touch(at);
    }

    /// Whether `payment` could pay this order now: it must be pending and the amount its total, exactly.
    pub fn check_payment(&self, payment: &PaymentRequest) -> Result<(), OrderError> {
        self.ensure_allowed(OrderAction::Pay)?;
        let total = self.0.totals.total_amount;
        if payment.amount != total {
            return Err(OrderError::Invalid(vec![Violation::new(
                Field::PaymentAmount,
                format!(
                    "must equal the order's totalAmount ({})",
                    total.to_decimal()
                ),
            )]));
        }
        Ok(())
    }

    /// A paid order is `processing`.
    pub fn pay(&mut self, payment: &PaymentRequest, at: DateTime<Utc>) -> Result<(), OrderError> {
        self.check_payment(payment)?;
        self.0.payment = Some(Payment {
            method: payment.method.clone(),
            amount: payment.amount,
            reference: payment.reference.clone(),
            paid_at: at,
            refund_due: false,
            refunded_at: None,
        });
        self.apply(OrderAction::Pay, at);
        Ok(())
    }

    /// The address may change until the order ships.
    pub fn set_shipping_address(
        &mut self,
        address: ShippingAddress,
        at: DateTime<Utc>,
    ) -> Result<(), OrderError> {
        self.ensure_allowed(OrderAction::SetShippingAddress)?;
        self.0.shipping_address = Some(address);
        self.apply(OrderAction::SetShippingAddress, at);
        Ok(())
    }

    /// A paid order ships with its first tracking; later calls correct the tracking of a shipped order.
    pub fn record_tracking(
        &mut self,
        tracking: Tracking,
        at: DateTime<Utc>,
    ) -> Result<(), OrderError> {
        self.ensure_allowed(OrderAction::RecordTracking)?;
        let shipped_at = self.0.shipment.as_ref().map_or(at, |s| s.shipped_at);
        self.0.shipment = Some(Shipment {
            carrier: tracking.carrier,
            tracking_number: tracking.tracking_number,
            shipped_at,
            updated_at: at,
        });
        self.apply(OrderAction::RecordTracking, at);
        Ok(())
    }

    pub fn deliver(&mut self, at: DateTime<Utc>) -> Result<(), OrderError> {
        self.ensure_allowed(OrderAction::Deliver)?;
        self.apply(OrderAction::Deliver, at);
        Ok(())
    }

    /// The refund of a canceled order's payment went through.
    pub fn record_refund(&mut self, at: DateTime<Utc>) -> Result<(), OrderError> {
        match &mut self.0.payment {
            Some(payment) if payment.refund_due => {
                payment.refund_due = false;
                payment.refunded_at = Some(at);
            }
            _ => return Err(OrderError::NoRefundDue),
        }
        self.touch(at);
        Ok(())
    }

    /// Whether stock held for this order should go back: it will never ship.
    pub fn releases_stock(&self) -> bool {
        self.0.status == OrderStatus::Canceled
            || (self.is_deleted()
                && matches!(
                    self.0.status,
                    OrderStatus::Pending | OrderStatus::Processing
                ))
    }

    /// Canceling a paid order leaves a refund due.
    pub fn cancel(&mut self, at: DateTime<Utc>) -> Result<(), OrderError> {
        self.ensure_allowed(OrderAction::Cancel)?;
        if let Some(payment) = &mut self.0.payment {
            payment.refund_due = true;
        }
        self.apply(OrderAction::Cancel, at);
        Ok(())
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

#[cfg(test)]
mod lifecycle_tests {
    use chrono::{TimeDelta, TimeZone, Utc};

    use super::*;
    use crate::{AddressDraft, ItemDraft, OrderDraft, PaymentDraft, TrackingDraft};

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0)
            .single()
            .unwrap_or_default()
            + TimeDelta::minutes(minute)
    }

    fn pending() -> Order {
        let draft = OrderDraft {
            store_id: Some("s".into()),
            customer_id: Some("c".into()),
            currency: None,
            items: Some(vec![ItemDraft {
                product_id: Some("p".into()),
                quantity: Some("1".into()),
                price: Some("100".into()),
            }]),
            items_total: Some("100".into()),
            shipping_cost: Some("10".into()),
            tax_amount: Some("5".into()),
            total_amount: Some("115".into()),
        };
        let new = NewOrder::parse(draft).unwrap_or_else(|v| panic!("{v:?}"));
        Order::place(new, OrderId::generate(), at(0))
    }

    fn payment(amount: &str) -> PaymentRequest {
        let draft = PaymentDraft {
            method: Some("visa".into()),
            amount: Some(amount.into()),
            reference: Some("ref-1".into()),
        };
        PaymentRequest::parse(draft, Currency::USD).unwrap_or_else(|v| panic!("{v:?}"))
    }

    fn tracking(number: &str) -> Tracking {
        Tracking::parse(TrackingDraft {
            carrier: Some("FedEx".into()),
            tracking_number: Some(number.into()),
        })
        .unwrap_or_else(|v| panic!("{v:?}"))
    }

    fn address() -> ShippingAddress {
        ShippingAddress::parse(AddressDraft {
            line1: Some("1 Main St".into()),
            city: Some("Springfield".into()),
            postal_code: Some("62701".into()),
            country: Some("US".into()),
            ..AddressDraft::default()
        })
        .unwrap_or_else(|v| panic!("{v:?}"))
    }

    fn not_allowed(action: OrderAction, status: OrderStatus) -> Result<(), OrderError> {
        Err(OrderError::NotAllowed { action, status })
    }

    #[test]
    fn the_happy_path_moves_through_every_status_bumping_the_version() {
        let mut order = pending();
        assert_eq!(order.set_shipping_address(address(), at(1)), Ok(()));
        assert_eq!(
            (order.status(), order.version().get()),
            (OrderStatus::Pending, 2)
        );
        assert_eq!(order.pay(&payment("115.00"), at(2)), Ok(()));
        assert_eq!(
            (order.status(), order.version().get()),
            (OrderStatus::Processing, 3)
        );
        assert_eq!(
            order.payment().map(|p| (p.paid_at, p.refund_due)),
            Some((at(2), false))
        );
        assert_eq!(order.record_tracking(tracking("1"), at(3)), Ok(()));
        assert_eq!(
            (order.status(), order.version().get()),
            (OrderStatus::Shipped, 4)
        );
        assert_eq!(order.deliver(at(4)), Ok(()));
        assert_eq!(
            (order.status(), order.version().get()),
            (OrderStatus::Delivered, 5)
        );
        assert_eq!(order.updated_at(), at(4));
        assert_eq!(order.allowed_actions().count(), 0);
    }

    #[test]
    fn paying_needs_the_exact_total() {
        let mut order = pending();
        let result = order.pay(&payment("114.99"), at(1));
        assert!(
            matches!(&result, Err(OrderError::Invalid(v)) if v[0].field == Field::PaymentAmount)
        );
        assert_eq!(order.status(), OrderStatus::Pending);
        assert_eq!(order.version(), Version::FIRST);
    }

    #[test]
    fn paying_twice_or_paying_a_canceled_order_is_refused() {
        let mut order = pending();
        assert_eq!(order.pay(&payment("115"), at(1)), Ok(()));
        assert_eq!(
            order.pay(&payment("115"), at(2)),
            not_allowed(OrderAction::Pay, OrderStatus::Processing)
        );

        let mut canceled = pending();
        assert_eq!(canceled.cancel(at(1)), Ok(()));
        assert_eq!(
            canceled.pay(&payment("115"), at(2)),
            not_allowed(OrderAction::Pay, OrderStatus::Canceled)
        );
        assert_eq!(canceled.payment(), None);
    }

    #[test]
    fn tracking_ships_a_paid_order_and_then_only_corrects_it() {
        let mut order = pending();
        assert_eq!(
            order.record_tracking(tracking("1"), at(1)),
            not_allowed(OrderAction::RecordTracking, OrderStatus::Pending)
        );
        assert_eq!(order.pay(&payment("115"), at(1)), Ok(()));
        assert_eq!(order.record_tracking(tracking("1"), at(2)), Ok(()));
        assert_eq!(order.record_tracking(tracking("2"), at(3)), Ok(()));
        assert_eq!(order.status(), OrderStatus::Shipped);
        let shipment = order.shipment().cloned();
        assert_eq!(
            shipment.as_ref().map(|s| s.tracking_number.as_str()),
            Some("2")
        );
        assert_eq!(
            shipment.map(|s| (s.shipped_at, s.updated_at)),
            Some((at(2), at(3)))
        );
        assert_eq!(
            order.set_shipping_address(address(), at(4)),
            not_allowed(OrderAction::SetShippingAddress, OrderStatus::Shipped)
        );
        assert_eq!(
            order.cancel(at(4)),
            not_allowed(OrderAction::Cancel, OrderStatus::Shipped)
        );
    }

    #[test]
    fn canceling_a_paid_order_leaves_a_refund_due() {
        let mut order = pending();
        assert_eq!(order.pay(&payment("115"), at(1)), Ok(()));
        assert_eq!(order.cancel(at(2)), Ok(()));
        assert_eq!(order.status(), OrderStatus::Canceled);
        assert_eq!(order.payment().map(|p| p.refund_due), Some(true));
        assert_eq!(
            order.cancel(at(3)),
            not_allowed(OrderAction::Cancel, OrderStatus::Canceled)
        );
        assert_eq!(
            order.deliver(at(3)),
            not_allowed(OrderAction::Deliver, OrderStatus::Canceled)
        );

        let version = order.version();
        assert_eq!(order.record_refund(at(4)), Ok(()));
        assert_eq!(
            order.payment().map(|p| (p.refund_due, p.refunded_at)),
            Some((false, Some(at(4))))
        );
        assert_eq!(order.version(), version.next());
        assert_eq!(
            order.record_refund(at(5)),
            Err(OrderError::NoRefundDue),
            "a refund is recorded once"
        );
    }

    #[test]
    fn an_unpaid_order_has_nothing_to_refund() {
        let mut order = pending();
        assert_eq!(order.cancel(at(1)), Ok(()));
        assert_eq!(order.record_refund(at(2)), Err(OrderError::NoRefundDue));
    }

    #[test]
    fn stock_goes_back_for_canceled_and_abandoned_orders_only() {
        let mut canceled = pending();
        assert!(!canceled.releases_stock());
        assert_eq!(canceled.cancel(at(1)), Ok(()));
        assert!(canceled.releases_stock());

        let mut abandoned = pending();
        abandoned.delete(at(1));
        assert!(abandoned.releases_stock());

        let mut shipped = pending();
        assert_eq!(shipped.pay(&payment("115"), at(1)), Ok(()));
        assert_eq!(shipped.record_tracking(tracking("1"), at(2)), Ok(()));
        shipped.delete(at(3));
        assert!(!shipped.releases_stock());
    }

    #[test]
    fn delivering_needs_a_shipped_order() {
        let mut order = pending();
        assert_eq!(
            order.deliver(at(1)),
            not_allowed(OrderAction::Deliver, OrderStatus::Pending)
        );
        assert_eq!(order.pay(&payment("115"), at(1)), Ok(()));
        assert_eq!(
            order.deliver(at(2)),
            not_allowed(OrderAction::Deliver, OrderStatus::Processing)
        );
    }

    #[test]
    fn a_refused_change_changes_nothing() {
        let mut order = pending();
        let before = order.clone();
        let _ = order.deliver(at(1));
        let _ = order.record_tracking(tracking("1"), at(1));
        assert_eq!(order, before);
    }
}
