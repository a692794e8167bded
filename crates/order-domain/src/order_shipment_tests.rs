//! Shipments by line: the quantity rules, the statuses they lead to, and the events they are.

use super::tests::{at, authorization, payment, tracking};
use super::*;
use crate::{
    EffectKind, EventContext, EventType, ItemDraft, NewOrder, OrderDraft, RecordedChange,
    ShipmentItemDraft, TrackingDraft,
};

/// A paid order of 3 × `a` and 1 × `b`.
fn paid() -> Order {
    let item = |product: &str, quantity: &str| ItemDraft {
        product_id: Some(product.into()),
        quantity: Some(quantity.into()),
        price: Some("10".into()),
    };
    let draft = OrderDraft {
        store_id: Some("s".into()),
        customer_id: Some("c".into()),
        currency: None,
        items: Some(vec![item("a", "3"), item("b", "1")]),
        items_total: Some("40".into()),
        shipping_cost: Some("0".into()),
        tax_amount: Some("0".into()),
        total_amount: Some("40".into()),
        note: None,
        metadata: None,
    };
    let new = NewOrder::parse(draft).expect("a valid order");
    let mut order = Order::place(new, OrderId::generate(), at(0));
    order
        .pay(&payment("40"), authorization(), at(1))
        .expect("paid");
    order
}

fn request(items: &[(&str, &str)]) -> ShipmentRequest {
    ShipmentRequest::parse(
        TrackingDraft {
            carrier: Some("UPS".into()),
            tracking_number: Some("1Z".into()),
        },
        Some(
            items
                .iter()
                .map(|(product, quantity)| ShipmentItemDraft {
                    product_id: Some((*product).into()),
                    quantity: Some((*quantity).into()),
                })
                .collect(),
        ),
    )
    .expect("a valid request")
}

fn everything() -> ShipmentRequest {
    ShipmentRequest {
        tracking: tracking("T"),
        items: None,
    }
}

fn shipped(order: &Order) -> Vec<u32> {
    order.line_progress().iter().map(|l| l.shipped).collect()
}

fn event(before: &Order, after: &Order) -> RecordedChange {
    RecordedChange::of(Some(before), after, EventContext::default()).expect("an event")
}

#[test]
fn shipping_part_of_an_order_leaves_it_partially_shipped_and_the_rest_ships_it() {
    let mut order = paid();
    assert_eq!(shipped(&order), [0, 0]);
    order.ship(request(&[("a", "2")]), at(2)).expect("ships");
    assert_eq!(order.status(), OrderStatus::PartiallyShipped);
    assert_eq!(shipped(&order), [2, 0]);
    assert_eq!(order.unshipped(&ProductId::parse("a").expect("id")), 1);
    order
        .ship(request(&[("a", "1"), ("b", "1")]), at(3))
        .expect("ships");
    assert_eq!(order.status(), OrderStatus::Shipped);
    assert_eq!(shipped(&order), [3, 1]);
    assert_eq!(order.shipments().len(), 2);
    assert_eq!(order.version().get(), 4);
}

#[test]
fn a_shipment_without_items_ships_everything_not_yet_shipped() {
    let mut order = paid();
    order.ship(request(&[("a", "1")]), at(2)).expect("ships");
    order.ship(everything(), at(3)).expect("ships");
    let last = order.shipment().expect("a shipment");
    let items: Vec<_> = last
        .items
        .iter()
        .map(|i| (i.product_id.as_str(), i.quantity.get()))
        .collect();
    assert_eq!(items, [("a", 2), ("b", 1)]);
    assert_eq!(order.status(), OrderStatus::Shipped);
}

#[test]
fn more_than_remains_or_an_unknown_product_is_refused_naming_the_item_and_changes_nothing() {
    let mut order = paid();
    order.ship(request(&[("a", "2")]), at(2)).expect("ships");
    let before = order.clone();
    let refused = order.ship(request(&[("b", "1"), ("a", "2"), ("zz", "1")]), at(3));
    let fields: Vec<_> = match refused {
        Err(OrderError::Invalid(violations)) => violations.into_iter().map(|v| v.field).collect(),
        other => panic!("expected a violation, got {other:?}"),
    };
    assert_eq!(
        fields,
        [
            Field::Item(1, ItemField::Quantity),
            Field::Item(2, ItemField::ProductId)
        ]
    );
    assert_eq!(order, before);
}

#[test]
fn the_same_product_twice_in_one_shipment_counts_together() {
    let mut order = paid();
    let refused = order.ship(request(&[("a", "2"), ("a", "2")]), at(2));
    assert!(
        matches!(refused, Err(OrderError::Invalid(v)) if v[0].field == Field::Item(1, ItemField::Quantity))
    );
    order
        .ship(request(&[("a", "1"), ("a", "2")]), at(2))
        .expect("ships");
    assert_eq!(order.shipment().map(|s| s.items.len()), Some(1));
    assert_eq!(shipped(&order), [3, 0]);
}

#[test]
fn only_a_paid_unshipped_order_ships_and_a_partially_shipped_one_cannot_be_canceled() {
    let mut pending = super::tests::pending();
    assert_eq!(
        pending.ship(everything(), at(1)),
        super::tests::not_allowed(OrderAction::Ship, OrderStatus::Pending)
    );
    let mut order = paid();
    order.ship(request(&[("b", "1")]), at(2)).expect("ships");
    assert!(matches!(
        order.cancel(at(3)),
        Err(OrderError::NotAllowed { .. })
    ));
    assert!(matches!(
        order.delete(at(3)),
        Err(OrderError::NotAllowed { .. })
    ));
    order.ship(everything(), at(3)).expect("ships");
    assert!(matches!(
        order.ship(everything(), at(4)),
        Err(OrderError::NotAllowed { .. })
    ));
}

#[test]
fn the_order_is_delivered_when_every_shipment_of_a_shipped_order_is() {
    let mut order = paid();
    let first = order.ship(request(&[("a", "3")]), at(2)).expect("ships");
    order.deliver_shipment(first, at(3)).expect("delivers");
    assert_eq!(order.status(), OrderStatus::PartiallyShipped);
    let second = order.ship(everything(), at(4)).expect("ships");
    assert_eq!(order.status(), OrderStatus::Shipped);
    let version = order.version();
    order
        .deliver_shipment(first, at(5))
        .expect("again: nothing");
    assert_eq!(order.version(), version);
    order.deliver_shipment(second, at(6)).expect("delivers");
    assert_eq!(order.status(), OrderStatus::Delivered);
    assert_eq!(
        order.deliver_shipment(ShipmentId::generate(), at(7)),
        super::tests::not_allowed(OrderAction::DeliverShipment, OrderStatus::Delivered)
    );
}

#[test]
fn an_unknown_shipment_is_its_own_error() {
    let mut order = paid();
    order.ship(everything(), at(2)).expect("ships");
    assert_eq!(
        order.deliver_shipment(ShipmentId::generate(), at(3)),
        Err(OrderError::UnknownShipment)
    );
    assert_eq!(
        order.correct_tracking(ShipmentId::generate(), tracking("X"), at(3)),
        Err(OrderError::UnknownShipment)
    );
}

#[test]
fn the_legacy_delivery_delivers_every_shipment() {
    let mut order = paid();
    order.ship(request(&[("a", "1")]), at(2)).expect("ships");
    order
        .record_tracking(tracking("T"), at(3))
        .expect("ships the rest");
    assert_eq!(order.shipments().len(), 2);
    assert_eq!(order.status(), OrderStatus::Shipped);
    order.deliver(at(4)).expect("delivers");
    assert!(order
        .shipments()
        .iter()
        .all(|s| s.delivered_at == Some(at(4))));
}

#[test]
fn shipments_are_events_and_the_last_one_is_the_order_shipped() {
    let start = paid();
    let mut part = start.clone();
    let id = part.ship(request(&[("a", "1")]), at(2)).expect("ships");
    let created = event(&start, &part);
    assert_eq!(created.event.event_type, EventType::ShipmentCreated);
    let total = start.totals().total_amount;
    assert_eq!(
        created.effects,
        [EffectKind::Publish, EffectKind::Capture(total)],
        "the first shipment captures the whole authorization"
    );
    assert!(RecordedChange::is_first_shipment(Some(&start), &part));

    let mut more = part.clone();
    more.ship(request(&[("a", "1")]), at(3)).expect("ships");
    assert_eq!(
        event(&part, &more).event.event_type,
        EventType::ShipmentCreated
    );
    assert!(!RecordedChange::is_first_shipment(Some(&part), &more));
    assert_eq!(
        event(&part, &more).effects,
        [EffectKind::Publish],
        "only the first shipment captures"
    );

    let mut corrected = more.clone();
    corrected
        .correct_tracking(id, tracking("T9"), at(4))
        .expect("corrects");
    assert_eq!(
        event(&more, &corrected).event.event_type,
        EventType::TrackingCorrected
    );

    let mut arrived = corrected.clone();
    arrived.deliver_shipment(id, at(5)).expect("delivers");
    assert_eq!(
        event(&corrected, &arrived).event.event_type,
        EventType::ShipmentDelivered
    );

    let mut all = arrived.clone();
    all.ship(everything(), at(6)).expect("ships");
    let shipped = event(&arrived, &all);
    assert_eq!(shipped.event.event_type, EventType::Shipped);
    assert!(shipped.effects.len() == 2, "published and notified");
}
