use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::{
    AuthorizationId, Currency, CustomerId, Field, ItemField, Metadata, Money, NewOrder, Note,
    OrderAction, OrderId, OrderStatus, Payment, PaymentRequest, ProductId, Quantity, Refund,
    Return, ReturnStatus, Shipment, ShipmentId, ShipmentItem, ShipmentRequest, ShipmentStatus,
    ShippingAddress, StoreId, Tracking, Version, Violation,
};

/// Why an order refuses a change.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrderError {
    #[error("cannot {action} an order that is {status}")]
    NotAllowed {
        action: OrderAction,
        status: OrderStatus,
        /// What the order allows instead (`Order::allowed_actions`), for the client to be told.
        allowed: Vec<OrderAction>,
    },
    #[error("the change breaks {} rule(s)", .0.len())]
    Invalid(Vec<Violation>),
    #[error("the order has no refund due")]
    NoRefundDue,
    #[error("the order has no such shipment")]
    UnknownShipment,
    #[error("the order has no capture due")]
    NoCaptureDue,
    /// Only captured money can be refunded; money only authorized is let go by canceling.
    #[error("the order's payment is not captured; cancel the order to void it")]
    NotCaptured,
    /// The refund settled already, or is not the order's.
    #[error("the refund is not pending")]
    RefundNotPending,
    #[error("the order has no such return")]
    UnknownReturn,
    /// Only a requested return is received or rejected.
    #[error("the return is {0}, not requested")]
    ReturnNotRequested(ReturnStatus),
}

/// How much of one line has left and come back, counted from the order's shipments and received returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineProgress {
    pub shipped: u32,
    pub returned: u32,
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
    /// Oldest first.
    pub shipments: Vec<Shipment>,
    pub note: Option<Note>,
    pub metadata: Metadata,
    /// Partial refunds, oldest first.
    pub refunds: Vec<Refund>,
    /// Returns, oldest first.
    pub returns: Vec<Return>,
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
            shipments: Vec::new(),
            note: new.note,
            metadata: new.metadata,
            refunds: Vec::new(),
            returns: Vec::new(),
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
    /// The latest shipment.
    pub fn shipment(&self) -> Option<&Shipment> {
        self.0.shipments.last()
    }
    /// Every shipment, oldest first.
    pub fn shipments(&self) -> &[Shipment] {
        &self.0.shipments
    }

    /// Per line, in line order, how much of it has shipped and come back: a product's shipped (and
    /// returned) units fill its lines in order.
    pub fn line_progress(&self) -> Vec<LineProgress> {
        if self.0.shipments.is_empty() && self.0.returns.is_empty() {
            // Nothing has left: most orders a page lists, counted without a product's pools.
            let none = LineProgress {
                shipped: 0,
                returned: 0,
            };
            return vec![none; self.0.lines.len()];
        }
        let mut shipped: Vec<(&ProductId, u32)> = Vec::new();
        let mut returned: Vec<(&ProductId, u32)> = Vec::new();
        for line in &self.0.lines {
            if !shipped.iter().any(|(p, _)| *p == &line.product_id) {
                let units = self
                    .0
                    .shipments
                    .iter()
                    .map(|s| s.quantity_of(&line.product_id))
                    .sum();
                shipped.push((&line.product_id, units));
                returned.push((&line.product_id, self.returned(&line.product_id)));
            }
        }
        let take = |pool: &mut Vec<(&ProductId, u32)>, line: &OrderLine| {
            pool.iter_mut()
                .find(|(p, _)| *p == &line.product_id)
                .map_or(0, |(_, units)| {
                    let here = (*units).min(line.quantity.get());
                    *units -= here;
                    here
                })
        };
        self.0
            .lines
            .iter()
            .map(|line| LineProgress {
                shipped: take(&mut shipped, line),
                returned: take(&mut returned, line),
            })
            .collect()
    }

    /// Units of `product` ordered and not shipped yet.
    pub fn unshipped(&self, product: &ProductId) -> u32 {
        let ordered: u32 = self
            .0
            .lines
            .iter()
            .filter(|line| &line.product_id == product)
            .map(|line| line.quantity.get())
            .sum();
        let shipped: u32 = self
            .0
            .shipments
            .iter()
            .map(|s| s.quantity_of(product))
            .sum();
        ordered.saturating_sub(shipped)
    }

    /// Every product with units not shipped yet, in line order.
    fn remaining_items(&self) -> Vec<ShipmentItem> {
        let mut items: Vec<ShipmentItem> = Vec::new();
        for line in &self.0.lines {
            if items.iter().any(|i| i.product_id == line.product_id) {
                continue;
            }
            let left = self.unshipped(&line.product_id);
            if let Ok(quantity) = Quantity::try_from(i128::from(left)) {
                items.push(ShipmentItem {
                    product_id: line.product_id.clone(),
                    quantity,
                });
            }
        }
        items
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
    pub fn allowed_actions(&self) -> impl Iterator<Item = OrderAction> + '_ {
        // A return is settled only while one waits: the status says goods left, the returns say one came back.
        OrderAction::allowed_in(self.0.status)
            .filter(|action| *action != OrderAction::SettleReturn || self.awaits_a_return())
    }

    fn ensure_allowed(&self, action: OrderAction) -> Result<(), OrderError> {
        if action.is_allowed_in(self.0.status) {
            Ok(())
        } else {
            Err(OrderError::NotAllowed {
                action,
                status: self.0.status,
                allowed: self.allowed_actions().collect(),
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
            captured_at: None,
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

    /// Ships the requested quantities (`None`: everything not shipped yet) in one new shipment. Each item must
    /// name a product of the order and at most what remains of it unshipped; the quantities then decide
    /// whether the order is partially shipped or shipped.
    pub fn ship(
        &mut self,
        request: ShipmentRequest,
        at: DateTime<Utc>,
    ) -> Result<ShipmentId, OrderError> {
        self.ensure_allowed(OrderAction::Ship)?;
        let items = match request.items {
            None => self.remaining_items(),
            Some(items) => {
                self.check_shippable(&items)?;
                merge(items)
            }
        };
        let id = ShipmentId::generate();
        self.0.shipments.push(Shipment {
            id,
            carrier: request.tracking.carrier,
            tracking_number: request.tracking.tracking_number,
            items,
            status: ShipmentStatus::Shipped,
            shipped_at: at,
            delivered_at: None,
            updated_at: at,
        });
        let everything = self
            .0
            .lines
            .iter()
            .all(|l| self.unshipped(&l.product_id) == 0);
        self.0.status = OrderStatus::after_shipment(everything);
        self.touch(at);
        Ok(id)
    }

    /// Every item names a product of the order, and no product is asked for more than remains of it.
    fn check_shippable(&self, items: &[ShipmentItem]) -> Result<(), OrderError> {
        let mut violations = Vec::new();
        let mut asked: Vec<(&ProductId, u32)> = Vec::new();
        for (index, item) in items.iter().enumerate() {
            if !self.0.lines.iter().any(|l| l.product_id == item.product_id) {
                violations.push(Violation::new(
                    Field::Item(index, ItemField::ProductId),
                    "is not a product of this order",
                ));
                continue;
            }
            let so_far = match asked.iter_mut().find(|(p, _)| *p == &item.product_id) {
                Some((_, units)) => {
                    *units += item.quantity.get();
                    *units
                }
                None => {
                    asked.push((&item.product_id, item.quantity.get()));
                    item.quantity.get()
                }
            };
            let left = self.unshipped(&item.product_id);
            if so_far > left {
                violations.push(Violation::new(
                    Field::Item(index, ItemField::Quantity),
                    format!("must be at most the {left} unit(s) of this product not shipped yet"),
                ));
            }
        }
        if violations.is_empty() {
            Ok(())
        } else {
            Err(OrderError::Invalid(violations))
        }
    }

    /// The first API: a paid or partially shipped order ships everything remaining in one shipment with this
    /// tracking; a shipped order gets the tracking of its latest shipment corrected.
    pub fn record_tracking(
        &mut self,
        tracking: Tracking,
        at: DateTime<Utc>,
    ) -> Result<(), OrderError> {
        self.ensure_allowed(OrderAction::RecordTracking)?;
        match (self.0.status, self.0.shipments.last()) {
            (OrderStatus::Shipped, Some(latest)) => {
                let id = latest.id;
                self.correct_tracking(id, tracking, at)
            }
            _ => self
                .ship(
                    ShipmentRequest {
                        tracking,
                        items: None,
                    },
                    at,
                )
                .map(drop),
        }
    }

    /// Corrects one shipment's tracking (even to the same values: the correction is still recorded).
    pub fn correct_tracking(
        &mut self,
        shipment: ShipmentId,
        tracking: Tracking,
        at: DateTime<Utc>,
    ) -> Result<(), OrderError> {
        self.ensure_allowed(OrderAction::CorrectShipmentTracking)?;
        let shipment = self.shipment_mut(shipment)?;
        shipment.carrier = tracking.carrier;
        shipment.tracking_number = tracking.tracking_number;
        shipment.updated_at = at;
        self.touch(at);
        Ok(())
    }

    /// Records that one shipment arrived; a shipped order whose every shipment arrived is delivered. Delivering
    /// a delivered shipment again changes nothing.
    pub fn deliver_shipment(
        &mut self,
        shipment: ShipmentId,
        at: DateTime<Utc>,
    ) -> Result<(), OrderError> {
        self.ensure_allowed(OrderAction::DeliverShipment)?;
        let shipment = self.shipment_mut(shipment)?;
        if shipment.is_delivered() {
            return Ok(());
        }
        shipment.status = ShipmentStatus::Delivered;
        shipment.delivered_at = Some(at);
        shipment.updated_at = at;
        let all_arrived = self.0.shipments.iter().all(Shipment::is_delivered);
        if all_arrived && OrderAction::Deliver.is_allowed_in(self.0.status) {
            self.apply(OrderAction::Deliver, at);
        } else {
            self.touch(at);
        }
        Ok(())
    }

    /// The first API: a shipped order is delivered, and with it every shipment not delivered yet.
    pub fn deliver(&mut self, at: DateTime<Utc>) -> Result<(), OrderError> {
        self.ensure_allowed(OrderAction::Deliver)?;
        for shipment in self.0.shipments.iter_mut().filter(|s| !s.is_delivered()) {
            shipment.status = ShipmentStatus::Delivered;
            shipment.delivered_at = Some(at);
            shipment.updated_at = at;
        }
        self.apply(OrderAction::Deliver, at);
        Ok(())
    }

    fn shipment_mut(&mut self, id: ShipmentId) -> Result<&mut Shipment, OrderError> {
        self.0
            .shipments
            .iter_mut()
            .find(|s| s.id == id)
            .ok_or(OrderError::UnknownShipment)
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

    /// The capture of the authorized money went through.
    pub fn record_capture(&mut self, at: DateTime<Utc>) -> Result<(), OrderError> {
        match &mut self.0.payment {
            Some(payment) if payment.captured_at.is_none() => payment.captured_at = Some(at),
            _ => return Err(OrderError::NoCaptureDue),
        }
        self.touch(at);
        Ok(())
    }

    /// The money of the order that counts as captured: all of it once the first shipment has asked for
    /// its capture (the worker runs an order's effects in version order, so nothing written later can
    /// overtake the capture), nothing before.
    pub fn captured_amount(&self) -> Money {
        match &self.0.payment {
            None => Money::zero(self.currency()),
            Some(payment) if !self.0.shipments.is_empty() => payment.amount,
            Some(payment) => payment.captured_amount(),
        }
    }

    /// Canceling an order whose money was captured leaves a refund due; an order that is only authorized
    /// has its authorization voided instead (see `RecordedChange`).
    pub fn cancel(&mut self, at: DateTime<Utc>) -> Result<(), OrderError> {
        self.ensure_allowed(OrderAction::Cancel)?;
        let captured = self.captured_amount();
        if let Some(payment) = &mut self.0.payment {
            payment.refund_due = captured.minor_units() > 0;
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

/// The items of a shipment with each product once, in the order first named.
fn merge(items: Vec<ShipmentItem>) -> Vec<ShipmentItem> {
    let mut merged: Vec<ShipmentItem> = Vec::with_capacity(items.len());
    for item in items {
        match merged.iter_mut().find(|m| m.product_id == item.product_id) {
            Some(m) => {
                let sum = i128::from(m.quantity.get()) + i128::from(item.quantity.get());
                // Checked against the order's quantities already, so the sum is a quantity.
                m.quantity = Quantity::try_from(sum).unwrap_or(m.quantity);
            }
            None => merged.push(item),
        }
    }
    merged
}

#[path = "order_refunds.rs"]
mod refunds;

#[path = "order_returns.rs"]
mod returns;

#[cfg(test)]
#[path = "order_tests.rs"]
pub(crate) mod tests;

#[cfg(test)]
#[path = "order_shipment_tests.rs"]
mod shipment_tests;

#[cfg(test)]
#[path = "order_refunds_tests.rs"]
pub(crate) mod refunds_tests;

#[cfg(test)]
#[path = "order_returns_tests.rs"]
mod returns_tests;
