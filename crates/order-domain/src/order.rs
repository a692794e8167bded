use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::{
    AuthorizationId, Currency, CustomerId, Field, Metadata, Money, NewOrder, Note, OrderAction,
    OrderId, OrderStatus, Payment, PaymentRequest, ProductId, Quantity, Refund, Shipment,
    ShippingAddress, StoreId, Tracking, Version, Violation,
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
    /// Only captured money can be refunded; money only authorized is let go by canceling.
    #[error("the order's payment is not captured; cancel the order to void it")]
    NotCaptured,
    /// The refund settled already, or is not the order's.
    #[error("the refund is not pending")]
    RefundNotPending,
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
    pub note: Option<Note>,
    pub metadata: Metadata,
    /// Partial refunds, oldest first.
    pub refunds: Vec<Refund>,
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
        let new = new.into_parts();
        Self(OrderSnapshot {
            id,
            store_id: new.store_id,
            customer_id: new.customer_id,
            status: OrderStatus::Pending,
            lines: new.lines,
            totals: new.totals,
            payment: None,
            shipping_address: None,
            shipment: None,
            note: new.note,
            metadata: new.metadata,
            refunds: Vec::new(),
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
    pub fn note(&self) -> Option<&Note> {
        self.0.note.as_ref()
    }
    pub fn metadata(&self) -> &Metadata {
        &self.0.metadata
    }

    /// Replaces the metadata as a whole, in any status while the order is live.
    pub fn update_metadata(
        &mut self,
        metadata: Metadata,
        at: DateTime<Utc>,
    ) -> Result<(), OrderError> {
        self.ensure_allowed(OrderAction::UpdateMetadata)?;
        // The same metadata again changes nothing: no new version, and no event.
        if self.0.metadata == metadata {
            return Ok(());
        }
        self.0.metadata = metadata;
        self.apply(OrderAction::UpdateMetadata, at);
        Ok(())
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

    /// A paid order is `processing`; it keeps the provider's authorization of the payment.
    pub fn pay(
        &mut self,
        payment: &PaymentRequest,
        authorization: AuthorizationId,
        at: DateTime<Utc>,
    ) -> Result<(), OrderError> {
        self.check_payment(payment)?;
        self.0.payment = Some(Payment {
            method: payment.method.clone(),
            amount: payment.amount,
            reference: payment.reference.clone(),
            paid_at: at,
            authorization_id: Some(authorization),
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
    /// The status table decides: the goods have not left, and the order can no longer ship (it ended, or
    /// was archived before shipping).
    pub fn releases_stock(&self) -> bool {
        let status = self.0.status;
        let may_still_ship = !self.is_deleted() && status.reaches(OrderStatus::Shipped);
        !status.has_shipped() && !may_still_ship
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

    /// Soft delete: the order stays on record for audit but is gone for every client. A pending order is
    /// canceled in the same change; an order whose money or goods are still moving cannot be deleted.
    pub fn delete(&mut self, at: DateTime<Utc>) -> Result<(), OrderError> {
        self.ensure_allowed(OrderAction::Delete)?;
        self.0.deleted_at = Some(at);
        self.apply(OrderAction::Delete, at);
        Ok(())
    }

    fn touch(&mut self, at: DateTime<Utc>) {
        self.0.updated_at = at;
        self.0.version = self.0.version.next();
    }
}

#[path = "order_refunds.rs"]
mod refunds;

#[cfg(test)]
#[path = "order_tests.rs"]
pub(crate) mod tests;

#[cfg(test)]
#[path = "order_refunds_tests.rs"]
pub(crate) mod refunds_tests;
