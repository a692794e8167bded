//! The one rule of which event a change is and which effects must follow it.

use crate::{
    Datum, EffectKind, EventContext, EventId, EventType, Money, NotificationKind, Order,
    OrderEvent, OrderStatus, ProductId, Quantity, Refund, RefundStatus, Return, ReturnStatus,
    Shipment, ShipmentStatus, ShippingAddress,
};

/// A change as it is written, in the same transaction as the order: its event and the effects to run after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedChange {
    pub event: OrderEvent,
    pub effects: Vec<EffectKind>,
}

impl RecordedChange {
    /// The change from `before` (`None`: the order is new) to `after`; `None` if nothing an event tells of
    /// changed.
    pub fn of(before: Option<&Order>, after: &Order, context: EventContext) -> Option<Self> {
        let (event_type, data) = describe(before, after)?;
        let effects = effects(event_type, before, after);
        Some(Self {
            event: OrderEvent {
                id: EventId::generate(),
                order_id: after.id(),
                event_type,
                order_version: after.version(),
                occurred_at: after.updated_at(),
                context,
                data: data.into(),
            },
            effects,
        })
    }

    /// Whether the change from `before` to `after` is the order's first shipment: the one place that says so
    /// (the payment's capture follows it).
    pub fn is_first_shipment(before: Option<&Order>, after: &Order) -> bool {
        before.is_some_and(|b| b.shipments().is_empty()) && !after.shipments().is_empty()
    }

    /// The same change without its publication (publication is off).
    pub fn without_publication(mut self) -> Self {
        self.effects.retain(|effect| *effect != EffectKind::Publish);
        self
    }
}

fn describe(before: Option<&Order>, after: &Order) -> Option<(EventType, Datum)> {
    let Some(before) = before else {
        return Some((EventType::Created, created(after)));
    };
    if after.is_deleted() && !before.is_deleted() {
        return Some((
            EventType::Deleted,
            Datum::object([("status", status(after))]),
        ));
    }
    // Before the refunds: receiving a return asks for its refund in the same change.
    if let Some(described) = return_change(before, after) {
        return Some(described);
    }
    if let Some(described) = refund_change(before, after) {
        return Some(described);
    }
    let (from, to) = (before.status(), after.status());
    let new_shipment = after
        .shipments()
        .iter()
        .find(|s| !before.shipments().iter().any(|b| b.id == s.id));
    if from != to {
        let kind = match to {
            OrderStatus::Processing => EventType::Paid,
            // A shipment that ships everything is the order shipped (as consumers of `order.shipped` know it);
            // one that ships part of it is a shipment created.
            OrderStatus::PartiallyShipped => EventType::ShipmentCreated,
            OrderStatus::Shipped => EventType::Shipped,
            OrderStatus::Delivered => EventType::Delivered,
            OrderStatus::Canceled => EventType::Canceled,
            OrderStatus::Pending => return None,
        };
        let data = match kind {
            EventType::Paid => payment(after),
            EventType::ShipmentCreated | EventType::Shipped => shipment(new_shipment),
            EventType::Canceled => Datum::object([
                ("previousStatus", Datum::text(from.as_str())),
                ("refundAmount", refund_due(after).map_or(Datum::Null, money)),
            ]),
            EventType::Delivered => Datum::object([
                ("previousStatus", Datum::text(from.as_str())),
                ("shipmentIds", delivered_now(before, after)),
            ]),
            _ => Datum::object([("previousStatus", Datum::text(from.as_str()))]),
        };
        return Some((kind, data));
    }
    let captured = |order: &Order| order.payment().and_then(|p| p.captured_at);
    if captured(before).is_none() && captured(after).is_some() {
        let amount = after.payment().map(|p| p.amount);
        return Some((
            EventType::PaymentCaptured,
            Datum::object([("amount", amount.map_or(Datum::Null, money))]),
        ));
    }
    if new_shipment.is_some() {
        return Some((EventType::ShipmentCreated, shipment(new_shipment)));
    }
    // A shipment changed: it arrived, or its tracking was corrected (even to the same values).
    let changed = after.shipments().iter().find_map(|s| {
        let old = before.shipments().iter().find(|b| b.id == s.id)?;
        (old != s).then_some((old, s))
    });
    if let Some((old, new)) = changed {
        if old.status != new.status {
            let data = Datum::object([("shipmentId", Datum::text(new.id.to_string()))]);
            return Some((EventType::ShipmentDelivered, data));
        }
        return Some((EventType::TrackingCorrected, correction(old, new)));
    }
    let refunded = |order: &Order| order.payment().and_then(|p| p.refunded_at);
    if refunded(before).is_none() && refunded(after).is_some() {
        let amount = after.payment().map(|p| p.amount);
        return Some((
            EventType::RefundSucceeded,
            Datum::object([("amount", amount.map_or(Datum::Null, money))]),
        ));
    }
    if before.metadata() != after.metadata() {
        let data = Datum::object([("before", metadata(before)), ("after", metadata(after))]);
        return Some((EventType::MetadataUpdated, data));
    }
    // A correction to the very values at the very instant they were set changes no shipment, and is still a
    // correction: of the shipment stamped with this change's instant (or the latest).
    if to.has_shipments() {
        let touched = after
            .shipments()
            .iter()
            .find(|s| s.updated_at == after.updated_at())
            .or(after.shipment());
        if let Some(shipment) = touched {
            return Some((EventType::TrackingCorrected, correction(shipment, shipment)));
        }
    }
    // Last: setting the address it already has is still the address being set.
    if after.shipping_address().is_some() {
        let data = Datum::object([
            ("before", address(before.shipping_address())),
            ("after", address(after.shipping_address())),
        ]);
        return Some((EventType::ShippingAddressSet, data));
    }
    None
}

/// A refund asked for, or one that settled: the refunds are compared by id, the newest change told.
fn refund_change(before: &Order, after: &Order) -> Option<(EventType, Datum)> {
    if after.refunds().len() > before.refunds().len() {
        let refund = after.refunds().last()?;
        return Some((EventType::RefundRequested, refund_datum(refund)));
    }
    after.refunds().iter().find_map(|refund| {
        let was = before.refund(refund.id)?;
        let kind = match (was.status, refund.status) {
            (RefundStatus::Pending, RefundStatus::Succeeded) => EventType::RefundSucceeded,
            (RefundStatus::Pending, RefundStatus::Failed) => EventType::RefundFailed,
            _ => return None,
        };
        Some((kind, refund_datum(refund)))
    })
}

/// A return asked for, received or rejected: the returns are compared by id.
fn return_change(before: &Order, after: &Order) -> Option<(EventType, Datum)> {
    if after.returns().len() > before.returns().len() {
        let asked = after.returns().last()?;
        return Some((EventType::ReturnRequested, return_datum(asked)));
    }
    after.returns().iter().find_map(|now| {
        let was = before.find_return(now.id)?;
        let kind = match (was.status, now.status) {
            (ReturnStatus::Requested, ReturnStatus::Received) => EventType::ReturnReceived,
            (ReturnStatus::Requested, ReturnStatus::Rejected) => EventType::ReturnRejected,
            _ => return None,
        };
        Some((kind, return_datum(now)))
    })
}

fn return_datum(found: &Return) -> Datum {
    let time = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map_or(Datum::Null, |at| {
            Datum::text(at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
        })
    };
    Datum::object([
        ("returnId", Datum::text(found.id.to_string())),
        (
            "items",
            items_datum(found.items.iter().map(|i| (&i.product_id, i.quantity))),
        ),
        ("reason", Datum::text(found.reason.as_str())),
        ("status", Datum::text(found.status.as_str())),
        ("requestedAt", time(Some(found.requested_at))),
        ("receivedAt", time(found.received_at)),
        ("rejectedAt", time(found.rejected_at)),
        (
            "refundId",
            found
                .refund
                .map_or(Datum::Null, |id| Datum::text(id.to_string())),
        ),
    ])
}

fn items_datum<'a>(items: impl Iterator<Item = (&'a ProductId, Quantity)>) -> Datum {
    Datum::List(
        items
            .map(|(product, quantity)| {
                Datum::object([
                    ("productId", Datum::text(product.as_str())),
                    ("quantity", Datum::Integer(i64::from(quantity.get()))),
                ])
            })
            .collect(),
    )
}

fn refund_datum(refund: &Refund) -> Datum {
    let items = refund
        .items
        .iter()
        .map(|item| {
            Datum::object([
                ("productId", Datum::text(item.product_id.as_str())),
                ("quantity", Datum::Integer(i64::from(item.quantity.get()))),
            ])
        })
        .collect();
    Datum::object([
        ("refundId", Datum::text(refund.id.to_string())),
        ("amount", money(refund.amount)),
        ("reason", Datum::text(refund.reason.as_str())),
        ("items", Datum::List(items)),
        ("status", Datum::text(refund.status.as_str())),
    ])
}

fn effects(event_type: EventType, before: Option<&Order>, after: &Order) -> Vec<EffectKind> {
    let notify = |kind| EffectKind::Notify {
        kind,
        customer: after.customer_id().clone(),
    };
    let mut effects = vec![EffectKind::Publish];
    match event_type {
        EventType::Created => effects.push(notify(NotificationKind::OrderCreated)),
        EventType::Paid => effects.push(notify(NotificationKind::OrderPaid)),
        EventType::Shipped => effects.push(notify(NotificationKind::OrderShipped)),
        EventType::Delivered => effects.push(notify(NotificationKind::OrderDelivered)),
        EventType::Canceled => {
            effects.push(EffectKind::ReleaseStock);
            effects.push(notify(NotificationKind::OrderCanceled));
            effects.extend(refund_due(after).map(|amount| EffectKind::Refund {
                amount,
                refund: None,
            }));
            if voids(after) {
                effects.push(EffectKind::Void);
            }
        }
        // A deleted order that will never ship gives its stock back (unless its cancel already did).
        EventType::Deleted => {
            if after.releases_stock() && before.is_some_and(|b| !b.releases_stock()) {
                effects.push(EffectKind::ReleaseStock);
            }
        }
        // The refund just asked for is given back by the provider after commit, keyed by its id.
        EventType::RefundRequested => {
            effects.extend(after.refunds().last().map(|refund| EffectKind::Refund {
                amount: refund.amount,
                refund: Some(refund.id),
            }));
        }
        // The goods back go back in stock, and the refund asked for with them is given back by the
        // provider, each after commit under a key of its own.
        EventType::ReturnReceived => {
            let received = after.returns().iter().find(|now| {
                now.status == ReturnStatus::Received
                    && before.is_some_and(|b| {
                        b.find_return(now.id)
                            .is_some_and(|was| was.status == ReturnStatus::Requested)
                    })
            });
            if let Some(received) = received {
                effects.push(EffectKind::Restock(received.id));
                let refund = received.refund.and_then(|id| after.refund(id));
                effects.extend(refund.map(|refund| EffectKind::Refund {
                    amount: refund.amount,
                    refund: Some(refund.id),
                }));
            }
        }
        EventType::ShippingAddressSet
        | EventType::ReturnRequested
        | EventType::ReturnRejected
        | EventType::ShipmentCreated
        | EventType::ShipmentDelivered
        | EventType::TrackingCorrected
        | EventType::RefundSucceeded
        | EventType::RefundFailed
        | EventType::MetadataUpdated
        | EventType::PaymentCaptured => {}
    }
    effects.extend(captures(before, after).map(EffectKind::Capture));
    effects
}

/// The first shipment captures the authorized money: the amount to take, when `after` is that change.
pub fn captures(before: Option<&Order>, after: &Order) -> Option<Money> {
    let first_shipment = RecordedChange::is_first_shipment(before, after);
    let payment = after.payment().filter(|p| p.authorization_id.is_some())?;
    (first_shipment && payment.captured_at.is_none()).then_some(payment.amount)
}

/// A cancel lets go of an authorization that was never captured (a captured one is refunded instead).
fn voids(after: &Order) -> bool {
    after
        .payment()
        .is_some_and(|p| p.authorization_id.is_some() && !p.refund_due)
}

fn metadata(order: &Order) -> Datum {
    Datum::Object(
        order
            .metadata()
            .entries()
            .iter()
            .map(|(key, value)| (key.clone(), Datum::text(value)))
            .collect(),
    )
}

fn refund_due(order: &Order) -> Option<Money> {
    order
        .payment()
        .filter(|payment| payment.refund_due)
        .map(|payment| payment.amount)
}

fn money(amount: Money) -> Datum {
    Datum::object([
        ("amount", Datum::text(amount.to_decimal().to_string())),
        ("currency", Datum::text(amount.currency().code())),
    ])
}

fn status(order: &Order) -> Datum {
    Datum::text(order.status().as_str())
}

fn created(order: &Order) -> Datum {
    let totals = order.totals();
    let items = order
        .lines()
        .iter()
        .map(|line| {
            Datum::object([
                ("productId", Datum::text(line.product_id.as_str())),
                ("quantity", Datum::Integer(i64::from(line.quantity.get()))),
                (
                    "price",
                    Datum::text(line.unit_price.to_decimal().to_string()),
                ),
            ])
        })
        .collect();
    Datum::object([
        ("storeId", Datum::text(order.store_id().as_str())),
        ("customerId", Datum::text(order.customer_id().as_str())),
        ("status", status(order)),
        ("currency", Datum::text(order.currency().code())),
        (
            "itemsTotal",
            Datum::text(totals.items_total.to_decimal().to_string()),
        ),
        (
            "shippingCost",
            Datum::text(totals.shipping_cost.to_decimal().to_string()),
        ),
        (
            "taxAmount",
            Datum::text(totals.tax_amount.to_decimal().to_string()),
        ),
        (
            "totalAmount",
            Datum::text(totals.total_amount.to_decimal().to_string()),
        ),
        ("items", Datum::List(items)),
    ])
}

fn payment(order: &Order) -> Datum {
    match order.payment() {
        None => Datum::object([]),
        Some(payment) => Datum::object([
            ("method", Datum::text(&payment.method)),
            ("amount", money(payment.amount)),
            (
                "reference",
                Datum::optional_text(payment.reference.as_deref()),
            ),
        ]),
    }
}

/// A new shipment: its tracking at the top (as `order.shipped` has always had it), its id and items.
fn shipment(shipment: Option<&Shipment>) -> Datum {
    match shipment {
        None => Datum::object([]),
        Some(shipment) => Datum::object([
            ("shipmentId", Datum::text(shipment.id.to_string())),
            ("carrier", Datum::text(&shipment.carrier)),
            ("trackingNumber", Datum::text(&shipment.tracking_number)),
            (
                "items",
                Datum::List(
                    shipment
                        .items
                        .iter()
                        .map(|item| {
                            Datum::object([
                                ("productId", Datum::text(item.product_id.as_str())),
                                ("quantity", Datum::Integer(i64::from(item.quantity.get()))),
                            ])
                        })
                        .collect(),
                ),
            ),
        ]),
    }
}

fn correction(old: &Shipment, new: &Shipment) -> Datum {
    Datum::object([
        ("shipmentId", Datum::text(new.id.to_string())),
        ("before", tracking(old)),
        ("after", tracking(new)),
    ])
}

fn tracking(shipment: &Shipment) -> Datum {
    Datum::object([
        ("carrier", Datum::text(&shipment.carrier)),
        ("trackingNumber", Datum::text(&shipment.tracking_number)),
    ])
}

/// The ids of the shipments a change delivered.
fn delivered_now(before: &Order, after: &Order) -> Datum {
    let was_delivered = |id| {
        before
            .shipments()
            .iter()
            .any(|b| b.id == id && b.status == ShipmentStatus::Delivered)
    };
    Datum::List(
        after
            .shipments()
            .iter()
            .filter(|s| s.is_delivered() && !was_delivered(s.id))
            .map(|s| Datum::text(s.id.to_string()))
            .collect(),
    )
}

fn address(address: Option<&ShippingAddress>) -> Datum {
    match address {
        None => Datum::Null,
        Some(a) => Datum::object([
            ("name", Datum::optional_text(a.name.as_deref())),
            ("line1", Datum::text(&a.line1)),
            ("line2", Datum::optional_text(a.line2.as_deref())),
            ("city", Datum::text(&a.city)),
            ("state", Datum::optional_text(a.state.as_deref())),
            ("postalCode", Datum::text(&a.postal_code)),
            ("country", Datum::text(a.country.code())),
        ]),
    }
}

#[cfg(test)]
#[path = "change_tests.rs"]
mod tests;
