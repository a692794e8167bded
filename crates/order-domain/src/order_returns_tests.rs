//! Returns: only shipped units come back, once; receiving refunds their price once; the events they are.

use super::tests::{at, authorization, payment};
use super::*;
use crate::{
    EffectKind, EventContext, EventType, ItemDraft, NewOrder, OrderDraft, OrderRefundId,
    RecordedChange, RefundDraft, RefundItemDraft, RefundRequest, RefundStatus, ReturnDraft,
    ReturnId, ReturnItemDraft, ReturnRequest, ReturnStatus, ShipmentItemDraft, TrackingDraft,
};

/// An order of 3 × `a` at 10 and 1 × `b` at 20 (total 50), paid, with 2 × `a` shipped.
fn partly_shipped() -> Order {
    paid_and_shipped(&[("a", "3", "10"), ("b", "1", "20")], "50", &[("a", "2")])
}

/// An order of `lines` (product, quantity, unit price) paid in full, with `shipped` (product, quantity) shipped.
fn paid_and_shipped(lines: &[(&str, &str, &str)], total: &str, shipped: &[(&str, &str)]) -> Order {
    let items = lines
        .iter()
        .map(|(product, quantity, price)| ItemDraft {
            product_id: Some((*product).into()),
            quantity: Some((*quantity).into()),
            price: Some((*price).into()),
        })
        .collect();
    let draft = OrderDraft {
        store_id: Some("s".into()),
        customer_id: Some("c".into()),
        currency: None,
        items: Some(items),
        items_total: Some(total.into()),
        shipping_cost: Some("0".into()),
        tax_amount: Some("0".into()),
        total_amount: Some(total.into()),
        note: None,
        metadata: None,
    };
    let new = NewOrder::parse(draft).expect("a valid order");
    let mut order = Order::place(new, OrderId::generate(), at(0));
    order
        .pay(&payment(total), authorization(), at(1))
        .expect("paid");
    let items = shipped
        .iter()
        .map(|(product, quantity)| ShipmentItemDraft {
            product_id: Some((*product).into()),
            quantity: Some((*quantity).into()),
        })
        .collect();
    let shipment = ShipmentRequest::parse(
        TrackingDraft {
            carrier: Some("UPS".into()),
            tracking_number: Some("1Z".into()),
        },
        Some(items),
    )
    .expect("a valid shipment");
    order.ship(shipment, at(2)).expect("ships");
    order
}

fn request(items: &[(&str, &str)]) -> ReturnRequest {
    ReturnRequest::parse(ReturnDraft {
        reason: Some("too small".into()),
        items: Some(
            items
                .iter()
                .map(|(product, quantity)| ReturnItemDraft {
                    product_id: Some((*product).into()),
                    quantity: Some((*quantity).into()),
                })
                .collect(),
        ),
    })
    .expect("a well-formed return")
}

/// A refund of `amount` naming `units` of product `a` (none: no items).
fn refund_of_a(amount: &str, units: Option<&str>) -> RefundRequest {
    RefundRequest::parse(
        RefundDraft {
            amount: Some(amount.into()),
            reason: Some("goodwill".into()),
            items: units.map(|quantity| {
                vec![RefundItemDraft {
                    product_id: Some("a".into()),
                    quantity: Some(quantity.into()),
                }]
            }),
        },
        crate::Currency::USD,
    )
    .expect("a refund")
}

fn fields(result: Result<(), OrderError>) -> Vec<Field> {
    match result {
        Err(OrderError::Invalid(violations)) => violations.iter().map(|v| v.field).collect(),
        other => panic!("expected violations, got {other:?}"),
    }
}

fn event(before: &Order, after: &Order) -> RecordedChange {
    RecordedChange::of(Some(before), after, EventContext::default()).expect("a change")
}

#[test]
fn an_order_with_nothing_shipped_takes_no_return() {
    let mut order = super::tests::pending();
    assert_eq!(
        order.request_return(request(&[("p", "1")]), ReturnId::generate(), at(1)),
        super::tests::not_allowed(OrderAction::RequestReturn, OrderStatus::Pending)
    );
}

#[test]
fn an_unknown_return_is_unknown_whatever_the_orders_status() {
    let mut order = super::tests::pending();
    let unknown = ReturnId::generate();
    assert_eq!(
        order.receive_return(unknown, OrderRefundId::generate(), at(1)),
        Err(OrderError::UnknownReturn)
    );
    assert_eq!(
        order.reject_return(unknown, at(1)),
        Err(OrderError::UnknownReturn)
    );
}

#[test]
fn only_shipped_units_not_returned_or_asked_back_may_be_returned() {
    let mut order = partly_shipped();
    let before = order.clone();
    assert_eq!(
        fields(order.request_return(
            request(&[("a", "3"), ("nope", "1"), ("b", "1")]),
            ReturnId::generate(),
            at(3)
        )),
        [
            Field::Item(0, ItemField::Quantity),
            Field::Item(1, ItemField::ProductId),
            Field::Item(2, ItemField::Quantity),
        ]
    );
    assert_eq!(order, before, "a refused return changes nothing");
    order
        .request_return(request(&[("a", "1")]), ReturnId::generate(), at(3))
        .expect("one of two shipped");
    assert_eq!(order.returnable(&ProductId::parse("a").expect("an id")), 1);
    assert_eq!(
        fields(order.request_return(request(&[("a", "2")]), ReturnId::generate(), at(4))),
        [Field::Item(0, ItemField::Quantity)],
        "the open return holds its unit"
    );
    order
        .request_return(request(&[("a", "1")]), ReturnId::generate(), at(4))
        .expect("the last shipped unit");
    assert_eq!(order.version().get(), 5);
}

#[test]
fn receiving_a_return_counts_the_goods_back_and_refunds_their_price_in_one_change() {
    let mut order = partly_shipped();
    let id = ReturnId::generate();
    order
        .request_return(request(&[("a", "2")]), id, at(3))
        .expect("requested");
    let before = order.clone();
    let refund = OrderRefundId::generate();
    assert_eq!(order.receive_return(id, refund, at(4)), Ok(Some(refund)));
    assert_eq!(order.version().get(), before.version().get() + 1);
    let received = order.find_return(id).expect("kept");
    assert_eq!(received.status, ReturnStatus::Received);
    assert_eq!(
        (received.received_at, received.refund),
        (Some(at(4)), Some(refund))
    );
    assert_eq!(order.line_progress()[0].returned, 2);
    assert_eq!(order.line_progress()[1].returned, 0);
    let made = order.refund(refund).expect("the refund is on the order");
    assert_eq!(made.amount.minor_units(), 2000, "2 × 10.00");
    assert_eq!(made.reason.as_str(), format!("return {id}"));
    assert_eq!(made.status, RefundStatus::Pending);
    assert_eq!(order.refundable_amount().minor_units(), 3000);

    let change = event(&before, &order);
    assert_eq!(change.event.event_type, EventType::ReturnReceived);
    assert_eq!(
        change.effects,
        [
            EffectKind::Publish,
            EffectKind::Restock(id),
            EffectKind::Refund {
                amount: made.amount,
                refund: Some(refund)
            }
        ]
    );
    assert_eq!(
        order.receive_return(id, OrderRefundId::generate(), at(5)),
        Err(OrderError::ReturnNotRequested(ReturnStatus::Received))
    );
    assert_eq!(
        order.reject_return(ReturnId::generate(), at(5)),
        Err(OrderError::UnknownReturn)
    );
}

#[test]
fn units_refunded_already_are_not_refunded_again_by_a_return() {
    let mut order = partly_shipped();
    order
        .request_refund(
            refund_of_a("10", Some("2")),
            OrderRefundId::generate(),
            at(3),
        )
        .expect("refunded");
    let id = ReturnId::generate();
    order
        .request_return(request(&[("a", "2")]), id, at(4))
        .expect("requested");
    let refund = OrderRefundId::generate();
    order.receive_return(id, refund, at(5)).expect("received");
    let made = order.refund(refund).expect("a refund");
    assert_eq!(
        made.amount.minor_units(),
        1000,
        "2 of the 3 units were refunded already"
    );
    assert_eq!(made.items[0].quantity.get(), 1);
    assert_eq!(
        order.unrefunded_units(&ProductId::parse("a").expect("an id")),
        0
    );
}

#[test]
fn a_return_with_nothing_left_to_refund_makes_no_refund() {
    let mut order = partly_shipped();
    order
        .request_refund(refund_of_a("50", None), OrderRefundId::generate(), at(3))
        .expect("everything refunded");
    let id = ReturnId::generate();
    order
        .request_return(request(&[("a", "1")]), id, at(4))
        .expect("requested");
    let before = order.clone();
    assert_eq!(
        order.receive_return(id, OrderRefundId::generate(), at(5)),
        Ok(None)
    );
    assert_eq!(order.refunds().len(), 1);
    assert_eq!(
        event(&before, &order).effects,
        [EffectKind::Publish, EffectKind::Restock(id)]
    );
}

#[test]
fn a_rejected_return_frees_its_units_and_refunds_nothing() {
    let mut order = partly_shipped();
    let id = ReturnId::generate();
    order
        .request_return(request(&[("a", "2")]), id, at(3))
        .expect("requested");
    let requested = order.clone();
    assert_eq!(
        event(&partly_shipped_like(&requested), &requested)
            .event
            .event_type,
        EventType::ReturnRequested
    );
    order.reject_return(id, at(4)).expect("rejected");
    let change = event(&requested, &order);
    assert_eq!(change.event.event_type, EventType::ReturnRejected);
    assert_eq!(change.effects, [EffectKind::Publish]);
    assert_eq!(
        order.find_return(id).and_then(|r| r.rejected_at),
        Some(at(4))
    );
    assert!(order.refunds().is_empty());
    assert_eq!(order.line_progress()[0].returned, 0);
    order
        .request_return(request(&[("a", "2")]), ReturnId::generate(), at(5))
        .expect("the units are free again");
}

/// The order before its latest return was asked for.
fn partly_shipped_like(order: &Order) -> Order {
    let mut snapshot = order.0.clone();
    snapshot.returns.pop();
    Order::restore(snapshot)
}

/// Receives a return of `units` of `product` and answers its refund's amount in minor units.
fn refund_of_return(order: &mut Order, product: &str, units: &str, at_minute: i64) -> i64 {
    let id = ReturnId::generate();
    order
        .request_return(request(&[(product, units)]), id, at(at_minute))
        .expect("requested");
    let refund = OrderRefundId::generate();
    order
        .receive_return(id, refund, at(at_minute + 1))
        .expect("received");
    order.refund(refund).expect("a refund").amount.minor_units()
}

#[test]
fn a_product_on_lines_at_different_prices_is_refunded_at_each_lines_price_in_line_order() {
    let lines = [("a", "2", "10"), ("b", "1", "5"), ("a", "1", "50")];
    let all = paid_and_shipped(&lines, "75", &[("a", "3"), ("b", "1")]);

    let mut at_once = all.clone();
    assert_eq!(
        refund_of_return(&mut at_once, "a", "3", 3),
        7000,
        "2 × 10 + 50"
    );

    let mut one_by_one = all.clone();
    let amounts = [3, 5, 7].map(|minute| refund_of_return(&mut one_by_one, "a", "1", minute));
    assert_eq!(amounts, [1000, 1000, 5000], "the first line's units first");

    // A unit refunded by hand counts as the first line's: the return gives back the rest at their prices.
    let mut after_goodwill = all;
    after_goodwill
        .request_refund(
            refund_of_a("1", Some("1")),
            OrderRefundId::generate(),
            at(3),
        )
        .expect("refunded");
    assert_eq!(
        refund_of_return(&mut after_goodwill, "a", "3", 4),
        6000,
        "10 + 50"
    );
}

#[test]
fn refund_items_add_up_across_refunds() {
    let mut order = partly_shipped();
    let refund = |quantity: &str| refund_of_a("1", Some(quantity));
    order
        .request_refund(refund("2"), OrderRefundId::generate(), at(3))
        .expect("2 of 3");
    let refused = order.request_refund(refund("2"), OrderRefundId::generate(), at(4));
    let Err(OrderError::Invalid(violations)) = refused else {
        panic!("expected a violation, got {refused:?}");
    };
    assert_eq!(violations[0].field, Field::Item(0, ItemField::Quantity));
    assert!(
        violations[0].message.contains("1 unit(s)"),
        "{violations:?}"
    );
    order
        .request_refund(refund("1"), OrderRefundId::generate(), at(4))
        .expect("the last one");
}

#[test]
fn settling_a_return_is_offered_only_while_one_waits() {
    let settles = |order: &Order| {
        order
            .allowed_actions()
            .any(|action| action == OrderAction::SettleReturn)
    };
    let mut order = partly_shipped();
    assert!(!settles(&order), "nothing was asked back");
    let (first, second) = (ReturnId::generate(), ReturnId::generate());
    order
        .request_return(request(&[("a", "1")]), first, at(3))
        .expect("requested");
    order
        .request_return(request(&[("a", "1")]), second, at(4))
        .expect("requested");
    assert!(settles(&order), "two wait");
    // A refusal offers what the order allows, settling the waiting returns included.
    match order.pay(&payment("50"), authorization(), at(4)) {
        Err(OrderError::NotAllowed { allowed, .. }) => {
            assert_eq!(allowed, order.allowed_actions().collect::<Vec<_>>());
            assert!(allowed.contains(&OrderAction::SettleReturn));
        }
        other => panic!("paid twice: {other:?}"),
    }
    order.reject_return(first, at(5)).expect("rejected");
    assert!(settles(&order), "one still waits");
    order.reject_return(second, at(6)).expect("rejected");
    assert!(!settles(&order), "none waits");
    assert!(order
        .allowed_actions()
        .any(|action| action == OrderAction::RequestReturn));
}
